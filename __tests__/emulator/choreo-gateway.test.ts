import { describe, expect, test } from '@jest/globals'
import { tokenHash } from '../../emulator/asgardeo/auth.js'
import { asgardeoToken, caller, DEV, PUB, SEED } from './choreo-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

const call = caller(() => emu)
const API = `${PUB}/apis/${SEED.apiId}`
const CLIENT = 'asg-client-1'
const fq = (n: string) => `urn:${SEED.choreoOrgHandle}:itemsapi:${n}`

function gw(path: string, token?: string, method = 'GET', env = 'Production') {
  return call(method, `/gateway/${env}${SEED.apiContext}/${SEED.apiVersion}${path}`, undefined, {
    org: null,
    pat: null,
    headers: token ? { authorization: `Bearer ${token}` } : {}
  })
}

/** An application with CLIENT mapped as its PRODUCTION key, optionally subscribed to the seeded API. */
async function application(subscribe = true): Promise<string> {
  const app = await call('POST', `${DEV}/applications`, { name: 'Gateway Client', throttlingPolicy: 'Unlimited' })
  await call('POST', `${DEV}/applications/${app.body.applicationId}/map-keys`, {
    consumerKey: CLIENT,
    keyManager: SEED.keyManagerName,
    keyType: 'PRODUCTION'
  })
  if (subscribe) {
    const sub = await call('POST', `${DEV}/subscriptions`, {
      applicationId: app.body.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Unlimited'
    })
    expect(sub.status).toBe(201)
  }
  return app.body.applicationId
}

/** PUT the scopes (GET /items needs items_read), then optionally create a revision and deploy it to Production. */
async function secureGetItems(deploy: boolean) {
  const { body: api } = await call('GET', API)
  api.scopes = [{ scope: { name: 'items_read' } }]
  for (const op of api.operations) op.scopes = op.verb === 'GET' && op.target === '/items' ? ['items_read'] : []
  expect((await call('PUT', API, api)).status).toBe(200)
  if (!deploy) return
  const rev = await call('POST', `${API}/revisions`, { description: 'scopes' })
  expect((await call('POST', `${API}/deploy-revision?revisionId=${rev.body.id}`, [{ name: 'Production' }])).status).toBe(200)
}

