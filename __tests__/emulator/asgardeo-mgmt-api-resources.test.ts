import { beforeEach, describe, expect, test } from '@jest/globals'
import { alignToMinute, call, createApp, createResource, expectScopeGuard, mgmtToken, MGMT, MGMT_ERROR } from './asgardeo-mgmt-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()
let token: string
beforeEach(async () => {
  token = await mgmtToken(emu)
})

const systemResource = (): { id: string; name: string; scopes: { id: string; name: string }[] } =>
  emu.state.asgardeo.orgs.acme.apiResources.find((r) => r.type === 'SYSTEM')!

describe('auth', () => {
  test('401 without a token, with a body in the management error shape', async () => {
    const res = await call(emu, 'GET', `${MGMT}/api-resources`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(res.body).toEqual(MGMT_ERROR)
  })

  test('401 with an unknown bearer token', async () => {
    expect((await call(emu, 'GET', `${MGMT}/api-resources`, { token: 'not-a-token' })).status).toBe(401)
  })

  test('403 with an empty body when the token lacks the scope of the operation', async () => {
    const viewOnly = await mgmtToken(emu, ['internal_api_resource_view'])
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, { token: viewOnly, body: { name: 'a', identifier: 'a' } })
    expect(res.status).toBe(403)
    expect(res.text).toBe('')
    expect((await call(emu, 'GET', `${MGMT}/api-resources`, { token: viewOnly })).status).toBe(200)
    const del = await call(emu, 'DELETE', `${MGMT}/api-resources/whatever`, { token: viewOnly })
    expect(del.status).toBe(403)
  })

  test('every API-resource route needs its own internal_api_resource_* scope', async () => {
    const r = await createResource(emu, token, { identifier: 'guarded', scopes: [{ name: 'g:1' }, { name: 'g:2' }, { name: 'g:3' }] })
    const base = `${MGMT}/api-resources`
    await expectScopeGuard(emu, { method: 'GET', path: base }, ['internal_api_resource_view'])
    await expectScopeGuard(emu, { method: 'POST', path: base, body: { name: 'n', identifier: 'new-one' } }, [
      'internal_api_resource_create'
    ])
    await expectScopeGuard(emu, { method: 'GET', path: `${base}/${r.id}` }, ['internal_api_resource_view'])
    await expectScopeGuard(emu, { method: 'PATCH', path: `${base}/${r.id}`, body: { description: 'd' } }, ['internal_api_resource_update'])
    await expectScopeGuard(emu, { method: 'GET', path: `${base}/${r.id}/scopes` }, ['internal_api_resource_view'])
    await expectScopeGuard(emu, { method: 'PUT', path: `${base}/${r.id}/scopes`, body: [{ name: 'g:1' }, { name: 'g:2' }] }, [
      'internal_api_resource_update'
    ])
    await expectScopeGuard(emu, { method: 'PATCH', path: `${base}/${r.id}/scopes/g:1`, body: { displayName: 'x' } }, [
      'internal_api_resource_update'
    ])
    await expectScopeGuard(emu, { method: 'PATCH', path: `${base}/${r.id}/scopes/id/${r.scopes[0].id}`, body: { displayName: 'y' } }, [
      'internal_api_resource_update'
    ])
    await expectScopeGuard(emu, { method: 'DELETE', path: `${base}/${r.id}/scopes/g:2` }, ['internal_api_resource_delete'])
    await expectScopeGuard(emu, { method: 'GET', path: `${MGMT}/scopes` }, ['internal_api_resource_view'])
    await expectScopeGuard(emu, { method: 'DELETE', path: `${base}/${r.id}` }, ['internal_api_resource_delete'])
  })

  test('the /api/server/* rate-limit group applies when the org turns it on (429, no Retry-After)', async () => {
    alignToMinute(emu)
    emu.state.asgardeo.orgs.acme.rateLimitPerMinute = 3
    for (let i = 0; i < 3; i++) expect((await call(emu, 'GET', `${MGMT}/api-resources`, { token })).status).toBe(200)
    const limited = await call(emu, 'GET', `${MGMT}/applications`, { token })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBeNull()
  })

  test('404 for an unknown organization', async () => {
    const res = await call(emu, 'GET', '/t/nope/api/server/v1/api-resources', { token })
    expect(res.status).toBe(404)
  })
})

