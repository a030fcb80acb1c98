import { baseUrl, bool, DEFAULTS, InputError, type GetInput } from '../inputs.js'
import { readSmokeInputs, type SmokeConfig } from '../smoke/parse.js'

/**
 * `mode: token`: a deploy job exchanges its GitHub id-token for an access token and reconciles nothing,
 * so it needs none of the management inputs (asgardeo-client-id/secret, choreo-*, scopes, api).
 */
export interface TokenConfig {
  org: string
  /** `{asgardeo-url}/t/{org}`. */
  base: string
  tokenEndpoint: string
  revokeEndpoint: string
  clientId: string
  /** Only when the application is not a public client (or the server allows none for this grant). */
  clientSecret?: string
  /** The id-token's `aud`: the org's token endpoint unless the issuer has another alias. */
  audience: string
  /** Fully qualified scope names, as the provisioning run outputs them in `scopes`. */
  scopes: string[]
  revoke: boolean
  timeoutSeconds: number
  /** `smoke-test` calls made with the new token; absolute URLs only (this mode reads nothing from Choreo). */
  smoke?: SmokeConfig
}

export function isTokenMode(getInput: GetInput): boolean {
  return getInput('mode').trim().toLowerCase() === 'token'
}

const HANDLE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** Reads and validates the token-mode inputs; throws InputError listing every problem. */
export function readTokenConfig(getInput: GetInput): TokenConfig {
  const problems: string[] = []
  const get = (name: string): string => getInput(name).trim() || (DEFAULTS[name] ?? '')

  const org = get('asgardeo-org')
  if (!org)
    problems.push('Input "asgardeo-org" is required: the Asgardeo organization handle (the <org> in https://api.asgardeo.io/t/<org>).')
  else if (!HANDLE.test(org)) problems.push(`Input "asgardeo-org" ("${org}") must be an organization handle, not a URL.`)
  const host = baseUrl(get('asgardeo-url'), 'asgardeo-url', problems)
  const base = `${host}/t/${encodeURIComponent(org)}`

  const clientId = get('client-id')
  if (!clientId) {
    problems.push(
      'Input "client-id" is required with mode: token: the client ID of the application the provisioning run (grant-type: token-exchange) outputs as "client-id".'
    )
  } else if (clientId.includes(':')) {
    problems.push('Input "client-id" contains ":", which no client ID has; pass the provisioning run\'s "client-id" output as is.')
  }

  const scopes = parseTokenScopes(get('token-scopes'), problems)
  const timeoutText = get('timeout-seconds')
  const timeoutSeconds = Number(timeoutText)
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 10 || timeoutSeconds > 3600) {
    problems.push(`Input "timeout-seconds" is "${timeoutText}"; use a whole number of seconds from 10 to 3600.`)
  }
  const config: TokenConfig = {
    org,
    base,
    tokenEndpoint: `${base}/oauth2/token`,
    revokeEndpoint: `${base}/oauth2/revoke`,
    clientId,
    clientSecret: get('client-secret') || undefined,
    audience: get('oidc-audience') || `${base}/oauth2/token`,
    scopes,
    revoke: bool(get('revoke'), true, 'revoke', problems),
    timeoutSeconds,
    smoke: readTokenModeSmoke(get, problems)
  }
  if (problems.length > 0) throw new InputError(problems)
  return config
}

/** A JSON array (the provisioning run's `scopes` output) or names separated by spaces or commas. */
export function parseTokenScopes(text: string, problems: string[] = []): string[] {
  const hint = 'the fully qualified scope names the provisioning run outputs as "scopes", e.g. ${{ needs.provision.outputs.scopes }}'
  if (!text) {
    problems.push(`Input "token-scopes" is required with mode: token: ${hint}.`)
    return []
  }
  let names: unknown[]
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text)
      names = Array.isArray(parsed) ? parsed : [parsed]
    } catch {
      problems.push(`Input "token-scopes" starts with "[" but is not a JSON array: give ${hint}.`)
      return []
    }
  } else {
    names = text.split(/[\s,]+/).filter(Boolean)
  }
  const bad = names.filter((n) => typeof n !== 'string' || !n || /\s/.test(n))
  if (bad.length > 0) problems.push(`Input "token-scopes" holds ${bad.map((b) => JSON.stringify(b)).join(', ')}: give ${hint}.`)
  const scopes = [...new Set(names.filter((n): n is string => typeof n === 'string' && !!n && !/\s/.test(n)))]
  if (scopes.length === 0 && bad.length === 0) problems.push(`Input "token-scopes" names no scope: give ${hint}.`)
  return scopes
}

/** Without the runner's id-token endpoint nothing can work: said before any network call, with the fix. */
export function idTokenPreflight(env: NodeJS.ProcessEnv): void {
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) return
  throw new Error(
    [
      'mode: token needs a GitHub OIDC id-token, and this job may not request one (ACTIONS_ID_TOKEN_REQUEST_URL is not set). Give the job this permission:',
      '',
      '    permissions:',
      '      id-token: write',
      '',
      'A job-level "permissions" block replaces the defaults, so list every other permission the job needs too (e.g. contents: read).',
      'Pull requests from forks get a read-only token and no id-token, and GitHub treats runs triggered by Dependabot like forks: run the token step for pushes, environments or workflow_dispatch, not for those.'
    ].join('\n')
  )
}

/**
 * `smoke-test` in mode: token. The gateway URL comes from Choreo's Developer Portal, which this mode does
 * not read (it holds no Choreo credential), so every target must be the absolute URL of the call.
 */
function readTokenModeSmoke(get: (name: string) => string, problems: string[]): SmokeConfig | undefined {
  const smoke = readSmokeInputs(get, problems)
  if (!smoke) return undefined
  for (const call of smoke.calls) {
    if (call.target.startsWith('/')) {
      problems.push(
        `Input "smoke-test", line ${call.line} ("${call.text}"): with mode: token the target must be the absolute https:// URL of the call (this mode reads nothing from Choreo, so it cannot look the gateway URL up); copy the API's gateway URL from the Choreo Console, e.g. "GET https://<gateway>/items -> 200".`
      )
    }
  }
  if (smoke.environment) {
    problems.push('Input "smoke-environment" does not apply with mode: token (the targets are absolute URLs); remove it.')
  }
  return smoke
}
