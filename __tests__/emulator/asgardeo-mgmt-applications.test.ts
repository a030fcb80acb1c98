import { beforeEach, describe, expect, test } from '@jest/globals'
import { call, clientToken, createApp, createResource, expectScopeGuard, idFromLocation, mgmtToken, MGMT } from './asgardeo-mgmt-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()
let token: string
beforeEach(async () => {
  token = await mgmtToken(emu)
})

const M2M_BODY = {
  name: 'ci-client',
  templateId: 'm2m-application',
  inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'], publicClient: false } },
  authenticationSequence: { type: 'DEFAULT' },
  associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
}

describe('create', () => {
  test('POST → 201 with an empty body; the new id only in Location', async () => {
    const res = await call(emu, 'POST', `${MGMT}/applications`, { token, body: M2M_BODY })
    expect(res.status).toBe(201)
    expect(res.text).toBe('')
    const location = res.headers.get('location')!
    expect(location).toMatch(new RegExp(`^${emu.url}${MGMT}/applications/[0-9a-f-]{36}$`))
    const get = await call(emu, 'GET', `${MGMT}/applications/${idFromLocation(res)}`, { token })
    expect(get.status).toBe(200)
    expect(get.body).toMatchObject({
      id: idFromLocation(res),
      name: 'ci-client',
      templateId: 'm2m-application',
      clientId: expect.stringMatching(/^[A-Za-z0-9]{28}$/),
      associatedRoles: { allowedAudience: 'APPLICATION', roles: [] },
      inboundProtocols: [{ type: 'oauth2', self: `${MGMT}/applications/${idFromLocation(res)}/inbound-protocols/oidc` }],
      authenticationSequence: { type: 'DEFAULT' },
      access: 'WRITE'
    })
    expect(get.body.claimConfiguration.dialect).toBe('LOCAL')
  })

  test('?template=<non-blank> → 501 "Application creation with templates not supported"; a blank one is ignored', async () => {
    const res = await call(emu, 'POST', `${MGMT}/applications?template=m2m-application`, { token, body: M2M_BODY })
    expect(res.status).toBe(501)
    expect(res.body).toMatchObject({ code: 'APP-65501', description: 'Application creation with templates not supported.' })
    expect(emu.state.asgardeo.orgs.acme.applications).toHaveLength(1)
    expect((await call(emu, 'POST', `${MGMT}/applications?template=`, { token, body: M2M_BODY })).status).toBe(201)
  })

  test('duplicate name → 400 APP-60007 (not 409)', async () => {
    await createApp(emu, token, 'twin')
    const res = await call(emu, 'POST', `${MGMT}/applications`, { token, body: { ...M2M_BODY, name: 'twin' } })
    expect([res.status, res.body.code]).toEqual([400, 'APP-60007'])
  })

  test('a given clientId is used; random client ids and secrets otherwise', async () => {
    const res = await call(emu, 'POST', `${MGMT}/applications`, {
      token,
      body: { ...M2M_BODY, inboundProtocolConfiguration: { oidc: { clientId: 'my_client', grantTypes: ['client_credentials'] } } }
    })
    const oidc = await call(emu, 'GET', `${MGMT}/applications/${idFromLocation(res)}/inbound-protocols/oidc`, { token })
    expect(oidc.body.clientId).toBe('my_client')
    expect(oidc.body.clientSecret).toMatch(/^[A-Za-z0-9]{32}$/)
    const again = await call(emu, 'POST', `${MGMT}/applications`, {
      token,
      body: {
        ...M2M_BODY,
        name: 'other',
        inboundProtocolConfiguration: { oidc: { clientId: 'my_client', grantTypes: ['client_credentials'] } }
      }
    })
    expect(again.status).toBe(400)
  })

  test('unknown fields are kept and echoed on GET', async () => {
    const id = await createApp(emu, token, 'echo', {
      imageUrl: 'https://img',
      advancedConfigurations: { skipLoginConsent: false, custom: 1 }
    })
    const get = await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })
    expect(get.body.imageUrl).toBe('https://img')
    expect(get.body.advancedConfigurations).toMatchObject({ skipLoginConsent: false, custom: 1, saas: false })
  })

  test('OIDC validation: missing grantTypes, unknown grant, code grant without callbacks → 400', async () => {
    for (const oidc of [{ publicClient: false }, { grantTypes: ['nope'] }, { grantTypes: ['authorization_code'] }]) {
      const res = await call(emu, 'POST', `${MGMT}/applications`, { token, body: { name: 'x', inboundProtocolConfiguration: { oidc } } })
      expect(res.status).toBe(400)
      expect(res.body).toEqual({
        code: expect.any(String),
        message: expect.any(String),
        description: expect.any(String),
        traceId: expect.any(String)
      })
    }
  })

  test('missing name → 400; no scope → 403; no token → 401', async () => {
    expect((await call(emu, 'POST', `${MGMT}/applications`, { token, body: { description: 'x' } })).status).toBe(400)
    const viewOnly = await mgmtToken(emu, ['internal_application_mgt_view'])
    expect((await call(emu, 'POST', `${MGMT}/applications`, { token: viewOnly, body: M2M_BODY })).status).toBe(403)
    expect((await call(emu, 'POST', `${MGMT}/applications`, { body: M2M_BODY })).status).toBe(401)
    expect((await call(emu, 'GET', `${MGMT}/applications`)).status).toBe(401)
  })

  test('every application route needs its own internal_application_mgt_* scope (401 body, 403 empty)', async () => {
    const id = await createApp(emu, token, 'guarded')
    const app = `${MGMT}/applications/${id}`
    await expectScopeGuard(emu, { method: 'GET', path: `${MGMT}/applications` }, ['internal_application_mgt_view'])
    await expectScopeGuard(emu, { method: 'POST', path: `${MGMT}/applications`, body: { ...M2M_BODY, name: 'guard-new' } }, [
      'internal_application_mgt_create'
    ])
    await expectScopeGuard(emu, { method: 'GET', path: app }, ['internal_application_mgt_view'])
    await expectScopeGuard(emu, { method: 'PATCH', path: app, body: { description: 'd' } }, ['internal_application_mgt_update'])
    await expectScopeGuard(emu, { method: 'GET', path: `${app}/inbound-protocols/oidc` }, ['internal_application_mgt_view'])
    await expectScopeGuard(emu, { method: 'PUT', path: `${app}/inbound-protocols/oidc`, body: { grantTypes: ['client_credentials'] } }, [
      'internal_application_mgt_update'
    ])
    await expectScopeGuard(emu, { method: 'POST', path: `${app}/inbound-protocols/oidc/regenerate-secret` }, [
      'internal_application_mgt_client_secret_create',
      'internal_application_mgt_create'
    ])
    await expectScopeGuard(emu, { method: 'DELETE', path: app }, ['internal_application_mgt_delete'])
  })

  test('mappedLocalSubjectMandatory without useMappedLocalSubject → 400 APP-60513', async () => {
    const res = await call(emu, 'POST', `${MGMT}/applications`, {
      token,
      body: { ...M2M_BODY, claimConfiguration: { subject: { mappedLocalSubjectMandatory: true, useMappedLocalSubject: false } } }
    })
    expect([res.status, res.body.code]).toEqual([400, 'APP-60513'])
  })
})

