import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { assertSecureUrl, trimEnd } from './http.js'
import { readBindingInputs, type BindingGrant } from './asgardeo/binding-config.js'
import { readSmokeInputs, type SmokeConfig } from './smoke/parse.js'
import { readOpenApiScopes } from './scopes/openapi.js'

/** Everything the run needs, validated before any network call. */
export interface Config {
  /** The `config` file's entry this is (absent for the single-API inputs). */
  entry?: string
  mode: 'apply' | 'plan' | 'check'
  asgardeo: { org: string; url: string; clientId: string; clientSecret: string }
  choreo: { org: string; orgId?: string; token: string; url: string; consoleUrl: string }
  api: { id?: string; name?: string; version?: string }
  scopes: ScopeSpec[]
  /** Where `scopes` came from. From an OpenAPI document, its bindings are exact: one it lacks is drift. */
  scopeSource: ScopeSource
  /** Permission values to request in the token. */
  tokenScopes: string[]
  application: string
  apiIdentifier?: string
  grant: { type: 'client_credentials' } | { type: 'password'; username: string; password: string } | BindingGrant
  keyManager: string
  /** Gateway environments to deploy to; empty = those the API is deployed to now (Production if none). */
  environments: string[]
  deploy: boolean
  throttlingPolicy: string
  prune: boolean
  /** `urn:<org>:<slug>:` for new Choreo scopes when the API has none to read it from; undefined = computed. */
  scopePrefix?: string
  timeoutSeconds: number
  /** `smoke-test` calls, run in apply mode after the token (absent when the input is empty). */
  smoke?: SmokeConfig
  /** Whose resources these are: written into what the action creates; prune and re-runs act only on its own. */
  owner: string
  /** Take over an existing application (or revision) this owner did not create. */
  adopt: boolean
  /** How long to wait for a deployment to reach the gateway; 0 = do not wait. */
  deployWaitSeconds: number
}

export interface Operation {
  verb: string
  target: string
}

export interface ScopeSpec {
  /** The permission value, e.g. `read`; the server qualifies it (urn:<org>:<api>:read). */
  value: string
  operations: Operation[]
}

/** The `scopes` input, or the `openapi` file (as given, relative to the workspace). */
export type ScopeSource = { input: 'scopes' } | { input: 'openapi'; file: string }

export type GetInput = (name: string) => string

/**
 * The inputs' defaults, exactly as action.yml declares them: readConfig applies them to an empty input
 * (a test holds the two together). Inputs whose default is computed (application, token-scopes, …) have
 * none here and `''` in action.yml.
 */
export const DEFAULTS: Readonly<Record<string, string>> = {
  'asgardeo-url': 'https://api.asgardeo.io',
  'choreo-url': 'https://sts.choreo.dev',
  'choreo-console-url': 'https://apis.choreo.dev',
  'grant-type': 'client_credentials',
  mode: 'apply',
  'key-manager': 'Asgardeo',
  deploy: 'true',
  'throttling-policy': 'Unlimited',
  prune: 'false',
  'timeout-seconds': '300',
  adopt: 'false',
  'deploy-wait-seconds': '180',
  'oidc-issuer': 'https://token.actions.githubusercontent.com',
  revoke: 'true',
  'smoke-wait-seconds': '120'
}

/** Thrown for bad input: every problem found, each naming the input and the fix. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `The inputs have ${problems.length} problems:\n- ${problems.join('\n- ')}`)
    this.name = 'InputError'
  }
}

const VERBS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
export const SCOPE_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const HANDLE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/**
 * Parses the `scopes` input: one scope per line, `value: VERB /path, VERB /path`. A value with nothing
 * after the colon is a scope guarding no operation. Blank lines and `#` comments are ignored.
 */
export function parseScopes(text: string, problems: string[] = []): ScopeSpec[] {
  const scopes: ScopeSpec[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim()
    if (!line || line.startsWith('#')) return
    const where = `scopes, line ${i + 1} ("${line}")`
    const colon = line.indexOf(':')
    if (colon < 0) {
      problems.push(`${where}: expected "value: VERB /path, VERB /path", e.g. "read: GET /items".`)
      return
    }
    const value = line.slice(0, colon).trim().replace(/^-\s*/, '')
    if (!SCOPE_VALUE.test(value)) {
      problems.push(
        `${where}: the permission value "${value}" may hold only letters, digits, "_", "-" and "." (e.g. "read" or "items_write").`
      )
      return
    }
    if (scopes.some((s) => s.value === value)) {
      problems.push(`${where}: the permission "${value}" is listed twice; list each permission once with all its operations.`)
      return
    }
    const operations: Operation[] = []
    for (const part of line
      .slice(colon + 1)
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const m = /^([A-Za-z]+)\s+(\/\S*)$/.exec(part)
      if (!m || !VERBS.has(m[1].toUpperCase())) {
        problems.push(`${where}: "${part}" is not an operation; write it as "VERB /path" with VERB one of ${[...VERBS].join(', ')}.`)
        continue
      }
      const op = { verb: m[1].toUpperCase(), target: m[2] }
      if (!operations.some((o) => o.verb === op.verb && o.target === op.target)) operations.push(op)
    }
    scopes.push({ value, operations })
  })
  return scopes
}

