import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runSource, writesSince } from '../../scripts/local-runner.js'
import { asgardeo, choreo } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator({ seed: { deployPropagationMs: 200 } })

const errorLine = (stdout: string): string => stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''

describe('bad input fails before any network call, naming the input and the fix', () => {
  test.each([
    [{ 'asgardeo-org': '' }, 'Input "asgardeo-org" is required'],
    [{ scopes: 'read GET /items' }, 'expected "value: VERB /path'],
    [{ 'token-scopes': 'admin' }, 'Input "token-scopes" names "admin"'],
    [{ 'asgardeo-url': 'http://asgardeo.example.com' }, 'is not HTTPS'],
    [{ mode: 'destroy' }, 'Input "mode" is "destroy"'],
    [{ 'grant-type': 'password' }, 'Input "username" is required'],
    [{ api: '', 'api-id': '' }, 'Input "api" (the Choreo API name) or "api-id" (its API Manager id) is required']
  ])('%j', async (over, message) => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, over))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(message)
    expect(emu.log.since(since)).toEqual([])
  })
})

describe('what the services refuse becomes advice', () => {
  test('an API that does not exist', async () => {
    const run = await runSource(emulatorInputs(emu, { api: 'Nope API' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('Input "api": no Choreo API is named "Nope API"')
  })

  test('an operation the API does not have', async () => {
    const run = await runSource(emulatorInputs(emu, { scopes: 'read: GET /widgets' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('has no operation GET /widgets (permission read)')
  })

  test('a key manager Choreo does not have', async () => {
    const run = await runSource(emulatorInputs(emu, { 'key-manager': 'Okta' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('Input "key-manager": Choreo has no enabled key manager named "Okta"')
  })

  test('an unknown Choreo org handle', async () => {
    const run = await runSource(emulatorInputs(emu, { 'choreo-org': 'globex' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('no access to an organization with handle "globex"')
  })

  test('wrong Asgardeo management credentials', async () => {
    const run = await runSource(emulatorInputs(emu, { 'asgardeo-client-secret': 'wrong-secret-value' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(
      'Inputs "asgardeo-client-id" and "asgardeo-client-secret": Asgardeo organization "acme" did not accept these credentials'
    )
    expect(errorLine(run.stdout)).toMatch(/Asgardeo answered 401 .*invalid_client/) // the server's words are kept
  })

  test('a client ID already mapped to another Developer Portal application names that application', async () => {
    // The Asgardeo application exists, and someone mapped its client ID to "other-app" by hand.
    const created = await asgardeo(emu, 'POST', '/api/server/v1/applications', {
      name: 'ci-items-client',
      templateId: 'm2m-application',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'] } },
      associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
    })
    const appId = created.headers.get('location')!.split('/').pop()
    const clientId = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${appId}/inbound-protocols/oidc`)).body.clientId
    const other = (await choreo(emu, 'POST', '/devportal/v2/applications', { name: 'other-app', throttlingPolicy: 'Unlimited' })).body
    expect(
      (
        await choreo(emu, 'POST', `/devportal/v2/applications/${other.applicationId}/map-keys`, {
          consumerKey: clientId,
          keyManager: 'Asgardeo',
          keyType: 'PRODUCTION'
        })
      ).status
    ).toBe(200)

    const run = await runSource(emulatorInputs(emu, { adopt: 'true' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(
      `Choreo refused to map client ID ${clientId}: it is already mapped to the Developer Portal application "other-app"`
    )
  })

  test('an API resource created without "requires authorization" cannot be used', async () => {
    expect(
      (
        await asgardeo(emu, 'POST', '/api/server/v1/api-resources', {
          name: 'Items',
          identifier: 'urn:choreo:acme:items-api:v1.0',
          requiresAuthorization: false,
          scopes: []
        })
      ).status
    ).toBe(201)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('was created with "Requires authorization" off, which cannot be changed')
  })

  test('a scope name another API resource already holds', async () => {
    expect(
      (
        await asgardeo(emu, 'POST', '/api/server/v1/api-resources', {
          name: 'Old',
          identifier: 'https://old.example.com',
          scopes: [{ name: 'urn:acme:itemsapi:read' }]
        })
      ).status
    ).toBe(201)
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('Asgardeo scope names are unique across the organization')
  })

  test('an environment the organization does not have', async () => {
    const run = await runSource(emulatorInputs(emu, { environments: 'Staging' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('Input "environments": Staging is not a gateway environment of this organization')
  })

  test('a failed run reports in the summary, wrote nothing, and leaves nothing a re-run cannot converge', async () => {
    const since = emu.log.lastSeq
    const failed = await runSource(emulatorInputs(emu, { 'key-manager': 'Okta' }))
    expect(failed.exitCode).toBe(1)
    expect(await writesSince(emu, since)).toEqual([])
    expect(failed.summary).toContain('<strong>Failed</strong>')
    expect(failed.summary).toContain('Input &quot;key-manager&quot;: Choreo has no enabled key manager named &quot;Okta&quot;')
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(run.outputs['access-token']).toBeTruthy()
  })
})

describe('credential errors name the inputs to fix', () => {
  test('a rejected Choreo token', async () => {
    const run = await runSource(emulatorInputs(emu, { 'choreo-token': 'chp_expired_or_revoked' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('Input "choreo-token": Choreo did not accept the personal access token')
  })

  test('a wrong user password', async () => {
    const run = await runSource(
      emulatorInputs(emu, { 'grant-type': 'password', username: emu.state.seed.userName, password: 'not-the-password' })
    )
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain('Inputs "username" and "password": Asgardeo refused the password grant')
  })

  test('failures of both services are all reported, not just the first', async () => {
    const run = await runSource(
      emulatorInputs(emu, { 'choreo-token': 'chp_expired_or_revoked', 'asgardeo-client-secret': 'wrong-secret-value' })
    )
    expect(run.exitCode).toBe(1)
    const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error::'))
    expect(errors.some((l) => l.includes('Input "choreo-token"'))).toBe(true)
    expect(errors.some((l) => l.includes('Inputs "asgardeo-client-id" and "asgardeo-client-secret"'))).toBe(true)
  })

  test('plan and check need only read access to Asgardeo; apply names the missing write scopes', async () => {
    // The management application loses every write scope.
    const app = emu.state.asgardeo.orgs.acme.applications[0]
    for (const api of app.authorizedApis) api.scopes = api.scopes.filter((s) => /_(view|list)$/.test(s))
    const plan = await runSource(emulatorInputs(emu, { mode: 'plan' }))
    expect(plan.exitCode).toBe(0)
    const apply = await runSource(emulatorInputs(emu))
    expect(apply.exitCode).toBe(1)
    expect(errorLine(apply.stdout)).toContain('is not authorized for internal_api_resource_create, internal_api_resource_update')
  })
})

test('a scope Asgardeo silently drops fails the run, naming it and the usual cause', async () => {
  // Someone revokes "write" from the application while the action is between authorizing and asking for
  // the token: Asgardeo then issues the token without it, silently, as it does for unauthorized scopes.
  emu.faults.add({ kind: 'latency', latencyMs: 600, method: 'POST', path: '/t/acme/oauth2/token' })
  const revoke = (async () => {
    for (let i = 0; i < 500; i++) {
      if (emu.log.since(0).some((e) => e.method === 'POST' && /\/authorized-apis$/.test(e.path))) {
        const app = emu.state.asgardeo.orgs.acme.applications.find((a) => a.name === 'ci-items-client')!
        for (const api of app.authorizedApis) api.scopes = api.scopes.filter((s) => s !== 'urn:acme:itemsapi:write')
        return true
      }
      await new Promise((r) => setTimeout(r, 10))
    }
    return false
  })()
  const run = await runSource(emulatorInputs(emu))
  expect(await revoke).toBe(true)
  expect(run.exitCode).toBe(1)
  expect(errorLine(run.stdout)).toContain(
    'Asgardeo issued a token without urn:acme:itemsapi:write. It drops scopes silently when they are not authorized to the application ("ci-items-client", API Authorization)'
  )
  expect(run.outputs['access-token']).toBeUndefined()
})
