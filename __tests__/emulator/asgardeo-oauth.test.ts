import { beforeEach, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import * as jose from 'jose'
import { DEFAULT_SEED } from '../../emulator/index.js'
import {
  defaultOidc,
  SYSTEM_APIS,
  type AsgardeoOrg,
  type Application,
  type ApiResource,
  type IdentityProvider
} from '../../emulator/asgardeo/state.js'
import { checkRateLimit } from '../../emulator/asgardeo/token-ratelimit.js'
import { ReplyError, type Ctx } from '../../emulator/core/http.js'
import { alignToMinute } from './asgardeo-mgmt-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

const TX = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const GH_ISSUER = 'https://token.actions.githubusercontent.com'
const MGMT = { id: DEFAULT_SEED.mgmtClientId, secret: DEFAULT_SEED.mgmtClientSecret }
const ALL_INTERNAL = SYSTEM_APIS.flatMap((a) => a.scopes)

const acme = (): AsgardeoOrg => emu.state.asgardeo.orgs.acme
const issuer = (): string => `${emu.url}/t/acme/oauth2/token`
const nowS = (): number => Math.floor(emu.now() / 1000)
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

interface Res {
  status: number
  headers: Headers
  body: Record<string, unknown>
  text: string
}

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Res> {
  const r = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString()
  })
  const text = await r.text()
  return { status: r.status, headers: r.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

/** Token request with Basic client auth (pass `client` null for none). */
function token(form: Record<string, string>, client: { id: string; secret: string } | null = MGMT): Promise<Res> {
  return post('/t/acme/oauth2/token', form, client ? { authorization: basic(client.id, client.secret) } : {})
}

async function get(path: string, accessToken?: string): Promise<Res> {
  const r = await fetch(`${emu.url}${path}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} })
  const text = await r.text()
  return { status: r.status, headers: r.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

function introspect(t: string, extra: Record<string, string> = {}): Promise<Res> {
  return post('/t/acme/oauth2/introspect', { token: t, ...extra }, { authorization: basic(MGMT.id, MGMT.secret) })
}

function addApi(name: string, scopes: string[], requiresAuthorization = true): ApiResource {
  const api: ApiResource = {
    id: randomUUID(),
    name,
    identifier: `https://${name}.example.com`,
    type: 'BUSINESS',
    requiresAuthorization,
    scopes: scopes.map((s) => ({ id: randomUUID(), name: s, displayName: s }))
  }
  acme().apiResources.push(api)
  return api
}

function addApp(opts: {
  grantTypes: string[]
  authorize?: { api: ApiResource; policy?: 'RBAC' | 'NO POLICY'; scopes?: string[] }[]
  publicClient?: boolean
  extra?: Record<string, unknown>
}): Application & { secret: string } {
  const clientId = `client_${randomUUID().slice(0, 8)}`
  const secret = `secret_${randomUUID()}`
  const app: Application = {
    id: randomUUID(),
    name: `app-${clientId}`,
    allowedAudience: 'APPLICATION',
    oidc: { ...defaultOidc(clientId, secret, opts.grantTypes), publicClient: opts.publicClient ?? false },
    authorizedApis: (opts.authorize ?? []).map((a) => ({
      id: a.api.id,
      policyId: a.policy ?? 'RBAC',
      scopes: a.scopes ?? a.api.scopes.map((s) => s.name)
    })),
    extra: opts.extra ?? {},
    createdAt: 0
  }
  acme().applications.push(app)
  return Object.assign(app, { secret })
}

const clientOf = (app: Application): { id: string; secret: string } => ({ id: app.oidc.clientId, secret: app.oidc.clientSecret })

function alice() {
  return acme().users[0]
}

function giveRole(app: Application, userId: string, permissions: string[], audience: 'application' | 'organization' = 'application'): void {
  acme().roles.push({
    id: randomUUID(),
    displayName: `role-${randomUUID().slice(0, 6)}`,
    audience: audience === 'application' ? { type: 'application', value: app.id } : { type: 'organization', value: 'org' },
    permissions,
    users: [userId],
    groups: []
  })
}

async function advance(seconds: number): Promise<void> {
  const r = await fetch(`${emu.url}/__emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds })
  })
  expect(r.status).toBe(200)
}

function expectOAuthError(r: Res, status: number, error: string): void {
  expect(r.status).toBe(status)
  expect(r.body.error).toBe(error)
  expect(typeof r.body.error_description).toBe('string')
}

// ------------------------------------------------------------------------------ client authentication

describe('client authentication', () => {
  test('HTTP Basic client credentials issue a token', async () => {
    const r = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view' })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ scope: 'internal_role_mgt_view', token_type: 'Bearer', expires_in: 3600 })
    expect(typeof r.body.access_token).toBe('string')
    expect(r.body.refresh_token).toBeUndefined()
    expect(r.headers.get('cache-control')).toBe('no-store')
  })

  test('client_id / client_secret form fields work too', async () => {
    const r = await token(
      { grant_type: 'client_credentials', scope: 'internal_role_mgt_view', client_id: MGMT.id, client_secret: MGMT.secret },
      null
    )
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('internal_role_mgt_view')
  })

  test('wrong secret → 401 invalid_client with WWW-Authenticate', async () => {
    const r = await token({ grant_type: 'client_credentials' }, { id: MGMT.id, secret: 'nope' })
    expectOAuthError(r, 401, 'invalid_client')
    expect(r.body.error_description).toBe('Client Authentication failed.')
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
  })

  test('unknown client → 401 invalid_client naming the client_id', async () => {
    const r = await token({ grant_type: 'client_credentials' }, { id: 'ghost', secret: 'x' })
    expectOAuthError(r, 401, 'invalid_client')
    expect(r.body.error_description).toBe('A valid OAuth client could not be found for client_id: ghost')
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
  })

  test('no client credentials at all → 401 invalid_client', async () => {
    const r = await token({ grant_type: 'client_credentials' }, null)
    expectOAuthError(r, 401, 'invalid_client')
    expect(r.headers.get('www-authenticate')).not.toBeNull()
  })

  test('client_id alone works only for a public client', async () => {
    const api = addApi('pub', ['p:read'], false)
    const pub = addApp({ grantTypes: ['password'], publicClient: true, authorize: [{ api, policy: 'NO POLICY' }] })
    const conf = addApp({ grantTypes: ['password'] })
    const form = { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'p:read' }
    const ok = await token({ ...form, client_id: pub.oidc.clientId }, null)
    expect(ok.status).toBe(200)
    expect(ok.body.scope).toBe('p:read')
    const denied = await token({ ...form, client_id: conf.oidc.clientId }, null)
    expectOAuthError(denied, 401, 'invalid_client')
  })

  test('a public client cannot use client_credentials without a secret', async () => {
    const pub = addApp({ grantTypes: ['client_credentials'], publicClient: true })
    const r = await token({ grant_type: 'client_credentials', client_id: pub.oidc.clientId }, null)
    expectOAuthError(r, 401, 'invalid_client')
  })

  test('a non-form body is an invalid_request', async () => {
    const r = await fetch(`${emu.url}/t/acme/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(MGMT.id, MGMT.secret) },
      body: JSON.stringify({ grant_type: 'client_credentials' })
    })
    expect(r.status).toBe(400)
    expect(((await r.json()) as { error: string }).error).toBe('invalid_request')
  })
})

