import { beforeEach, describe, expect, test } from '@jest/globals'
import { emulatorInputs, runSource, writesSince } from '../../scripts/local-runner.js'
import { asgardeo, choreo, claims, gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

// Deploys take a moment to go live, as on Choreo: the action must cope (emulator seed deployPropagationMs).
const emu = useEmulator({ seed: { deployPropagationMs: 200 } })

const READ = 'urn:acme:itemsapi:read'
const WRITE = 'urn:acme:itemsapi:write'
const apiId = () => emu.state.seed.apiId
const actions = (plan: string) =>
  Object.fromEntries((JSON.parse(plan) as { resource: string; action: string }[]).map((c) => [c.resource, c.action]))

describe('first run', () => {
  test('secures the API, wires Asgardeo and the Developer Portal, and issues a token with every scope', async () => {
    const run = await runSource(emulatorInputs(emu))
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    const o = run.outputs
    expect(o.changed).toBe('true')
    expect(JSON.parse(o.scopes)).toEqual([READ, WRITE])
    expect(actions(o.plan)).toEqual({
      'Choreo API scopes': 'update',
      'Choreo API deployment': 'update',
      'Choreo API lifecycle': 'no change',
      'Asgardeo API resource': 'create',
      'Asgardeo application': 'create',
      'Asgardeo API authorization': 'create',
      'Choreo application': 'create',
      'Choreo production keys': 'create',
      'Choreo subscription': 'create'
    })

    // Choreo: scopes stored under their qualified names and bound to the operations.
    const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    expect(api.scopes.map((s: any) => s.scope.name).sort()).toEqual([READ, WRITE])
    const bound = Object.fromEntries(api.operations.map((op: any) => [`${op.verb} ${op.target}`, op.scopes]))
    expect(bound).toEqual({ 'GET /items': [READ], 'GET /items/{id}': [READ], 'POST /items': [WRITE], 'DELETE /items/{id}': [WRITE] })

    // Asgardeo: the API resource, the M2M application and the authorization.
    const resource = (await asgardeo(emu, 'GET', `/api/server/v1/api-resources/${o['api-resource-id']}`)).body
    expect(resource.identifier).toBe('urn:choreo:acme:items-api:v1.0')
    expect(resource.scopes.map((s: any) => s.name).sort()).toEqual([READ, WRITE])
    const authorized = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${o['asgardeo-application-id']}/authorized-apis`)).body
    expect(
      authorized
        .find((a: any) => a.id === o['api-resource-id'])
        .authorizedScopes.map((s: any) => s.name)
        .sort()
    ).toEqual([READ, WRITE])

    // Developer Portal: the Asgardeo client ID as Production key, and the subscription.
    const keys = (await choreo(emu, 'GET', `/devportal/v2/applications/${o['choreo-application-id']}/oauth-keys`)).body
    expect(keys.list).toEqual([expect.objectContaining({ consumerKey: o['client-id'], keyType: 'PRODUCTION', keyManager: 'Asgardeo' })])
    const subs = (await choreo(emu, 'GET', `/devportal/v2/subscriptions?applicationId=${o['choreo-application-id']}`)).body
    expect(subs.list.map((s: any) => s.apiId)).toEqual([apiId()])
    expect(subs.list[0].subscriptionId).toBe(o['subscription-id'])

    // The token: every scope granted, issued to the new client, usable at the gateway.
    const token = o['access-token']
    expect(o['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
    expect(claims(token)).toMatchObject({ client_id: o['client-id'], iss: o['token-endpoint'] })
    expect(o['token-endpoint']).toBe(`${emu.url}/t/acme/oauth2/token`)
    expect(Number(o['expires-in'])).toBeGreaterThan(0)
    expect(Date.parse(o['expires-at'])).toBeGreaterThan(Date.now())
    expect(await gateway(emu, 'GET', '/items/7', token)).toBe(200)
    expect(await gateway(emu, 'DELETE', '/items/7', token)).toBe(200)

    // The summary lists every resource, never the token.
    expect(run.summary).toContain('<td>Asgardeo API authorization</td><td>urn:choreo:acme:items-api:v1.0</td><td>create</td>')
    expect(run.summary.split('<td>').length).toBe(run.summary.split('</td>').length) // every cell closes
    expect(run.summary).toContain(`<code>${READ}</code>`)
    expect(run.summary).not.toContain(token)
  })

  test('a token asking for part of the scopes opens only those operations', async () => {
    const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read' }))
    expect(run.exitCode).toBe(0)
    expect(run.outputs['granted-scopes']).toBe(READ)
    const token = run.outputs['access-token']
    expect(await gateway(emu, 'GET', '/items', token)).toBe(200)
    expect(await gateway(emu, 'POST', '/items', token)).toBe(403)
  })
})

describe('idempotence and modes', () => {
  test('a second run with the same inputs makes no write and reports no changes', async () => {
    expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
    const since = emu.log.lastSeq
    const again = await runSource(emulatorInputs(emu))
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(again.outputs.changed).toBe('false')
    expect(again.stdout).toContain('No changes')
    expect(Object.values(actions(again.outputs.plan)).every((a) => a === 'no change')).toBe(true)
    expect(again.outputs['access-token']).toBeTruthy()
  })

  test('plan mode writes nothing and lists what apply would do', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { mode: 'plan' }))
    expect(run.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(run.outputs.changed).toBe('true')
    expect(run.outputs['access-token']).toBeUndefined()
    const plan = actions(run.outputs.plan)
    expect(plan['Choreo API scopes']).toBe('update')
    expect(plan['Asgardeo application']).toBe('create')
    expect(plan['Choreo subscription']).toBe('create')
    expect(run.stdout).toContain('would update')
  })

  test('check mode fails on drift and passes once applied', async () => {
    const drift = await runSource(emulatorInputs(emu, { mode: 'check' }))
    expect(drift.exitCode).toBe(1)
    expect(drift.stdout).toMatch(/::error::Drift: .*Choreo API scopes "Items API" \(update\)/)
    expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
    const since = emu.log.lastSeq
    const clean = await runSource(emulatorInputs(emu, { mode: 'check' }))
    expect(clean.exitCode).toBe(0)
    expect(clean.outputs.changed).toBe('false')
    expect(await writesSince(emu, since)).toEqual([])
  })
})

describe('drift is repaired on the next run', () => {
  beforeEach(async () => {
    expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
  })

  test('a scope removed from the Choreo API (and its bindings) is put back and redeployed', async () => {
    const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    api.scopes = api.scopes.filter((s: any) => s.scope.name !== WRITE)
    for (const op of api.operations) op.scopes = op.scopes.filter((n: string) => n !== WRITE)
    expect((await choreo(emu, 'PUT', `/publisher/v2/apis/${apiId()}`, api)).status).toBe(200)

    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    const plan = actions(run.outputs.plan)
    expect(plan['Choreo API scopes']).toBe('update')
    expect(plan['Choreo API deployment']).toBe('update')
    expect(JSON.parse(run.outputs.scopes)).toContain(WRITE)
    expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200)
  })

  test('a dropped operation binding is bound again', async () => {
    const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    api.operations.find((op: any) => op.verb === 'GET' && op.target === '/items/{id}').scopes = []
    expect((await choreo(emu, 'PUT', `/publisher/v2/apis/${apiId()}`, api)).status).toBe(200)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    const row = JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Choreo API scopes')
    expect(row).toMatchObject({ action: 'update', details: ['bind read to GET /items/{id}'] })
  })

  test('a deleted subscription is recreated', async () => {
    const first = (await choreo(emu, 'GET', `/devportal/v2/subscriptions?apiId=${apiId()}`)).body.list[0]
    expect((await choreo(emu, 'DELETE', `/devportal/v2/subscriptions/${first.subscriptionId}`)).status).toBeLessThan(300)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(actions(run.outputs.plan)['Choreo subscription']).toBe('create')
    expect(await gateway(emu, 'GET', '/items', run.outputs['access-token'])).toBe(200)
  })

  test('a scope revoked from the Asgardeo application is authorized again', async () => {
    const appId = (await asgardeo(emu, 'GET', '/api/server/v1/applications?filter=name+eq+ci-items-client')).body.applications[0].id
    const resources = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${appId}/authorized-apis`)).body
    const resource = resources.find((r: any) => r.authorizedScopes.some((s: any) => s.name === READ))
    expect(
      (
        await asgardeo(emu, 'PATCH', `/api/server/v1/applications/${appId}/authorized-apis/${resource.id}`, {
          addedScopes: [],
          removedScopes: [WRITE]
        })
      ).status
    ).toBe(200)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Asgardeo API authorization')).toMatchObject({
      action: 'update',
      details: [`authorize ${WRITE}`]
    })
    expect(run.outputs['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
  })
})