/** Reads and validates every input; throws InputError listing all problems at once. */
export function readConfig(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = []
  const get = (name: string): string => getInput(name).trim() || (DEFAULTS[name] ?? '')
  const required = (name: string, hint: string): string => {
    const v = get(name)
    if (!v) problems.push(`Input "${name}" is required: ${hint}`)
    return v
  }

  const mode = get('mode').toLowerCase()
  if (!['apply', 'plan', 'check'].includes(mode)) problems.push(`Input "mode" is "${mode}"; use apply, plan, check or token.`)

  const asgardeoOrg = required('asgardeo-org', 'the Asgardeo organization handle (the <org> in https://api.asgardeo.io/t/<org>).')
  if (asgardeoOrg && !HANDLE.test(asgardeoOrg))
    problems.push(`Input "asgardeo-org" ("${asgardeoOrg}") must be an organization handle, not a URL.`)
  const asgardeoUrl = baseUrl(get('asgardeo-url'), 'asgardeo-url', problems)
  const choreoOrg = required('choreo-org', 'the Choreo organization handle (Console > Organization > Settings).')
  if (choreoOrg && !HANDLE.test(choreoOrg)) problems.push(`Input "choreo-org" ("${choreoOrg}") must be an organization handle, not a URL.`)

  const scopesText = get('scopes')
  const openapiPath = get('openapi')
  const scopeSource: ScopeSource = openapiPath ? { input: 'openapi', file: openapiPath } : { input: 'scopes' }
  let scopes: ScopeSpec[] = []
  if (scopesText && openapiPath) {
    problems.push(
      'Give either "scopes" or "openapi", not both: "openapi" reads the permissions and their operations from the API\'s document.'
    )
  } else if (openapiPath) {
    scopes = readOpenApiScopes(openapiPath, problems, env)
  } else if (scopesText) {
    scopes = parseScopes(scopesText, problems)
    if (scopes.length === 0 && !problems.some((p) => p.startsWith('scopes,'))) problems.push('Input "scopes" lists no permission.')
  } else {
    problems.push(
      'Input "scopes" or "openapi" is required: "scopes" lists one permission per line, e.g. "read: GET /items, GET /items/{id}"; "openapi" is the path of the API\'s OpenAPI file, whose operation "security" names the scopes.'
    )
  }
  const listed = openapiPath ? `the "openapi" document (${openapiPath})` : '"scopes"'

  const tokenScopesText = get('token-scopes')
  const tokenScopes = tokenScopesText ? tokenScopesText.split(/[\s,]+/).filter(Boolean) : scopes.map((s) => s.value)
  // An unreadable document is reported once, as such, not again for every token scope.
  const unread = openapiPath !== '' && scopes.length === 0
  for (const t of unread ? [] : tokenScopes) {
    if (!scopes.some((s) => s.value === t)) {
      problems.push(
        `Input "token-scopes" names "${t}", which is not in ${listed}; request only permissions listed there (${scopes.map((s) => s.value).join(', ') || 'none'}).`
      )
    }
  }

  const apiId = get('api-id')
  const apiName = get('api')
  if (!apiId && !apiName) problems.push('Input "api" (the Choreo API name) or "api-id" (its API Manager id) is required.')
  if (apiId && apiName) problems.push('Give either "api" or "api-id", not both.')

  const grantType = get('grant-type').toLowerCase()
  let grant: Config['grant'] = { type: 'client_credentials' }
  if (grantType === 'password') {
    const username = required('username', 'the Asgardeo user the password grant signs in as (grant-type: password).')
    const password = required('password', "that user's password, from a secret (grant-type: password).")
    grant = { type: 'password', username, password }
  } else if (grantType === 'token-exchange') {
    grant = readBindingInputs(get, problems)
  } else if (grantType !== 'client_credentials') {
    problems.push(`Input "grant-type" is "${grantType}"; use client_credentials, password or token-exchange.`)
  }

  const timeoutText = get('timeout-seconds')
  const timeoutSeconds = Number(timeoutText)
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 10 || timeoutSeconds > 3600) {
    problems.push(`Input "timeout-seconds" is "${timeoutText}"; use a whole number of seconds from 10 to 3600.`)
  }

  const waitText = get('deploy-wait-seconds')
  const deployWaitSeconds = Number(waitText)
  if (!Number.isInteger(deployWaitSeconds) || deployWaitSeconds < 0 || deployWaitSeconds > 3600) {
    problems.push(`Input "deploy-wait-seconds" is "${waitText}"; use a whole number of seconds from 0 (do not wait) to 3600.`)
  }

  const config: Config = {
    mode: mode as Config['mode'],
    asgardeo: {
      org: asgardeoOrg,
      url: asgardeoUrl,
      clientId: required('asgardeo-client-id', 'the client ID of an Asgardeo M2M application authorized for the management APIs.'),
      clientSecret: required('asgardeo-client-secret', "that application's client secret, from a secret.")
    },
    choreo: {
      org: choreoOrg,
      orgId: get('choreo-org-id') || undefined,
      token: required('choreo-token', 'a Choreo personal access token, from a secret.'),
      url: baseUrl(get('choreo-url'), 'choreo-url', problems),
      consoleUrl: baseUrl(get('choreo-console-url'), 'choreo-console-url', problems)
    },
    api: { id: apiId || undefined, name: apiName || undefined, version: get('api-version') || undefined },
    scopes,
    scopeSource,
    tokenScopes,
    application: get('application') || defaultApplicationName(env),
    apiIdentifier: get('api-identifier') || undefined,
    grant,
    keyManager: get('key-manager'),
    environments: get('environments')
      .split(/[\s,]+/)
      .filter(Boolean),
    deploy: bool(get('deploy'), true, 'deploy', problems),
    throttlingPolicy: get('throttling-policy'),
    prune: bool(get('prune'), false, 'prune', problems),
    scopePrefix: get('scope-prefix') || undefined,
    timeoutSeconds,
    smoke: readSmokeInputs(get, problems),
    owner: '',
    adopt: bool(get('adopt'), false, 'adopt', problems),
    deployWaitSeconds
  }
  if (config.scopePrefix !== undefined && !/^urn:[^:\s]+:[^:\s]+:$/.test(config.scopePrefix)) {
    problems.push(`Input "scope-prefix" ("${config.scopePrefix}") must look like urn:<org>:<slug>: (three parts, ending in ":").`)
  }
  config.owner = get('owner') || defaultOwner(env, config.application)
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._/@:+-]{0,149}$/.test(config.owner)) {
    problems.push(
      `Input "owner" ("${config.owner}") may hold letters, digits, spaces and . _ / @ : + - (at most 150, starting with a letter or digit); it is written into the descriptions of what the action creates.`
    )
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/.test(config.application) || config.application !== config.application.trim()) {
    problems.push(
      `Input "application" ("${config.application}") may hold letters, digits, spaces, ".", "_" and "-" (at most 100, starting with a letter or digit).`
    )
  }
  if (config.asgardeo.clientId.includes(':'))
    problems.push(
      'Input "asgardeo-client-id" contains ":", which no client ID has; check that the client ID and secret are not swapped or joined.'
    )
  if (problems.length > 0) throw new InputError(problems)
  return config
}

