import { beforeEach, describe, expect, test } from '@jest/globals'
import { addPat, createApi } from '../../emulator/choreo/state.js'
import { caller, ORG, PUB, SEED } from './choreo-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

const call = caller(() => emu)
const org = () => emu.state.choreo.orgs[ORG]
const API = `${PUB}/apis/${SEED.apiId}`

/** GET → modify → PUT of the seeded API. */
async function putScopes(scopes: string[], opScopes: Record<string, string[]> = {}) {
  const { body: api } = await call('GET', API)
  api.scopes = scopes.map((name) => ({ scope: { name, bindings: [] }, shared: false }))
  for (const op of api.operations) op.scopes = opScopes[`${op.verb} ${op.target}`] ?? []
  return call('PUT', API, api)
}

describe('platform: PAT introspection and organizations', () => {
  test('POST /api-key-service/v1.0/pat/introspect describes the PAT', async () => {
    const res = await call('POST', '/api-key-service/v1.0/pat/introspect', undefined, { org: null })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      id: expect.any(String),
      organizationUuid: ORG,
      userId: SEED.userId,
      allowedScopes: expect.arrayContaining(['apim:api_view', 'apim:api_manage', 'apim:api_publish', 'apim:subscribe', 'apim:app_manage']),
      validUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 'ACTIVE'
    })
  })

  test('an unknown PAT gets 401 with the gateway error body and WWW-Authenticate', async () => {
    const res = await call('POST', '/api-key-service/v1.0/pat/introspect', undefined, { org: null, pat: 'nope' })
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('900901')
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/)
  })

  test('GET /orgs/1.0.0/orgs lists the organizations of the PAT user; /orgs/{handle} gives one', async () => {
    const list = await call('GET', '/orgs/1.0.0/orgs', undefined, { org: null })
    expect(list.status).toBe(200)
    expect(list.body).toEqual([
      {
        id: 1,
        uuid: ORG,
        handle: SEED.choreoOrgHandle,
        name: SEED.choreoOrgHandle,
        owner: { id: 1, idpId: SEED.userId, createdAt: expect.any(String) }
      }
    ])
    const one = await call('GET', `/orgs/1.0.0/orgs/${SEED.choreoOrgHandle}`, undefined, { org: null })
    expect(one.status).toBe(200)
    expect(one.body.uuid).toBe(ORG)
    expect((await call('GET', '/orgs/1.0.0/orgs/other', undefined, { org: null })).status).toBe(404)
    expect((await call('GET', '/orgs/1.0.0/orgs', undefined, { org: null, pat: null })).status).toBe(401)
  })
})

describe('authentication and organizationId (quirk 1)', () => {
  test('a call without ?organizationId= gets 400 900357', async () => {
    const res = await call('GET', `${PUB}/apis`, undefined, { org: null })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({
      code: 900357,
      message: 'Organization Not Found',
      description: 'Organization is not found in the request',
      moreInfo: '',
      error: []
    })
  })

  test('only the v2 bases are served: publisher v4 and devportal v3 paths → 404', async () => {
    expect((await call('GET', `${PUB}/apis`)).status).toBe(200)
    for (const path of ['/api/am/publisher/v4/apis', '/api/am/publisher/v1/apis', '/api/am/devportal/v3/apis']) {
      const res = await call('GET', path)
      expect([path, res.status]).toEqual([path, 404])
    }
  })

  test('an organization the PAT is not bound to gets 403 900900', async () => {
    const res = await call('GET', `${PUB}/apis`, undefined, { org: '11111111-2222-4333-8444-555555555555' })
    expect(res.status).toBe(403)
    expect(res.body.code).toBe(900900)
  })

  test('no token → 401 900902; unknown token → 401 900901; expired PAT → 401 900903', async () => {
    const none = await call('GET', `${PUB}/apis`, undefined, { pat: null })
    expect(none.status).toBe(401)
    expect(none.body.code).toBe(900902)
    expect(none.headers.get('www-authenticate')).toBeTruthy()
    const bad = await call('GET', `${PUB}/apis`, undefined, { pat: 'not-a-pat' })
    expect(bad.status).toBe(401)
    expect(bad.body).toMatchObject({ code: 900901, message: 'Invalid Credentials', moreInfo: '', error: [] })
    addPat(emu.state.choreo, 'old-pat', {
      organizationUuid: ORG,
      userIdpId: SEED.userId,
      allowedScopes: ['apim:api_view'],
      validUntil: emu.now() - 1000
    })
    const expired = await call('GET', `${PUB}/apis`, undefined, { pat: 'old-pat' })
    expect(expired.status).toBe(401)
    expect(expired.body.code).toBe(900903)
  })

  test('a PAT without the operation scope gets 403 900910; with one of them it passes', async () => {
    addPat(emu.state.choreo, 'view-only', { organizationUuid: ORG, userIdpId: SEED.userId, allowedScopes: ['apim:api_view'] })
    expect((await call('GET', API, undefined, { pat: 'view-only' })).status).toBe(200)
    const { body: api } = await call('GET', API)
    const put = await call('PUT', API, api, { pat: 'view-only' })
    expect(put.status).toBe(403)
    expect(put.body).toMatchObject({ code: 900910, message: 'Invalid Scope', moreInfo: '', error: [] })
    expect((await call('POST', `${API}/revisions`, {}, { pat: 'view-only' })).status).toBe(403)
  })
})

