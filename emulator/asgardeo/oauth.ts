import type { Router } from '../core/router.js'
import { bearer, empty, json, type Ctx, type Reply } from '../core/http.js'
import { issuerOf, keyNameOf, orgOf, tokenHash } from './auth.js'
import { authenticateClient, formOf, oauthFail } from './oauth-client.js'
import { grantScopes, parseScopeParam, type TokenSubject } from './oauth-scopes.js'
import { validateTokenExchange } from './oauth-token-exchange.js'
import { bindingRefOf, findAccessToken, findRefreshToken, issueIdToken, issueToken, type Issued } from './token-issue.js'
import { checkRateLimit } from './token-ratelimit.js'
import type { AsgardeoOrg, Application, IssuedToken, User } from './state.js'

/**
 * Asgardeo's OAuth2 endpoints under /t/{org}/oauth2 (shared/reference/asgardeo-api.md §2, §6, §7):
 * token (client_credentials, password, refresh_token, token exchange), JWKS, discovery, introspection
 * and revocation.
 */

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

type GrantHandler = (ctx: Ctx, org: AsgardeoOrg, app: Application, form: URLSearchParams) => Promise<Reply>

const GRANTS: Record<string, GrantHandler> = {
  client_credentials: clientCredentialsGrant,
  password: passwordGrant,
  refresh_token: refreshTokenGrant,
  [TOKEN_EXCHANGE]: tokenExchangeGrant
}

export function registerOAuth(router: Router): void {
  const base = '/t/{org}/oauth2'
  router.post(`${base}/token`, tokenEndpoint)
  router.get(`${base}/token/.well-known/openid-configuration`, discovery)
  router.get(`${base}/oidcdiscovery/.well-known/openid-configuration`, discovery)
  router.get(`${base}/jwks`, jwks)
  router.post(`${base}/introspect`, introspect)
  router.post(`${base}/revoke`, revoke)
  router.get(`${base}/userinfo`, userinfo)
  router.post(`${base}/userinfo`, userinfo)
}

async function tokenEndpoint(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'oauth2')
  const form = formOf(ctx)
  const grantType = form.get('grant_type')
  if (!grantType) throw oauthFail(400, 'invalid_request', 'Missing grant_type parameter value')
  const grant = GRANTS[grantType]
  if (!grant) throw oauthFail(400, 'unsupported_grant_type', 'Unsupported grant_type value')
  // A public client may authenticate with its id alone for the grants the server allows it, never client_credentials.
  const publicAllowed = org.publicClientGrants ? org.publicClientGrants.includes(grantType) : grantType !== 'client_credentials'
  const { app } = authenticateClient(ctx, org, form, publicAllowed)
  if (!app.oidc.grantTypes.includes(grantType)) {
    throw oauthFail(400, 'unauthorized_client', 'The authenticated client is not authorized to use this authorization grant type')
  }
  const { error } = bindingRefOf(app, form)
  if (error) throw oauthFail(400, 'invalid_request', error)
  return grant(ctx, org, app, form)
}

/** The token response: only present fields, `scope` omitted when nothing was granted. */
async function tokenResponse(
  ctx: Ctx,
  org: AsgardeoOrg,
  app: Application,
  issued: Issued,
  extra: Record<string, string> = {}
): Promise<Reply> {
  const scopes = issued.record.scopes
  const body: Record<string, unknown> = { access_token: issued.accessToken }
  if (issued.refreshToken) body.refresh_token = issued.refreshToken
  if (issued.record.aut === 'APPLICATION_USER' && scopes.includes('openid')) {
    body.id_token = await issueIdToken(ctx, org, app, issued.record.sub)
  }
  if (scopes.length > 0) body.scope = scopes.join(' ')
  body.token_type = 'Bearer'
  body.expires_in = issued.expiresIn
  Object.assign(body, extra)
  return json(200, body, NO_STORE)
}

function refreshEnabled(app: Application): boolean {
  return app.oidc.grantTypes.includes('refresh_token')
}

async function clientCredentialsGrant(ctx: Ctx, org: AsgardeoOrg, app: Application, form: URLSearchParams): Promise<Reply> {
  const subject: TokenSubject = { kind: 'application' }
  const scopes = grantScopes(org, app, parseScopeParam(form.get('scope')), subject)
  const issued = await issueToken(ctx, {
    org,
    app,
    grantType: 'client_credentials',
    subject,
    scopes,
    withRefresh: false,
    allowCache: true,
    bindingRef: bindingRefOf(app, form).ref
  })
  return tokenResponse(ctx, org, app, issued)
}