// ------------------------------------------------------------------------------ grant checks

describe('grant type checks', () => {
  test('a grant not enabled on the app → 400 unauthorized_client', async () => {
    const r = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword })
    expectOAuthError(r, 400, 'unauthorized_client')
    expect(r.body.error_description).toBe('The authenticated client is not authorized to use this authorization grant type')
  })

  test('an unknown grant → 400 unsupported_grant_type', async () => {
    const r = await token({ grant_type: 'urn:example:magic' })
    expectOAuthError(r, 400, 'unsupported_grant_type')
  })

  test('no grant_type → 400 invalid_request', async () => {
    const r = await token({ scope: 'x' })
    expectOAuthError(r, 400, 'invalid_request')
  })

  test('password grant without password → 400 invalid_request', async () => {
    const app = addApp({ grantTypes: ['password'] })
    const r = await token({ grant_type: 'password', username: 'alice' }, clientOf(app))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toBe('Missing parameters: password')
  })

  test('bad user credentials → 400 invalid_grant', async () => {
    const app = addApp({ grantTypes: ['password'] })
    const r = await token({ grant_type: 'password', username: 'alice', password: 'wrong' }, clientOf(app))
    expectOAuthError(r, 400, 'invalid_grant')
    expect(r.body.error_description).toBe('Authentication failed for alice')
  })

  test('a locked user cannot use the password grant', async () => {
    const app = addApp({ grantTypes: ['password'] })
    alice().locked = true
    const r = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(app))
    expectOAuthError(r, 400, 'invalid_grant')
  })
})

// ------------------------------------------------------------------------------ scopes

