import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runDist, type ActionRun } from '../../scripts/local-runner.js'
import { gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

/**
 * Runs with the same inputs started at the same moment (a matrix job, a re-run racing the first): all
 * succeed, and the organization holds each resource once. Separate processes (the built dist/), since
 * an in-process run owns process.env. Ten trials per count, each from a fresh organization.
 */
const emu = useEmulator()

const READ = 'urn:acme:itemsapi:read'
const WRITE = 'urn:acme:itemsapi:write'
const TRIALS = 10

/** Every resource the runs create, counted in the emulator's state: each must exist exactly once. */
function census(): Record<string, number | string[]> {
  const asg = emu.state.asgardeo.orgs.acme
  const cho = Object.values(emu.state.choreo.orgs)[0]
  const app = asg.applications.filter((a) => a.name === 'ci-items-client')
  const resource = asg.apiResources.filter((r) => r.identifier === 'urn:choreo:acme:items-api:v1.0')
  const dev = cho.applications.filter((a) => a.name === 'ci-items-client')
  const api = cho.apis.find((a) => a.id === emu.state.seed.apiId)!
  const clientId = app[0]?.oidc.clientId
  return {
    'Asgardeo applications': app.length,
    'Asgardeo API resources': resource.length,
    'Asgardeo resource scopes': (resource[0]?.scopes ?? []).map((s) => s.name).sort(),
    'authorizations of the API resource': app[0]?.authorizedApis.filter((a) => a.id === resource[0]?.id).length ?? 0,
    'authorized scopes': (app[0]?.authorizedApis.find((a) => a.id === resource[0]?.id)?.scopes ?? []).slice().sort(),
    'Choreo API scopes': api.scopes.map((s) => s.name).sort(),
    'Developer Portal applications': dev.length,
    'key mappings of the client ID': cho.keyMappings.filter((k) => k.consumerKey === clientId).length,
    subscriptions: cho.subscriptions.filter((s) => s.applicationId === dev[0]?.applicationId && s.apiId === api.id).length
  }
}

const CONVERGED = {
  'Asgardeo applications': 1,
  'Asgardeo API resources': 1,
  'Asgardeo resource scopes': [READ, WRITE],
  'authorizations of the API resource': 1,
  'authorized scopes': [READ, WRITE],
  'Choreo API scopes': [READ, WRITE],
  'Developer Portal applications': 1,
  'key mappings of the client ID': 1,
  subscriptions: 1
}

const errors = (run: ActionRun): string =>
  run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error::'))
    .join('\n')

describe.each([2, 3])('%i runs started together', (n) => {
  test(`all succeed with no duplicate, ${TRIALS} trials from a fresh organization`, async () => {
    const passed: number[] = []
    const conflicts: Record<string, number> = {}
    for (let trial = 1; trial <= TRIALS; trial++) {
      emu.reset()
      const runs = await Promise.all(Array.from({ length: n }, () => runDist(emulatorInputs(emu), { debug: false })))
      expect(runs.map(errors)).toEqual(runs.map(() => ''))
      expect(runs.map((r) => r.exitCode)).toEqual(runs.map(() => 0))
      expect(census()).toEqual(CONVERGED)
      // Each run's token carries both scopes and passes the gateway: no run revoked what another holds.
      for (const run of runs) {
        expect(run.outputs['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
        expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200)
      }
      expect(emu.log.since(0).filter((e) => /\/oauth2\/revoke$/.test(e.path))).toEqual([])
      for (const e of emu.log.since(0).filter((x) => x.status === 409 || x.status === 412)) {
        const key = `${e.status} ${e.method} ${e.path.split('?')[0].replace(/[0-9a-f-]{36}/g, '{id}')}`
        conflicts[key] = (conflicts[key] ?? 0) + 1
      }
      passed.push(trial)
    }
    expect(passed).toHaveLength(TRIALS)
    // The runs did race: the servers answered conflicts, and every run recovered from them.
    expect(Object.keys(conflicts).length).toBeGreaterThan(0)
    console.log(`${n} concurrent runs: ${passed.length}/${TRIALS} trials passed; conflicts answered: ${JSON.stringify(conflicts)}`)
  }, 300_000)
})

test("3 password-grant runs started together: one application role, the user assigned once, every token the user's", async () => {
  for (let trial = 1; trial <= 5; trial++) {
    emu.reset()
    const s = emu.state.seed
    const inputs = emulatorInputs(emu, { 'grant-type': 'password', username: s.userName, password: s.userPassword })
    const runs = await Promise.all(Array.from({ length: 3 }, () => runDist(inputs, { debug: false })))
    expect(runs.map(errors)).toEqual(['', '', ''])
    const roles = emu.state.asgardeo.orgs.acme.roles.filter((r) => r.displayName === 'ci-items-client-api-access')
    expect(roles).toHaveLength(1)
    expect(census()).toEqual(CONVERGED)
    for (const run of runs) expect(run.outputs['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
  }
}, 300_000)
