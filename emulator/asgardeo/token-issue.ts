import { createHash, randomUUID } from 'node:crypto'
import type { Ctx } from '../core/http.js'
import { issuerOf, keyNameOf, tokenHash } from './auth.js'
import type { TokenSubject } from './oauth-scopes.js'
import type { AsgardeoOrg, Application, IssuedToken } from './state.js'

/**
 * Mints access (and refresh) tokens, records them in `org.tokens` by hash, and returns the cached token
 * for the same client + subject + scope set while it is valid (shared/reference/asgardeo-api.md §2).
 */

/** Records kept per org: expired and revoked ones are dropped first, then the oldest. */
const MAX_TOKENS = 2000

/**
 * Raw tokens by access-token hash, for answering a cache hit with the same token. Kept out of the
 * state on purpose (the state holds hashes only); after a state reload the cache simply misses.
 */
const rawByHash = new Map<string, { access: string; refresh?: string }>()

export interface IssueRequest {
  org: AsgardeoOrg
  app: Application
  grantType: string
  subject: TokenSubject
  scopes: string[]
  /** Issue a refresh token alongside (password / token exchange with the refresh_token grant enabled). */
  withRefresh: boolean
  /** Refresh grant without rotation: carry this refresh token over to the new record. */
  keepRefresh?: { raw: string; hash: string; exp: number }
  /** False for the refresh grant, which always issues a new access token. */
  allowCache: boolean
  /** The token binding reference (client-request binding), part of the cache key as on the server. */
  bindingRef?: string
}

/** Client-request binding: values of 256 characters or more are refused (OAuth2Constants.MAX_ALLOWED_LENGTH). */
const MAX_BINDING_VALUE_LENGTH = 256

/**
 * The binding reference of a token request (AccessTokenIssuer.handleTokenBinding): only for an app with
 * `accessToken.bindingType: client-request` and a non-blank `tokenBindingId`; MD5 hex as OAuth2Util does.
 * Without the parameter the request is treated as unbound. Returns an error description for a too-long value.
 */
export function bindingRefOf(app: Application, form: URLSearchParams): { ref?: string; error?: string } {
  if (app.oidc.accessToken.bindingType !== 'client-request') return {}
  const value = form.get('tokenBindingId')
  if (!value || !value.trim()) return {}
  if (value.length >= MAX_BINDING_VALUE_LENGTH) return { error: 'Token binding reference length exceeds limit' }
  return { ref: createHash('md5').update(value).digest('hex') }
}

export interface Issued {
  accessToken: string
  refreshToken?: string
  expiresIn: number
  record: IssuedToken
}

export function subOf(app: Application, subject: TokenSubject): string {
  if (subject.kind === 'application') return app.id
  return subject.kind === 'user' ? subject.user.id : subject.sub
}

function nowSeconds(ctx: Ctx): number {
  return Math.floor(ctx.emulator.now() / 1000)
}

function sameScopes(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((s) => set.has(s))
}

function findCached(ctx: Ctx, req: IssueRequest, sub: string): Issued | undefined {
  const now = nowSeconds(ctx)
  for (const t of req.org.tokens) {
    if (t.revoked || t.exp <= now) continue
    if (t.clientId !== req.app.oidc.clientId || t.sub !== sub || t.grantType !== req.grantType) continue
    if (!sameScopes(t.scopes, req.scopes) || Boolean(t.refreshTokenHash) !== req.withRefresh) continue
    if (t.bindingRef !== req.bindingRef) continue
    const raw = rawByHash.get(t.tokenHash)
    if (!raw || (req.withRefresh && !raw.refresh)) continue
    return { accessToken: raw.access, refreshToken: raw.refresh, expiresIn: t.exp - now, record: t }
  }
  return undefined
}

/** Drops records that can no longer be used (expired or revoked), then the oldest beyond the cap. */
function prune(org: AsgardeoOrg, now: number): void {
  const live = (t: IssuedToken): boolean => !t.revoked && (t.exp > now || (t.refreshExp ?? 0) > now)
  let kept = org.tokens.filter(live)
  if (kept.length >= MAX_TOKENS) kept = kept.slice(kept.length - MAX_TOKENS + 1)
  const keptHashes = new Set(kept.map((t) => t.tokenHash))
  for (const t of org.tokens) if (!keptHashes.has(t.tokenHash)) rawByHash.delete(t.tokenHash)
  org.tokens = kept
}