/**
 * `github-<owner>-<repo>-<hash>` from the workflow's repository: each repository gets its own client.
 * The slug alone could collide (octo-org/items and octo/org-items); the hash of the exact name cannot.
 */
export function defaultApplicationName(env: NodeJS.ProcessEnv): string {
  const repo = env.GITHUB_REPOSITORY ?? ''
  if (!repo) return 'github-actions-client'
  const slug = repo
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return `github-${slug}-${createHash('sha256').update(repo).digest('hex').slice(0, 6)}`
}

/** `<owner>/<repo>/<application>`: the repository and the application name together say whose resources these are. */
export function defaultOwner(env: NodeJS.ProcessEnv, application: string): string {
  return `${env.GITHUB_REPOSITORY || 'local'}/${application}`
}

export function baseUrl(value: string, input: string, problems: string[]): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push(`Input "${input}" ("${value}") is not a URL; give the host, e.g. https://api.asgardeo.io.`)
    return value
  }
  try {
    assertSecureUrl(url, `"${input}"`)
  } catch (err) {
    problems.push(`Input ${(err as Error).message.replace(/^The /, '')}`)
  }
  if (/^\/t\//.test(url.pathname)) {
    problems.push(
      `Input "${input}" ("${value}") includes the organization path; give only the host (e.g. ${url.origin}) and the org in its own input.`
    )
  }
  return `${url.origin}${trimEnd(url.pathname, '/')}`
}

export function bool(value: string, fallback: boolean, input: string, problems: string[]): boolean {
  if (!value) return fallback
  if (/^(true|yes|on)$/i.test(value)) return true
  if (/^(false|no|off)$/i.test(value)) return false
  problems.push(`Input "${input}" is "${value}"; use true or false.`)
  return fallback
}

/**
 * A file an input names, read as the job's steps see it: a relative path from GITHUB_WORKSPACE, else the
 * working directory. `code` says why it could not be read (ENOENT, EISDIR, …).
 */
export function readWorkspaceFile(path: string, env: NodeJS.ProcessEnv): { full: string; text?: string; code?: string } {
  const full = isAbsolute(path) ? path : resolve(env.GITHUB_WORKSPACE || process.cwd(), path)
  try {
    return { full, text: readFileSync(full, 'utf8') }
  } catch (err) {
    return { full, code: (err as NodeJS.ErrnoException).code ?? (err as Error).message }
  }
}