describe('GET /apis: search and pagination (quirk 5)', () => {
  beforeEach(() => {
    createApi(org(), { name: 'Items API Admin', version: 'v1.0', context: '/items-admin', provider: 'wso2' })
    createApi(org(), { name: 'Orders API', version: 'v2.0', context: '/orders', lifeCycleStatus: 'PUBLISHED' })
    createApi(org(), { name: 'Legacy Items', version: 'v0.9', context: '/legacy' })
  })
  const names = (body: { list: { name: string }[] }) => body.list.map((a) => a.name).sort()

  test('a bare term is a name *contains* search (case-insensitive), so exact matching is client-side', async () => {
    const res = await call('GET', `${PUB}/apis?query=${encodeURIComponent('Items API')}`)
    expect(res.status).toBe(200)
    expect(names(res.body)).toEqual(['Items API', 'Items API Admin'])
    expect(names((await call('GET', `${PUB}/apis?query=items`)).body)).toEqual(['Items API', 'Items API Admin', 'Legacy Items'])
  })

  test('modifiers: name:, version:, context:, status:, provider:, and quoted exact values', async () => {
    const q = async (query: string) => names((await call('GET', `${PUB}/apis?query=${encodeURIComponent(query)}`)).body)
    expect(await q('name:items')).toEqual(['Items API', 'Items API Admin', 'Legacy Items'])
    expect(await q('name:"Items API"')).toEqual(['Items API'])
    expect(await q('name:"Items"')).toEqual([])
    expect(await q('version:v2')).toEqual(['Orders API'])
    expect(await q('context:/items')).toEqual(['Items API', 'Items API Admin'])
    expect(await q('status:PUBLISHED')).toEqual(['Items API', 'Orders API'])
    expect(await q('provider:"wso2"')).toEqual(['Items API Admin'])
    expect(await q('name:items status:created')).toEqual(['Items API Admin', 'Legacy Items'])
    expect((await call('GET', `${PUB}/apis?query=color:red`)).status).toBe(400)
  })

  test('APIList pagination: defaults 25/0; next and previous links, empty when none', async () => {
    const all = await call('GET', `${PUB}/apis`)
    expect(all.body.count).toBe(4)
    expect(all.body.pagination).toEqual({ offset: 0, limit: 25, total: 4, next: '', previous: '' })
    expect(all.body.list[0]).toMatchObject({
      id: expect.any(String),
      name: expect.any(String),
      context: expect.any(String),
      version: expect.any(String),
      lifeCycleStatus: expect.any(String),
      type: 'HTTP'
    })

    const first = await call('GET', `${PUB}/apis?limit=2&offset=0&query=`)
    expect(first.body.count).toBe(2)
    expect(first.body.pagination).toEqual({ offset: 0, limit: 2, total: 4, next: '/apis?limit=2&offset=2&query=', previous: '' })
    const second = await call('GET', `${PUB}/apis?limit=2&offset=2`)
    expect(second.body.pagination).toMatchObject({ next: '', previous: '/apis?limit=2&offset=0&query=' })
    const ids = [...first.body.list, ...second.body.list].map((a: { id: string }) => a.id)
    expect(new Set(ids).size).toBe(4)
  })
})

