import { ApiError } from '../http.js'

/** The fields of a token response the run and its outputs use, checked for type and range as they arrive. */
export interface TokenResponse {
  access_token: string
  refresh_token?: string
  token_type: string
  expires_in: number
  scope?: string
}

/** Ten years: a longer lifetime is a server bug, and would not fit an ISO date either way. */
const MAX_EXPIRES_IN = 10 * 365 * 24 * 3600
/** Printable ASCII without space (RFC 6750 b64token is a subset); a JWT is a few kB. */
const TOKEN_TEXT = /^[\x21-\x7e]{1,65536}$/
const TOKEN_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/
/** RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and backslash. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/

/** A token response whose fields are all usable, or an error that names the bad field (never its value, which may be a secret). */
export function validToken(body: unknown, endpoint: string, status: number): TokenResponse {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const bad = (field: string, why: string): never => {
    throw new ApiError(
      `Asgardeo's token endpoint ${endpoint} answered with ${field} ${why}.`,
      'asgardeo',
      status,
      'INVALID_TOKEN_RESPONSE',
      undefined
    )
  }
  if (typeof b.access_token !== 'string') bad('access_token', 'missing')
  if (!TOKEN_TEXT.test(b.access_token as string)) bad('access_token', 'holding characters a token cannot have')
  if (b.refresh_token !== undefined && (typeof b.refresh_token !== 'string' || !TOKEN_TEXT.test(b.refresh_token)))
    bad('refresh_token', 'that is not a token')
  if (typeof b.token_type !== 'string' || !TOKEN_TYPE.test(b.token_type))
    bad('token_type', `${describe(b.token_type)}, not a token type such as Bearer`)
  const expiresIn = b.expires_in
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn <= 0 || expiresIn > MAX_EXPIRES_IN)
    bad('expires_in', `${describe(expiresIn)}, not a whole number of seconds between 1 and ${MAX_EXPIRES_IN}`)
  if (b.scope !== undefined && (typeof b.scope !== 'string' || !b.scope.split(' ').every((s) => s === '' || SCOPE_TOKEN.test(s))))
    bad('scope', `${describe(b.scope)}, not a space-separated list of scope names`)
  return b as unknown as TokenResponse
}

/** A server value, shown short and quoted (the log layer neutralises it further). */
function describe(value: unknown): string {
  if (value === undefined) return 'missing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}