describe('create and read', () => {
  test('POST → 201 + absolute Location + body (spec says 200); displayName defaults to name; BUSINESS, requiresAuthorization true', async () => {
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, {
      token,
      body: {
        name: 'Items API',
        identifier: 'https://items.example.com',
        scopes: [{ name: 'items:read' }, { name: 'items:write', displayName: 'Write', description: 'd' }]
      }
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('location')).toBe(`${emu.url}${MGMT}/api-resources/${res.body.id}`)
    expect(res.body).toMatchObject({
      name: 'Items API',
      identifier: 'https://items.example.com',
      type: 'BUSINESS',
      requiresAuthorization: true,
      scopes: [
        { name: 'items:read', displayName: 'items:read' },
        { name: 'items:write', displayName: 'Write', description: 'd' }
      ]
    })
    expect(res.body.scopes[0].id).toEqual(expect.any(String))
    const get = await call(emu, 'GET', `${MGMT}/api-resources/${res.body.id}`, { token })
    expect(get.status).toBe(200)
    expect(get.body.self).toBe(`${MGMT}/api-resources/${res.body.id}`)
    expect(get.body.scopes).toHaveLength(2)
  })

  test('requiresAuthorization:false and resourceType MCP are kept', async () => {
    const r = await createResource(emu, token, { identifier: 'open', requiresAuthorization: false })
    expect(r.requiresAuthorization).toBe(false)
    const mcp = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: { name: 'm', identifier: 'mcp', resourceType: 'MCP' } })
    expect(mcp.body.type).toBe('MCP')
  })

  test('GET of an unknown id → 404 API-RESOURCE-60002 in the management error shape', async () => {
    const res = await call(emu, 'GET', `${MGMT}/api-resources/00000000-0000-0000-0000-000000000000`, { token })
    expect(res.status).toBe(404)
    expect(res.body).toEqual({
      code: 'API-RESOURCE-60002',
      message: expect.any(String),
      description: expect.any(String),
      traceId: expect.any(String)
    })
  })

  test('blank name → 400 API-RESOURCE-60003; blank identifier → 400 API-RESOURCE-60004', async () => {
    const a = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: { identifier: 'x' } })
    expect([a.status, a.body.code]).toEqual([400, 'API-RESOURCE-60003'])
    const b = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: { name: 'x', identifier: ' ' } })
    expect([b.status, b.body.code]).toEqual([400, 'API-RESOURCE-60004'])
  })

  test('a body that is not a JSON object → 400 UE-10000', async () => {
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: ['x'] })
    expect([res.status, res.body.code]).toEqual([400, 'UE-10000'])
  })
})