describe('GET /apis/{apiId}', () => {
  test('the full API object with an ETag', async () => {
    const res = await call('GET', API)
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toMatch(/^".+"$/)
    expect(res.body).toMatchObject({
      id: SEED.apiId,
      name: SEED.apiName,
      context: SEED.apiContext,
      version: SEED.apiVersion,
      provider: 'emulator',
      lifeCycleStatus: 'PUBLISHED',
      type: 'HTTP',
      transport: ['http', 'https'],
      policies: ['Unlimited'],
      securityScheme: expect.arrayContaining(['oauth2']),
      visibility: 'PUBLIC',
      scopes: [],
      createdTime: expect.stringMatching(/^\d+$/),
      lastUpdatedTime: expect.stringMatching(/^\d+$/)
    })
    expect(res.body.operations).toHaveLength(SEED.apiOperations.length)
    expect(res.body.operations[0]).toEqual(
      expect.objectContaining({
        id: '',
        target: '/items',
        verb: 'GET',
        authType: expect.any(String),
        throttlingPolicy: 'Unlimited',
        scopes: []
      })
    )
  })

  test('an unknown id → 404 900308', async () => {
    const res = await call('GET', `${PUB}/apis/does-not-exist`)
    expect(res.status).toBe(404)
    expect(res.body.code).toBe(900308)
  })
})