/** The cached token for this request, or a newly signed one (recorded in the org's token list). */
export async function issueToken(ctx: Ctx, req: IssueRequest): Promise<Issued> {
  const { org, app, subject } = req
  const sub = subOf(app, subject)
  if (req.allowCache) {
    const cached = findCached(ctx, req, sub)
    if (cached) return cached
  }
  const iat = nowSeconds(ctx)
  const lifetime =
    subject.kind === 'application'
      ? app.oidc.accessToken.applicationAccessTokenExpiryInSeconds
      : app.oidc.accessToken.userAccessTokenExpiryInSeconds
  const exp = iat + lifetime
  const jti = randomUUID()
  const aut = subject.kind === 'application' ? 'APPLICATION' : 'APPLICATION_USER'
  const claims: Record<string, unknown> = {
    iss: issuerOf(ctx, org.handle),
    sub,
    aud: [...new Set([app.oidc.clientId, ...(app.oidc.idToken.audience ?? [])])],
    azp: app.oidc.clientId,
    client_id: app.oidc.clientId,
    aut,
    org_handle: org.handle,
    iat,
    nbf: iat,
    exp,
    jti
  }
  if (req.scopes.length > 0) claims.scope = app.oidc.accessToken.enableJwtScopeAsArray === true ? req.scopes : req.scopes.join(' ')
  if (req.bindingRef) Object.assign(claims, { binding_type: 'client-request', binding_ref: req.bindingRef })
  const accessToken = await ctx.emulator.keys.sign(keyNameOf(org.handle), claims, { typ: 'at+jwt' })

  let refresh: { raw: string; hash: string; exp: number } | undefined = req.keepRefresh
  if (!refresh && req.withRefresh) {
    const raw = randomUUID()
    refresh = { raw, hash: tokenHash(raw), exp: iat + app.oidc.refreshToken.expiryInSeconds }
  }

  const record: IssuedToken = {
    jti,
    tokenHash: tokenHash(accessToken),
    refreshTokenHash: refresh?.hash,
    clientId: app.oidc.clientId,
    sub,
    userId: subject.kind === 'user' ? subject.user.id : undefined,
    aut,
    grantType: req.grantType,
    scopes: req.scopes,
    iat,
    exp,
    refreshExp: refresh?.exp,
    ...(req.bindingRef ? { bindingRef: req.bindingRef } : {}),
    revoked: false
  }
  prune(org, iat)
  org.tokens.push(record)
  rawByHash.set(record.tokenHash, { access: accessToken, refresh: refresh?.raw })
  return { accessToken, refreshToken: refresh?.raw, expiresIn: lifetime, record }
}

/** An OIDC ID token for a user-bound grant that was granted `openid`. */
export async function issueIdToken(ctx: Ctx, org: AsgardeoOrg, app: Application, sub: string): Promise<string> {
  const iat = nowSeconds(ctx)
  return ctx.emulator.keys.sign(keyNameOf(org.handle), {
    iss: issuerOf(ctx, org.handle),
    sub,
    aud: [...new Set([app.oidc.clientId, ...(app.oidc.idToken.audience ?? [])])],
    azp: app.oidc.clientId,
    iat,
    exp: iat + app.oidc.idToken.expiryInSeconds,
    jti: randomUUID(),
    org_handle: org.handle
  })
}

/** The record of a live (unexpired, unrevoked) access token, by its raw value. */
export function findAccessToken(org: AsgardeoOrg, token: string, now: number): IssuedToken | undefined {
  const hash = tokenHash(token)
  return org.tokens.find((t) => t.tokenHash === hash && !t.revoked && t.exp > now)
}

/** The record a live refresh token belongs to, by its raw value. */
export function findRefreshToken(org: AsgardeoOrg, token: string, now: number): IssuedToken | undefined {
  const hash = tokenHash(token)
  return org.tokens.find((t) => t.refreshTokenHash === hash && !t.revoked && (t.refreshExp ?? 0) > now)
}