/** A user by login name; the `DEFAULT/` user-store prefix Asgardeo shows is accepted and ignored. */
export function findUserByName(org: AsgardeoOrg, name: string): User | undefined {
  const plain = name.replace(/^DEFAULT\//i, '')
  return org.users.find((u) => u.userName === name || u.userName === plain)
}

async function passwordGrant(ctx: Ctx, org: AsgardeoOrg, app: Application, form: URLSearchParams): Promise<Reply> {
  const username = form.get('username')
  const password = form.get('password')
  const missing = [username ? '' : 'username', password ? '' : 'password'].filter(Boolean)
  if (missing.length > 0) throw oauthFail(400, 'invalid_request', `Missing parameters: ${missing.join(' ')}`)
  const user = findUserByName(org, username as string)
  if (!user || user.password !== password) throw oauthFail(400, 'invalid_grant', `Authentication failed for ${username}`)
  if (user.locked)
    throw oauthFail(400, 'invalid_grant', `Account is locked for user ${username}. Cannot login until the account is unlocked.`)
  const subject: TokenSubject = { kind: 'user', user }
  const scopes = grantScopes(org, app, parseScopeParam(form.get('scope')), subject)
  const issued = await issueToken(ctx, {
    org,
    app,
    grantType: 'password',
    subject,
    scopes,
    withRefresh: refreshEnabled(app),
    allowCache: true,
    bindingRef: bindingRefOf(app, form).ref
  })
  return tokenResponse(ctx, org, app, issued)
}

async function refreshTokenGrant(ctx: Ctx, org: AsgardeoOrg, app: Application, form: URLSearchParams): Promise<Reply> {
  const raw = form.get('refresh_token')
  if (!raw) throw oauthFail(400, 'invalid_request', 'Missing parameters: refresh_token')
  const now = Math.floor(ctx.emulator.now() / 1000)
  const hash = tokenHash(raw)
  const old = org.tokens.find((t) => t.refreshTokenHash === hash && !t.revoked)
  if (!old || old.clientId !== app.oidc.clientId) throw oauthFail(400, 'invalid_grant', 'Persisted access token data not found')
  if ((old.refreshExp ?? 0) <= now) throw oauthFail(400, 'invalid_grant', 'Refresh token is expired.')

  let subject: TokenSubject
  if (old.userId) {
    const user = org.users.find((u) => u.id === old.userId)
    if (!user || user.locked) throw oauthFail(400, 'invalid_grant', 'Persisted access token data not found')
    subject = { kind: 'user', user }
  } else {
    subject = old.aut === 'APPLICATION' ? { kind: 'application' } : { kind: 'federated', sub: old.sub }
  }
  // A narrower `scope` may be asked for; anything beyond the original grant is dropped.
  const asked = form.get('scope')
  const requested = asked ? parseScopeParam(asked).filter((s) => old.scopes.includes(s)) : old.scopes
  const scopes = grantScopes(org, app, requested, subject)

  // The old access token dies with the refresh; the refresh token is rotated or carried over.
  const rotate = app.oidc.refreshToken.renewRefreshToken
  const keepRefresh = rotate ? undefined : { raw, hash, exp: old.refreshExp as number }
  old.revoked = true
  if (!rotate) old.refreshTokenHash = undefined
  const issued = await issueToken(ctx, {
    org,
    app,
    grantType: 'refresh_token',
    subject,
    scopes,
    withRefresh: rotate,
    keepRefresh,
    allowCache: false,
    bindingRef: old.bindingRef // the binding values are carried over on refresh (AccessTokenIssuer.handleTokenBinding)
  })
  return tokenResponse(ctx, org, app, issued)
}

async function tokenExchangeGrant(ctx: Ctx, org: AsgardeoOrg, app: Application, form: URLSearchParams): Promise<Reply> {
  const { subject, issuedTokenType } = await validateTokenExchange(ctx, org, app, form)
  const scopes = grantScopes(org, app, parseScopeParam(form.get('scope')), subject)
  const issued = await issueToken(ctx, {
    org,
    app,
    grantType: TOKEN_EXCHANGE,
    subject,
    scopes,
    withRefresh: refreshEnabled(app),
    allowCache: true,
    bindingRef: bindingRefOf(app, form).ref
  })
  return tokenResponse(ctx, org, app, issued, { issued_token_type: issuedTokenType })
}

async function jwks(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'oauth2')
  return json(200, await ctx.emulator.keys.jwks(keyNameOf(org.handle)))
}

