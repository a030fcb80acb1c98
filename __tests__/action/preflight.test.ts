import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runSource, writesSince, type Inputs } from '../../scripts/local-runner.js'
import { asgardeo, choreo } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

/**
 * Reads, then writes: every input a server can refute is checked before the first write, on both
 * services. Each case starts from a fresh organization, where a correct run would make nine writes, and
 * must fail naming the input, with not one write in the emulator's request log.
 */
const emu = useEmulator()

const errorLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('::error::'))

async function refuted(over: Inputs, message: string | RegExp): Promise<void> {
  const since = emu.log.lastSeq
  const run = await runSource(emulatorInputs(emu, over))
  expect(run.exitCode).toBe(1)
  const errors = errorLines(run.stdout).join('\n')
  if (typeof message === 'string') expect(errors).toContain(message)
  else expect(errors).toMatch(message)
  expect(await writesSince(emu, since)).toEqual([])
  // It did read: the refutation came from the server, not from input parsing.
  expect(emu.log.since(since).some((e) => e.method === 'GET')).toBe(true)
}

describe('a refuted input fails with zero writes, naming the input and the fix', () => {
  test('api: no API by that name', () => refuted({ api: 'Itmes API' }, 'Input "api": no Choreo API is named "Itmes API"'))

  test('api-version: no such version', () => refuted({ 'api-version': 'v9' }, 'with version "v9"'))

  test('api-id: no API with that id', () =>
    refuted({ api: '', 'api-id': '00000000-0000-4000-8000-000000000000' }, 'Input "api-id": Choreo has no API with id'))

  test('scopes: an operation path the API does not have', () =>
    refuted(
      { scopes: 'read: GET /items, GET /itemz' },
      'Input "scopes": the API "Items API" has no operation GET /itemz (permission read)'
    ))

  test('key-manager: not a key manager of the organization', () =>
    refuted({ 'key-manager': 'Okta' }, 'Input "key-manager": Choreo has no enabled key manager named "Okta"'))

  test('environments: not a gateway environment', () =>
    refuted({ environments: 'Production, Staging' }, 'Input "environments": Staging is not a gateway environment'))

  test('throttling-policy: not a business plan', () =>
    refuted({ 'throttling-policy': 'Platinum' }, 'Input "throttling-policy": Choreo has no business plan "Platinum"'))

  test('username: no such user for the password grant', () =>
    refuted(
      { 'grant-type': 'password', username: 'mallory', password: 'whatever-it-is' },
      'Input "username": Asgardeo has no user "mallory"'
    ))

  test('choreo-org: a handle the token cannot reach', () =>
    refuted({ 'choreo-org': 'globex' }, 'Input "choreo-org": the Choreo token has no access to an organization with handle "globex"'))

  test('asgardeo-client-secret: credentials Asgardeo refuses', () =>
    refuted({ 'asgardeo-client-secret': 'wrong-secret-value' }, 'Inputs "asgardeo-client-id" and "asgardeo-client-secret"'))

  test('choreo-token: a token Choreo refuses', () => refuted({ 'choreo-token': 'chp_revoked' }, 'Input "choreo-token"'))

  test('api-identifier: an API resource made with "Requires authorization" off', async () => {
    expect(
      (
        await asgardeo(emu, 'POST', '/api/server/v1/api-resources', {
          name: 'Open',
          identifier: 'https://open.example.com',
          requiresAuthorization: false,
          scopes: []
        })
      ).status
    ).toBe(201)
    await refuted({ 'api-identifier': 'https://open.example.com' }, '"Requires authorization" off, which cannot be changed')
  })

  test('application: an Asgardeo application this owner did not create', async () => {
    expect(
      (
        await asgardeo(emu, 'POST', '/api/server/v1/applications', {
          name: 'ci-items-client',
          inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'] } }
        })
      ).status
    ).toBe(201)
    await refuted({}, /The Asgardeo application "ci-items-client" already exists .* set "adopt: true"/)
  })

  test('application: a Developer Portal application this owner did not create', async () => {
    expect(
      (await choreo(emu, 'POST', '/devportal/v2/applications', { name: 'ci-items-client', throttlingPolicy: 'Unlimited' })).status
    ).toBe(201)
    await refuted({}, /The Choreo Developer Portal application "ci-items-client" already exists .* set "adopt: true"/)
  })

  test('api: a RETIRED API cannot be published', async () => {
    for (const action of ['Deprecate', 'Retire'])
      expect((await choreo(emu, 'POST', `/publisher/v2/apis/change-lifecycle?apiId=${emu.state.seed.apiId}&action=${action}`)).status).toBe(
        200
      )
    await refuted({}, 'The API "Items API" is RETIRED')
  })

  test('every refutation of one run is reported, still with zero writes', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { 'key-manager': 'Okta', 'throttling-policy': 'Platinum', scopes: 'read: GET /nope' }))
    expect(run.exitCode).toBe(1)
    const errors = errorLines(run.stdout).join('\n')
    for (const input of ['key-manager', 'throttling-policy', 'scopes']) expect(errors).toContain(`Input "${input}"`)
    expect(await writesSince(emu, since)).toEqual([])
  })

  test('the same inputs, corrected, then apply everything', async () => {
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(run.outputs['access-token']).toBeTruthy()
  })
})
