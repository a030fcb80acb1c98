import { describe, expect, test } from '@jest/globals'
import { asgardeoToken, caller, ORG, PUB, SEED } from './choreo-helpers.js'
import { useEmulator } from '../support/emulator.js'

/**
 * The seed switches for what the references leave open (emulator/README.md "Guesses"): scope naming
 * (choreo-api.md §4), the slug of scope URNs, and how long a deploy takes to go live (§5.3, §8).
 */
const emu = useEmulator()
const call = caller(() => emu)
const API = `${PUB}/apis/${SEED.apiId}`

async function putScope(name: string) {
  const { body: api } = await call('GET', API)
  api.scopes = [{ scope: { name, bindings: [] }, shared: false }]
  for (const op of api.operations) op.scopes = op.verb === 'GET' && op.target === '/items' ? [name] : []
  return call('PUT', API, api)
}

describe('scopeNaming', () => {
  test('qualify (default): a bare value gets urn:<org>:<slug>:, a urn: name is kept', async () => {
    expect((await putScope('read')).body.scopes[0].scope.name).toBe('urn:acme:itemsapi:read')
    expect((await putScope('urn:acme:other:read')).body.scopes[0].scope.name).toBe('urn:acme:other:read')
  })

  test('qualify with scopeSlug: the slug is not derived from the API name', async () => {
    emu.reset({ scopeSlug: 'itemsservice' })
    expect((await putScope('read')).body.scopes[0].scope.name).toBe('urn:acme:itemsservice:read')
  })

  test('verbatim: every name is stored as given', async () => {
    emu.reset({ scopeNaming: 'verbatim' })
    const res = await putScope('read')
    expect(res.body.scopes[0].scope.name).toBe('read')
    expect(res.body.operations.find((o: { verb: string; target: string }) => o.target === '/items' && o.verb === 'GET').scopes).toEqual([
      'read'
    ])
  })

  test('strict: only urn:<org>:<slug>:<value> is accepted; anything else → 400', async () => {
    emu.reset({ scopeNaming: 'strict', scopeSlug: 'itemsservice' })
    for (const wrong of ['read', 'urn:acme:itemsapi:read', 'urn:other:itemsservice:read']) {
      const res = await putScope(wrong)
      expect([res.status, res.body.code]).toEqual([400, 400])
      expect(res.body.description).not.toContain('urn:acme:itemsservice:read') // the answer does not tell the right name
    }
    expect((await putScope('urn:acme:itemsservice:read')).status).toBe(200)
  })

  test('an operation naming a scope that is not in scopes[] → 412 900986 under every hypothesis', async () => {
    for (const scopeNaming of ['qualify', 'verbatim', 'strict'] as const) {
      emu.reset({ scopeNaming })
      const { body: api } = await call('GET', API)
      api.scopes = []
      api.operations[0].scopes = ['urn:acme:itemsapi:ghost']
      const res = await call('PUT', API, api)
      expect([scopeNaming, res.status, res.body.code]).toEqual([scopeNaming, 412, 900986])
    }
  })
})

describe('deployPropagationMs', () => {
  const revisionWithScope = async () => {
    expect((await putScope('read')).status).toBe(200)
    return (await call('POST', `${API}/revisions`, { description: 'scoped' })).body
  }
  const gateway = async (path: string, token: string) =>
    (
      await fetch(`${emu.url}/gateway/Production${SEED.apiContext}/${SEED.apiVersion}${path}`, {
        headers: { authorization: `Bearer ${token}` }
      })
    ).status
  const subscribedToken = async () => {
    const app = (await call('POST', '/api/am/devportal/v2/applications', { name: 'hyp', throttlingPolicy: 'Unlimited' })).body
    await call('POST', `/api/am/devportal/v2/applications/${app.applicationId}/map-keys`, {
      consumerKey: 'hyp-client',
      keyManager: SEED.keyManagerName,
      keyType: 'PRODUCTION'
    })
    await call('POST', '/api/am/devportal/v2/subscriptions', {
      applicationId: app.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Unlimited'
    })
    return asgardeoToken(emu, { clientId: 'hyp-client' })
  }

  test('pending: no successDeployedTime, the gateway serves the previous revision, a second deploy → 409 902005', async () => {
    emu.reset({ deployPropagationMs: 60_000 })
    const token = await subscribedToken()
    const rev = await revisionWithScope()
    const dep = await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])
    expect(dep.status).toBe(200)
    expect(dep.body[0].deployedTime).toEqual(expect.any(String))
    expect(dep.body[0]).not.toHaveProperty('successDeployedTime')
    const listed = (await call('GET', `${API}/deployments`)).body.list.find((d: { name: string }) => d.name === 'Production')
    expect(listed).toMatchObject({ revisionUuid: rev.id })
    expect(listed).not.toHaveProperty('successDeployedTime')
    // Revision 1 (no scopes) is still what the gateway enforces: a token without "read" passes.
    expect(await gateway('/items', token)).toBe(200)
    const other = (await call('POST', `${API}/revisions`, {})).body
    const second = await call('POST', `${API}/deploy-revision?revisionId=${other.id}`, [{ name: 'Production' }])
    expect([second.status, second.body.code]).toEqual([409, 902005])
    // Another environment is not blocked.
    expect((await call('POST', `${API}/deploy-revision?revisionId=${other.id}`, [{ name: 'Development' }])).status).toBe(200)

    await fetch(`${emu.url}/__emulator/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceSeconds: 61 }),
      headers: { 'content-type': 'application/json' }
    })
    const live = (await call('GET', `${API}/deployments`)).body.list.find((d: { name: string }) => d.name === 'Production')
    expect(live.successDeployedTime).toEqual(expect.any(String))
    expect(await gateway('/items', token)).toBe(403) // now "read" is required
    expect((await call('POST', `${API}/deploy-revision?revisionId=${other.id}`, [{ name: 'Production' }])).status).toBe(200)
  })

  test('a first deploy to an environment answers 404 at the gateway until it is live', async () => {
    emu.reset({ deployPropagationMs: 60_000 })
    const token = await subscribedToken()
    const { body: undeployed } = await call(
      'POST',
      `${API}/undeploy-revision?revisionId=${(await call('GET', `${API}/revisions`)).body.list[0].id}`,
      [{ name: 'Production' }]
    )
    expect(undeployed).toHaveLength(1)
    const rev = await revisionWithScope()
    expect((await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])).status).toBe(200)
    expect(await gateway('/items', token)).toBe(404)
  })

  test('0 (default): live at once', async () => {
    const rev = await revisionWithScope()
    const dep = await call('POST', `${API}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])
    expect(dep.body[0].successDeployedTime).toBe(dep.body[0].deployedTime)
    expect(ORG).toBe(SEED.choreoOrgUuid)
  })
})