describe('gateway', () => {
  test('a subscribed client with a valid Asgardeo token → 200 echo', async () => {
    await application()
    const token = await asgardeoToken(emu, { clientId: CLIENT, scope: 'openid' })
    const res = await gw('/items/42', token)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      ok: true,
      api: SEED.apiName,
      version: SEED.apiVersion,
      environment: 'Production',
      revision: 'Revision 1',
      verb: 'GET',
      target: '/items/{id}',
      path: '/items/42',
      clientId: CLIENT,
      scopes: ['openid']
    })
    expect((await gw('/items', token, 'POST')).body.target).toBe('/items')
  })

  test('the devportal endpoint URL is the gateway base of the API', async () => {
    await application()
    const token = await asgardeoToken(emu, { clientId: CLIENT })
    const { body } = await call('GET', `${DEV}/apis/${SEED.apiId}`)
    const res = await fetch(`${body.endpointURLs[0].URLs.http}/items`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
  })

  test('401: no token (900902), bad signature (900901) with WWW-Authenticate', async () => {
    await application()
    const none = await gw('/items')
    expect(none.status).toBe(401)
    expect(none.body.code).toBe('900902')
    const forged = await asgardeoToken(emu, { clientId: CLIENT, keyName: 'asgardeo:someone-else' })
    const res = await gw('/items', forged)
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ code: '900901', message: 'Invalid Credentials', description: expect.any(String) })
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/)
    expect((await gw('/items', 'not.a.jwt')).status).toBe(401)
  })

  test('401 once the token expires on the emulated clock (POST /__emulator/clock)', async () => {
    await application()
    const token = await asgardeoToken(emu, { clientId: CLIENT, expiresIn: 600 })
    expect((await gw('/items', token)).status).toBe(200)
    const clock = await fetch(`${emu.url}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 601 })
    })
    expect(clock.status).toBe(200)
    const res = await gw('/items', token)
    expect(res.status).toBe(401)
    expect(res.body.code).toBe('900901')
    expect(res.body.description).toMatch(/expired/i)
  })

  test('401 for a token Asgardeo has revoked', async () => {
    await application()
    const token = await asgardeoToken(emu, { clientId: CLIENT })
    const now = Math.floor(emu.now() / 1000)
    emu.state.asgardeo.orgs[SEED.asgardeoOrg].tokens.push({
      jti: 'revoked-1',
      tokenHash: tokenHash(token),
      clientId: CLIENT,
      sub: CLIENT,
      aut: 'APPLICATION',
      grantType: 'client_credentials',
      scopes: [],
      iat: now,
      exp: now + 3600,
      revoked: true
    })
    const res = await gw('/items', token)
    expect(res.status).toBe(401)
    expect(res.body.description).toMatch(/revoked/)
  })

  test('403 900908 without a subscription, or for a client mapped to no application', async () => {
    await application(false)
    const token = await asgardeoToken(emu, { clientId: CLIENT })
    const res = await gw('/items', token)
    expect(res.status).toBe(403)
    expect(res.body).toEqual({ code: '900908', message: 'Resource forbidden', description: expect.any(String) })
    const stranger = await asgardeoToken(emu, { clientId: 'unmapped-client' })
    expect((await gw('/items', stranger)).body.code).toBe('900908')
  })

  test('403 900910 when the operation has scopes and the token has none of them', async () => {
    await application()
    await secureGetItems(true)
    const without = await asgardeoToken(emu, { clientId: CLIENT, scope: 'openid' })
    const res = await gw('/items', without)
    expect(res.status).toBe(403)
    expect(res.body).toEqual({
      code: '900910',
      message: 'The access token does not allow you to access the requested resource',
      description: expect.stringContaining('/items')
    })
    const withScope = await asgardeoToken(emu, { clientId: CLIENT, scope: `openid ${fq('items_read')}` })
    const ok = await gw('/items', withScope)
    expect(ok.status).toBe(200)
    expect(ok.body.revision).toBe('Revision 2')
    expect((await gw('/items/7', without)).status).toBe(200) // GET /items/{id} has no scopes
  })

  test('the gateway enforces the DEPLOYED revision, not the working copy', async () => {
    await application()
    await secureGetItems(false) // saved, not deployed
    const without = await asgardeoToken(emu, { clientId: CLIENT })
    expect((await gw('/items', without)).status).toBe(200)
    const rev = await call('POST', `${API}/revisions`, {})
    expect((await gw('/items', without)).status).toBe(200) // a revision alone changes nothing (quirk 4)
    await call('POST', `${API}/deploy-revision?revisionId=${rev.body.id}`, [{ name: 'Production' }])
    expect((await gw('/items', without)).status).toBe(403)
    expect((await gw('/items', without, 'GET', 'Development')).status).toBe(200) // Development still runs Revision 1
  })

  test('404 for a while after a deploy (org.gatewayPropagationSeconds, emulated clock), then the new revision', async () => {
    await application()
    emu.state.choreo.orgs[SEED.choreoOrgUuid].gatewayPropagationSeconds = 600
    const advance = async (s: number) => {
      const r = await fetch(`${emu.url}/__emulator/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advanceSeconds: s })
      })
      expect(r.status).toBe(200)
    }
    await advance(601) // the seeded deployments are now old enough
    const token = await asgardeoToken(emu, { clientId: CLIENT })
    expect((await gw('/items', token)).body.revision).toBe('Revision 1')
    await secureGetItems(true) // Revision 2 → Production
    const fresh = await gw('/items', token)
    expect(fresh.status).toBe(404)
    expect(fresh.body).toEqual({ code: '404', message: 'Not Found', description: 'The requested resource is not available.' })
    expect((await gw('/items', token, 'GET', 'Development')).status).toBe(200) // not redeployed there
    await advance(300)
    expect((await gw('/items', token)).status).toBe(404)
    await advance(301)
    const live = await gw('/items', await asgardeoToken(emu, { clientId: CLIENT, scope: fq('items_read') }))
    expect(live.status).toBe(200)
    expect(live.body.revision).toBe('Revision 2')
  })

  test('404 on an environment the API is not deployed to, or an unknown API', async () => {
    await application()
    const token = await asgardeoToken(emu, { clientId: CLIENT })
    const { body } = await call('GET', `${API}/revisions`)
    await call('POST', `${API}/undeploy-revision?revisionId=${body.list[0].id}`, [{ name: 'Development' }])
    const res = await gw('/items', token, 'GET', 'Development')
    expect(res.status).toBe(404)
    expect(res.body.code).toBe('404')
    expect((await gw('/items', token, 'GET', 'Staging')).status).toBe(404)
    expect((await call('GET', '/gateway/Production/nothing/v1/items', undefined, { org: null, pat: null })).status).toBe(404)
  })

  test('404 900906 for a resource the API lacks; 405 for a verb it lacks', async () => {
    await application()
    const token = await asgardeoToken(emu, { clientId: CLIENT })
    const missing = await gw('/orders', token)
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('900906')
    expect((await gw('/items/1', token, 'PUT')).status).toBe(405)
  })
})