describe('list', () => {
  test('{totalResults, startIndex, count, applications, links}; newest first; basic items', async () => {
    await createApp(emu, token, 'first')
    await createApp(emu, token, 'second')
    const res = await call(emu, 'GET', `${MGMT}/applications`, { token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ totalResults: 3, startIndex: 1, count: 3, links: [] })
    expect(res.body.applications.map((a: { name: string }) => a.name)).toEqual(['second', 'first', 'Management M2M (emulator seed)'])
    expect(res.body.applications[0]).toMatchObject({ access: 'WRITE', self: expect.stringMatching(new RegExp(`^${MGMT}/applications/`)) })
    expect(res.body.applications[0].clientId).toBeUndefined()
    expect(res.body.applications[0].templateId).toBeUndefined()
  })

  test('attributes= adds clientId, templateId, associatedRoles.allowedAudience; unknown → 400 APP-60505', async () => {
    await createApp(emu, token, 'a')
    const res = await call(emu, 'GET', `${MGMT}/applications?attributes=clientId,templateId,associatedRoles.allowedAudience`, { token })
    expect(res.body.applications[0]).toMatchObject({
      clientId: expect.any(String),
      templateId: 'm2m-application',
      associatedRoles: { allowedAudience: 'APPLICATION' }
    })
    const bad = await call(emu, 'GET', `${MGMT}/applications?attributes=secret`, { token })
    expect([bad.status, bad.body.code]).toEqual([400, 'APP-60505'])
  })

  test('offset paging over > 15 apps: default 15, next links until totalResults, previous link', async () => {
    for (let i = 0; i < 19; i++) await createApp(emu, token, `app-${String(i).padStart(2, '0')}`)
    const names: string[] = []
    let href: string | undefined = `${MGMT}/applications`
    let pages = 0
    while (href) {
      const res = await call(emu, 'GET', href, { token })
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(20)
      names.push(...res.body.applications.map((a: { name: string }) => a.name))
      href = res.body.links.find((l: { rel: string }) => l.rel === 'next')?.href
      if (href) expect(href).toBe(`${MGMT}/applications?offset=15&limit=15`)
      pages++
      if (pages === 2) {
        expect(res.body).toMatchObject({ startIndex: 16, count: 5 })
        expect(res.body.links).toEqual([{ rel: 'previous', href: `${MGMT}/applications?offset=0&limit=15` }])
      }
    }
    expect(pages).toBe(2)
    expect(new Set(names).size).toBe(20)
  })

  test('limit above 100 is capped, limit 0 falls back to 15, offset beyond the end gives an empty page', async () => {
    for (let i = 0; i < 16; i++) await createApp(emu, token, `a${i}`)
    expect((await call(emu, 'GET', `${MGMT}/applications?limit=500`, { token })).body.count).toBe(17)
    expect((await call(emu, 'GET', `${MGMT}/applications?limit=0`, { token })).body.count).toBe(15)
    const far = await call(emu, 'GET', `${MGMT}/applications?offset=40&limit=5`, { token })
    expect(far.body).toMatchObject({ totalResults: 17, startIndex: 41, count: 0, applications: [] })
  })

  test('sortOrder / sortBy → 501', async () => {
    const res = await call(emu, 'GET', `${MGMT}/applications?sortOrder=ASC`, { token })
    expect([res.status, res.body.code]).toEqual([501, 'APP-65002'])
    expect((await call(emu, 'GET', `${MGMT}/applications?sortBy=name`, { token })).status).toBe(501)
  })

  test('filters: eq, co, sw, ew, and, or (with precedence); clientId filter adds clientId to items', async () => {
    await createApp(emu, token, 'prod-orders')
    await createApp(emu, token, 'prod-items')
    await createApp(emu, token, 'dev items')
    const names = async (filter: string): Promise<string[]> => {
      const res = await call(emu, 'GET', `${MGMT}/applications?filter=${encodeURIComponent(filter)}`, { token })
      expect(res.status).toBe(200)
      return res.body.applications.map((a: { name: string }) => a.name).sort()
    }
    expect(await names('name eq prod-orders')).toEqual(['prod-orders'])
    expect(await names('name eq PROD-ORDERS')).toEqual([])
    expect(await names('name eq dev items')).toEqual(['dev items'])
    expect(await names('name co ITEMS')).toEqual(['dev items', 'prod-items'])
    expect(await names('name sw prod')).toEqual(['prod-items', 'prod-orders'])
    expect(await names('name ew orders')).toEqual(['prod-orders'])
    expect(await names('name sw prod and name ew items')).toEqual(['prod-items'])
    expect(await names('name eq prod-orders or name eq dev items')).toEqual(['dev items', 'prod-orders'])
    expect(await names('name eq dev items or name sw prod and name ew items')).toEqual(['dev items', 'prod-items'])
    const appId = emu.state.asgardeo.orgs.acme.applications.find((a) => a.name === 'prod-items')!.id
    const clientId = emu.state.asgardeo.orgs.acme.applications.find((a) => a.id === appId)!.oidc.clientId
    const byClient = await call(emu, 'GET', `${MGMT}/applications?filter=clientId+eq+${clientId}`, { token })
    expect(byClient.body.applications).toEqual([expect.objectContaining({ id: appId, clientId })])
  })

  test('filter errors: attribute, operator, not → 400 APP-60004', async () => {
    for (const f of ['templateId eq x', 'name ne x', 'not name eq x', 'name']) {
      const res = await call(emu, 'GET', `${MGMT}/applications?filter=${encodeURIComponent(f)}`, { token })
      expect([res.status, res.body.code]).toEqual([400, 'APP-60004'])
    }
  })

  test('the filter is carried into paging links with spaces as +', async () => {
    for (let i = 0; i < 3; i++) await createApp(emu, token, `p${i}`)
    const res = await call(emu, 'GET', `${MGMT}/applications?limit=2&filter=${encodeURIComponent('name sw p')}`, { token })
    expect(res.body.links).toEqual([{ rel: 'next', href: `${MGMT}/applications?offset=2&limit=2&filter=name+sw+p` }])
  })
})