describe('uniqueness and scope-name rules', () => {
  test('duplicate identifier → 409 API-RESOURCE-60003', async () => {
    await createResource(emu, token, { identifier: 'dup' })
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: { name: 'other', identifier: 'dup' } })
    expect([res.status, res.body.code]).toEqual([409, 'API-RESOURCE-60003'])
  })

  test('a scope name used on another resource → 409 API-RESOURCE-60004 (org-wide uniqueness)', async () => {
    await createResource(emu, token, { identifier: 'one', scopes: [{ name: 'shared:read' }] })
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, {
      token,
      body: { name: 'two', identifier: 'two', scopes: [{ name: 'shared:read' }] }
    })
    expect([res.status, res.body.code]).toEqual([409, 'API-RESOURCE-60004'])
    expect(emu.state.asgardeo.orgs.acme.apiResources.some((r) => r.identifier === 'two')).toBe(false)
  })

  test('the same scope twice in one request → 409 API-RESOURCE-60004', async () => {
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, {
      token,
      body: { name: 'x', identifier: 'x', scopes: [{ name: 'a:b' }, { name: 'a:b' }] }
    })
    expect([res.status, res.body.code]).toEqual([409, 'API-RESOURCE-60004'])
  })

  test('an OIDC scope name → 400 API-RESOURCE-60009', async () => {
    for (const name of ['openid', 'profile', 'email']) {
      const res = await call(emu, 'POST', `${MGMT}/api-resources`, {
        token,
        body: { name: 'x', identifier: `x-${name}`, scopes: [{ name }] }
      })
      expect([res.status, res.body.code]).toEqual([400, 'API-RESOURCE-60009'])
    }
  })

  test('the restricted prefix internal_ → 400 API-RESOURCE-60008 (checked before org-wide uniqueness)', async () => {
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, {
      token,
      body: { name: 'x', identifier: 'x', scopes: [{ name: 'internal_api_resource_view' }] }
    })
    expect([res.status, res.body.code]).toEqual([400, 'API-RESOURCE-60008'])
  })

  test('a blank scope name → 400 API-RESOURCE-60005', async () => {
    const res = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: { name: 'x', identifier: 'x', scopes: [{ name: '' }] } })
    expect([res.status, res.body.code]).toEqual([400, 'API-RESOURCE-60005'])
  })
})

