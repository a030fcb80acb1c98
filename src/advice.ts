import { ApiError } from './http.js'

/**
 * What the services refuse, turned into what to do: the input to check and the fix. The server's own
 * words stay in the message after the advice, so nothing is lost.
 */

const PAT_PERMISSIONS = 'apim:api_view, apim:api_manage, apim:api_publish, apim:subscribe and apim:app_manage'

function advise(err: ApiError, advice: string): ApiError {
  return new ApiError(`${advice} (${err.message})`, err.service, err.status, err.code, err.body)
}

/** Any Choreo call: credentials and permissions of the personal access token. */
export function choreoAdvice(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err
  if (err.status === 401) {
    return advise(
      err,
      'Input "choreo-token": Choreo did not accept the personal access token; it may be expired or revoked. Create a new one (Choreo Console > Account Settings > Personal Access Tokens) and update the secret.'
    )
  }
  if (err.status === 403) {
    return advise(
      err,
      `Input "choreo-token": the token's user may not do this. It must be able to manage the API and the Developer Portal (API Manager ${PAT_PERMISSIONS}).`
    )
  }
  if (err.status === 400 && (err.code === '900988' || err.code === '903204')) {
    return advise(
      err,
      'A scope name in "scopes" (or the "openapi" document) is already used by another API of this Choreo organization (scope names are unique per organization). Rename the permission or remove it from the other API.'
    )
  }
  return err
}

/** The management token: the inputs that name the management application. */
export function managementTokenAdvice(err: unknown, org: string): unknown {
  if (!(err instanceof ApiError)) return err
  if (err.code === 'invalid_client') {
    return advise(
      err,
      `Inputs "asgardeo-client-id" and "asgardeo-client-secret": Asgardeo organization "${org}" did not accept these credentials. Check both, and that the application belongs to "asgardeo-org".`
    )
  }
  if (err.code === 'unauthorized_client') {
    return advise(
      err,
      'The management application (input "asgardeo-client-id") does not allow the client_credentials grant: use an M2M application, or enable that grant on its Protocol tab.'
    )
  }
  return err
}

/** The API token: the grant's own inputs. */
export function apiTokenAdvice(err: unknown, grant: string, application: string): unknown {
  if (!(err instanceof ApiError)) return err
  if (err.code === 'invalid_grant' && grant === 'password') {
    return advise(
      err,
      'Inputs "username" and "password": Asgardeo refused the password grant; check both, and that the account is not locked.'
    )
  }
  if (err.code === 'unauthorized_client') {
    return advise(
      err,
      `The Asgardeo application "${application}" does not allow the ${grant} grant; enable it on its Protocol tab, or re-run to let this action enable it.`
    )
  }
  return err
}