describe('adoption and lifecycle', () => {
  test('with adopt: true, takes over an Asgardeo application and a Developer Portal application made by hand, and marks them', async () => {
    const created = await asgardeo(emu, 'POST', '/api/server/v1/applications', {
      name: 'ci-items-client',
      templateId: 'm2m-application',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'] } },
      associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
    })
    expect(created.status).toBe(201)
    const asgId = created.headers.get('location')!.split('/').pop()
    const dev = await choreo(emu, 'POST', '/devportal/v2/applications', { name: 'ci-items-client', throttlingPolicy: 'Unlimited' })
    expect(dev.status).toBe(201)
    const run = await runSource(emulatorInputs(emu, { adopt: 'true' }))
    expect(run.exitCode).toBe(0)
    expect(run.outputs['asgardeo-application-id']).toBe(asgId)
    expect(run.outputs['choreo-application-id']).toBe(dev.body.applicationId)
    const plan = actions(run.outputs.plan)
    expect(plan['Asgardeo application']).toBe('update')
    expect(plan['Choreo application']).toBe('update')
    // Marked as this owner's: the next run needs no adopt.
    const again = await runSource(emulatorInputs(emu))
    expect(again.exitCode).toBe(0)
    expect(actions(again.outputs.plan)['Asgardeo application']).toBe('no change')
    expect(actions(again.outputs.plan)['Choreo application']).toBe('no change')
  })

  test('an application without the needed grant gets it enabled', async () => {
    const created = await asgardeo(emu, 'POST', '/api/server/v1/applications', {
      name: 'ci-items-client',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: ['https://example.com/cb'] } },
      associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
    })
    expect(created.status).toBe(201)
    const run = await runSource(emulatorInputs(emu, { adopt: 'true' }))
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Asgardeo application')).toMatchObject({
      action: 'update',
      details: ['enable the client_credentials grant', 'adopt for octo-org/items-service/ci-items-client (adopt: true)']
    })
  })

  test('an unpublished API is published before the subscription', async () => {
    expect(
      (await choreo(emu, 'POST', `/publisher/v2/apis/change-lifecycle?apiId=${apiId()}&action=${encodeURIComponent('Demote to Created')}`))
        .status
    ).toBe(200)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(actions(run.outputs.plan)['Choreo API lifecycle']).toBe('update')
    expect((await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body.lifeCycleStatus).toBe('PUBLISHED')
  })

  test('at the revision limit, revisions made by hand are kept: the error names adopt; with adopt: true the oldest makes room, with a plan row', async () => {
    for (let i = 0; i < 4; i++)
      expect((await choreo(emu, 'POST', `/publisher/v2/apis/${apiId()}/revisions`, { description: `manual ${i}` })).status).toBe(201)
    const before = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list
    expect(before).toHaveLength(5)
    const refused = await runSource(emulatorInputs(emu))
    expect(refused.exitCode).toBe(1)
    expect(refused.stdout).toMatch(
      /::error::The API has reached its revision limit, and its 4 undeployed revisions were not created by this action .*set "adopt: true"/
    )
    expect((await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list).toHaveLength(5)

    const oldestUndeployed = before.filter((r: any) => (r.deploymentInfo ?? []).length === 0)[0]
    const run = await runSource(emulatorInputs(emu, { adopt: 'true' }))
    expect(run.exitCode).toBe(0)
    const after = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list
    expect(after).toHaveLength(5)
    expect(after.map((r: any) => r.id)).not.toContain(oldestUndeployed.id)
    expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Choreo API revision')).toMatchObject({
      action: 'delete',
      id: oldestUndeployed.id
    })
  })

  test("at the revision limit, this owner's own undeployed revision makes room without adopt", async () => {
    const first = await runSource(emulatorInputs(emu))
    expect(first.exitCode).toBe(0)
    const ours = first.outputs.plan && JSON.parse(first.outputs.plan).find((c: any) => c.resource === 'Choreo API deployment').id
    // Someone deploys another revision in its place and adds hand-made ones up to the limit.
    const made = []
    for (let i = 0; i < 3; i++)
      made.push((await choreo(emu, 'POST', `/publisher/v2/apis/${apiId()}/revisions`, { description: `manual ${i}` })).body.id)
    expect(
      (
        await choreo(emu, 'POST', `/publisher/v2/apis/${apiId()}/deploy-revision?revisionId=${made[2]}`, [
          { name: 'Production', displayOnDevportal: true },
          { name: 'Development', displayOnDevportal: true }
        ])
      ).status
    ).toBe(200)
    expect((await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list).toHaveLength(5)
    // A binding more: the scopes change, so a new revision is needed. Plan mode already shows what goes.
    const changed = 'read: GET /items, GET /items/{id}\nwrite: POST /items, DELETE /items/{id}, GET /items'
    const planned = await runSource(emulatorInputs(emu, { scopes: changed, mode: 'plan' }))
    expect(planned.exitCode).toBe(0)
    expect(JSON.parse(planned.outputs.plan).find((c: any) => c.resource === 'Choreo API revision')).toMatchObject({
      action: 'delete',
      id: ours
    })
    const run = await runSource(
      emulatorInputs(emu, { scopes: 'read: GET /items, GET /items/{id}\nwrite: POST /items, DELETE /items/{id}, GET /items' })
    )
    expect(run.exitCode).toBe(0)
    const ids = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list.map((r: any) => r.id)
    expect(ids).not.toContain(ours)
    expect(ids).toEqual(expect.arrayContaining(made))
    expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Choreo API revision')).toMatchObject({
      action: 'delete',
      id: ours
    })
  })
})