describe('PUT /apis/{apiId} (quirks 8 and 9)', () => {
  test('bare scope names are stored as urn:<org>:<apiSlug>:<name>; operation scopes are rewritten to them', async () => {
    const res = await putScopes(['items_read', 'items_write'], {
      'GET /items': ['items_read'],
      'POST /items': ['items_write', 'items_read']
    })
    expect(res.status).toBe(200)
    const fq = (n: string) => `urn:${SEED.choreoOrgHandle}:itemsapi:${n}`
    expect(res.body.scopes).toEqual([
      {
        scope: { id: expect.any(String), name: fq('items_read'), displayName: 'items_read', description: '', bindings: [], usageCount: 2 },
        shared: false
      },
      {
        scope: {
          id: expect.any(String),
          name: fq('items_write'),
          displayName: 'items_write',
          description: '',
          bindings: [],
          usageCount: 1
        },
        shared: false
      }
    ])
    const read = await call('GET', API)
    const op = (verb: string, target: string) =>
      read.body.operations.find((o: { verb: string; target: string }) => o.verb === verb && o.target === target)
    expect(op('GET', '/items').scopes).toEqual([fq('items_read')])
    expect(op('POST', '/items').scopes).toEqual([fq('items_write'), fq('items_read')])
    expect(op('DELETE', '/items/{id}').scopes).toEqual([])
  })

  test('names already starting with urn: are kept; PUT again with the read-back names is stable', async () => {
    await putScopes(['urn:custom:thing:admin'], { 'DELETE /items/{id}': ['urn:custom:thing:admin'] })
    const { body: api } = await call('GET', API)
    expect(api.scopes[0].scope).toMatchObject({ name: 'urn:custom:thing:admin', displayName: 'admin' })
    const again = await call('PUT', API, api)
    expect(again.status).toBe(200)
    expect(again.body.scopes.map((s: { scope: { id: string } }) => s.scope.id)).toEqual(
      api.scopes.map((s: { scope: { id: string } }) => s.scope.id)
    )
  })

  test('name, version, context, provider and lifeCycleStatus stay unchanged; shared is ignored', async () => {
    const { body: api } = await call('GET', API)
    Object.assign(api, {
      name: 'Renamed',
      version: 'v9',
      context: '/elsewhere',
      provider: 'mallory',
      lifeCycleStatus: 'RETIRED',
      tags: ['t1']
    })
    api.scopes = [{ scope: { name: 'x' }, shared: true }]
    const res = await call('PUT', API, api)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      name: SEED.apiName,
      version: SEED.apiVersion,
      context: SEED.apiContext,
      provider: 'emulator',
      lifeCycleStatus: 'PUBLISHED',
      tags: ['t1']
    })
    expect(res.body.scopes[0].shared).toBe(false)
  })

  test('If-Match: a stale ETag → 412; the current one → 200 with a new ETag', async () => {
    const first = await call('GET', API)
    const etag = first.headers.get('etag') as string
    const ok = await call('PUT', API, first.body, { headers: { 'if-match': etag } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('etag')).not.toBe(etag)
    const stale = await call('PUT', API, first.body, { headers: { 'if-match': etag } })
    expect(stale.status).toBe(412)
    expect(stale.body).toMatchObject({ code: 412, message: 'Precondition Failed' })
  })

  test('a scope name another API of the org already has → 400 900988', async () => {
    const other = createApi(org(), { name: 'Items API', version: 'v2.0', context: '/items-api' })
    other.scopes.push({
      id: 's1',
      name: `urn:${SEED.choreoOrgHandle}:itemsapi:items_read`,
      displayName: 'items_read',
      description: '',
      bindings: []
    })
    const res = await putScopes(['items_read'])
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ code: 900988, message: 'Scope already assigned locally by another API', moreInfo: '', error: [] })
  })

  test('shared scopes: POST /scopes → 201; the same name again → 409 900984; a name local to an API → 409 900984', async () => {
    addPat(emu.state.choreo, 'scopes-pat', {
      organizationUuid: ORG,
      userIdpId: SEED.userId,
      allowedScopes: ['apim:api_view', 'apim:api_manage', 'apim:shared_scope_manage']
    })
    const opts = { pat: 'scopes-pat' }
    const created = await call('POST', `${PUB}/scopes`, { name: 'urn:acme:shared:audit', displayName: 'audit', bindings: [] }, opts)
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe(`${emu.url}${PUB}/scopes/${created.body.id}`)
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'urn:acme:shared:audit',
      displayName: 'audit',
      description: '',
      bindings: [],
      usageCount: 0
    })
    const dup = await call('POST', `${PUB}/scopes`, { name: 'urn:acme:shared:audit' }, opts)
    expect(dup.status).toBe(409)
    expect(dup.body).toEqual({
      code: 900984,
      message: 'Scope already exists',
      description: 'Scope urn:acme:shared:audit already exists',
      moreInfo: '',
      error: []
    })
    await putScopes(['items_read'])
    const local = await call('POST', `${PUB}/scopes`, { name: `urn:${SEED.choreoOrgHandle}:itemsapi:items_read` }, opts)
    expect([local.status, local.body.code]).toEqual([409, 900984])
    const list = await call('GET', `${PUB}/scopes`, undefined, opts)
    expect(list.body).toMatchObject({ count: 1, list: [{ id: created.body.id }], pagination: { total: 1 } })
    expect((await call('GET', `${PUB}/scopes/${created.body.id}`, undefined, opts)).body.name).toBe('urn:acme:shared:audit')
    expect((await call('DELETE', `${PUB}/scopes/${created.body.id}`, undefined, opts)).status).toBe(200)
    expect((await call('GET', `${PUB}/scopes/${created.body.id}`, undefined, opts)).status).toBe(404)
    // Managing shared scopes needs apim:shared_scope_manage, which the seeded PAT lacks.
    const denied = await call('POST', `${PUB}/scopes`, { name: 'x' })
    expect([denied.status, denied.body.code]).toEqual([403, 900910])
  })

  test('an operation scope that is not one of the API scopes → 412 900986 (SCOPE_VALIDATION_FAILED)', async () => {
    const res = await putScopes(['items_read'], { 'GET /items': ['items_admin'] })
    expect(res.status).toBe(412)
    expect(res.body.code).toBe(900986)
    expect(res.body.description).toMatch(/items_admin/)
  })

  test('the PUT replaces the whole object: fields, scopes and operations left out are dropped', async () => {
    const { body: api } = await call('GET', API)
    expect(api.policies).toEqual(['Unlimited'])
    expect(api.endpointConfig).toBeTruthy()
    const res = await call('PUT', API, { name: api.name, context: api.context, version: api.version })
    expect(res.status).toBe(200)
    const after = (await call('GET', API)).body
    expect(after.policies).toBeUndefined()
    expect(after.endpointConfig).toBeUndefined()
    expect(after.scopes).toEqual([])
    expect(after.operations).toEqual([])
  })

  test('a body without name/context/version → 400', async () => {
    const res = await call('PUT', API, { scopes: [] })
    expect(res.status).toBe(400)
    expect(res.body.error.map((e: { code: string }) => e.code).sort()).toEqual(['context', 'name', 'version'])
  })
})

