import { beforeEach, describe, expect, test } from '@jest/globals'
import { call, expectScopeGuard, mgmtToken, MGMT } from './asgardeo-mgmt-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()
let token: string
beforeEach(async () => {
  token = await mgmtToken(emu)
})

const GITHUB = {
  templateId: 'trusted-token-issuer',
  name: 'github-actions',
  description: 'GitHub Actions OIDC',
  image: 'https://github.githubassets.com/favicon.ico',
  idpIssuerName: 'https://token.actions.githubusercontent.com',
  alias: 'https://api.asgardeo.io/t/acme/oauth2/token',
  certificate: { jwksUri: 'https://token.actions.githubusercontent.com/.well-known/jwks', certificates: [''] }
}

async function createIdp(body: Record<string, unknown> = GITHUB): Promise<any> {
  const res = await call(emu, 'POST', `${MGMT}/identity-providers`, { token, body })
  if (res.status !== 201) throw new Error(`create IdP answered ${res.status}: ${res.text}`)
  return res.body
}

describe('trusted token issuer CRUD', () => {
  test('POST → 201 + Location + body (empty certificate strings dropped)', async () => {
    const res = await call(emu, 'POST', `${MGMT}/identity-providers`, { token, body: GITHUB })
    expect(res.status).toBe(201)
    expect(res.headers.get('location')).toBe(`${emu.url}${MGMT}/identity-providers/${res.body.id}`)
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: 'github-actions',
      description: 'GitHub Actions OIDC',
      templateId: 'trusted-token-issuer',
      isEnabled: true,
      image: GITHUB.image,
      idpIssuerName: GITHUB.idpIssuerName,
      alias: GITHUB.alias,
      certificate: { jwksUri: GITHUB.certificate.jwksUri },
      implicitAssociation: { isEnabled: false, lookupAttribute: [] }
    })
    expect(res.body.certificate.certificates).toBeUndefined()
    const get = await call(emu, 'GET', `${MGMT}/identity-providers/${res.body.id}`, { token })
    expect(get.status).toBe(200)
    expect(get.body).toEqual(res.body)
  })

  test('duplicate name → 400 IDP-60001 (spec: 409)', async () => {
    await createIdp()
    const res = await call(emu, 'POST', `${MGMT}/identity-providers`, { token, body: { ...GITHUB, idpIssuerName: 'https://other' } })
    expect([res.status, res.body.code]).toEqual([400, 'IDP-60001'])
  })

  test('duplicate issuer name → 400; missing name → 400', async () => {
    await createIdp()
    const issuer = await call(emu, 'POST', `${MGMT}/identity-providers`, { token, body: { ...GITHUB, name: 'second' } })
    expect(issuer.status).toBe(400)
    const noName = await call(emu, 'POST', `${MGMT}/identity-providers`, { token, body: { idpIssuerName: 'x' } })
    expect(noName.status).toBe(400)
  })

  test('GET unknown → 404 IDP-60002', async () => {
    const res = await call(emu, 'GET', `${MGMT}/identity-providers/nope`, { token })
    expect([res.status, res.body.code]).toEqual([404, 'IDP-60002'])
  })

  test('PATCH REPLACE on /idpIssuerName, /alias, /certificate/jwksUri, /name, /isEnabled, /description → 200 with the IdP', async () => {
    const idp = await createIdp()
    const res = await call(emu, 'PATCH', `${MGMT}/identity-providers/${idp.id}`, {
      token,
      body: [
        { operation: 'REPLACE', path: '/idpIssuerName', value: 'https://token.actions.githubusercontent.com/acme-enterprise' },
        { operation: 'REPLACE', path: '/alias', value: 'my-audience' },
        { operation: 'REPLACE', path: '/certificate/jwksUri', value: 'https://example.com/jwks' },
        { operation: 'REPLACE', path: '/name', value: 'github' },
        { operation: 'REPLACE', path: '/isEnabled', value: 'false' },
        { operation: 'REPLACE', path: '/description', value: 'changed' }
      ]
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      id: idp.id,
      name: 'github',
      description: 'changed',
      isEnabled: false,
      alias: 'my-audience',
      idpIssuerName: 'https://token.actions.githubusercontent.com/acme-enterprise',
      certificate: { jwksUri: 'https://example.com/jwks' }
    })
    expect((await call(emu, 'GET', `${MGMT}/identity-providers/${idp.id}`, { token })).body.name).toBe('github')
  })

  test('PATCH: unsupported path → 400 and nothing applied; rename onto an existing name → 400 IDP-60001', async () => {
    const idp = await createIdp()
    await createIdp({ name: 'other', idpIssuerName: 'https://other' })
    const bad = await call(emu, 'PATCH', `${MGMT}/identity-providers/${idp.id}`, {
      token,
      body: [
        { operation: 'REPLACE', path: '/alias', value: 'x' },
        { operation: 'REPLACE', path: '/claims', value: 'x' }
      ]
    })
    expect(bad.status).toBe(400)
    expect((await call(emu, 'GET', `${MGMT}/identity-providers/${idp.id}`, { token })).body.alias).toBe(GITHUB.alias)
    const dup = await call(emu, 'PATCH', `${MGMT}/identity-providers/${idp.id}`, {
      token,
      body: [{ operation: 'REPLACE', path: '/name', value: 'other' }]
    })
    expect([dup.status, dup.body.code]).toEqual([400, 'IDP-60001'])
  })

  test('DELETE → 204 (also when already gone); federated associations with it go too', async () => {
    const idp = await createIdp()
    emu.state.asgardeo.orgs.acme.users[0].federatedAssociations.push({
      idp: 'github-actions',
      federatedUserId: 'repo:o/r:ref:refs/heads/main'
    })
    expect((await call(emu, 'DELETE', `${MGMT}/identity-providers/${idp.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'DELETE', `${MGMT}/identity-providers/${idp.id}`, { token })).status).toBe(204)
    expect((await call(emu, 'GET', `${MGMT}/identity-providers/${idp.id}`, { token })).status).toBe(404)
    expect(emu.state.asgardeo.orgs.acme.users[0].federatedAssociations).toEqual([])
  })

  test('scopes: view / create / update / delete are enforced (403), no token → 401', async () => {
    const viewOnly = await mgmtToken(emu, ['internal_idp_view'])
    expect((await call(emu, 'POST', `${MGMT}/identity-providers`, { token: viewOnly, body: GITHUB })).status).toBe(403)
    const idp = await createIdp()
    expect((await call(emu, 'PATCH', `${MGMT}/identity-providers/${idp.id}`, { token: viewOnly, body: [] })).status).toBe(403)
    expect((await call(emu, 'DELETE', `${MGMT}/identity-providers/${idp.id}`, { token: viewOnly })).status).toBe(403)
    expect((await call(emu, 'GET', `${MGMT}/identity-providers/${idp.id}`, { token: viewOnly })).status).toBe(200)
    expect((await call(emu, 'GET', `${MGMT}/identity-providers`)).status).toBe(401)
  })
})

describe('scopes per route', () => {
  test('every IdP route needs its own internal_idp_* scope (401 body, 403 empty)', async () => {
    const idp = await createIdp()
    const one = `${MGMT}/identity-providers/${idp.id}`
    await expectScopeGuard(emu, { method: 'GET', path: `${MGMT}/identity-providers` }, ['internal_idp_view'])
    await expectScopeGuard(
      emu,
      { method: 'POST', path: `${MGMT}/identity-providers`, body: { ...GITHUB, name: 'second', idpIssuerName: 'https://second' } },
      ['internal_idp_create']
    )
    await expectScopeGuard(emu, { method: 'GET', path: one }, ['internal_idp_view'])
    await expectScopeGuard(emu, { method: 'PATCH', path: one, body: [{ operation: 'REPLACE', path: '/description', value: 'x' }] }, [
      'internal_idp_update'
    ])
    await expectScopeGuard(emu, { method: 'GET', path: `${one}/implicit-association` }, ['internal_idp_view'])
    await expectScopeGuard(
      emu,
      { method: 'PUT', path: `${one}/implicit-association`, body: { isEnabled: false, lookupAttribute: ['x'] } },
      ['internal_idp_update']
    )
    await expectScopeGuard(emu, { method: 'DELETE', path: one }, ['internal_idp_delete'])
  })
})

describe('list', () => {
  test('?filter=name eq x → {totalResults, startIndex, count, identityProviders, links}', async () => {
    await createIdp()
    await createIdp({ name: 'google', idpIssuerName: 'https://accounts.google.com' })
    const res = await call(emu, 'GET', `${MGMT}/identity-providers?filter=${encodeURIComponent('name eq github-actions')}`, { token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ totalResults: 1, startIndex: 1, count: 1, links: [] })
    expect(res.body.identityProviders).toEqual([
      expect.objectContaining({
        id: expect.any(String),
        name: 'github-actions',
        isEnabled: true,
        self: expect.stringMatching(new RegExp(`^${MGMT}/identity-providers/`))
      })
    ])
    const all = await call(emu, 'GET', `${MGMT}/identity-providers`, { token })
    expect(all.body.identityProviders.map((i: { name: string }) => i.name)).toEqual(['github-actions', 'google'])
  })

  test('sw / and / isEnabled filters; `or` → 400', async () => {
    await createIdp()
    await createIdp({ name: 'github-2', idpIssuerName: 'https://two', isEnabled: false })
    const names = async (filter: string): Promise<string[]> =>
      (await call(emu, 'GET', `${MGMT}/identity-providers?filter=${encodeURIComponent(filter)}`, { token })).body.identityProviders.map(
        (i: { name: string }) => i.name
      )
    expect(await names('name sw "github"')).toEqual(['github-2', 'github-actions'])
    expect(await names('name sw github and isEnabled eq "true"')).toEqual(['github-actions'])
    const or = await call(emu, 'GET', `${MGMT}/identity-providers?filter=${encodeURIComponent('name eq a or name eq b')}`, { token })
    expect(or.status).toBe(400)
  })

  test('offset paging with next / previous links', async () => {
    for (let i = 0; i < 4; i++) await createIdp({ name: `idp-${i}`, idpIssuerName: `https://i${i}` })
    const res = await call(emu, 'GET', `${MGMT}/identity-providers?limit=3&offset=1`, { token })
    expect(res.body).toMatchObject({ totalResults: 4, startIndex: 2, count: 3 })
    expect(res.body.links).toEqual([{ rel: 'previous', href: `${MGMT}/identity-providers?offset=0&limit=1` }])
    const first = await call(emu, 'GET', `${MGMT}/identity-providers?limit=3`, { token })
    expect(first.body.links).toEqual([{ rel: 'next', href: `${MGMT}/identity-providers?offset=3&limit=3` }])
  })
})

describe('implicit association', () => {
  test('GET → {isEnabled, lookupAttribute}; PUT → 200 with the new config', async () => {
    const idp = await createIdp()
    const get = await call(emu, 'GET', `${MGMT}/identity-providers/${idp.id}/implicit-association`, { token })
    expect(get.status).toBe(200)
    expect(get.body).toEqual({ isEnabled: false, lookupAttribute: [] })
    const put = await call(emu, 'PUT', `${MGMT}/identity-providers/${idp.id}/implicit-association`, {
      token,
      body: { isEnabled: true, lookupAttribute: ['http://wso2.org/claims/emailaddress'] }
    })
    expect(put.status).toBe(200)
    expect(put.body).toEqual({ isEnabled: true, lookupAttribute: ['http://wso2.org/claims/emailaddress'] })
    const off = await call(emu, 'PUT', `${MGMT}/identity-providers/${idp.id}/implicit-association`, {
      token,
      body: { isEnabled: false, lookupAttribute: ['http://wso2.org/claims/username'] }
    })
    expect(off.status).toBe(200)
    expect((await call(emu, 'GET', `${MGMT}/identity-providers/${idp.id}`, { token })).body.implicitAssociation).toEqual({
      isEnabled: false,
      lookupAttribute: ['http://wso2.org/claims/username']
    })
  })

  test('PUT needs a non-empty lookupAttribute, even to disable → 400', async () => {
    const idp = await createIdp()
    const res = await call(emu, 'PUT', `${MGMT}/identity-providers/${idp.id}/implicit-association`, {
      token,
      body: { isEnabled: false, lookupAttribute: [] }
    })
    expect(res.status).toBe(400)
    expect(res.body.code).toMatch(/^IDP-/)
    const missing = await call(emu, 'PUT', `${MGMT}/identity-providers/${idp.id}/implicit-association`, {
      token,
      body: { isEnabled: false }
    })
    expect(missing.status).toBe(400)
  })

  test('unknown IdP → 404; update needs internal_idp_update', async () => {
    expect((await call(emu, 'GET', `${MGMT}/identity-providers/nope/implicit-association`, { token })).status).toBe(404)
    const idp = await createIdp()
    const viewOnly = await mgmtToken(emu, ['internal_idp_view'])
    const res = await call(emu, 'PUT', `${MGMT}/identity-providers/${idp.id}/implicit-association`, {
      token: viewOnly,
      body: { isEnabled: false, lookupAttribute: ['x'] }
    })
    expect(res.status).toBe(403)
  })
})
