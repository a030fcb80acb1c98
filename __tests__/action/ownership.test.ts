import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runSource, writesSince, type Inputs } from '../../scripts/local-runner.js'
import { MARKER } from '../../src/plan.js'
import { asgardeo, choreo, gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

/** What one owner does never undoes another's: marks, prune by owner, adopt. */
const emu = useEmulator()

const apiId = () => emu.state.seed.apiId
const plan = (json: string) => JSON.parse(json) as { resource: string; action: string; details: string[] }[]
const row = (json: string, resource: string) => plan(json).find((c) => c.resource === resource)!

/** A run from a workflow of `repo`, with the default application name (which the repository decides). */
const fromRepo = (repo: string, over: Inputs) =>
  runSource(emulatorInputs(emu, { application: '', prune: 'true', ...over }), { repository: repo })

const choreoScopes = async () =>
  (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body.scopes.map((s: any) => s.scope.name).sort()
const resourceScopes = async (id: string) =>
  (await asgardeo(emu, 'GET', `/api/server/v1/api-resources/${id}`)).body.scopes.map((s: any) => s.name).sort()

const READ = 'urn:acme:itemsapi:read'
const WRITE = 'urn:acme:itemsapi:write'
const AUDIT = 'urn:acme:itemsapi:audit'

describe('two repositories sharing one API, both with prune', () => {
  test("keep each other's scopes, on both services and at the gateway; a scope both list is only released by the one that drops it", async () => {
    const a = await fromRepo('octo-org/orders', { scopes: 'read: GET /items, GET /items/{id}' })
    expect(a.exitCode).toBe(0)
    const b = await fromRepo('octo-org/reports', { scopes: 'write: POST /items, DELETE /items/{id}' })
    expect(b.exitCode).toBe(0)
    expect(b.outputs['api-resource-id']).toBe(a.outputs['api-resource-id']) // one API resource per API, shared
    expect(b.outputs['asgardeo-application-id']).not.toBe(a.outputs['asgardeo-application-id'])
    expect(await choreoScopes()).toEqual([READ, WRITE])
    expect(await resourceScopes(a.outputs['api-resource-id'])).toEqual([READ, WRITE])

    // A again, with prune: nothing of B's is touched, nothing written at all.
    const since = emu.log.lastSeq
    const again = await fromRepo('octo-org/orders', { scopes: 'read: GET /items, GET /items/{id}' })
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(await gateway(emu, 'POST', '/items', b.outputs['access-token'])).toBe(200)
    expect(await gateway(emu, 'POST', '/items', a.outputs['access-token'])).toBe(403)
    expect(await gateway(emu, 'GET', '/items', again.outputs['access-token'])).toBe(200)

    // Both come to list "audit": it carries both marks.
    expect((await fromRepo('octo-org/orders', { scopes: 'read: GET /items, GET /items/{id}\naudit: GET /items' })).exitCode).toBe(0)
    const bAudit = await fromRepo('octo-org/reports', { scopes: 'write: POST /items, DELETE /items/{id}\naudit: GET /items' })
    expect(bAudit.exitCode).toBe(0)
    expect(
      row(bAudit.outputs.plan, 'Choreo API scopes').details.some((d) => d.startsWith('mark scope audit as used by octo-org/reports/'))
    ).toBe(true)
    // A drops it: released, not removed, because B still lists it.
    const aDrops = await fromRepo('octo-org/orders', { scopes: 'read: GET /items, GET /items/{id}' })
    expect(aDrops.exitCode).toBe(0)
    expect(
      row(aDrops.outputs.plan, 'Choreo API scopes').details.some((d) =>
        d.startsWith('release scope audit (prune; still used by octo-org/reports/')
      )
    ).toBe(true)
    expect(await choreoScopes()).toEqual([AUDIT, READ, WRITE])
    expect(await resourceScopes(a.outputs['api-resource-id'])).toEqual([AUDIT, READ, WRITE])
    const bStill = await fromRepo('octo-org/reports', { scopes: 'write: POST /items, DELETE /items/{id}\naudit: GET /items' })
    expect(bStill.exitCode).toBe(0)
    expect(bStill.outputs['granted-scopes'].split(' ').sort()).toEqual([AUDIT, WRITE])
    // B drops it too: now no owner is left, and it goes.
    const bDrops = await fromRepo('octo-org/reports', { scopes: 'write: POST /items, DELETE /items/{id}' })
    expect(bDrops.exitCode).toBe(0)
    expect(row(bDrops.outputs.plan, 'Choreo API scopes').details).toContain('remove scope audit (prune)')
    expect(await choreoScopes()).toEqual([READ, WRITE])
    expect(await resourceScopes(a.outputs['api-resource-id'])).toEqual([READ, WRITE])
  })
})

describe('an application this owner does not own', () => {
  test("another repository's application with the same name is left untouched, and the error names adopt", async () => {
    const a = await fromRepo('octo-org/orders', { application: 'shared-client', scopes: 'read: GET /items' })
    expect(a.exitCode).toBe(0)
    const appPath = `/api/server/v1/applications/${a.outputs['asgardeo-application-id']}`
    const before = [(await asgardeo(emu, 'GET', appPath)).body, (await asgardeo(emu, 'GET', `${appPath}/authorized-apis`)).body]
    const since = emu.log.lastSeq
    const b = await fromRepo('octo-org/reports', { application: 'shared-client', scopes: 'write: POST /items' })
    expect(b.exitCode).toBe(1)
    expect(b.stdout).toContain(
      '::error::The Asgardeo application "shared-client" already exists and it belongs to another owner of this action ("octo-org/orders/shared-client"), so it is left unchanged. Choose another "application" name, or set "adopt: true"'
    )
    expect(await writesSince(emu, since)).toEqual([])
    expect([(await asgardeo(emu, 'GET', appPath)).body, (await asgardeo(emu, 'GET', `${appPath}/authorized-apis`)).body]).toEqual(before)
  })

  test('an application made by hand keeps its grant types, token type and authorizations; with adopt: true it is taken over', async () => {
    const created = await asgardeo(emu, 'POST', '/api/server/v1/applications', {
      name: 'ci-items-client',
      description: 'The ops team portal',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['authorization_code'], callbackURLs: ['https://ops.example.com/cb'] } },
      associatedRoles: { allowedAudience: 'ORGANIZATION', roles: [] }
    })
    const id = created.headers.get('location')!.split('/').pop()
    const oidc = async () => (await asgardeo(emu, 'GET', `/api/server/v1/applications/${id}/inbound-protocols/oidc`)).body
    const before = await oidc()
    const refused = await runSource(emulatorInputs(emu))
    expect(refused.exitCode).toBe(1)
    expect(refused.stdout).toMatch(
      /::error::The Asgardeo application "ci-items-client" already exists and it was not created by this action.*"adopt: true"/
    )
    expect(await oidc()).toEqual(before)
    expect((await asgardeo(emu, 'GET', `/api/server/v1/applications/${id}/authorized-apis`)).body).toEqual([])

    const adopted = await runSource(emulatorInputs(emu, { adopt: 'true' }))
    expect(adopted.exitCode).toBe(0)
    expect(adopted.outputs['asgardeo-application-id']).toBe(id)
    expect((await oidc()).grantTypes).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']))
    // Marked: its own description kept, the owner added.
    const description = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${id}`)).body.description
    expect(description).toBe(`The ops team portal ${MARKER} [owner: octo-org/items-service/ci-items-client].`)
  })

  test("an application an earlier version of the action made (marker without owner) counts as this owner's, and gets the owner mark", async () => {
    expect(
      (
        await asgardeo(emu, 'POST', '/api/server/v1/applications', {
          name: 'ci-items-client',
          description: `${MARKER}.`,
          templateId: 'm2m-application',
          inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'], accessToken: { type: 'JWT' } } },
          associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
        })
      ).status
    ).toBe(201)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(row(run.outputs.plan, 'Asgardeo application')).toMatchObject({
      action: 'update',
      details: ['mark as owned by octo-org/items-service/ci-items-client']
    })
    const again = await runSource(emulatorInputs(emu))
    expect(row(again.outputs.plan, 'Asgardeo application').action).toBe('no change')
  })
})

describe('a scope a person authorized by hand', () => {
  test('stays authorized without prune, and is revoked only with prune', async () => {
    const first = await runSource(emulatorInputs(emu))
    expect(first.exitCode).toBe(0)
    const resource = first.outputs['api-resource-id']
    const app = first.outputs['asgardeo-application-id']
    // By hand: a scope added to the API resource and authorized to the application.
    expect(
      (await asgardeo(emu, 'PATCH', `/api/server/v1/api-resources/${resource}`, { addedScopes: [{ name: 'urn:acme:itemsapi:ops' }] }))
        .status
    ).toBeLessThan(300)
    expect(
      (
        await asgardeo(emu, 'PATCH', `/api/server/v1/applications/${app}/authorized-apis/${resource}`, {
          addedScopes: ['urn:acme:itemsapi:ops'],
          removedScopes: []
        })
      ).status
    ).toBeLessThan(300)
    const authorized = async () =>
      (await asgardeo(emu, 'GET', `/api/server/v1/applications/${app}/authorized-apis`)).body
        .find((a: any) => a.id === resource)
        .authorizedScopes.map((s: any) => s.name)
        .sort()

    const kept = await runSource(emulatorInputs(emu))
    expect(kept.exitCode).toBe(0)
    expect(row(kept.outputs.plan, 'Asgardeo API authorization').action).toBe('no change')
    expect(await authorized()).toEqual(['urn:acme:itemsapi:ops', READ, WRITE])

    const pruned = await runSource(emulatorInputs(emu, { prune: 'true' }))
    expect(pruned.exitCode).toBe(0)
    expect(row(pruned.outputs.plan, 'Asgardeo API authorization').details).toEqual(['revoke urn:acme:itemsapi:ops (prune)'])
    expect(await authorized()).toEqual([READ, WRITE])
    // The scope itself was made by hand: prune leaves it on the API resource.
    expect(await resourceScopes(resource)).toEqual(['urn:acme:itemsapi:ops', READ, WRITE])
  })
})