describe('granted scopes', () => {
  test('the form parameter `scopes` is ignored (product-is#19225): no scope is granted', async () => {
    const r = await token({ grant_type: 'client_credentials', scopes: 'internal_role_mgt_view' })
    expect(r.status).toBe(200)
    expect(r.body.scope).toBeUndefined()
    const claims = jose.decodeJwt(r.body.access_token as string)
    expect(claims.scope).toBeUndefined()
  })

  test('unauthorized and unknown scopes are silently dropped', async () => {
    const r = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view not_a_scope other:write' })
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('internal_role_mgt_view')
  })

  test('client_credentials: requested ∩ authorized, no roles needed; openid and internal_login stripped', async () => {
    const rbac = addApi('orders', ['orders:read', 'orders:write'])
    const free = addApi('catalog', ['catalog:read'], false)
    const app = addApp({
      grantTypes: ['client_credentials'],
      authorize: [
        { api: rbac, scopes: ['orders:read'] },
        { api: free, policy: 'NO POLICY' }
      ]
    })
    const r = await token(
      { grant_type: 'client_credentials', scope: 'openid internal_login orders:read orders:write catalog:read' },
      clientOf(app)
    )
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('orders:read catalog:read')
  })

  test('password grant without roles: RBAC scopes dropped, NO POLICY scopes kept', async () => {
    const rbac = addApi('orders', ['orders:read'])
    const free = addApi('catalog', ['catalog:read'], false)
    const app = addApp({ grantTypes: ['password'], authorize: [{ api: rbac }, { api: free, policy: 'NO POLICY' }] })
    const r = await token(
      { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'orders:read catalog:read' },
      clientOf(app)
    )
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('catalog:read')
  })

  test('password grant with an application role gets that role’s RBAC scopes', async () => {
    const rbac = addApi('orders', ['orders:read', 'orders:write'])
    const app = addApp({ grantTypes: ['password'], authorize: [{ api: rbac }] })
    giveRole(app, alice().id, ['orders:read'])
    const r = await token(
      { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'orders:read orders:write' },
      clientOf(app)
    )
    expect(r.body.scope).toBe('orders:read')
  })

  test('an organization role counts; a role of another application does not', async () => {
    const rbac = addApi('orders', ['orders:read', 'orders:write'])
    const app = addApp({ grantTypes: ['password'], authorize: [{ api: rbac }] })
    const other = addApp({ grantTypes: ['password'], authorize: [{ api: rbac }] })
    giveRole(other, alice().id, ['orders:read'])
    giveRole(app, alice().id, ['orders:write'], 'organization')
    const r = await token(
      { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'orders:read orders:write' },
      clientOf(app)
    )
    expect(r.body.scope).toBe('orders:write')
  })

  test('a role permission the app is not authorized for is still dropped', async () => {
    const rbac = addApi('orders', ['orders:read', 'orders:write'])
    const app = addApp({ grantTypes: ['password'], authorize: [{ api: rbac, scopes: ['orders:read'] }] })
    giveRole(app, alice().id, ['orders:read', 'orders:write'])
    const r = await token(
      { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'orders:read orders:write openid' },
      clientOf(app)
    )
    expect(r.body.scope).toBe('orders:read openid')
    expect(typeof r.body.id_token).toBe('string')
  })

  test('SYSTEM expands to every internal scope the app is authorized for', async () => {
    const r = await token({ grant_type: 'client_credentials', scope: 'SYSTEM' })
    expect(String(r.body.scope).split(' ').sort()).toEqual([...ALL_INTERNAL].sort())

    const roles = acme().apiResources.find((a) => a.identifier === '/scim2/v2/Roles') as ApiResource
    const app = addApp({ grantTypes: ['client_credentials'], authorize: [{ api: roles, scopes: ['internal_role_mgt_view'] }] })
    const narrow = await token({ grant_type: 'client_credentials', scope: 'SYSTEM' }, clientOf(app))
    expect(narrow.body.scope).toBe('internal_role_mgt_view')
  })
})

// ------------------------------------------------------------------------------ JWT, caching, expiry

