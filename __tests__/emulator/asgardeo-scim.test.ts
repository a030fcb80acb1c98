import { beforeEach, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { DEFAULT_SEED } from '../../emulator/index.js'
import { defaultOidc, type AsgardeoOrg, type ApiResource, type Application } from '../../emulator/asgardeo/state.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const ROLE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:2.0:Role'
const acme = (): AsgardeoOrg => emu.state.asgardeo.orgs.acme

interface Res {
  status: number
  headers: Headers
  body: Record<string, unknown>
  text: string
}

async function mgmtToken(scope = 'SYSTEM'): Promise<string> {
  const r = await fetch(`${emu.url}/t/acme/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${DEFAULT_SEED.mgmtClientId}:${DEFAULT_SEED.mgmtClientSecret}`).toString('base64')}`
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString()
  })
  return ((await r.json()) as { access_token: string }).access_token
}

let bearer = ''
beforeEach(async () => {
  bearer = await mgmtToken()
})

async function call(method: string, path: string, body?: unknown, token: string | null = bearer): Promise<Res> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/scim+json'
  const r = await fetch(`${emu.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await r.text()
  return { status: r.status, headers: r.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

const rolesPath = '/t/acme/scim2/v2/Roles'

function addApi(name: string, scopes: string[]): ApiResource {
  const api: ApiResource = {
    id: randomUUID(),
    name,
    identifier: `https://${name}.example.com`,
    type: 'BUSINESS',
    requiresAuthorization: true,
    scopes: scopes.map((s) => ({ id: randomUUID(), name: s, displayName: `${s} (display)` }))
  }
  acme().apiResources.push(api)
  return api
}

function addApp(
  authorized: { api: ApiResource; scopes: string[] }[],
  allowedAudience: 'APPLICATION' | 'ORGANIZATION' = 'APPLICATION'
): Application {
  const id = randomUUID()
  const app: Application = {
    id,
    name: `app-${id.slice(0, 6)}`,
    allowedAudience,
    oidc: defaultOidc(`c_${id.slice(0, 8)}`, 's', ['password']),
    authorizedApis: authorized.map((a) => ({ id: a.api.id, policyId: 'RBAC', scopes: a.scopes })),
    extra: {},
    createdAt: 0
  }
  acme().applications.push(app)
  return app
}

function roleBody(app: Application | undefined, name: string, permissions: string[], users: string[] = []): Record<string, unknown> {
  const body: Record<string, unknown> = {
    schemas: [ROLE_SCHEMA],
    displayName: name,
    permissions: permissions.map((value) => ({ value })),
    users: users.map((value) => ({ value }))
  }
  if (app) body.audience = { type: 'application', value: app.id }
  return body
}

function expectScimError(r: Res, status: number): void {
  expect(r.status).toBe(status)
  expect(r.headers.get('content-type')).toBe('application/scim+json')
  expect(r.body.schemas).toEqual([ERROR_SCHEMA])
  expect(r.body.status).toBe(String(status))
  expect(typeof r.body.detail).toBe('string')
}

let api: ApiResource
let app: Application
beforeEach(() => {
  api = addApi('orders', ['orders:read', 'orders:write', 'orders:admin'])
  app = addApp([{ api, scopes: ['orders:read', 'orders:write'] }])
})

describe('SCIM2 Roles v2: create', () => {
  test('201 with Location and the role (audience, permissions, users, meta)', async () => {
    const r = await call('POST', rolesPath, roleBody(app, 'reader', ['orders:read'], [DEFAULT_SEED.userId]))
    expect(r.status).toBe(201)
    expect(r.headers.get('content-type')).toBe('application/scim+json')
    const id = r.body.id as string
    expect(r.headers.get('location')).toBe(`${emu.url}${rolesPath}/${id}`)
    expect(r.body).toMatchObject({
      displayName: 'reader',
      schemas: [ROLE_SCHEMA],
      audience: { value: app.id, display: app.name, type: 'application' },
      permissions: [{ value: 'orders:read', display: 'orders:read (display)' }],
      users: [{ value: DEFAULT_SEED.userId, display: 'alice' }],
      meta: { location: `${emu.url}${rolesPath}/${id}`, resourceType: 'Role' }
    })
    expect(acme().roles.find((x) => x.id === id)?.permissions).toEqual(['orders:read'])
  })

  test('the app must allow APPLICATION role audience', async () => {
    const orgApp = addApp([{ api, scopes: ['orders:read'] }], 'ORGANIZATION')
    const r = await call('POST', rolesPath, roleBody(orgApp, 'reader', ['orders:read']))
    expectScimError(r, 400)
    expect(r.body.detail).toBe(`Application: ${orgApp.id} does not have Application role audience type`)
    expect(r.body.scimType).toBe('invalidValue')
  })

  test('an unknown application → 400', async () => {
    const r = await call('POST', rolesPath, { displayName: 'x', audience: { type: 'application', value: 'nope' } })
    expectScimError(r, 400)
    expect(r.body.detail).toBe('Invalid audience. No application found with application id: nope')
  })

  test('every permission must be a scope authorized to the app', async () => {
    const r = await call('POST', rolesPath, roleBody(app, 'admin', ['orders:read', 'orders:admin']))
    expectScimError(r, 400)
    expect(r.body.detail).toBe(`Permission : orders:admin is not authorized for application with ID: ${app.id}`)
    expect(acme().roles).toHaveLength(0)
  })

  test('duplicate name in the same audience → 409 with status as a string', async () => {
    expect((await call('POST', rolesPath, roleBody(app, 'reader', ['orders:read']))).status).toBe(201)
    const r = await call('POST', rolesPath, roleBody(app, 'reader', []))
    expectScimError(r, 409)
    expect(r.body.status).toBe('409')
    expect(r.body.detail).toBe('Role with name: reader already exists in the system.')
    // Same name in another application's audience is fine.
    const other = addApp([{ api, scopes: ['orders:read'] }])
    expect((await call('POST', rolesPath, roleBody(other, 'reader', ['orders:read']))).status).toBe(201)
  })

  test('a missing audience makes an organization role', async () => {
    const r = await call('POST', rolesPath, roleBody(undefined, 'org-reader', []))
    expect(r.status).toBe(201)
    expect((r.body.audience as { type: string; display: string }).type).toBe('organization')
    expect((r.body.audience as { display: string }).display).toBe('acme')
  })

  test('missing displayName → 400; unknown user → 400', async () => {
    expectScimError(await call('POST', rolesPath, { audience: { type: 'application', value: app.id } }), 400)
    expectScimError(await call('POST', rolesPath, roleBody(app, 'r', [], ['no-such-user'])), 400)
  })
})

describe('SCIM2 Roles v2: find', () => {
  beforeEach(async () => {
    await call('POST', rolesPath, roleBody(app, 'reader', ['orders:read']))
    await call('POST', rolesPath, roleBody(app, 'writer', ['orders:write']))
    const other = addApp([{ api, scopes: ['orders:read'] }])
    await call('POST', rolesPath, roleBody(other, 'reader', ['orders:read']))
  })

  test('filter displayName eq X and audience.value eq Y', async () => {
    const filter = encodeURIComponent(`displayName eq reader and audience.value eq ${app.id}`)
    const r = await call('GET', `${rolesPath}?filter=${filter}`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
    const [role] = r.body.Resources as Record<string, unknown>[]
    expect(role).toMatchObject({ displayName: 'reader', audience: { value: app.id, type: 'application' } })
    // Lists carry no permissions unless asked for.
    expect(role.permissions).toBeUndefined()
    const withPerms = await call('GET', `${rolesPath}?filter=${filter}&attributes=permissions`)
    expect((withPerms.body.Resources as Record<string, unknown>[])[0].permissions).toEqual([
      expect.objectContaining({ value: 'orders:read' })
    ])
  })

  test('operators co / sw / ew / ne and audience.type', async () => {
    const q = async (f: string): Promise<number> =>
      (await call('GET', `${rolesPath}?filter=${encodeURIComponent(f)}`)).body.totalResults as number
    expect(await q('displayName co rite')).toBe(1)
    expect(await q('displayName sw read')).toBe(2)
    expect(await q('displayName ew er')).toBe(3)
    expect(await q('displayName ne reader')).toBe(1)
    expect(await q('audience.type eq application and displayName eq "writer"')).toBe(1)
    expect(await q('urn:ietf:params:scim:schemas:extension:2.0:Role:displayName eq writer')).toBe(1)
  })

  test('`or` → 400; an unsupported operator or attribute → 400', async () => {
    const or = await call('GET', `${rolesPath}?filter=${encodeURIComponent('displayName eq reader or displayName eq writer')}`)
    expectScimError(or, 400)
    expect(or.body.detail).toBe('Filter operator: or is not supported for role filtering.')
    expectScimError(await call('GET', `${rolesPath}?filter=${encodeURIComponent('displayName gt a')}`), 400)
    expectScimError(await call('GET', `${rolesPath}?filter=${encodeURIComponent('permissions eq orders:read')}`), 400)
  })

  test('startIndex is 1-based and count is the page size; no match has no Resources', async () => {
    const page = await call('GET', `${rolesPath}?startIndex=2&count=1`)
    expect(page.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 })
    expect((page.body.Resources as unknown[]).length).toBe(1)
    const none = await call('GET', `${rolesPath}?filter=${encodeURIComponent('displayName eq nobody')}`)
    expect(none.body).toEqual({ schemas: [LIST_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0 })
  })

  test('POST /Roles/.search takes the same filter', async () => {
    const r = await call('POST', `${rolesPath}/.search`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      startIndex: 1,
      filter: 'displayName eq writer'
    })
    expect(r.status).toBe(200)
    expect(r.body.totalResults).toBe(1)
  })

  test('sorting is not implemented → 501', async () => {
    expectScimError(await call('GET', `${rolesPath}?sortBy=displayName`), 501)
  })
})

describe('SCIM2 Roles v2: get, patch, put, delete', () => {
  let roleId: string
  beforeEach(async () => {
    roleId = (await call('POST', rolesPath, roleBody(app, 'reader', ['orders:read']))).body.id as string
  })

  test('GET /{id} and 404 for an unknown id', async () => {
    const r = await call('GET', `${rolesPath}/${roleId}`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ id: roleId, displayName: 'reader', permissions: [expect.objectContaining({ value: 'orders:read' })] })
    expectScimError(await call('GET', `${rolesPath}/nope`), 404)
  })

  test('PATCH add/remove users, replace permissions and displayName → 200', async () => {
    const add = await call('PATCH', `${rolesPath}/${roleId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'add', path: 'users', value: [{ value: DEFAULT_SEED.userId }] },
        { op: 'add', path: 'groups', value: [{ value: 'g1' }] },
        { op: 'replace', value: { permissions: [{ value: 'orders:write' }] } }
      ]
    })
    expect(add.status).toBe(200)
    expect(add.body).toMatchObject({ users: [{ value: DEFAULT_SEED.userId }], permissions: [{ value: 'orders:write' }] })
    expect(acme().roles[0].groups).toEqual(['g1'])

    const remove = await call('PATCH', `${rolesPath}/${roleId}`, {
      Operations: [
        { op: 'remove', path: `users[value eq ${DEFAULT_SEED.userId}]` },
        { op: 'replace', path: 'displayName', value: 'renamed' },
        { op: 'add', path: 'permissions', value: [{ value: 'orders:read' }] }
      ]
    })
    expect(remove.status).toBe(200)
    expect(remove.body.users).toBeUndefined()
    expect(remove.body.displayName).toBe('renamed')
    expect(acme().roles[0].permissions.sort()).toEqual(['orders:read', 'orders:write'])
  })

  test('PATCH with an unauthorized permission → 400 and nothing changes', async () => {
    const r = await call('PATCH', `${rolesPath}/${roleId}`, {
      Operations: [
        { op: 'add', path: 'users', value: [{ value: DEFAULT_SEED.userId }] },
        { op: 'add', path: 'permissions', value: [{ value: 'orders:admin' }] }
      ]
    })
    expectScimError(r, 400)
    expect(acme().roles[0].users).toEqual([])
  })

  test('PATCH renaming onto an existing name → 409', async () => {
    await call('POST', rolesPath, roleBody(app, 'writer', []))
    const r = await call('PATCH', `${rolesPath}/${roleId}`, { Operations: [{ op: 'replace', path: 'displayName', value: 'writer' }] })
    expectScimError(r, 409)
  })

  test('PUT replaces name, users and permissions', async () => {
    const r = await call('PUT', `${rolesPath}/${roleId}`, {
      displayName: 'reader2',
      users: [{ value: DEFAULT_SEED.userId }],
      permissions: [{ value: 'orders:write' }]
    })
    expect(r.status).toBe(200)
    expect(acme().roles[0]).toMatchObject({ displayName: 'reader2', users: [DEFAULT_SEED.userId], permissions: ['orders:write'] })
  })

  test('DELETE → 204, then 404', async () => {
    const r = await call('DELETE', `${rolesPath}/${roleId}`)
    expect(r.status).toBe(204)
    expect(r.text).toBe('')
    expectScimError(await call('DELETE', `${rolesPath}/${roleId}`), 404)
  })

  test('scopes: 401 without a token, 403 without the operation scope', async () => {
    const unauthorized = await call('GET', rolesPath, undefined, null)
    expect(unauthorized.status).toBe(401)
    // SCIM answers in its own error shape (RFC 7644 §3.12), not the management one.
    expect(unauthorized.headers.get('content-type')).toBe('application/scim+json')
    expect(unauthorized.body).toEqual({ schemas: [ERROR_SCHEMA], detail: expect.any(String), status: '401' })
    expect((await call('GET', '/t/acme/scim2/Users', undefined, 'not-a-token')).body.schemas).toEqual([ERROR_SCHEMA])
    const viewOnly = await mgmtToken('internal_role_mgt_view')
    expect((await call('GET', rolesPath, undefined, viewOnly)).status).toBe(200)
    expect((await call('DELETE', `${rolesPath}/${roleId}`, undefined, viewOnly)).status).toBe(403)
    expect((await call('POST', rolesPath, roleBody(app, 'x', []), viewOnly)).status).toBe(403)
  })
})

describe('SCIM2 Users', () => {
  test('filter userName eq alice → ListResponse with id, userName, emails, meta', async () => {
    const r = await call('GET', `/t/acme/scim2/Users?filter=${encodeURIComponent('userName eq alice')}`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/scim+json')
    expect(r.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 1, startIndex: 1, itemsPerPage: 1 })
    expect((r.body.Resources as unknown[])[0]).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: DEFAULT_SEED.userId,
      userName: 'alice',
      emails: [{ value: 'alice@example.com', primary: true }],
      meta: { location: `${emu.url}/t/acme/scim2/Users/${DEFAULT_SEED.userId}`, resourceType: 'User' }
    })
    const prefixed = await call('GET', `/t/acme/scim2/Users?filter=${encodeURIComponent('userName eq DEFAULT/alice')}`)
    expect(prefixed.body.totalResults).toBe(1)
  })

  test('GET /Users/{id}; unknown id → 404', async () => {
    expect((await call('GET', `/t/acme/scim2/Users/${DEFAULT_SEED.userId}`)).body.userName).toBe('alice')
    expectScimError(await call('GET', '/t/acme/scim2/Users/nope'), 404)
  })

  test('POST /Users creates a user (201 + Location); a duplicate userName → 409', async () => {
    const body = {
      schemas: [],
      userName: 'DEFAULT/gh-octo@ci.example.com',
      password: 'x'.repeat(20),
      emails: [{ value: 'gh-octo@ci.example.com', primary: true }]
    }
    const r = await call('POST', '/t/acme/scim2/Users', body)
    expect(r.status).toBe(201)
    expect(r.headers.get('location')).toBe(`${emu.url}/t/acme/scim2/Users/${r.body.id as string}`)
    expect(r.body.userName).toBe('gh-octo@ci.example.com')
    expectScimError(await call('POST', '/t/acme/scim2/Users', body), 409)
  })

  test('list needs internal_user_mgt_list', async () => {
    const t = await mgmtToken('internal_user_mgt_view')
    expect((await call('GET', '/t/acme/scim2/Users', undefined, t)).status).toBe(403)
  })
})

describe('federated associations', () => {
  const path = (userId: string): string => `/t/acme/api/users/v1/${userId}/federated-associations`
  beforeEach(() => {
    acme().identityProviders.push({
      id: 'idp-1',
      name: 'github-actions',
      idpIssuerName: 'https://token.actions.githubusercontent.com',
      certificates: [],
      isEnabled: true,
      implicitAssociation: { isEnabled: false, lookupAttribute: [] },
      extra: {}
    })
  })

  test('POST → 200 empty; GET lists it; a duplicate → 400 UAA10004; DELETE → 204', async () => {
    const link = { idp: 'github-actions', federatedUserId: 'repo:o/r:ref:refs/heads/main' }
    const r = await call('POST', path(DEFAULT_SEED.userId), link)
    expect(r.status).toBe(200)
    expect(r.text).toBe('')
    const list = await call('GET', path(DEFAULT_SEED.userId))
    const items = list.body as unknown as { id: string; idp: { id: string; name: string }; federatedUserId: string }[]
    expect(items).toEqual([
      {
        id: expect.any(String),
        idp: { id: 'idp-1', name: 'github-actions', displayName: '', imageUrl: '' },
        federatedUserId: link.federatedUserId
      }
    ])

    const dup = await call('POST', path(DEFAULT_SEED.userId), link)
    expect(dup.status).toBe(400)
    expect(dup.body).toMatchObject({ code: 'UAA10004', description: 'The federated association is already associated to a local user' })

    expect((await call('DELETE', `${path(DEFAULT_SEED.userId)}/${items[0].id}`)).status).toBe(204)
    expect(acme().users[0].federatedAssociations).toEqual([])
  })

  test('unknown IdP → 400 UAA10007; unknown user → 400 UAA10005; scope enforced', async () => {
    expect((await call('POST', path(DEFAULT_SEED.userId), { idp: 'nope', federatedUserId: 'x' })).body.code).toBe('UAA10007')
    expect((await call('POST', path('nobody'), { idp: 'github-actions', federatedUserId: 'x' })).body.code).toBe('UAA10005')
    const t = await mgmtToken('internal_user_association_view')
    expect((await call('POST', path(DEFAULT_SEED.userId), { idp: 'github-actions', federatedUserId: 'x' }, t)).status).toBe(403)
  })
})