describe('get, patch, delete', () => {
  test('GET of an unknown id → 404 APP-60006', async () => {
    const res = await call(emu, 'GET', `${MGMT}/applications/nope`, { token })
    expect([res.status, res.body.code]).toEqual([404, 'APP-60006'])
  })

  test('PATCH → 200 with an empty body; name and description change; duplicate name → 400 APP-60007', async () => {
    const id = await createApp(emu, token, 'before')
    await createApp(emu, token, 'taken')
    const res = await call(emu, 'PATCH', `${MGMT}/applications/${id}`, { token, body: { name: 'after', description: 'D' } })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).body).toMatchObject({ name: 'after', description: 'D' })
    const dup = await call(emu, 'PATCH', `${MGMT}/applications/${id}`, { token, body: { name: 'taken' } })
    expect([dup.status, dup.body.code]).toEqual([400, 'APP-60007'])
  })

  test('PATCH claimConfiguration replaces mappings and merges subject; the 60513 rule applies', async () => {
    const id = await createApp(emu, token, 'claims')
    const ok = await call(emu, 'PATCH', `${MGMT}/applications/${id}`, {
      token,
      body: {
        claimConfiguration: {
          dialect: 'LOCAL',
          requestedClaims: [{ claim: { uri: 'http://wso2.org/claims/emailaddress' } }],
          subject: { useMappedLocalSubject: true, mappedLocalSubjectMandatory: true }
        }
      }
    })
    expect(ok.status).toBe(200)
    const cc = (await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).body.claimConfiguration
    expect(cc.subject).toMatchObject({
      useMappedLocalSubject: true,
      mappedLocalSubjectMandatory: true,
      claim: { uri: 'http://wso2.org/claims/username' }
    })
    expect(cc.requestedClaims).toHaveLength(1)
    const again = await call(emu, 'PATCH', `${MGMT}/applications/${id}`, { token, body: { claimConfiguration: {} } })
    expect(again.status).toBe(200)
    const cc2 = (await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).body.claimConfiguration
    expect(cc2.requestedClaims).toEqual([])
    expect(cc2.subject.mappedLocalSubjectMandatory).toBe(true)
    const bad = await call(emu, 'PATCH', `${MGMT}/applications/${id}`, {
      token,
      body: { claimConfiguration: { subject: { useMappedLocalSubject: false } } }
    })
    expect([bad.status, bad.body.code]).toEqual([400, 'APP-60513'])
  })

  test('switching allowedAudience to ORGANIZATION deletes the app roles', async () => {
    const id = await createApp(emu, token, 'roles')
    const org = emu.state.asgardeo.orgs.acme
    org.roles.push({
      id: 'r1',
      displayName: 'reader',
      audience: { type: 'application', value: id },
      permissions: [],
      users: [],
      groups: []
    })
    org.roles.push({
      id: 'r2',
      displayName: 'other',
      audience: { type: 'organization', value: 'org' },
      permissions: [],
      users: [],
      groups: []
    })
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).body.associatedRoles).toEqual({
      allowedAudience: 'APPLICATION',
      roles: [{ id: 'r1', name: 'reader' }]
    })
    const res = await call(emu, 'PATCH', `${MGMT}/applications/${id}`, {
      token,
      body: { associatedRoles: { allowedAudience: 'ORGANIZATION', roles: [] } }
    })
    expect(res.status).toBe(200)
    expect(emu.state.asgardeo.orgs.acme.roles.map((r) => r.id)).toEqual(['r2'])
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).body.associatedRoles.allowedAudience).toBe('ORGANIZATION')
  })

  test('DELETE → 204 (also when already gone); the app roles go and its tokens are revoked', async () => {
    const id = await createApp(emu, token, 'doomed')
    const org = emu.state.asgardeo.orgs.acme
    const clientId = org.applications.find((a) => a.id === id)!.oidc.clientId
    org.roles.push({
      id: 'r1',
      displayName: 'reader',
      audience: { type: 'application', value: id },
      permissions: [],
      users: [],
      groups: []
    })
    expect((await call(emu, 'DELETE', `${MGMT}/applications/${id}`, { token })).status).toBe(204)
    expect((await call(emu, 'DELETE', `${MGMT}/applications/${id}`, { token })).status).toBe(204)
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).status).toBe(404)
    expect(emu.state.asgardeo.orgs.acme.roles).toEqual([])
    expect(emu.state.asgardeo.orgs.acme.tokens.filter((t) => t.clientId === clientId && !t.revoked)).toEqual([])
  })

  test('the seeded management app cannot be deleted', async () => {
    const seeded = emu.state.asgardeo.orgs.acme.applications[0]
    expect((await call(emu, 'DELETE', `${MGMT}/applications/${seeded.id}`, { token })).status).toBe(403)
  })
})

