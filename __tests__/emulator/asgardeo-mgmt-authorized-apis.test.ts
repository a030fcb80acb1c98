import { beforeEach, describe, expect, test } from '@jest/globals'
import { call, createApp, createResource, expectScopeGuard, mgmtToken, MGMT } from './asgardeo-mgmt-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()
let token: string
let appId: string
let api: { id: string; scopes: { id: string; name: string; displayName: string }[] }
beforeEach(async () => {
  token = await mgmtToken(emu)
  api = await createResource(emu, token, {
    name: 'Items API',
    identifier: 'https://items.example.com',
    scopes: [{ name: 'items:read', displayName: 'Read' }, { name: 'items:write' }]
  })
  appId = await createApp(emu, token, 'consumer')
})

const path = (): string => `${MGMT}/applications/${appId}/authorized-apis`
const authorize = (body: unknown, t = token): ReturnType<typeof call> => call(emu, 'POST', path(), { token: t, body })

describe('authorize (POST)', () => {
  test('→ 200 with an empty body (spec: 201); GET lists it with policy, type and scope details', async () => {
    const res = await authorize({ id: api.id, policyIdentifier: 'RBAC', scopes: ['items:read'] })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    const list = await call(emu, 'GET', path(), { token })
    expect(list.status).toBe(200)
    expect(list.body).toEqual([
      {
        id: api.id,
        identifier: 'https://items.example.com',
        displayName: 'Items API',
        policyId: 'RBAC',
        type: 'BUSINESS',
        authorizedScopes: [{ id: api.scopes[0].id, name: 'items:read', displayName: 'Read' }],
        authorizedAuthorizationDetailsTypes: []
      }
    ])
  })

  test('already authorized → 409 60509', async () => {
    await authorize({ id: api.id, scopes: ['items:read'] })
    const res = await authorize({ id: api.id, scopes: ['items:write'] })
    expect([res.status, res.body.code]).toEqual([409, '60509'])
  })

  test('unknown API → 400 60507; unknown scope (not on that resource) → 400 60508', async () => {
    const unknown = await authorize({ id: 'nope', scopes: [] })
    expect([unknown.status, unknown.body.code]).toEqual([400, '60507'])
    const other = await createResource(emu, token, { identifier: 'other', scopes: [{ name: 'other:read' }] })
    const scope = await authorize({ id: api.id, scopes: ['other:read'] })
    expect([scope.status, scope.body.code]).toEqual([400, '60508'])
    expect(other.id).toBeDefined()
  })

  test('bad policy → 400 60511; No Policy on a requiresAuthorization:true resource → 400 60512', async () => {
    const bad = await authorize({ id: api.id, policyIdentifier: 'ABAC', scopes: [] })
    expect([bad.status, bad.body.code]).toEqual([400, '60511'])
    const np = await authorize({ id: api.id, policyIdentifier: 'No Policy', scopes: ['items:read'] })
    expect([np.status, np.body.code]).toEqual([400, '60512'])
  })

  test('policy values are case-insensitive and stored upper-case; blank → RBAC', async () => {
    const open = await createResource(emu, token, { identifier: 'open', scopes: [{ name: 'open:read' }], requiresAuthorization: false })
    expect((await authorize({ id: open.id, policyIdentifier: 'no policy', scopes: ['open:read'] })).status).toBe(200)
    expect((await authorize({ id: api.id, policyIdentifier: '', scopes: ['items:read'] })).status).toBe(200)
    const list = (await call(emu, 'GET', path(), { token })).body
    expect(list.find((a: { id: string }) => a.id === open.id).policyId).toBe('NO POLICY')
    expect(list.find((a: { id: string }) => a.id === api.id).policyId).toBe('RBAC')
  })

  test('BUSINESS APIs need internal_application_business_api_update besides mgt_update → else 403 60520', async () => {
    const onlyUpdate = await mgmtToken(emu, ['internal_application_mgt_update'])
    const res = await authorize({ id: api.id, scopes: ['items:read'] }, onlyUpdate)
    expect(res.status).toBe(403)
    expect(res.body.code).toBe('60520')
    const withBusiness = await mgmtToken(emu, ['internal_application_mgt_update', 'internal_application_business_api_update'])
    expect((await authorize({ id: api.id, scopes: ['items:read'] }, withBusiness)).status).toBe(200)
  })

  test('SYSTEM APIs need internal_application_internal_api_update instead', async () => {
    const sys = emu.state.asgardeo.orgs.acme.apiResources.find((r) => r.type === 'SYSTEM')!
    const business = await mgmtToken(emu, ['internal_application_mgt_update', 'internal_application_business_api_update'])
    const denied = await authorize({ id: sys.id, scopes: [sys.scopes[0].name] }, business)
    expect([denied.status, denied.body.code]).toEqual([403, '60520'])
    const internal = await mgmtToken(emu, ['internal_application_mgt_update', 'internal_application_internal_api_update'])
    expect((await authorize({ id: sys.id, scopes: [sys.scopes[0].name] }, internal)).status).toBe(200)
  })

  test('without internal_application_mgt_update → 403 with an empty body; without a token → 401', async () => {
    const business = await mgmtToken(emu, ['internal_application_business_api_update'])
    const res = await authorize({ id: api.id, scopes: [] }, business)
    expect(res.status).toBe(403)
    expect(res.text).toBe('')
    expect((await call(emu, 'POST', path(), { body: { id: api.id } })).status).toBe(401)
  })

  test('list needs internal_application_mgt_view; add / change / remove need internal_application_mgt_update (401 body, 403 empty)', async () => {
    const business = ['internal_application_business_api_update']
    await expectScopeGuard(emu, { method: 'GET', path: path() }, ['internal_application_mgt_view'])
    await expectScopeGuard(
      emu,
      { method: 'POST', path: path(), body: { id: api.id, scopes: ['items:read'] } },
      ['internal_application_mgt_update'],
      business
    )
    await expectScopeGuard(
      emu,
      { method: 'PATCH', path: `${path()}/${api.id}`, body: { addedScopes: ['items:write'] } },
      ['internal_application_mgt_update'],
      business
    )
    await expectScopeGuard(emu, { method: 'DELETE', path: `${path()}/${api.id}` }, ['internal_application_mgt_update'], business)
  })

  test('unknown application → 404 APP-60006', async () => {
    const res = await call(emu, 'POST', `${MGMT}/applications/nope/authorized-apis`, { token, body: { id: api.id, scopes: [] } })
    expect([res.status, res.body.code]).toEqual([404, 'APP-60006'])
  })

  test('the authorized scopes reach the app token (client_credentials)', async () => {
    await authorize({ id: api.id, scopes: ['items:read'] })
    const oidc = (await call(emu, 'GET', `${MGMT}/applications/${appId}/inbound-protocols/oidc`, { token })).body
    const res = await fetch(`${emu.url}/t/acme/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${oidc.clientId}:${oidc.clientSecret}`).toString('base64')}`
      },
      body: 'grant_type=client_credentials&scope=items:read items:write'
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { scope: string }).scope).toBe('items:read')
  })
})

describe('patch and delete', () => {
  test('PATCH {addedScopes, removedScopes} → 200; a scope in both is removed', async () => {
    await authorize({ id: api.id, scopes: ['items:read'] })
    const res = await call(emu, 'PATCH', `${path()}/${api.id}`, {
      token,
      body: { addedScopes: ['items:write', 'items:read'], removedScopes: ['items:read'] }
    })
    expect(res.status).toBe(200)
    const list = (await call(emu, 'GET', path(), { token })).body
    expect(list[0].authorizedScopes.map((s: { name: string }) => s.name)).toEqual(['items:write'])
  })

  test('PATCH errors: unknown scope 400 60508, unknown API 400 60507, API not authorized 404 60510', async () => {
    await authorize({ id: api.id, scopes: [] })
    const scope = await call(emu, 'PATCH', `${path()}/${api.id}`, { token, body: { addedScopes: ['nope'] } })
    expect([scope.status, scope.body.code]).toEqual([400, '60508'])
    const unknown = await call(emu, 'PATCH', `${path()}/nope`, { token, body: { addedScopes: [] } })
    expect([unknown.status, unknown.body.code]).toEqual([400, '60507'])
    const other = await createResource(emu, token, { identifier: 'other' })
    const notAuthorized = await call(emu, 'PATCH', `${path()}/${other.id}`, { token, body: { addedScopes: [] } })
    expect([notAuthorized.status, notAuthorized.body.code]).toEqual([404, '60510'])
  })

  test('removing scopes drops them from the app roles', async () => {
    await authorize({ id: api.id, scopes: ['items:read', 'items:write'] })
    emu.state.asgardeo.orgs.acme.roles.push({
      id: 'r',
      displayName: 'rw',
      audience: { type: 'application', value: appId },
      permissions: ['items:read', 'items:write'],
      users: [],
      groups: []
    })
    await call(emu, 'PATCH', `${path()}/${api.id}`, { token, body: { removedScopes: ['items:write'] } })
    expect(emu.state.asgardeo.orgs.acme.roles[0].permissions).toEqual(['items:read'])
    expect((await call(emu, 'DELETE', `${path()}/${api.id}`, { token })).status).toBe(204)
    expect(emu.state.asgardeo.orgs.acme.roles[0].permissions).toEqual([])
  })

  test('DELETE → 204, also when not authorized; GET is empty afterwards', async () => {
    await authorize({ id: api.id, scopes: ['items:read'] })
    expect((await call(emu, 'DELETE', `${path()}/${api.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'DELETE', `${path()}/${api.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'GET', path(), { token })).body).toEqual([])
    // …and it can be authorized again.
    expect((await authorize({ id: api.id, scopes: ['items:read'] })).status).toBe(200)
  })

  test('deleting a scope of the resource removes it from the authorization', async () => {
    await authorize({ id: api.id, scopes: ['items:read', 'items:write'] })
    await call(emu, 'DELETE', `${MGMT}/api-resources/${api.id}/scopes/items:read`, { token })
    const list = (await call(emu, 'GET', path(), { token })).body
    expect(list[0].authorizedScopes.map((s: { name: string }) => s.name)).toEqual(['items:write'])
  })
})