describe('access tokens', () => {
  test('are RS256 at+jwt JWTs with the documented claims, verifiable against the served JWKS', async () => {
    const api = addApi('orders', ['orders:read'])
    const app = addApp({ grantTypes: ['client_credentials'], authorize: [{ api }] })
    app.oidc.idToken.audience = ['https://orders.example.com']
    const r = await token({ grant_type: 'client_credentials', scope: 'orders:read' }, clientOf(app))
    const jwks = jose.createRemoteJWKSet(new URL(`${emu.url}/t/acme/oauth2/jwks`))
    const { payload, protectedHeader } = await jose.jwtVerify(r.body.access_token as string, jwks, {
      issuer: issuer(),
      audience: app.oidc.clientId,
      typ: 'at+jwt'
    })
    expect(protectedHeader.alg).toBe('RS256')
    expect(payload).toMatchObject({
      iss: issuer(),
      sub: app.id,
      aud: [app.oidc.clientId, 'https://orders.example.com'],
      azp: app.oidc.clientId,
      client_id: app.oidc.clientId,
      scope: 'orders:read',
      aut: 'APPLICATION',
      org_handle: 'acme'
    })
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600)
    expect(payload.nbf).toBe(payload.iat)
    expect(typeof payload.jti).toBe('string')
  })

  test('a user token has the user id as sub and aut APPLICATION_USER, with the user lifetime', async () => {
    const app = addApp({ grantTypes: ['password'] })
    app.oidc.accessToken.userAccessTokenExpiryInSeconds = 900
    const r = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(app))
    expect(r.body.expires_in).toBe(900)
    const claims = jose.decodeJwt(r.body.access_token as string)
    expect(claims.sub).toBe(DEFAULT_SEED.userId)
    expect(claims.aut).toBe('APPLICATION_USER')
  })

  test('same client + scope returns the cached token with a shrinking expires_in', async () => {
    const first = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view internal_idp_view' })
    const exp = jose.decodeJwt(first.body.access_token as string).exp as number
    await advance(100)
    const before = nowS()
    const second = await token({ grant_type: 'client_credentials', scope: 'internal_idp_view internal_role_mgt_view' })
    const after = nowS()
    expect(second.body.access_token).toBe(first.body.access_token)
    // expires_in = exp − now at the second request (emulated clock): bracketed, whatever the requests took.
    expect(second.body.expires_in).toBeGreaterThanOrEqual(exp - after)
    expect(second.body.expires_in).toBeLessThanOrEqual(exp - before)
    expect(second.body.expires_in).toBeLessThanOrEqual(3500)
    const other = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view' })
    expect(other.body.access_token).not.toBe(first.body.access_token)
  })

  test('the cache key includes the user: same user + client + scope → same token; another user → another token', async () => {
    const api = addApi('catalog', ['catalog:read'], false)
    const app = addApp({ grantTypes: ['password'], authorize: [{ api, policy: 'NO POLICY' }] })
    acme().users.push({
      id: randomUUID(),
      userName: 'bob',
      password: 'Bob-pa55word!',
      emails: [],
      federatedAssociations: [],
      locked: false
    })
    const asAlice = { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'catalog:read' }
    const first = await token(asAlice, clientOf(app))
    await advance(30)
    const again = await token(asAlice, clientOf(app))
    expect(again.body.access_token).toBe(first.body.access_token)
    expect(again.body.expires_in).toBeLessThanOrEqual((first.body.expires_in as number) - 30)
    const bob = await token({ ...asAlice, username: 'bob', password: 'Bob-pa55word!' }, clientOf(app))
    expect(bob.status).toBe(200)
    expect(bob.body.access_token).not.toBe(first.body.access_token)
    expect(jose.decodeJwt(bob.body.access_token as string).sub).not.toBe(jose.decodeJwt(first.body.access_token as string).sub)
  })

  test('after expiry: introspection is inactive, management calls get 401, and a new token is issued', async () => {
    const first = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view' })
    const t = first.body.access_token as string
    expect((await get('/t/acme/scim2/v2/Roles', t)).status).toBe(200)
    await advance(3601)
    expect((await introspect(t)).body).toEqual({ active: false })
    const r = await get('/t/acme/scim2/v2/Roles', t)
    expect(r.status).toBe(401)
    const fresh = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view' })
    expect(fresh.body.access_token).not.toBe(t)
  })

  test('management calls: 401 without a token, 403 (empty body) without the scope', async () => {
    expect((await get('/t/acme/scim2/v2/Roles')).status).toBe(401)
    const t = (await token({ grant_type: 'client_credentials', scope: 'internal_idp_view' })).body.access_token as string
    const r = await get('/t/acme/scim2/v2/Roles', t)
    expect(r.status).toBe(403)
    expect(r.text).toBe('')
  })
})

// ------------------------------------------------------------------------------ refresh