describe('revisions and deployments (quirk 4)', () => {
  test('the seeded API has one revision deployed to every environment', async () => {
    const revs = await call('GET', `${API}/revisions`)
    expect(revs.body.count).toBe(1)
    expect(revs.body.list[0]).toMatchObject({ displayName: 'Revision 1', apiInfo: { id: SEED.apiId } })
    expect(revs.body.list[0].deploymentInfo.map((d: { name: string }) => d.name).sort()).toEqual([...SEED.environments].sort())
    const deps = await call('GET', `${API}/deployments`)
    expect(Object.keys(deps.body)).toEqual(['list']) // APIRevisionDeploymentList has no count
    expect(deps.body.list).toHaveLength(SEED.environments.length)
  })

  test('creating a revision snapshots the API but does not deploy it', async () => {
    await putScopes(['items_read'], { 'GET /items': ['items_read'] })
    const created = await call('POST', `${API}/revisions`, { description: 'scopes' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      displayName: 'Revision 2',
      id: expect.any(String),
      description: 'scopes',
      createdTime: expect.any(String),
      apiInfo: { id: SEED.apiId },
      deploymentInfo: []
    })
    const undeployed = await call('GET', `${API}/revisions?query=deployed:false`)
    expect(undeployed.body.list.map((r: { id: string }) => r.id)).toEqual([created.body.id])
    const deployed = await call('GET', `${API}/revisions?query=deployed:true`)
    expect(deployed.body.list.map((r: { displayName: string }) => r.displayName)).toEqual(['Revision 1'])
    const deps = await call('GET', `${API}/deployments`)
    expect(deps.body.list.every((d: { revisionUuid: string }) => d.revisionUuid !== created.body.id)).toBe(true)
    // The revision itself holds the snapshot.
    const snap = await call('GET', `${PUB}/apis/${created.body.id}`)
    expect(snap.body).toMatchObject({ isRevision: true, revisionedApiId: SEED.apiId, revisionId: 2 })
    expect(snap.body.scopes[0].scope.name).toBe(`urn:${SEED.choreoOrgHandle}:itemsapi:items_read`)
  })

  test('at most maxRevisions (5): the 6th → 400 900351; deleting an undeployed one makes room', async () => {
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const r = await call('POST', `${API}/revisions`, { description: `r${i}` })
      expect(r.status).toBe(201)
      ids.push(r.body.id)
    }
    const sixth = await call('POST', `${API}/revisions`, { description: 'one too many' })
    expect(sixth.status).toBe(400)
    expect(sixth.body).toEqual({
      code: 900351,
      message: 'Can not create API Revision',
      description: `Maximum number of revisions per API has reached. Need to remove any revision to create a new Revision for API with API UUID: ${SEED.apiId}`,
      moreInfo: '',
      error: []
    })
    const del = await call('DELETE', `${API}/revisions/${ids[0]}`)
    expect(del.status).toBe(200)
    expect(del.body.count).toBe(4)
    const again = await call('POST', `${API}/revisions`, {})
    expect(again.status).toBe(201)
    expect(again.body.displayName).toBe('Revision 6')
  })

  test('restore-revision → 201 with the restored API; restoring does not deploy anything', async () => {
    await putScopes(['items_read'], { 'GET /items': ['items_read'] })
    const rev = (await call('POST', `${API}/revisions`, { description: 'with items_read' })).body
    await putScopes(['items_admin'], { 'DELETE /items/{id}': ['items_admin'] })
    const before = (await call('GET', `${API}/deployments`)).body.list
    const res = await call('POST', `${API}/restore-revision?revisionId=${rev.id}`)
    expect(res.status).toBe(201)
    expect(res.body.scopes.map((x: { scope: { name: string } }) => x.scope.name)).toEqual([
      `urn:${SEED.choreoOrgHandle}:itemsapi:items_read`
    ])
    expect(res.body).toMatchObject({ id: SEED.apiId, isRevision: false })
    expect(
      (await call('GET', API)).body.operations.find((o: { verb: string; target: string }) => o.verb === 'GET' && o.target === '/items')
        .scopes
    ).toEqual([`urn:${SEED.choreoOrgHandle}:itemsapi:items_read`])
    expect((await call('GET', `${API}/deployments`)).body.list).toEqual(before)
    const deployed = (await call('GET', `${API}/revisions?query=deployed:true`)).body.list.map(
      (r: { displayName: string }) => r.displayName
    )
    expect(deployed).toEqual(['Revision 1'])
    const missing = await call('POST', `${API}/restore-revision?revisionId=nope`)
    expect([missing.status, missing.body.code]).toEqual([404, 900347])
  })

  test('a deployed revision cannot be deleted (400 900348)', async () => {
    const { body } = await call('GET', `${API}/revisions`)
    const res = await call('DELETE', `${API}/revisions/${body.list[0].id}`)
    expect(res.status).toBe(400)
    expect(res.body.code).toBe(900348)
  })

  test('deploy-revision swaps the revision of an environment; redeploying it there → 409 902005', async () => {
    const rev = (await call('POST', `${API}/revisions`, {})).body
    const dep = await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [
      { name: 'Production', vhost: '127.0.0.1', displayOnDevportal: true }
    ])
    expect(dep.status).toBe(200)
    expect(dep.body).toEqual([
      {
        revisionUuid: rev.id,
        name: 'Production',
        vhost: '127.0.0.1',
        displayOnDevportal: true,
        deployedTime: expect.any(String),
        successDeployedTime: expect.any(String)
      }
    ])
    const deps = (await call('GET', `${API}/deployments`)).body.list as { name: string; revisionUuid: string }[]
    expect(deps.find((d) => d.name === 'Production')?.revisionUuid).toBe(rev.id)
    expect(deps.find((d) => d.name === 'Development')?.revisionUuid).not.toBe(rev.id)
    expect(deps).toHaveLength(2)
    const again = await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])
    expect(again.status).toBe(409)
    expect(again.body.code).toBe(902005)
  })

  test('deploy-revision errors: unknown environment 400 900504, unknown revision 404 900347, wrong vhost 400 900512', async () => {
    const rev = (await call('POST', `${API}/revisions`, {})).body
    const env = await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Staging' }])
    expect(env.status).toBe(400)
    expect(env.body.code).toBe(900504)
    const missing = await call('POST', `${API}/deploy-revision?revisionId=nope`, [{ name: 'Production' }])
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe(900347)
    const vhost = await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production', vhost: 'gw.example.com' }])
    expect(vhost.status).toBe(400)
    expect(vhost.body.code).toBe(900512)
  })

  test('undeploy-revision → 201 with what was undeployed', async () => {
    const { body } = await call('GET', `${API}/revisions`)
    const res = await call('POST', `${API}/undeploy-revision?revisionId=${body.list[0].id}`, [{ name: 'Development' }])
    expect(res.status).toBe(201)
    expect(res.body.map((d: { name: string }) => d.name)).toEqual(['Development'])
    const deps = await call('GET', `${API}/deployments`)
    expect(deps.body.list.map((d: { name: string }) => d.name)).toEqual(['Production'])
  })

  test('GET /settings lists the seeded environments with vhosts on this host', async () => {
    const res = await call('GET', `${PUB}/settings`)
    expect(res.status).toBe(200)
    const port = Number(new URL(emu.url).port)
    expect(res.body.environment.map((e: { name: string }) => e.name)).toEqual(SEED.environments)
    expect(res.body.environment[0]).toMatchObject({
      id: expect.any(String),
      displayName: SEED.environments[0],
      type: expect.any(String),
      serverUrl: expect.stringContaining(emu.url),
      showInApiConsole: true,
      vhosts: [{ host: '127.0.0.1', httpContext: `/gateway/${SEED.environments[0]}`, httpPort: port, httpsPort: port }]
    })
    expect(Array.isArray(res.body.scopes)).toBe(true)
  })
})

