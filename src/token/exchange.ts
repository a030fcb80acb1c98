import * as core from '@actions/core'
import { log, output, secret } from '../output.js'
import { randomUUID } from 'node:crypto'
import type { TokenResponse } from './response.js'
import { TOKEN_EXCHANGE_GRANT } from '../asgardeo/binding-config.js'
import { ApiError, Http } from '../http.js'
import { ungranted } from '../plan.js'
import { idTokenPreflight, readTokenConfig, type TokenConfig } from './inputs.js'
import { outputToken } from './output.js'
import { claimsOf, describeClaims, refusalError } from './refusal.js'
import { smokeStep } from '../smoke/step.js'
import { STATE } from './state.js' // the token travels to the post step only through the runner's step state

const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/** mode: token: this job's GitHub id-token → an Asgardeo access token (RFC 8693), checked, masked, output. */
export async function runTokenMode(): Promise<void> {
  const secretInput = core.getInput('client-secret')
  if (secretInput) secret(secretInput)
  let http: Http | undefined
  try {
    const config = readTokenConfig((name) => core.getInput(name))
    idTokenPreflight(process.env)
    http = new Http({ deadline: Date.now() + config.timeoutSeconds * 1000, debug: core.isDebug() ? core.debug : undefined })
    http.addSecret(config.clientSecret)

    const idToken = await core.getIDToken(config.audience).catch((err: unknown) => {
      throw new Error(
        `GitHub did not issue an OIDC id-token for audience "${config.audience}": ${err instanceof Error ? err.message : String(err)}`
      )
    })
    secret(idToken) // @actions/core masks it too; this step never relies on that
    http.addSecret(idToken)
    const claims = claimsOf(idToken)
    log.info(`Exchanging the id-token of ${JSON.stringify(claims.sub)} for ${config.scopes.length} scopes at ${config.tokenEndpoint}.`)

    const token = await exchange(http, config, idToken).catch((err: unknown) => {
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
        core.startGroup('The id-token Asgardeo refused (non-secret claims)')
        for (const line of describeClaims(claims)) log.info(line)
        core.endGroup()
      }
      throw refusalError(err, claims, config)
    })
    const missing = ungranted(config.scopes, token.scope)
    if (missing.length > 0) {
      await revokeQuietly(http, config, token.access_token)
      throw new Error(
        `Asgardeo issued a token without ${missing.join(', ')} (granted: ${token.scope || 'none'}). The service user's role carries only the provisioning run's "token-scopes", and only scopes authorized to the application: re-run the provisioning step with those scopes, then this step.`
      )
    }
    core.saveState(STATE.token, token.access_token)
    core.saveState(STATE.expiresAt, new Date(Date.now() + token.expires_in * 1000).toISOString())
    core.saveState(STATE.revokeEndpoint, config.revokeEndpoint)
    outputToken(token)
    output('token-endpoint', config.tokenEndpoint)
    output('client-id', config.clientId)
    log.info(
      `Issued a ${token.token_type} token for ${JSON.stringify(claims.sub)} with ${config.scopes.length} scopes, valid ${token.expires_in} s.`
    )
    await writeTokenSummary(claims, token)
    // The calls' targets are absolute (readTokenConfig), so the gateway's own URL is not needed.
    if (config.smoke)
      await smokeStep(config.smoke, {
        mode: 'token',
        gateway: undefined,
        token: token.access_token,
        debug: core.isDebug() ? log.debug : undefined
      })
  } catch (err) {
    log.fail(err instanceof Error ? err.message : String(err))
  } finally {
    http?.dispose()
  }
}

/**
 * The RFC 8693 request. A random `tokenBindingId` per run: the application binds tokens to the request
 * (client-request binding), so Asgardeo's per-user token cache never hands this run's token to another
 * run, and the post step can revoke it without breaking a concurrent job.
 */
async function exchange(http: Http, config: TokenConfig, idToken: string): Promise<TokenResponse> {
  const form: Record<string, string> = {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: idToken,
    subject_token_type: JWT_TYPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
    scope: config.scopes.join(' '),
    tokenBindingId: randomUUID()
  }
  if (!config.clientSecret) form.client_id = config.clientId // a public client authenticates with its id alone
  const res = await http.request<TokenResponse>({
    service: 'asgardeo',
    method: 'POST',
    url: config.tokenEndpoint,
    form,
    basic: config.clientSecret ? { user: config.clientId, password: config.clientSecret } : undefined,
    readOnly: true
  })
  const token = res.body
  if (!token || typeof token.access_token !== 'string') {
    throw new ApiError(
      `Asgardeo's token endpoint ${config.tokenEndpoint} answered without an access_token.`,
      'asgardeo',
      res.status,
      undefined,
      undefined
    )
  }
  secret(token.access_token)
  http.addSecret(token.access_token)
  if (token.refresh_token) secret(token.refresh_token)
  return token
}

/** A token that failed the scope check is of no use: revoked at once, best effort. */
async function revokeQuietly(http: Http, config: TokenConfig, token: string): Promise<void> {
  await http
    .request({
      service: 'asgardeo',
      method: 'POST',
      url: config.revokeEndpoint,
      form: { token, token_type_hint: 'access_token', ...(config.clientSecret ? {} : { client_id: config.clientId }) },
      basic: config.clientSecret ? { user: config.clientId, password: config.clientSecret } : undefined
    })
    .catch(() => undefined)
}

async function writeTokenSummary(claims: Record<string, unknown>, token: TokenResponse): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const esc = (t: string): string => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
  const scopes = (token.scope ?? '').split(' ').filter(Boolean)
  const expires = new Date(Date.now() + token.expires_in * 1000).toISOString()
  core.summary
    .addHeading('Secure API access with Asgardeo — token', 2)
    .addRaw(
      `Token for <code>${esc(String(claims.sub))}</code>: ${esc(token.token_type)}, scopes ${scopes.map((s) => `<code>${esc(s)}</code>`).join(' ')}, expires ${expires}.`,
      true
    )
  await core.summary.write()
}