describe('refresh_token grant', () => {
  test('password grant returns a refresh token only when refresh_token is enabled', async () => {
    const without = addApp({ grantTypes: ['password'] })
    const r1 = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(without))
    expect(r1.body.refresh_token).toBeUndefined()
    const withRefresh = addApp({ grantTypes: ['password', 'refresh_token'] })
    const r2 = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(withRefresh))
    expect(typeof r2.body.refresh_token).toBe('string')
  })

  test('rotates the refresh token; the old pair stops working', async () => {
    const api = addApi('catalog', ['catalog:read'], false)
    const app = addApp({ grantTypes: ['password', 'refresh_token'], authorize: [{ api, policy: 'NO POLICY' }] })
    const first = await token(
      { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'catalog:read' },
      clientOf(app)
    )
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, clientOf(app))
    expect(refreshed.status).toBe(200)
    expect(refreshed.body.scope).toBe('catalog:read')
    expect(refreshed.body.access_token).not.toBe(first.body.access_token)
    expect(refreshed.body.refresh_token).not.toBe(first.body.refresh_token)
    expect((await introspect(first.body.access_token as string)).body.active).toBe(false)
    const again = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, clientOf(app))
    expectOAuthError(again, 400, 'invalid_grant')
  })

  test('keeps the refresh token when renewRefreshToken is off', async () => {
    const app = addApp({ grantTypes: ['password', 'refresh_token'] })
    app.oidc.refreshToken.renewRefreshToken = false
    const first = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(app))
    const r = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, clientOf(app))
    expect(r.body.refresh_token).toBe(first.body.refresh_token)
    const r2 = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, clientOf(app))
    expect(r2.status).toBe(200)
  })

  test('an unknown or expired refresh token → invalid_grant', async () => {
    const app = addApp({ grantTypes: ['password', 'refresh_token'] })
    expectOAuthError(await token({ grant_type: 'refresh_token', refresh_token: 'nope' }, clientOf(app)), 400, 'invalid_grant')
    const first = await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(app))
    await advance(86401)
    const r = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string }, clientOf(app))
    expectOAuthError(r, 400, 'invalid_grant')
  })
})

// ------------------------------------------------------------------------------ discovery, introspection, revocation

describe('discovery, JWKS, introspection, revocation', () => {
  test('discovery document has absolute endpoints and the issuer', async () => {
    const r = await get('/t/acme/oauth2/token/.well-known/openid-configuration')
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      issuer: issuer(),
      token_endpoint: issuer(),
      jwks_uri: `${emu.url}/t/acme/oauth2/jwks`,
      introspection_endpoint: `${emu.url}/t/acme/oauth2/introspect`,
      revocation_endpoint: `${emu.url}/t/acme/oauth2/revoke`
    })
    expect(r.body.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'password', 'refresh_token', TX]))
  })

  test('JWKS holds one RS256 signing key', async () => {
    const r = await get('/t/acme/oauth2/jwks')
    const keys = r.body.keys as jose.JWK[]
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(keys[0].d).toBeUndefined()
  })

  test('unknown organization → 404', async () => {
    expect((await get('/t/nobody/oauth2/jwks')).status).toBe(404)
  })

  test('introspection of an active token', async () => {
    const app = addApp({ grantTypes: ['password'] })
    const t = (
      await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'openid' }, clientOf(app))
    ).body
    const r = await introspect(t.access_token as string)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      active: true,
      scope: 'openid',
      client_id: app.oidc.clientId,
      token_type: 'Bearer',
      username: 'alice',
      aut: 'APPLICATION_USER',
      sub: DEFAULT_SEED.userId
    })
    expect((r.body.exp as number) - (r.body.iat as number)).toBe(3600)
    expect(r.body.nbf).toBe(r.body.iat)
  })

  test('introspection of garbage is inactive; without client auth it is 401', async () => {
    expect((await introspect('garbage')).body).toEqual({ active: false })
    const r = await post('/t/acme/oauth2/introspect', { token: 'garbage' })
    expectOAuthError(r, 401, 'invalid_client')
  })

  test('revocation: 200 empty, then inactive, 401 on management calls, and no longer served from the cache', async () => {
    const t = (await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view' })).body.access_token as string
    const r = await post(
      '/t/acme/oauth2/revoke',
      { token: t, token_type_hint: 'access_token' },
      { authorization: basic(MGMT.id, MGMT.secret) }
    )
    expect(r.status).toBe(200)
    expect(r.text).toBe('')
    expect((await introspect(t)).body.active).toBe(false)
    expect((await get('/t/acme/scim2/v2/Roles', t)).status).toBe(401)
    const next = await token({ grant_type: 'client_credentials', scope: 'internal_role_mgt_view' })
    expect(next.body.access_token).not.toBe(t)
    expect(next.body.expires_in).toBe(3600)
  })

  test('revoking an unknown token is still 200; revoking needs client auth', async () => {
    const r = await post('/t/acme/oauth2/revoke', { token: 'unknown' }, { authorization: basic(MGMT.id, MGMT.secret) })
    expect(r.status).toBe(200)
    expectOAuthError(await post('/t/acme/oauth2/revoke', { token: 'unknown' }), 401, 'invalid_client')
  })

  test('userinfo (OIDC Core §5.3): the claims of a user token with openid; 401 invalid_token / 403 insufficient_scope otherwise', async () => {
    const app = addApp({ grantTypes: ['password'] })
    const t = (
      await token(
        { grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword, scope: 'openid profile' },
        clientOf(app)
      )
    ).body.access_token as string
    const ok = await get('/t/acme/oauth2/userinfo', t)
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ sub: alice().id, username: 'alice' })
    const none = await get('/t/acme/oauth2/userinfo')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
    const m2m = (await token({ grant_type: 'client_credentials', scope: 'openid internal_role_mgt_view' })).body.access_token as string
    const forbidden = await get('/t/acme/oauth2/userinfo', m2m)
    expect([forbidden.status, forbidden.body.error]).toEqual([403, 'insufficient_scope'])
  })

  test('revoking the refresh token revokes its access token too', async () => {
    const app = addApp({ grantTypes: ['password', 'refresh_token'] })
    const t = (await token({ grant_type: 'password', username: 'alice', password: DEFAULT_SEED.userPassword }, clientOf(app))).body
    expect((await introspect(t.refresh_token as string, { token_type_hint: 'refresh_token' })).body).toMatchObject({
      active: true,
      token_type: 'Refresh'
    })
    await post(
      '/t/acme/oauth2/revoke',
      { token: t.refresh_token as string },
      { authorization: basic(app.oidc.clientId, app.oidc.clientSecret) }
    )
    expect((await introspect(t.access_token as string)).body.active).toBe(false)
  })
})