describe('lifecycle', () => {
  test('Demote to Created, then Publish: 200 APPROVED with the new state', async () => {
    const demote = await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=${encodeURIComponent('Demote to Created')}`)
    expect(demote.status).toBe(200)
    expect(demote.body).toMatchObject({ workflowStatus: 'APPROVED', lifecycleState: { state: 'Created' } })
    expect((await call('GET', API)).body.lifeCycleStatus).toBe('CREATED')
    const publish = await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=Publish`)
    expect(publish.status).toBe(200)
    expect(publish.body.lifecycleState.state).toBe('Published')
    expect(publish.body.lifecycleState.availableTransitions).toEqual(expect.arrayContaining([{ event: 'Block', targetState: 'Blocked' }]))
    expect((await call('GET', API)).body.lifeCycleStatus).toBe('PUBLISHED')
  })

  test('an action not allowed in the current state → 400 900381', async () => {
    const res = await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=Retire`)
    expect(res.status).toBe(400)
    expect(res.body.code).toBe(900381)
  })

  test('Publish needs a deployed revision', async () => {
    await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=${encodeURIComponent('Demote to Created')}`)
    const { body } = await call('GET', `${API}/revisions`)
    await call('POST', `${API}/undeploy-revision?revisionId=${body.list[0].id}&allEnvironments=true`)
    const res = await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=Publish`)
    expect(res.status).toBe(400)
    expect(res.body.description).toMatch(/deploy/)
  })

  test('publisher GET /key-managers lists the key managers', async () => {
    const res = await call('GET', `${PUB}/key-managers`)
    expect(res.status).toBe(200)
    expect(res.body.list.map((k: { name: string }) => k.name)).toEqual(['Resident Key Manager', SEED.keyManagerName])
  })
})