describe('list', () => {
  test('the list key is apiResources (not APIResources) and totalResults counts all matches', async () => {
    const res = await call(emu, 'GET', `${MGMT}/api-resources`, { token })
    expect(res.status).toBe(200)
    expect(res.body.APIResources).toBeUndefined()
    expect(res.body.apiResources).toHaveLength(6)
    expect(res.body.totalResults).toBe(6)
    expect(res.body.links).toEqual([])
    expect(res.body.apiResources[0]).not.toHaveProperty('properties')
  })

  test('paging over > 10 resources: default limit 10, absolute next links, no next on the last page, previous links back', async () => {
    for (let i = 0; i < 17; i++) await createResource(emu, token, { identifier: `res-${String(i).padStart(2, '0')}` })
    const seen: string[] = []
    let url: string | undefined = `${MGMT}/api-resources`
    let pages = 0
    let last: any
    while (url) {
      const res = await call(emu, 'GET', url.replace(emu.url, ''), { token })
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(23)
      expect(res.body.apiResources.length).toBeLessThanOrEqual(10)
      seen.push(...res.body.apiResources.map((r: { identifier: string }) => r.identifier))
      const next = res.body.links.find((l: { rel: string }) => l.rel === 'next')
      if (next) expect(next.href.startsWith(`${emu.url}${MGMT}/api-resources?limit=10&after=`)).toBe(true)
      url = next?.href
      last = res.body
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toHaveLength(23)
    expect(new Set(seen).size).toBe(23)
    expect(seen.slice(6)).toEqual(Array.from({ length: 17 }, (_, i) => `res-${String(i).padStart(2, '0')}`))
    const previous = last.links.find((l: { rel: string }) => l.rel === 'previous')
    expect(previous.href).toMatch(/&before=/)
    const back = await call(emu, 'GET', previous.href.replace(emu.url, ''), { token })
    expect(back.body.apiResources.map((r: { identifier: string }) => r.identifier)).toEqual(seen.slice(10, 20))
    expect(back.body.links.map((l: { rel: string }) => l.rel).sort()).toEqual(['next', 'previous'])
  })

  test('limit<=0 → 400 API-RESOURCE-60010; before and after together → 400 API-RESOURCE-60011; bad cursor → 400', async () => {
    const zero = await call(emu, 'GET', `${MGMT}/api-resources?limit=0`, { token })
    expect([zero.status, zero.body.code]).toEqual([400, 'API-RESOURCE-60010'])
    const both = await call(emu, 'GET', `${MGMT}/api-resources?after=MQ==&before=Mw==`, { token })
    expect([both.status, both.body.code]).toEqual([400, 'API-RESOURCE-60011'])
    const bad = await call(emu, 'GET', `${MGMT}/api-resources?after=%25%25`, { token })
    expect(bad.status).toBe(400)
  })

  test('attributes=properties adds properties; another attribute → 400 API-RESOURCE-60013', async () => {
    const res = await call(emu, 'GET', `${MGMT}/api-resources?attributes=properties`, { token })
    expect(res.body.apiResources[0].properties).toEqual([])
    const bad = await call(emu, 'GET', `${MGMT}/api-resources?attributes=scopes`, { token })
    expect([bad.status, bad.body.code]).toEqual([400, 'API-RESOURCE-60013'])
  })

  test('filters: eq (exact), co / sw / ew (case-insensitive), and, ne, type', async () => {
    await createResource(emu, token, { name: 'Orders API', identifier: 'https://orders.example.com/v1' })
    await createResource(emu, token, { name: 'Items API', identifier: 'https://items.example.com/v1' })
    const ids = async (filter: string): Promise<string[]> => {
      const res = await call(emu, 'GET', `${MGMT}/api-resources?filter=${encodeURIComponent(filter)}`, { token })
      expect(res.status).toBe(200)
      return res.body.apiResources.map((r: { identifier: string }) => r.identifier)
    }
    expect(await ids('identifier eq https://items.example.com/v1')).toEqual(['https://items.example.com/v1'])
    expect(await ids('identifier eq https://ITEMS.example.com/v1')).toEqual([])
    expect(await ids('name co ORDERS')).toEqual(['https://orders.example.com/v1'])
    expect(await ids('identifier sw https://')).toHaveLength(2)
    expect(await ids('identifier ew /V1')).toHaveLength(2)
    expect(await ids('name eq "Items API"')).toEqual(['https://items.example.com/v1'])
    expect(await ids('type eq BUSINESS and name sw items')).toEqual(['https://items.example.com/v1'])
    expect(await ids('type ne SYSTEM')).toHaveLength(2)
    expect(await ids('name eq Orders API')).toEqual(['https://orders.example.com/v1'])
  })

  test('`or` is flattened into `and`, as IS does for this API', async () => {
    await createResource(emu, token, { name: 'Orders API', identifier: 'orders' })
    await createResource(emu, token, { name: 'Items API', identifier: 'items' })
    const res = await call(
      emu,
      'GET',
      `${MGMT}/api-resources?filter=${encodeURIComponent('identifier eq orders or identifier eq items')}`,
      { token }
    )
    expect(res.status).toBe(200)
    expect(res.body.apiResources).toEqual([])
  })

  test('an unsupported filter attribute → 400 API-RESOURCE-60005; a malformed filter → 400 API-RESOURCE-60001', async () => {
    const attr = await call(emu, 'GET', `${MGMT}/api-resources?filter=description+eq+x`, { token })
    expect([attr.status, attr.body.code]).toEqual([400, 'API-RESOURCE-60005'])
    const malformed = await call(emu, 'GET', `${MGMT}/api-resources?filter=name`, { token })
    expect([malformed.status, malformed.body.code]).toEqual([400, 'API-RESOURCE-60001'])
  })

  test('the filter is carried (URL-encoded) into the next link', async () => {
    for (let i = 0; i < 3; i++) await createResource(emu, token, { identifier: `f-${i}` })
    const res = await call(emu, 'GET', `${MGMT}/api-resources?limit=2&filter=${encodeURIComponent('identifier sw f-')}`, { token })
    const next = res.body.links.find((l: { rel: string }) => l.rel === 'next')
    expect(next.href).toContain('&filter=identifier+sw+f-')
    const page2 = await call(emu, 'GET', next.href.replace(emu.url, ''), { token })
    expect(page2.body.apiResources.map((r: { identifier: string }) => r.identifier)).toEqual(['f-2'])
    expect(page2.body.links.some((l: { rel: string }) => l.rel === 'next')).toBe(false)
  })
})

describe('patch', () => {
  test('name, description and addedScopes → 204', async () => {
    const r = await createResource(emu, token, { identifier: 'p', scopes: [{ name: 'p:read' }] })
    const res = await call(emu, 'PATCH', `${MGMT}/api-resources/${r.id}`, {
      token,
      body: { name: 'New', description: 'D', addedScopes: [{ name: 'p:write' }] }
    })
    expect(res.status).toBe(204)
    const get = await call(emu, 'GET', `${MGMT}/api-resources/${r.id}`, { token })
    expect(get.body).toMatchObject({ name: 'New', description: 'D' })
    expect(get.body.scopes.map((s: { name: string }) => s.name)).toEqual(['p:read', 'p:write'])
  })

  test('removedScopes → 501 API-RESOURCE-60006 (even an empty list), nothing changes', async () => {
    const r = await createResource(emu, token, { identifier: 'p', scopes: [{ name: 'p:read' }] })
    const res = await call(emu, 'PATCH', `${MGMT}/api-resources/${r.id}`, { token, body: { name: 'Changed', removedScopes: [] } })
    expect([res.status, res.body.code]).toEqual([501, 'API-RESOURCE-60006'])
    expect((await call(emu, 'GET', `${MGMT}/api-resources/${r.id}`, { token })).body.name).toBe('p')
  })

  test('identifier and requiresAuthorization are not patchable: ignored, unchanged', async () => {
    const r = await createResource(emu, token, { identifier: 'fixed' })
    const res = await call(emu, 'PATCH', `${MGMT}/api-resources/${r.id}`, {
      token,
      body: { identifier: 'changed', requiresAuthorization: false }
    })
    expect(res.status).toBe(204)
    expect((await call(emu, 'GET', `${MGMT}/api-resources/${r.id}`, { token })).body).toMatchObject({
      identifier: 'fixed',
      requiresAuthorization: true
    })
  })

  test('added scope names are checked org-wide (409 API-RESOURCE-60004)', async () => {
    await createResource(emu, token, { identifier: 'a', scopes: [{ name: 'taken' }] })
    const b = await createResource(emu, token, { identifier: 'b' })
    const res = await call(emu, 'PATCH', `${MGMT}/api-resources/${b.id}`, { token, body: { addedScopes: [{ name: 'taken' }] } })
    expect([res.status, res.body.code]).toEqual([409, 'API-RESOURCE-60004'])
  })

  test('SYSTEM resources cannot be patched or deleted → 400 API-RESOURCE-60012 (reference §3)', async () => {
    const sys = systemResource()
    const name = sys.name
    const res = await call(emu, 'PATCH', `${MGMT}/api-resources/${sys.id}`, { token, body: { name: 'x' } })
    expect([res.status, res.body.code]).toEqual([400, 'API-RESOURCE-60012'])
    const del = await call(emu, 'DELETE', `${MGMT}/api-resources/${sys.id}`, { token })
    expect([del.status, del.body.code]).toEqual([400, 'API-RESOURCE-60012'])
    expect((await call(emu, 'GET', `${MGMT}/api-resources/${sys.id}`, { token })).body.name).toBe(name)
  })

  test('PATCH of an unknown id → 404', async () => {
    expect((await call(emu, 'PATCH', `${MGMT}/api-resources/nope`, { token, body: { name: 'x' } })).status).toBe(404)
  })
})

describe('delete', () => {
  test('DELETE → 204, and 204 again when already gone', async () => {
    const r = await createResource(emu, token, { identifier: 'gone' })
    expect((await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'GET', `${MGMT}/api-resources/${r.id}`, { token })).status).toBe(404)
  })

  test('deleting a resource removes it from apps authorized APIs and its scopes from roles', async () => {
    const r = await createResource(emu, token, { identifier: 'cascade', scopes: [{ name: 'c:read' }, { name: 'c:write' }] })
    const appId = await createApp(emu, token, 'app')
    await call(emu, 'POST', `${MGMT}/applications/${appId}/authorized-apis`, { token, body: { id: r.id, scopes: ['c:read', 'c:write'] } })
    const org = emu.state.asgardeo.orgs.acme
    org.roles.push({
      id: 'role-1',
      displayName: 'reader',
      audience: { type: 'application', value: appId },
      permissions: ['c:read', 'other'],
      users: [],
      groups: []
    })
    expect((await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'GET', `${MGMT}/applications/${appId}/authorized-apis`, { token })).body).toEqual([])
    expect(emu.state.asgardeo.orgs.acme.roles[0].permissions).toEqual(['other'])
  })
})