function discovery(ctx: Ctx): Reply {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'oauth2')
  const base = `${ctx.baseUrl}/t/${org.handle}`
  return json(200, {
    issuer: issuerOf(ctx, org.handle),
    authorization_endpoint: `${base}/oauth2/authorize`,
    token_endpoint: `${base}/oauth2/token`,
    userinfo_endpoint: `${base}/oauth2/userinfo`,
    jwks_uri: `${base}/oauth2/jwks`,
    introspection_endpoint: `${base}/oauth2/introspect`,
    revocation_endpoint: `${base}/oauth2/revoke`,
    end_session_endpoint: `${base}/oidc/logout`,
    grant_types_supported: Object.keys(GRANTS),
    response_types_supported: ['code', 'id_token', 'token', 'code id_token', 'code token', 'id_token token', 'code id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'address', 'phone', 'groups', 'internal_login'],
    subject_types_supported: ['public', 'pairwise'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256', 'plain'],
    claims_parameter_supported: true,
    request_parameter_supported: true
  })
}

function usernameOf(org: AsgardeoOrg, t: IssuedToken): string | undefined {
  if (t.aut === 'APPLICATION') return undefined
  return t.userId ? org.users.find((u) => u.id === t.userId)?.userName : t.sub
}

async function introspect(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'oauth2')
  const form = formOf(ctx)
  authenticateClient(ctx, org, form, false)
  const token = form.get('token')
  if (!token) throw oauthFail(400, 'invalid_request', 'Invalid input. Token is missing.')
  const now = Math.floor(ctx.emulator.now() / 1000)
  const hint = form.get('token_type_hint')
  const access = hint === 'refresh_token' ? undefined : findAccessToken(org, token, now)
  const refresh = access ? undefined : findRefreshToken(org, token, now)
  const t = access ?? refresh
  if (!t) return json(200, { active: false })
  const body: Record<string, unknown> = { active: true }
  if (t.scopes.length > 0) body.scope = t.scopes.join(' ')
  body.client_id = t.clientId
  body.exp = access ? t.exp : t.refreshExp
  body.iat = t.iat
  body.nbf = t.iat
  body.token_type = access ? 'Bearer' : 'Refresh'
  const username = usernameOf(org, t)
  if (username) body.username = username
  body.aut = t.aut
  body.sub = t.sub
  if (access) body.jti = t.jti
  return json(200, body)
}

/** RFC 7009: 200 with an empty body whether or not the token was known; another client's token is left alone. */
async function revoke(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'oauth2')
  const form = formOf(ctx)
  const { app } = authenticateClient(ctx, org, form, true)
  const token = form.get('token')
  if (!token) throw oauthFail(400, 'invalid_request', 'Invalid input. Token is missing.')
  const hash = tokenHash(token)
  // Revoking either token of a pair revokes both, as WSO2 does.
  const record = org.tokens.find((t) => !t.revoked && (t.tokenHash === hash || t.refreshTokenHash === hash))
  if (record && record.clientId === app.oidc.clientId) record.revoked = true
  return empty(200, NO_STORE)
}

/**
 * OIDC Core §5.3 UserInfo: a Bearer access token (RFC 6750 §2.1) carrying `openid` → 200 `{sub, …}` with the
 * claims its scopes release (`profile` → `username`, `email` → `email`); no / invalid / expired / revoked
 * token → 401 `invalid_token` with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3.1); a token without
 * `openid` (every client_credentials token: openid is stripped there) → 403 `insufficient_scope`.
 */
async function userinfo(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'oauth2')
  const challenge = (error: string, description: string, status: number): Reply =>
    json(
      status,
      { error, error_description: description },
      { 'www-authenticate': `Bearer error="${error}", error_description="${description}"`, ...NO_STORE }
    )
  const token = bearer(ctx)
  const t = token ? findAccessToken(org, token, Math.floor(ctx.emulator.now() / 1000)) : undefined
  if (!t) return challenge('invalid_token', 'Access token validation failed', 401)
  if (!t.scopes.includes('openid')) return challenge('insufficient_scope', 'Access token does not have the openid scope', 403)
  const user = t.userId ? org.users.find((u) => u.id === t.userId) : undefined
  const body: Record<string, unknown> = { sub: t.sub }
  if (user && t.scopes.includes('profile')) body.username = user.userName
  if (user && t.scopes.includes('email') && user.emails[0]) body.email = user.emails[0]
  return json(200, body, NO_STORE)
}
