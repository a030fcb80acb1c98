import { describe, expect, test } from '@jest/globals'
import { addPat, createApi } from '../../emulator/choreo/state.js'
import { caller, DEV, ORG, PUB, SEED } from './choreo-helpers.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

const call = caller(() => emu)
const org = () => emu.state.choreo.orgs[ORG]

async function newApp(name = 'Items Client') {
  const res = await call('POST', `${DEV}/applications`, { name, throttlingPolicy: 'Unlimited', description: 'CI' })
  expect(res.status).toBe(201)
  return res.body as { applicationId: string; name: string }
}

const mapKey = (appId: string, body: Record<string, unknown>) => call('POST', `${DEV}/applications/${appId}/map-keys`, body)

describe('APIs in the Developer Portal', () => {
  test('only PUBLISHED APIs are listed and readable', async () => {
    createApi(org(), { name: 'Draft API', version: 'v1', context: '/draft' })
    const list = await call('GET', `${DEV}/apis`)
    expect(list.status).toBe(200)
    expect(list.body.list.map((a: { name: string }) => a.name)).toEqual([SEED.apiName])
    expect(list.body.pagination).toMatchObject({ offset: 0, limit: 25, total: 1 })

    await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=${encodeURIComponent('Demote to Created')}`)
    expect((await call('GET', `${DEV}/apis`)).body.count).toBe(0)
    const one = await call('GET', `${DEV}/apis/${SEED.apiId}`)
    expect(one.status).toBe(404)
    expect(one.body.code).toBe(900308)
  })

  test('GET /apis/{apiId}: endpointURLs point at the emulator gateway (Production shown by default)', async () => {
    const res = await call('GET', `${DEV}/apis/${SEED.apiId}`)
    expect(res.status).toBe(200)
    const url = `${emu.url}/gateway/Production${SEED.apiContext}/${SEED.apiVersion}`
    expect(res.body.endpointURLs).toEqual([
      {
        environmentName: 'Production',
        environmentDisplayName: 'Production',
        environmentType: expect.any(String),
        URLs: { http: url, https: url, ws: null, wss: null },
        defaultVersionURLs: expect.any(Object)
      }
    ])
    expect(res.body).toMatchObject({
      id: SEED.apiId,
      name: SEED.apiName,
      lifeCycleStatus: 'PUBLISHED',
      tiers: [{ tierName: 'Unlimited', tierPlan: 'FREE' }]
    })
  })

  test('devportal reads are allowed anonymously but still need organizationId', async () => {
    expect((await call('GET', `${DEV}/apis`, undefined, { pat: null })).status).toBe(200)
    expect((await call('GET', `${DEV}/apis`, undefined, { pat: null, org: null })).status).toBe(400)
    expect((await call('GET', `${DEV}/applications`, undefined, { pat: null })).status).toBe(401)
  })
})

describe('applications (quirks 5 and 6)', () => {
  test('POST /applications → 201 with Location, tokenType forced to JWT', async () => {
    const res = await call('POST', `${DEV}/applications`, {
      name: 'Items Client',
      throttlingPolicy: 'Unlimited',
      tokenType: 'OAUTH',
      attributes: { team: 'ci' }
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('location')).toBe(`${emu.url}${DEV}/applications/${res.body.applicationId}`)
    expect(res.body).toMatchObject({
      applicationId: expect.any(String),
      name: 'Items Client',
      throttlingPolicy: 'Unlimited',
      tokenType: 'JWT',
      status: 'APPROVED',
      subscriptionCount: 0,
      keys: [],
      attributes: { team: 'ci' },
      owner: SEED.userId
    })
  })

  test('with an application-creation workflow: 202 + Location + WorkflowResponse; the app waits in CREATED and cannot subscribe', async () => {
    org().applicationWorkflow = true
    const res = await call('POST', `${DEV}/applications`, { name: 'Pending Client', throttlingPolicy: 'Unlimited', tokenType: 'OAUTH' })
    expect(res.status).toBe(202)
    expect(res.body).toEqual({ workflowStatus: 'CREATED', jsonPayload: expect.any(String) })
    const payload = JSON.parse(res.body.jsonPayload)
    expect(payload).toMatchObject({ name: 'Pending Client', status: 'CREATED', tokenType: 'JWT' })
    expect(res.headers.get('location')).toBe(`${emu.url}${DEV}/applications/${payload.applicationId}`)
    expect((await call('GET', `${DEV}/applications/${payload.applicationId}`)).body.status).toBe('CREATED')
    const sub = await call('POST', `${DEV}/subscriptions`, {
      applicationId: payload.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Unlimited'
    })
    expect(sub.status).toBe(400)
    expect(sub.body).toMatchObject({ code: 400, description: 'Workflow status is not Approved' })
  })

  test('a duplicate name → 409 with code 409 and the exact upstream body', async () => {
    await newApp('Items Client')
    const res = await call('POST', `${DEV}/applications`, { name: 'Items Client', throttlingPolicy: 'Unlimited' })
    expect(res.status).toBe(409)
    expect(res.body).toEqual({
      code: 409,
      message: 'Resource Already Exists',
      description: 'An application already exists with name Items Client',
      moreInfo: '',
      error: []
    })
  })

  test('missing throttlingPolicy → 400 "Throttling tier cannot be null"; leading/trailing whitespace → 400', async () => {
    const tier = await call('POST', `${DEV}/applications`, { name: 'No Tier' })
    expect(tier.status).toBe(400)
    expect(tier.body.description).toBe('Throttling tier cannot be null')
    const ws = await call('POST', `${DEV}/applications`, { name: ' Padded ', throttlingPolicy: 'Unlimited' })
    expect(ws.status).toBe(400)
    expect(ws.body.description).toMatch(/white ?space/i)
  })

  test('GET /applications?query= is an exact name match, unlike the publisher API search', async () => {
    await newApp('Items Client')
    await newApp('Items Client 2')
    await newApp('items client')
    const exact = await call('GET', `${DEV}/applications?query=${encodeURIComponent('Items Client')}`)
    expect(exact.status).toBe(200)
    expect(exact.body.count).toBe(1)
    expect(exact.body.list[0].name).toBe('Items Client')
    expect((await call('GET', `${DEV}/applications?query=Items`)).body.count).toBe(0)
    const all = await call('GET', `${DEV}/applications?limit=2`)
    expect(all.body.count).toBe(2)
    expect(all.body.pagination).toMatchObject({
      total: 3,
      limit: 2,
      offset: 0,
      next: '/applications?limit=2&offset=2&query=',
      previous: ''
    })
  })

  test('GET, PUT and DELETE /applications/{id}', async () => {
    const app = await newApp()
    const got = await call('GET', `${DEV}/applications/${app.applicationId}`)
    expect(got.status).toBe(200)
    const put = await call('PUT', `${DEV}/applications/${app.applicationId}`, {
      ...got.body,
      name: 'Renamed Client',
      throttlingPolicy: '10PerMin',
      tokenType: 'OAUTH'
    })
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ name: 'Renamed Client', throttlingPolicy: '10PerMin', tokenType: 'JWT' })
    expect((await call('DELETE', `${DEV}/applications/${app.applicationId}`)).status).toBe(200)
    expect((await call('GET', `${DEV}/applications/${app.applicationId}`)).status).toBe(404)
  })

  test('a PAT without apim:subscribe / apim:app_manage → 403 900910', async () => {
    addPat(emu.state.choreo, 'publisher-only', {
      organizationUuid: ORG,
      userIdpId: SEED.userId,
      allowedScopes: ['apim:api_view', 'apim:api_manage']
    })
    const res = await call('POST', `${DEV}/applications`, { name: 'X', throttlingPolicy: 'Unlimited' }, { pat: 'publisher-only' })
    expect(res.status).toBe(403)
    expect(res.body.code).toBe(900910)
  })
})

describe('key managers and key mapping (quirks 3 and 10)', () => {
  test('GET /key-managers: the Asgardeo key manager with its tokenEndpoint and JWKS, and the resident one', async () => {
    const res = await call('GET', `${DEV}/key-managers`)
    expect(res.status).toBe(200)
    expect(res.body.count).toBe(2)
    const km = res.body.list.find((k: { name: string }) => k.name === SEED.keyManagerName)
    expect(km).toMatchObject({
      id: expect.any(String),
      name: SEED.keyManagerName,
      type: 'Asgardeo',
      enabled: true,
      enableMapOAuthConsumerApps: true,
      tokenType: 'DIRECT',
      tokenEndpoint: `${emu.url}/t/${SEED.asgardeoOrg}/oauth2/token`,
      revokeEndpoint: `${emu.url}/t/${SEED.asgardeoOrg}/oauth2/revoke`,
      additionalProperties: expect.objectContaining({
        certificate_type: 'JWKS',
        certificate_value: `${emu.url}/t/${SEED.asgardeoOrg}/oauth2/jwks`
      })
    })
    const resident = res.body.list.find((k: { name: string }) => k.name === 'Resident Key Manager')
    expect(resident).toMatchObject({ enabled: true, enableMapOAuthConsumerApps: false })
    // That tokenEndpoint is Asgardeo's real token endpoint: the client's own credentials get a token there.
    const issued = await fetch(km.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${SEED.mgmtClientId}:${SEED.mgmtClientSecret}`).toString('base64')}`
      },
      body: 'grant_type=client_credentials'
    })
    expect(issued.status).toBe(200)
    expect(((await issued.json()) as { token_type: string }).token_type).toBe('Bearer')
  })

  test('map-keys → 200 MAPPED key; listed by oauth-keys and in the application', async () => {
    const app = await newApp()
    const res = await mapKey(app.applicationId, {
      consumerKey: 'asg-client-1',
      consumerSecret: 'ignored',
      keyManager: SEED.keyManagerName,
      keyType: 'PRODUCTION'
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      keyMappingId: expect.any(String),
      keyManager: SEED.keyManagerName,
      consumerKey: 'asg-client-1',
      keyType: 'PRODUCTION',
      mode: 'MAPPED'
    })
    expect(res.body.consumerSecret).toBeUndefined()
    // The token endpoint is not a field of the key: it comes from GET /key-managers (quirk 10).
    expect(res.body.tokenEndpoint).toBeUndefined()
    expect(JSON.stringify(res.body)).not.toContain('/oauth2/token')
    const keys = await call('GET', `${DEV}/applications/${app.applicationId}/oauth-keys`)
    expect(keys.body).toEqual({ count: 1, list: [res.body] })
    expect((await call('GET', `${DEV}/applications/${app.applicationId}`)).body.keys).toEqual([res.body])
  })

  test('the same client ID on another application → 409 901409', async () => {
    const a = await newApp('A')
    const b = await newApp('B')
    expect(
      (await mapKey(a.applicationId, { consumerKey: 'shared-client', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })).status
    ).toBe(200)
    const res = await mapKey(b.applicationId, { consumerKey: 'shared-client', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })
    expect(res.status).toBe(409)
    expect(res.body).toEqual({
      code: 901409,
      message: 'Key Mappings already exists',
      description: 'Key Mappings already exists',
      moreInfo: '',
      error: []
    })
  })

  test('a second key for the same key manager and key type on one application → 409 901409', async () => {
    const a = await newApp()
    await mapKey(a.applicationId, { consumerKey: 'client-1', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })
    const res = await mapKey(a.applicationId, { consumerKey: 'client-2', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })
    expect(res.status).toBe(409)
    expect(res.body.code).toBe(901409)
    expect((await mapKey(a.applicationId, { consumerKey: 'client-2', keyManager: SEED.keyManagerName, keyType: 'SANDBOX' })).status).toBe(
      200
    )
  })

  test('an unknown or disabled key manager → 400 901403', async () => {
    const a = await newApp()
    const unknown = await mapKey(a.applicationId, { consumerKey: 'c', keyManager: 'Okta', keyType: 'PRODUCTION' })
    expect(unknown.status).toBe(400)
    expect(unknown.body.code).toBe(901403)
    org().keyManagers.find((k) => k.name === SEED.keyManagerName)!.enabled = false
    const disabled = await mapKey(a.applicationId, { consumerKey: 'c', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })
    expect(disabled.status).toBe(400)
    expect(disabled.body.code).toBe(901403)
  })

  test('a key manager with tokenType EXCHANGED → 400 901405', async () => {
    const a = await newApp()
    org().keyManagers.find((k) => k.name === SEED.keyManagerName)!.tokenType = 'EXCHANGED'
    const res = await mapKey(a.applicationId, { consumerKey: 'c', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ code: 901405, message: expect.any(String), moreInfo: '', error: [] })
    expect((await call('GET', `${DEV}/applications/${a.applicationId}/oauth-keys`)).body.count).toBe(0)
  })

  test('a key manager that validates the client and does not know it → generic 500 900967 "General Error"', async () => {
    const a = await newApp()
    org().keyManagers.find((k) => k.name === SEED.keyManagerName)!.validateMappedClients = true
    const res = await mapKey(a.applicationId, {
      consumerKey: 'not-an-asgardeo-client',
      keyManager: SEED.keyManagerName,
      keyType: 'PRODUCTION'
    })
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ code: 900967, message: 'General Error', description: 'Server Error Occurred', moreInfo: '', error: [] })
    expect((await call('GET', `${DEV}/applications/${a.applicationId}/oauth-keys`)).body.count).toBe(0)
    // A client ID the Asgardeo organization has is accepted.
    expect(
      (await mapKey(a.applicationId, { consumerKey: SEED.mgmtClientId, keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })).status
    ).toBe(200)
  })

  test('an omitted keyManager means "Resident Key Manager", which cannot map an existing client → 400', async () => {
    const a = await newApp()
    const res = await mapKey(a.applicationId, { consumerKey: 'asg-client-1', keyType: 'PRODUCTION' })
    expect(res.status).toBe(400)
    expect(res.body.description).toMatch(/Resident Key Manager/)
  })

  test('clean-up removes a mapping, so the client ID can be mapped again', async () => {
    const a = await newApp()
    const key = (await mapKey(a.applicationId, { consumerKey: 'c1', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })).body
    const res = await call('POST', `${DEV}/applications/${a.applicationId}/oauth-keys/${key.keyMappingId}/clean-up`)
    expect(res.status).toBe(200)
    expect((await call('GET', `${DEV}/applications/${a.applicationId}/oauth-keys`)).body.count).toBe(0)
    expect((await mapKey(a.applicationId, { consumerKey: 'c1', keyManager: SEED.keyManagerName, keyType: 'PRODUCTION' })).status).toBe(200)
  })
})

describe('subscriptions (quirk 7)', () => {
  test('GET /subscriptions without applicationId or apiId → 400', async () => {
    const res = await call('GET', `${DEV}/subscriptions`)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ code: 400, description: 'Either applicationId or apiId should be available' })
  })

  test('POST /subscriptions → 201 UNBLOCKED; listed by applicationId and apiId; DELETE → 200', async () => {
    const app = await newApp()
    const res = await call('POST', `${DEV}/subscriptions`, {
      applicationId: app.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Unlimited'
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      subscriptionId: expect.any(String),
      applicationId: app.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Unlimited',
      status: 'UNBLOCKED',
      apiInfo: { id: SEED.apiId, name: SEED.apiName },
      applicationInfo: { applicationId: app.applicationId, name: app.name }
    })
    const byApp = await call('GET', `${DEV}/subscriptions?applicationId=${app.applicationId}`)
    expect(byApp.body.count).toBe(1)
    expect(byApp.body.pagination).toMatchObject({ total: 1, next: '', previous: '' })
    expect((await call('GET', `${DEV}/subscriptions?apiId=${SEED.apiId}`)).body.count).toBe(1)
    expect((await call('GET', `${DEV}/applications/${app.applicationId}`)).body.subscriptionCount).toBe(1)
    expect((await call('DELETE', `${DEV}/subscriptions/${res.body.subscriptionId}`)).status).toBe(200)
    expect((await call('GET', `${DEV}/subscriptions?applicationId=${app.applicationId}`)).body.count).toBe(0)
  })

  test('a duplicate subscription → 409 with the exact upstream body', async () => {
    const app = await newApp()
    const body = { applicationId: app.applicationId, apiId: SEED.apiId, throttlingPolicy: 'Unlimited' }
    await call('POST', `${DEV}/subscriptions`, body)
    const res = await call('POST', `${DEV}/subscriptions`, body)
    expect(res.status).toBe(409)
    expect(res.body).toEqual({
      code: 409,
      message: 'Resource Already Exists',
      description: `Specified subscription already exists for API ${SEED.apiId}, for application ${app.applicationId}`,
      moreInfo: '',
      error: []
    })
  })

  test('only a PUBLISHED API can be subscribed to (404 otherwise)', async () => {
    const app = await newApp()
    await call('POST', `${PUB}/apis/change-lifecycle?apiId=${SEED.apiId}&action=${encodeURIComponent('Demote to Created')}`)
    const res = await call('POST', `${DEV}/subscriptions`, {
      applicationId: app.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Unlimited'
    })
    expect(res.status).toBe(404)
    expect(res.body.description).toMatch(/CREATED/)
  })

  test('missing apiId → 400; a tier the API does not offer → 403 902002; unknown application → 404', async () => {
    const app = await newApp()
    expect((await call('POST', `${DEV}/subscriptions`, { applicationId: app.applicationId, throttlingPolicy: 'Unlimited' })).status).toBe(
      400
    )
    const tier = await call('POST', `${DEV}/subscriptions`, {
      applicationId: app.applicationId,
      apiId: SEED.apiId,
      throttlingPolicy: 'Gold'
    })
    expect(tier.status).toBe(403)
    expect(tier.body.code).toBe(902002)
    expect(
      (await call('POST', `${DEV}/subscriptions`, { applicationId: 'nope', apiId: SEED.apiId, throttlingPolicy: 'Unlimited' })).status
    ).toBe(404)
  })
})

describe('throttling policies', () => {
  test('application and subscription tiers; another level → 400', async () => {
    const app = await call('GET', `${DEV}/throttling-policies/application`)
    expect(app.status).toBe(200)
    expect(app.body.list.map((p: { name: string }) => p.name)).toContain('Unlimited')
    expect(app.body.list[0]).toMatchObject({ policyLevel: 'application', tierPlan: 'FREE' })
    const sub = await call('GET', `${DEV}/throttling-policies/subscription`)
    expect(sub.body.list.map((p: { name: string }) => p.name)).toEqual(['Unlimited', 'Gold', 'Silver', 'Bronze'])
    expect((await call('GET', `${DEV}/throttling-policies/api`)).status).toBe(400)
  })
})