describe('scopes sub-resource', () => {
  test('GET scopes lists them; 404 for an unknown resource', async () => {
    const r = await createResource(emu, token, { identifier: 's', scopes: [{ name: 's:1' }] })
    const res = await call(emu, 'GET', `${MGMT}/api-resources/${r.id}/scopes`, { token })
    expect(res.status).toBe(200)
    expect(res.body).toEqual([{ id: r.scopes[0].id, name: 's:1', displayName: 's:1' }])
    expect((await call(emu, 'GET', `${MGMT}/api-resources/nope/scopes`, { token })).status).toBe(404)
  })

  test('PUT replaces the whole set → 204; kept names keep their ids; dropped scopes leave authorizations', async () => {
    const r = await createResource(emu, token, { identifier: 's', scopes: [{ name: 's:1' }, { name: 's:2' }] })
    const appId = await createApp(emu, token, 'app')
    await call(emu, 'POST', `${MGMT}/applications/${appId}/authorized-apis`, { token, body: { id: r.id, scopes: ['s:1', 's:2'] } })
    const res = await call(emu, 'PUT', `${MGMT}/api-resources/${r.id}/scopes`, {
      token,
      body: [{ name: 's:2', displayName: 'Two' }, { name: 's:3' }]
    })
    expect(res.status).toBe(204)
    const scopes = (await call(emu, 'GET', `${MGMT}/api-resources/${r.id}/scopes`, { token })).body
    expect(scopes.map((s: { name: string }) => s.name)).toEqual(['s:2', 's:3'])
    expect(scopes[0]).toMatchObject({ id: r.scopes[1].id, displayName: 'Two' })
    const auth = (await call(emu, 'GET', `${MGMT}/applications/${appId}/authorized-apis`, { token })).body
    expect(auth[0].authorizedScopes.map((s: { name: string }) => s.name)).toEqual(['s:2'])
  })

  test('PUT applies the org-wide rule to names from other resources only', async () => {
    await createResource(emu, token, { identifier: 'other', scopes: [{ name: 'o:1' }] })
    const r = await createResource(emu, token, { identifier: 's', scopes: [{ name: 's:1' }] })
    const clash = await call(emu, 'PUT', `${MGMT}/api-resources/${r.id}/scopes`, { token, body: [{ name: 'o:1' }] })
    expect([clash.status, clash.body.code]).toEqual([409, 'API-RESOURCE-60004'])
  })

  test('DELETE /scopes/{name} → 204 (spec lists no 2xx); 204 again when gone', async () => {
    const r = await createResource(emu, token, { identifier: 's', scopes: [{ name: 's:1' }, { name: 's:2' }] })
    expect((await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}/scopes/s:1`, { token })).status).toBe(204)
    expect((await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}/scopes/s:1`, { token })).status).toBe(204)
    const scopes = (await call(emu, 'GET', `${MGMT}/api-resources/${r.id}/scopes`, { token })).body
    expect(scopes.map((s: { name: string }) => s.name)).toEqual(['s:2'])
    // The name is free again, org-wide.
    await createResource(emu, token, { identifier: 'reuse', scopes: [{ name: 's:1' }] })
  })

  test('PATCH /scopes/{name} → 204; PATCH /scopes/id/{id} → 200 (spec: 204); unknown scope → 404 API-RESOURCE-60005', async () => {
    const r = await createResource(emu, token, { identifier: 's', scopes: [{ name: 's:1' }] })
    const byName = await call(emu, 'PATCH', `${MGMT}/api-resources/${r.id}/scopes/s:1`, {
      token,
      body: { displayName: 'One', description: 'first' }
    })
    expect(byName.status).toBe(204)
    const byId = await call(emu, 'PATCH', `${MGMT}/api-resources/${r.id}/scopes/id/${r.scopes[0].id}`, {
      token,
      body: { displayName: 'Uno' }
    })
    expect(byId.status).toBe(200)
    expect(byId.text).toBe('')
    const scopes = (await call(emu, 'GET', `${MGMT}/api-resources/${r.id}/scopes`, { token })).body
    expect(scopes[0]).toMatchObject({ displayName: 'Uno', description: 'first' })
    const missing = await call(emu, 'PATCH', `${MGMT}/api-resources/${r.id}/scopes/id/nope`, { token, body: { displayName: 'x' } })
    expect([missing.status, missing.body.code]).toEqual([404, 'API-RESOURCE-60005'])
  })

  test('DELETE /scopes/id/{scopeId} → 204 (spec: the path exists, no 2xx listed); 204 again when gone', async () => {
    const r = await createResource(emu, token, { identifier: 'd', scopes: [{ name: 'd:1' }, { name: 'd:2' }] })
    const del = await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}/scopes/id/${r.scopes[0].id}`, { token })
    expect(del.status).toBe(204)
    expect(del.text).toBe('')
    const scopes = (await call(emu, 'GET', `${MGMT}/api-resources/${r.id}/scopes`, { token })).body
    expect(scopes.map((x: { name: string }) => x.name)).toEqual(['d:2'])
    expect((await call(emu, 'DELETE', `${MGMT}/api-resources/${r.id}/scopes/id/${r.scopes[0].id}`, { token })).status).toBe(204)
  })

  test('scope operations on a SYSTEM resource → API-RESOURCE-60012', async () => {
    const sys = systemResource()
    const put = await call(emu, 'PUT', `${MGMT}/api-resources/${sys.id}/scopes`, { token, body: [] })
    expect([put.status, put.body.code]).toEqual([400, 'API-RESOURCE-60012'])
    const del = await call(emu, 'DELETE', `${MGMT}/api-resources/${sys.id}/scopes/${sys.scopes[0].name}`, { token })
    expect([del.status, del.body.code]).toEqual([400, 'API-RESOURCE-60012'])
  })

  test('org-wide GET /scopes?filter=name eq … finds a scope on any resource, SYSTEM ones included', async () => {
    await createResource(emu, token, { identifier: 'a', scopes: [{ name: 'a:read' }, { name: 'a:write' }] })
    const one = await call(emu, 'GET', `${MGMT}/scopes?filter=${encodeURIComponent('name eq a:read')}`, { token })
    expect(one.status).toBe(200)
    expect(one.body).toEqual([expect.objectContaining({ name: 'a:read', displayName: 'a:read', id: expect.any(String) })])
    const sys = await call(emu, 'GET', `${MGMT}/scopes?filter=name+eq+internal_idp_view`, { token })
    expect(sys.body).toHaveLength(1)
    const all = await call(emu, 'GET', `${MGMT}/scopes`, { token })
    expect(all.body.length).toBeGreaterThan(20)
    const sw = await call(emu, 'GET', `${MGMT}/scopes?filter=name+sw+a:`, { token })
    expect(sw.body).toHaveLength(2)
  })
})
