import { ApiError } from '../http.js'
import type { TokenConfig } from './inputs.js'

/**
 * Why Asgardeo refused an exchange, in terms of the id-token's claims. Asgardeo checks the issuer,
 * signature, times and audience, then whether the `sub` is linked (oidc-binding.md §1, §6); the claims
 * shown are the non-secret ones a person compares with the binding. Never the token itself.
 */

export const SHOWN_CLAIMS = ['iss', 'sub', 'aud', 'repository', 'ref', 'environment', 'job_workflow_ref'] as const

/** The id-token's claims (payload only; the signature part is never read or printed). */
export function claimsOf(jwt: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

/** `iss: …` lines for the log, plus `exp` as a time. */
export function describeClaims(claims: Record<string, unknown>): string[] {
  const lines = SHOWN_CLAIMS.map((name) => `${name}: ${claims[name] === undefined ? '(none)' : JSON.stringify(claims[name])}`)
  if (typeof claims.exp === 'number') lines.push(`exp: ${new Date(claims.exp * 1000).toISOString()}`)
  return lines
}

/** The refusal as an error that says which check failed and what to compare or change. */
export function refusalError(err: unknown, claims: Record<string, unknown>, config: TokenConfig): Error {
  if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500) return err instanceof Error ? err : new Error(String(err))
  const text = `${err.code ?? ''} ${err.message}`
  const sub = JSON.stringify(claims.sub)
  let advice: string
  if (/local user couldn't be found/i.test(text)) {
    advice =
      `Asgardeo refused this job's id-token: its sub ${sub} is not linked to the application's service user. ` +
      'Only the exact subjects listed in the provisioning run\'s "github-subjects" get a token (its plan shows them as "Asgardeo federated association" rows): ' +
      'compare them with the sub above. A different repository, branch, environment or sub template gives a different sub.'
  } else if (err.code === 'invalid_target' || /not included as a audience/i.test(text)) {
    advice = `Asgardeo refused the id-token's audience (aud ${JSON.stringify(claims.aud)}): it must be the organization's token endpoint ${config.tokenEndpoint} or the trusted issuer's alias (the provisioning run's "oidc-audience"). Set "oidc-audience" to that value, or leave it empty for the token endpoint.`
  } else if (/expired|issued before the allowed time|Not_Before/i.test(text)) {
    advice =
      "Asgardeo refused the id-token as expired or not yet valid. Request it right before the exchange (this step does), and check the runner's clock."
  } else if (/Signature/i.test(text)) {
    advice = `Asgardeo refused the id-token's signature: it was not signed by a key the trusted issuer (${JSON.stringify(claims.iss)}) publishes in its JWKS.`
  } else if (/No Registered IDP|No active IDP/i.test(text)) {
    advice = `Asgardeo trusts no (enabled) issuer ${JSON.stringify(claims.iss)}. Run the provisioning step with grant-type: token-exchange, with "oidc-issuer" set to this iss for a GitHub Enterprise custom issuer.`
  } else if (err.code === 'invalid_client') {
    advice = config.clientSecret
      ? 'Inputs "client-id" and "client-secret": Asgardeo did not accept them. Check that they belong to the application the provisioning run made.'
      : `Input "client-id": Asgardeo did not accept ${JSON.stringify(config.clientId)} without a secret. Either the application is no public client, or this server allows no public client for the token-exchange grant: pass the application's client secret in "client-secret" (from a secret).`
  } else if (err.code === 'unauthorized_client') {
    advice =
      'The application does not allow the token-exchange grant: re-run the provisioning step (grant-type: token-exchange), which enables it.'
  } else if (err.code === 'access_denied') {
    advice = 'Asgardeo refused the linked service user (locked or disabled): unlock it in the Console (Users).'
  } else {
    advice = 'Asgardeo refused the token exchange.'
  }
  return new ApiError(`${advice} (${err.message})`, err.service, err.status, err.code, err.body)
}