describe('password grant', () => {
  test("creates an OIDC application and an application role for the user; the token is the user's", async () => {
    const s = emu.state.seed
    const inputs = emulatorInputs(emu, { 'grant-type': 'password', username: s.userName, password: s.userPassword })
    const run = await runSource(inputs)
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    expect(actions(run.outputs.plan)['Asgardeo application role']).toBe('create')
    expect(claims(run.outputs['access-token'])).toMatchObject({ sub: s.userId, aut: 'APPLICATION_USER' })
    expect(run.outputs['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
    const roles = (await asgardeo(emu, 'GET', `/scim2/v2/Roles?filter=${encodeURIComponent('displayName eq ci-items-client-api-access')}`))
      .body
    expect(roles.Resources).toHaveLength(1)
    const since = emu.log.lastSeq
    const again = await runSource(inputs)
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
  })

  test('an unknown user is a clear error', async () => {
    const run = await runSource(emulatorInputs(emu, { 'grant-type': 'password', username: 'nobody', password: 'x-secret-x' }))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::Input "username": Asgardeo has no user "nobody"')
  })
})

describe('prune', () => {
  test('without prune a dropped permission stays defined; with prune the scopes this action made go', async () => {
    expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
    const readOnly = { scopes: 'read: GET /items, GET /items/{id}' }

    const kept = await runSource(emulatorInputs(emu, readOnly))
    expect(kept.exitCode).toBe(0)
    const api = async () => (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    expect((await api()).scopes.map((s: any) => s.scope.name)).toContain(WRITE)
    // The application keeps exactly the listed scopes either way (least privilege).
    expect(kept.outputs['granted-scopes']).toBe(READ)

    const pruned = await runSource(emulatorInputs(emu, { ...readOnly, prune: 'true' }))
    expect(pruned.exitCode).toBe(0)
    const rows = JSON.parse(pruned.outputs.plan)
    expect(rows.find((c: any) => c.resource === 'Choreo API scopes').details).toEqual(['remove scope write (prune)'])
    expect(rows.find((c: any) => c.resource === 'Asgardeo API resource').details).toEqual([`remove scope ${WRITE} (prune)`])
    const after = await api()
    expect(after.scopes.map((s: any) => s.scope.name)).toEqual([READ])
    expect(after.operations.find((op: any) => op.verb === 'POST').scopes).toEqual([])
    const resource = (await asgardeo(emu, 'GET', `/api/server/v1/api-resources/${pruned.outputs['api-resource-id']}`)).body
    expect(resource.scopes.map((s: any) => s.name)).toEqual([READ])
  })

  test('prune never removes a scope someone else made', async () => {
    const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    api.scopes.push({
      scope: { name: 'urn:acme:itemsapi:audit', displayName: 'audit', description: 'made by hand', bindings: [] },
      shared: false
    })
    expect((await choreo(emu, 'PUT', `/publisher/v2/apis/${apiId()}`, api)).status).toBe(200)
    const run = await runSource(emulatorInputs(emu, { prune: 'true' }))
    expect(run.exitCode).toBe(0)
    const after = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    expect(after.scopes.map((s: any) => s.scope.name)).toContain('urn:acme:itemsapi:audit')
  })
})

describe('what a redeploy keeps, what a re-run repairs', () => {
  test('each environment keeps its Developer Portal visibility and vhost', async () => {
    const before = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list.flatMap((r: any) => r.deploymentInfo)
    expect(before.find((d: any) => d.name === 'Development').displayOnDevportal).toBe(false)
    expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
    const after = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}/revisions`)).body.list.flatMap((r: any) => r.deploymentInfo)
    const view = (list: any[]) => Object.fromEntries(list.map((d: any) => [d.name, [d.vhost, d.displayOnDevportal]]))
    expect(view(after)).toEqual(view(before))
  })

  test('a prune whose deploy failed reaches the gateway on the next run', async () => {
    expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
    const readOnly = { scopes: 'read: GET /items, GET /items/{id}', prune: 'true' }
    emu.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/api/am/publisher/v2/apis/*/deploy-revision' })
    const failed = await runSource(emulatorInputs(emu, readOnly))
    expect(failed.exitCode).toBe(1)
    // The Asgardeo scope is not deleted while the gateway may still ask for it.
    const resource = (
      await asgardeo(
        emu,
        'GET',
        `/api/server/v1/api-resources?filter=${encodeURIComponent('identifier eq "urn:choreo:acme:items-api:v1.0"')}`
      )
    ).body.apiResources[0]
    expect((await asgardeo(emu, 'GET', `/api/server/v1/api-resources/${resource.id}`)).body.scopes.map((s: any) => s.name)).toContain(WRITE)

    const run = await runSource(emulatorInputs(emu, readOnly))
    expect(run.exitCode).toBe(0)
    expect(actions(run.outputs.plan)['Choreo API deployment']).toBe('update')
    expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200) // POST /items is open again
    expect((await asgardeo(emu, 'GET', `/api/server/v1/api-resources/${resource.id}`)).body.scopes.map((s: any) => s.name)).toEqual([READ])
  })

  test('a blocked API is re-published', async () => {
    expect((await choreo(emu, 'POST', `/publisher/v2/apis/change-lifecycle?apiId=${apiId()}&action=Block`)).status).toBe(200)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Choreo API lifecycle').details).toEqual([
      'BLOCKED → PUBLISHED (Re-Publish)'
    ])
  })

  test('a retired API is a clear error', async () => {
    for (const action of ['Deprecate', 'Retire'])
      expect((await choreo(emu, 'POST', `/publisher/v2/apis/change-lifecycle?apiId=${apiId()}&action=${action}`)).status).toBe(200)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::The API "Items API" is RETIRED, and a RETIRED API cannot be published again')
  })

  test('tokens Asgardeo cached until nearly expired are never revoked (a concurrent run may hold them); the short remainder is reported', async () => {
    const first = await runSource(emulatorInputs(emu))
    expect(first.exitCode).toBe(0)
    // Asgardeo would hand back the same tokens with 100 s left.
    await fetch(`${emu.url}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 3500 })
    })
    const second = await runSource(emulatorInputs(emu))
    expect(second.exitCode).toBe(0)
    expect(second.outputs['access-token']).toBe(first.outputs['access-token'])
    expect(Number(second.outputs['expires-in'])).toBeLessThanOrEqual(100)
    expect(second.stdout).toMatch(/cached token for these scopes with \d+ s left; it is not revoked/)
    expect(emu.log.since(0).filter((e) => e.path === '/t/acme/oauth2/revoke')).toHaveLength(0)
  })

  test('a management token that lapses mid-run is replaced by asking again, not by revoking it', async () => {
    const first = await runSource(emulatorInputs(emu))
    expect(first.exitCode).toBe(0)
    const tokenRequests = (from: number) => emu.log.since(from).filter((e) => e.path === '/t/acme/oauth2/token').length
    expect(tokenRequests(0)).toBe(2) // management + API token
    // The cached management token has 2 s left: the run outlives it (latency on every management call).
    await fetch(`${emu.url}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 3598 })
    })
    emu.faults.add({ kind: 'latency', latencyMs: 1500, method: 'GET', path: '/t/acme/api/server/v1/**' })
    const since = emu.log.lastSeq
    const second = await runSource(emulatorInputs(emu))
    expect(second.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([])
    expect(second.exitCode).toBe(0)
    // Management, management again once the cached one lapsed, and the API token.
    expect(tokenRequests(since)).toBe(3)
    expect(emu.log.since(0).filter((e) => e.path === '/t/acme/oauth2/revoke')).toHaveLength(0)
  })
})

describe('password grant on an adopted application', () => {
  test('an application whose roles are organization-wide is switched to application roles', async () => {
    const s = emu.state.seed
    const created = await asgardeo(emu, 'POST', '/api/server/v1/applications', {
      name: 'ci-items-client',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['password'] } },
      associatedRoles: { allowedAudience: 'ORGANIZATION', roles: [] }
    })
    expect(created.status).toBe(201)
    const run = await runSource(
      emulatorInputs(emu, { 'grant-type': 'password', username: s.userName, password: s.userPassword, adopt: 'true' })
    )
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Asgardeo application').details).toEqual([
      'role audience ORGANIZATION → APPLICATION',
      'adopt for octo-org/items-service/ci-items-client (adopt: true)'
    ])
    expect(run.outputs['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
  })
})

test('deploy: false changes the API but leaves the gateway on the deployed revision, and says so', async () => {
  const run = await runSource(emulatorInputs(emu, { deploy: 'false', 'token-scopes': 'read' }))
  expect(run.exitCode).toBe(0)
  expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Choreo API deployment').details[0]).toMatch(/^deploy: false/)
  expect(emu.log.since(0).some((e) => /deploy-revision|\/revisions/.test(e.path) && e.method === 'POST')).toBe(false)
  // The live revision binds no scope yet: POST /items is still open to a token without "write".
  expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200)
})