// ------------------------------------------------------------------------------ token exchange

describe('token exchange', () => {
  /** A second organization whose JWKS plays the external issuer (GitHub) in these tests. */
  function addIssuerOrg(): void {
    emu.state.asgardeo.orgs.other = {
      handle: 'other',
      apiResources: [],
      applications: [],
      users: [],
      roles: [],
      identityProviders: [],
      tokens: [],
      rateLimitPerMinute: 0
    }
  }

  function addIdp(over: Partial<IdentityProvider> = {}): IdentityProvider {
    const idp: IdentityProvider = {
      id: randomUUID(),
      name: 'github-actions',
      templateId: 'trusted-token-issuer',
      idpIssuerName: GH_ISSUER,
      jwksUri: `${emu.url}/t/other/oauth2/jwks`,
      certificates: [],
      isEnabled: true,
      implicitAssociation: { isEnabled: false, lookupAttribute: ['http://wso2.org/claims/username'] },
      extra: {},
      ...over
    }
    acme().identityProviders.push(idp)
    return idp
  }

  const SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main'

  function subjectToken(over: Record<string, unknown> = {}, key = 'asgardeo:other'): Promise<string> {
    const now = nowS()
    const claims = {
      iss: GH_ISSUER,
      sub: SUB,
      aud: issuer(),
      iat: now,
      nbf: now - 5,
      exp: now + 300,
      repository: 'octo-org/octo-repo',
      ...over
    }
    for (const k of Object.keys(claims))
      if ((claims as Record<string, unknown>)[k] === undefined) delete (claims as Record<string, unknown>)[k]
    return emu.keys.sign(key, claims)
  }

  function exchange(app: Application, subject: string, extra: Record<string, string> = {}): Promise<Res> {
    return token({ grant_type: TX, subject_token: subject, subject_token_type: JWT_TYPE, ...extra }, clientOf(app))
  }

  let rbac: ApiResource
  let free: ApiResource
  let app: Application
  beforeEach(() => {
    addIssuerOrg()
    rbac = addApi('orders', ['orders:read'])
    free = addApi('catalog', ['catalog:read'], false)
    app = addApp({ grantTypes: [TX], authorize: [{ api: rbac }, { api: free, policy: 'NO POLICY' }] })
  })

  test('a federated subject gets only NO POLICY scopes; issued_token_type defaults to jwt', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken(), { scope: 'orders:read catalog:read' })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ scope: 'catalog:read', token_type: 'Bearer', issued_token_type: JWT_TYPE })
    expect(r.body.refresh_token).toBeUndefined()
    const claims = jose.decodeJwt(r.body.access_token as string)
    expect(claims).toMatchObject({ sub: SUB, aut: 'APPLICATION_USER', iss: issuer() })
  })

  test('works with the emulated GitHub issuer’s key and JWKS (/github/.well-known/jwks)', async () => {
    addIdp({ idpIssuerName: `${emu.url}/github`, jwksUri: `${emu.url}/github/.well-known/jwks` })
    const t = await subjectToken({ iss: `${emu.url}/github` }, 'github')
    const r = await exchange(app, t, { scope: 'catalog:read orders:read' })
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('catalog:read')
  })

  test('requested_token_type access_token is echoed as issued_token_type', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken(), { requested_token_type: 'urn:ietf:params:oauth:token-type:access_token' })
    expect(r.body.issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token')
    const bad = await exchange(app, await subjectToken(), { requested_token_type: 'urn:ietf:params:oauth:token-type:saml2' })
    expectOAuthError(bad, 400, 'invalid_request')
  })

  test('the app must have the token-exchange grant', async () => {
    addIdp()
    const cc = addApp({ grantTypes: ['client_credentials'] })
    expectOAuthError(await exchange(cc, await subjectToken()), 400, 'unauthorized_client')
  })

  test('missing subject_token → invalid_request', async () => {
    addIdp()
    const r = await token({ grant_type: TX, subject_token_type: JWT_TYPE }, clientOf(app))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toBe('Missing parameters: subject_token')
  })

  test('a JWT without aud → invalid_request', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken({ aud: undefined }))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toBe('Mandatory field - Audience is empty in the given JWT')
  })

  test('wrong aud with an alias configured → 400 invalid_target', async () => {
    addIdp({ alias: 'asgardeo-acme' })
    const r = await exchange(app, await subjectToken({ aud: 'https://elsewhere.example.com' }))
    expectOAuthError(r, 400, 'invalid_target')
    expect(r.body.error_description).toBe('Invalid audience values provided')
  })

  test('wrong aud and no alias → 400 invalid_target too (reference quirk 9)', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken({ aud: 'https://elsewhere.example.com' }))
    expectOAuthError(r, 400, 'invalid_target')
    expect(r.body.error_description).toBe('Invalid audience values provided')
  })

  test('the IdP alias as aud is accepted', async () => {
    addIdp({ alias: 'asgardeo-acme' })
    const r = await exchange(app, await subjectToken({ aud: ['sts.example.com', 'asgardeo-acme'] }), { scope: 'catalog:read' })
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('catalog:read')
  })

  test('no repository / ref / sub check: any subject of the trusted issuer passes', async () => {
    addIdp()
    const claims = {
      sub: 'repo:evil/fork:ref:refs/heads/x',
      repository: 'evil/fork',
      repository_owner: 'evil',
      ref: 'refs/heads/x',
      environment: 'anything'
    }
    const r = await exchange(app, await subjectToken(claims), { scope: 'catalog:read' })
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('catalog:read')
    expect(jose.decodeJwt(r.body.access_token as string).sub).toBe(claims.sub)
  })

  test('unknown issuer → invalid_request "No Registered IDP found…"; a disabled IdP is refused too', async () => {
    addIdp({ isEnabled: false })
    const unknown = await exchange(app, await subjectToken({ iss: 'https://issuer.example.com' }))
    expectOAuthError(unknown, 400, 'invalid_request')
    expect(unknown.body.error_description).toBe('No Registered IDP found for the JWT with issuer name : https://issuer.example.com')
    const disabled = await exchange(app, await subjectToken())
    expectOAuthError(disabled, 400, 'invalid_request')
    expect(disabled.body.error_description).toMatch(/^No active IDP found/)
  })

  test('the IdP is also found by name == iss', async () => {
    addIdp({ name: GH_ISSUER, idpIssuerName: 'something-else' })
    expect((await exchange(app, await subjectToken())).status).toBe(200)
  })

  test('a token signed by another key → invalid_request (signature)', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken({}, 'asgardeo:third'))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toBe('Signature or Message Authentication invalid')
    // A tampered payload fails the same way.
    const [h, , s] = (await subjectToken()).split('.')
    const forged = Buffer.from(JSON.stringify({ iss: GH_ISSUER, sub: 'x', aud: issuer(), exp: nowS() + 300 })).toString('base64url')
    expectOAuthError(await exchange(app, `${h}.${forged}.${s}`), 400, 'invalid_request')
  })

  test('an expired subject token → invalid_request', async () => {
    addIdp()
    const t = await subjectToken()
    await advance(400)
    const r = await exchange(app, t)
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toMatch(/^JSON Web Token is expired/)
  })

  test('a subject token one second past its exp is refused: the skew is added to now, never granted after exp', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken({ exp: nowS() - 1 }))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toMatch(/^JSON Web Token is expired/)
  })

  test('nbf in the future (beyond the clock skew) → invalid_request', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken({ nbf: nowS() + 600, iat: nowS() }))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toMatch(/^JSON Web Token is used before Not_Before_Time/)
  })

  test('iat older than 60 minutes → invalid_request', async () => {
    addIdp()
    const r = await exchange(app, await subjectToken({ iat: nowS() - 3700 }))
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toMatch(/^JSON Web Token is issued before the allowed time/)
  })

  test('mandatory linking: no association → invalid_request with the server’s message', async () => {
    addIdp()
    app.extra = { claimConfiguration: { subject: { useMappedLocalSubject: true, mappedLocalSubjectMandatory: true } } }
    const r = await exchange(app, await subjectToken())
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toBe("Use mapped local subject is mandatory but a local user couldn't be found")
  })

  test('mandatory linking: a linked sub gets a token for the local user with its role scopes', async () => {
    addIdp()
    app.extra = { claimConfiguration: { subject: { useMappedLocalSubject: true, mappedLocalSubjectMandatory: true } } }
    const mgmt = (await token({ grant_type: 'client_credentials', scope: 'internal_user_association_create' })).body.access_token as string
    const link = await fetch(`${emu.url}/t/acme/api/users/v1/${alice().id}/federated-associations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mgmt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ idp: 'github-actions', federatedUserId: SUB })
    })
    expect(link.status).toBe(200)
    giveRole(app, alice().id, ['orders:read'])
    const r = await exchange(app, await subjectToken(), { scope: 'orders:read catalog:read' })
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe('orders:read catalog:read')
    expect(jose.decodeJwt(r.body.access_token as string).sub).toBe(alice().id)
    // Another repository's token is still refused.
    const other = await exchange(app, await subjectToken({ sub: 'repo:octo-org/other:ref:refs/heads/main' }))
    expectOAuthError(other, 400, 'invalid_request')
  })

  test('a locked linked user → access_denied', async () => {
    addIdp()
    app.extra = { claimConfiguration: { subject: { useMappedLocalSubject: true, mappedLocalSubjectMandatory: true } } }
    alice().federatedAssociations.push({ idp: 'github-actions', federatedUserId: SUB })
    alice().locked = true
    const r = await exchange(app, await subjectToken())
    expectOAuthError(r, 400, 'access_denied')
    expect(r.body.error_description).toBe(`Local user authorization failed: linked local account with id ${alice().id} is locked`)
  })

  test('without useMappedLocalSubject a linked sub stays federated', async () => {
    addIdp()
    alice().federatedAssociations.push({ idp: 'github-actions', federatedUserId: SUB })
    giveRole(app, alice().id, ['orders:read'])
    const r = await exchange(app, await subjectToken(), { scope: 'orders:read catalog:read' })
    expect(r.body.scope).toBe('catalog:read')
    expect(jose.decodeJwt(r.body.access_token as string).sub).toBe(SUB)
  })

  test('enabled implicit association with no lookup claim in the token fails the exchange', async () => {
    addIdp({ implicitAssociation: { isEnabled: true, lookupAttribute: ['http://wso2.org/claims/username'] } })
    const r = await exchange(app, await subjectToken())
    expectOAuthError(r, 400, 'invalid_request')
    expect(r.body.error_description).toBe('Configured lookup attributes not found in the subject token.')
  })

  test('a refresh token comes with the exchanged token when refresh_token is enabled', async () => {
    addIdp()
    app.oidc.grantTypes.push('refresh_token')
    const r = await exchange(app, await subjectToken(), { scope: 'catalog:read' })
    expect(typeof r.body.refresh_token).toBe('string')
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token as string }, clientOf(app))
    expect(refreshed.body.scope).toBe('catalog:read')
  })
})

// ------------------------------------------------------------------------------ rate limit

describe('rate limit (off by default)', () => {
  test('beyond the per-minute limit → 429 without Retry-After; the next minute is fresh', async () => {
    alignToMinute(emu)
    acme().rateLimitPerMinute = 3
    for (let i = 0; i < 3; i++) expect((await get('/t/acme/oauth2/jwks')).status).toBe(200)
    const r = await token({ grant_type: 'client_credentials' })
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBeNull()
    // Other groups count separately.
    expect((await get('/t/acme/scim2/v2/Roles')).status).toBe(401)
    await advance(60)
    expect((await get('/t/acme/oauth2/jwks')).status).toBe(200)
  })

  test('at Asgardeo’s documented 200 requests/min: request 201 of a group → 429, another group unaffected', async () => {
    alignToMinute(emu)
    acme().rateLimitPerMinute = 200
    for (let i = 0; i < 200; i++) expect((await get('/t/acme/oauth2/jwks')).status).toBe(200)
    const r = await get('/t/acme/oauth2/jwks')
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBeNull()
    expect((await get('/t/acme/scim2/v2/Roles')).status).toBe(401)
  })

  test('off by default: many requests pass', async () => {
    for (let i = 0; i < 30; i++) expect((await get('/t/acme/oauth2/jwks')).status).toBe(200)
  })

  test('/scim2/Bulk has its own limit of 5', () => {
    alignToMinute(emu)
    const org = acme()
    org.rateLimitPerMinute = 200
    const ctx = { emulator: emu } as unknown as Ctx
    for (let i = 0; i < 5; i++) checkRateLimit(ctx, org, 'scim2-bulk')
    let thrown: unknown
    try {
      checkRateLimit(ctx, org, 'scim2-bulk')
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(ReplyError)
    expect((thrown as ReplyError).reply.status).toBe(429)
    checkRateLimit(ctx, org, 'scim2')
  })
})