describe('OIDC inbound', () => {
  test('GET returns the OpenIDConnectConfiguration with the client secret', async () => {
    const id = await createApp(emu, token, 'oidc')
    const res = await call(emu, 'GET', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      state: 'ACTIVE',
      grantTypes: ['client_credentials'],
      publicClient: false,
      accessToken: { type: 'JWT', applicationAccessTokenExpiryInSeconds: 3600 },
      refreshToken: { expiryInSeconds: 86400 },
      idToken: { audience: [] }
    })
  })

  test('PUT is a full replace (grantTypes required) → 200 empty; client id and secret are kept', async () => {
    const id = await createApp(emu, token, 'oidc')
    const before = (await call(emu, 'GET', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token })).body
    const res = await call(emu, 'PUT', `${MGMT}/applications/${id}/inbound-protocols/oidc`, {
      token,
      body: {
        grantTypes: ['password', 'urn:ietf:params:oauth:grant-type:token-exchange'],
        accessToken: { type: 'JWT', applicationAccessTokenExpiryInSeconds: 600 }
      }
    })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    const after = (await call(emu, 'GET', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token })).body
    expect(after).toMatchObject({
      clientId: before.clientId,
      clientSecret: before.clientSecret,
      grantTypes: ['password', 'urn:ietf:params:oauth:grant-type:token-exchange']
    })
    expect(after.accessToken).toMatchObject({ applicationAccessTokenExpiryInSeconds: 600, userAccessTokenExpiryInSeconds: 3600 })
    const missing = await call(emu, 'PUT', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token, body: { publicClient: true } })
    expect(missing.status).toBe(400)
  })

  test('an app created without an OIDC inbound: GET oidc → 404, PUT creates it → 201', async () => {
    const res = await call(emu, 'POST', `${MGMT}/applications`, { token, body: { name: 'bare' } })
    const id = idFromLocation(res)
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}`, { token })).body.inboundProtocols).toEqual([])
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token })).status).toBe(404)
    const put = await call(emu, 'PUT', `${MGMT}/applications/${id}/inbound-protocols/oidc`, {
      token,
      body: { grantTypes: ['client_credentials'] }
    })
    expect(put.status).toBe(201)
    expect((await call(emu, 'GET', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token })).body.clientId).toMatch(
      /^[A-Za-z0-9]{28}$/
    )
  })

  test('regenerate-secret → 200 with the new secret; the old secret and the tokens issued with it stop working', async () => {
    const r = await createResource(emu, token, { identifier: 'https://items', scopes: [{ name: 'items:read' }] })
    const id = await createApp(emu, token, 'rotating')
    await call(emu, 'POST', `${MGMT}/applications/${id}/authorized-apis`, {
      token,
      body: { id: r.id, policyIdentifier: 'RBAC', scopes: ['items:read'] }
    })
    const before = (await call(emu, 'GET', `${MGMT}/applications/${id}/inbound-protocols/oidc`, { token })).body
    const issued = await clientToken(emu, ['items:read'], { id: before.clientId, secret: before.clientSecret })
    expect(issued.status).toBe(200)
    expect(issued.body.scope).toBe('items:read')

    const res = await call(emu, 'POST', `${MGMT}/applications/${id}/inbound-protocols/oidc/regenerate-secret`, { token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ clientId: before.clientId, state: 'ACTIVE', grantTypes: ['client_credentials'] })
    expect(res.body.clientSecret).not.toBe(before.clientSecret)

    const old = emu.state.asgardeo.orgs.acme.tokens.filter((t) => t.clientId === before.clientId)
    expect(old.length).toBeGreaterThan(0)
    expect(old.every((t) => t.revoked)).toBe(true)
    const intro = await fetch(`${emu.url}/t/acme/oauth2/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('emu_mgmt_client_id:emu_mgmt_client_secret').toString('base64')}`
      },
      body: new URLSearchParams({ token: issued.body.access_token }).toString()
    })
    expect(((await intro.json()) as { active: boolean }).active).toBe(false)
    expect((await clientToken(emu, ['items:read'], { id: before.clientId, secret: before.clientSecret })).status).toBe(401)
    expect((await clientToken(emu, ['items:read'], { id: before.clientId, secret: res.body.clientSecret })).status).toBe(200)
  })

  test('regenerating the management app secret makes its management tokens 401', async () => {
    const seeded = emu.state.asgardeo.orgs.acme.applications[0]
    const res = await call(emu, 'POST', `${MGMT}/applications/${seeded.id}/inbound-protocols/oidc/regenerate-secret`, { token })
    expect(res.status).toBe(200)
    expect((await call(emu, 'GET', `${MGMT}/applications`, { token })).status).toBe(401)
  })

  test('regenerate accepts internal_application_mgt_client_secret_create or internal_application_mgt_create; else 403', async () => {
    const id = await createApp(emu, token, 'scopes')
    const path = `${MGMT}/applications/${id}/inbound-protocols/oidc/regenerate-secret`
    expect((await call(emu, 'POST', path, { token: await mgmtToken(emu, ['internal_application_mgt_client_secret_create']) })).status).toBe(
      200
    )
    expect((await call(emu, 'POST', path, { token: await mgmtToken(emu, ['internal_application_mgt_create']) })).status).toBe(200)
    const res = await call(emu, 'POST', path, { token: await mgmtToken(emu, ['internal_application_mgt_update']) })
    expect(res.status).toBe(403)
    expect((await call(emu, 'POST', path)).status).toBe(401)
  })
})
