import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runDist, runSource, type ActionRun } from '../../scripts/local-runner.js'
import { asgardeo } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'
import { leaks } from '../support/leaks.js'

/**
 * Hostile and failing servers, end to end: the action runs against the emulator with its fault injection
 * (emulator/core/faults.ts) and everything the run wrote is scanned.
 */
// Hostile answers (echoed secrets, injected commands and markup) are outside the specs on purpose.
const emu = useEmulator({}, { contract: false })

const hits = (method: string, path: RegExp) => emu.log.since(0).filter((e) => e.method === method && path.test(e.path))

/** A password with every character that URL, form and base64 encodings treat specially. */
const PASSWORD = 'p@ss w+rd/&=%x?!'

/** Server text that would start workflow commands and render markup if printed raw. */
const INJECTED =
  '\n::add-mask::INJECTED\n::set-output name=access-token::forged\n::warning::pwned\n::stop-commands::halt\n##[error]legacy\n' +
  '| cell | [click](https://evil.example/x) ![img](https://evil.example/i.png) <img src=x onerror=alert(1)> **bold** _em_ `code` @octocat $x$'

/** Lines that the runner would take for commands the action never meant to issue. */
function injectedCommands(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter(
      (l) =>
        /^::(add-mask::INJECTED|set-output|warning::pwned|stop-commands)/.test(l.trimStart()) ||
        l.includes('##[') ||
        l.startsWith('::halt::')
    )
}

/** Markup from server data that the job summary would render. */
function summaryMarkup(run: ActionRun): string[] {
  return ['<img', '<a ', '](', '**bold**', '| cell |', '`code`', '_em_', '$x$', '@octocat'].filter((m) => run.summary.includes(m))
}

describe('an echoed secret is scrubbed in every encoding (debug on)', () => {
  test('the leak scan itself finds a secret in each encoding', () => {
    const secret = 'emu_mgmt_client_secret'
    const encoded = [
      secret,
      encodeURIComponent(`a b/${secret}`),
      Buffer.from(`client:${secret}`).toString('base64'),
      Buffer.from(`{"k":"${secret}"}`).toString('base64url'),
      new URLSearchParams({ p: `${secret} x` }).toString()
    ]
    for (const text of encoded) {
      const run = {
        exitCode: 0,
        stdout: `x ${text} y`,
        stderr: '',
        outputs: {},
        summary: '',
        everything: `x ${text} y`,
        warnings: [],
        env: {},
        state: {}
      }
      expect(leaks(run, { secret })).toHaveLength(1)
    }
  })

  test('a successful run with every secret in play (password grant, debug on) prints none of them in any encoding', async () => {
    emu.reset({ userPassword: PASSWORD })
    const s = emu.state.seed
    const run = await runSource(emulatorInputs(emu, { 'grant-type': 'password', username: s.userName, password: PASSWORD }), {
      debug: true
    })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('::debug::')
    const oidc = (
      await asgardeo(emu, 'GET', `/api/server/v1/applications/${run.outputs['asgardeo-application-id']}/inbound-protocols/oidc`)
    ).body
    const found = leaks(run, {
      'access token': run.outputs['access-token'],
      'application client secret': oidc.clientSecret,
      password: PASSWORD,
      'asgardeo-client-secret': s.mgmtClientSecret,
      'choreo-token': s.choreoPat
    })
    expect(found).toEqual([])
  })

  test('the management credentials echoed by the token endpoint', async () => {
    const s = emu.state.seed
    emu.faults.add({ kind: 'echo', method: 'POST', path: '/t/acme/oauth2/token' })
    const run = await runSource(emulatorInputs(emu), { debug: true })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::debug::')
    expect(run.stdout).toContain('Rejected credentials') // the echo reached the log
    expect(leaks(run, { 'asgardeo-client-secret': s.mgmtClientSecret, 'choreo-token': s.choreoPat })).toEqual([])
  })

  test("the application's client secret and the user's password echoed at the API token request", async () => {
    emu.reset({ userPassword: PASSWORD })
    const s = emu.state.seed
    emu.faults.add({ kind: 'echo', method: 'POST', path: '/t/acme/oauth2/token', skip: 1 }) // the management token goes through
    const run = await runSource(emulatorInputs(emu, { 'grant-type': 'password', username: s.userName, password: PASSWORD }), {
      debug: true
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Rejected credentials')
    const apps = emu.state.asgardeo.orgs.acme.applications.filter((a) => a.name === 'ci-items-client')
    expect(apps).toHaveLength(1)
    const oidc = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${apps[0].id}/inbound-protocols/oidc`)).body
    expect(oidc.clientSecret).toBeTruthy()
    const found = leaks(run, {
      'application client secret': oidc.clientSecret,
      password: PASSWORD,
      'asgardeo-client-secret': s.mgmtClientSecret,
      'choreo-token': s.choreoPat
    })
    expect(found).toEqual([])
    expect(run.summary).toContain('Rejected credentials') // the summary was written and scanned too
  })

  test('the Choreo personal access token echoed by a Developer Portal read', async () => {
    emu.faults.add({ kind: 'echo', method: 'GET', path: '/api/am/devportal/v2/key-managers' })
    const run = await runSource(emulatorInputs(emu), { debug: true })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Rejected credentials')
    expect(leaks(run, { 'choreo-token': emu.state.seed.choreoPat })).toEqual([])
  })

  test('the management access token echoed by an Asgardeo management read', async () => {
    const fault = emu.faults.add({ kind: 'echo', method: 'GET', path: '/t/acme/api/server/v1/applications' })
    const run = await runSource(emulatorInputs(emu), { debug: true })
    expect(run.exitCode).toBe(1)
    const token = fault.echoed?.[0]?.replace(/^Bearer /, '')
    expect(token && token.length > 20).toBe(true)
    expect(run.stdout).toContain(`::add-mask::${token}`)
    expect(leaks(run, { 'management token': token! })).toEqual([])
  })
})

describe('injected workflow commands and markdown are neutralised', () => {
  test('in names the run prints: log lines and summary rows', async () => {
    const fault = emu.faults.add({
      kind: 'inject',
      method: 'GET',
      path: '/api/am/publisher/v2/apis/*',
      append: { name: INJECTED },
      times: 100
    })
    const run = await runSource(emulatorInputs(emu))
    expect(fault.hits).toBeGreaterThan(0)
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('INJECTED') // the server's text was printed…
    expect(run.summary).toContain('INJECTED')
    expect(injectedCommands(run)).toEqual([]) // …but started no command
    expect(summaryMarkup(run)).toEqual([]) // …and rendered no markup
    expect(run.outputs['access-token']).toBeTruthy()
  })

  test('in a status the action quotes in its own error (lifecycle state, version)', async () => {
    emu.faults.add({
      kind: 'inject',
      method: 'GET',
      path: '/api/am/publisher/v2/apis/*',
      append: { lifeCycleStatus: INJECTED, version: INJECTED },
      times: 100
    })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::The API "Items API" is PUBLISHED\\n::add-mask::INJECTED/)
    expect(run.summary).toContain('INJECTED')
    expect(injectedCommands(run)).toEqual([])
    expect(summaryMarkup(run)).toEqual([])
  })

  test("in a server's error message", async () => {
    emu.faults.add({
      kind: 'status',
      status: 400,
      method: 'GET',
      path: '/api/am/devportal/v2/key-managers',
      body: { code: '900967', message: 'General Error', description: INJECTED }
    })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('INJECTED')
    expect(run.summary).toContain('INJECTED')
    expect(injectedCommands(run)).toEqual([])
    expect(summaryMarkup(run)).toEqual([])
  })

  test('a token_type holding a command, and an expires_in out of range, are refused before any output', async () => {
    emu.faults.add({ kind: 'inject', method: 'POST', path: '/t/acme/oauth2/token', skip: 1, set: { token_type: `Bearer${INJECTED}` } })
    const bad = await runSource(emulatorInputs(emu))
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toMatch(/::error::.*answered with token_type "Bearer\\n::add-mask::INJECTED/)
    expect(injectedCommands(bad)).toEqual([])
    expect(bad.outputs['access-token']).toBeUndefined()
    expect(bad.outputs['token-type']).toBeUndefined()

    emu.faults.add({ kind: 'inject', method: 'POST', path: '/t/acme/oauth2/token', skip: 1, set: { expires_in: 1e15 } })
    const late = await runSource(emulatorInputs(emu))
    expect(late.exitCode).toBe(1)
    expect(late.stdout).toMatch(/::error::.*answered with expires_in 1000000000000000, not a whole number of seconds/)
    expect(late.outputs['expires-at']).toBeUndefined()
  })
})

describe('a cut-off or bad body is an error, retried for reads', () => {
  test('a read cut off mid-body on every attempt fails the run, with no outputs', async () => {
    const apiId = emu.state.seed.apiId
    emu.faults.add({ kind: 'truncate', method: 'GET', path: `/api/am/publisher/v2/apis/${apiId}`, times: 10 })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error::Choreo sent a bad response to GET .*\/apis\/[^:]+: the connection closed after \d+ bytes of the body/
    )
    expect(hits('GET', new RegExp(`^/api/am/publisher/v2/apis/${apiId}\\?`)).length).toBe(4) // retried, then given up
    expect(run.outputs['access-token']).toBeUndefined()
  })

  test('check mode on drift with cut-off reads fails (the bundle, as the runner runs it)', async () => {
    emu.faults.add({ kind: 'truncate', method: 'GET', path: '/api/am/publisher/v2/apis/*', times: 10 })
    const run = await runDist(emulatorInputs(emu, { mode: 'check' }))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::Choreo sent a bad response/)
  })

  test('a read cut off once, or once not the JSON it declares, is retried and the run converges', async () => {
    emu.faults.add({ kind: 'truncate', method: 'GET', path: '/api/am/publisher/v2/apis/*' })
    emu.faults.add({ kind: 'corrupt', method: 'GET', path: '/api/am/devportal/v2/key-managers' })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(emu.faults.list().map((f) => f.hits)).toEqual([1, 1])
    expect(run.outputs['access-token']).toBeTruthy()
  })

  test('a body that is never valid JSON fails the read, naming it', async () => {
    emu.faults.add({ kind: 'corrupt', method: 'GET', path: '/api/am/devportal/v2/key-managers', times: 10 })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error::Choreo sent a bad response to GET .*key-managers.*declared application\/json but is not valid JSON/
    )
  })

  test('a create whose answer is cut off after it was applied is looked up and adopted, not sent again', async () => {
    emu.faults.add({ kind: 'truncate', method: 'POST', path: '/t/acme/api/server/v1/api-resources' })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(hits('POST', /\/api-resources$/).length).toBe(1)
    const identifier = JSON.parse(run.outputs.plan).find((c: { resource: string }) => c.resource === 'Asgardeo API resource').name
    expect(emu.state.asgardeo.orgs.acme.apiResources.filter((r) => r.identifier === identifier)).toHaveLength(1)
    expect(run.outputs['api-resource-id']).toBeTruthy()
  })
})

describe('token requests and deploys are retried when the server says "not now"', () => {
  test.each([
    ['a 503', { kind: 'status', status: 503 }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a reset before the token was issued', { kind: 'reset-before' }],
    ['a reset after it was issued', { kind: 'reset-after' }],
    ['a cut-off body', { kind: 'truncate' }]
  ] as const)('%s at the token endpoint, for the management and for the API token', async (_name, fault) => {
    emu.faults.add({ ...fault, method: 'POST', path: '/t/acme/oauth2/token' })
    emu.faults.add({ ...fault, method: 'POST', path: '/t/acme/oauth2/token', skip: 1 })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(emu.faults.list().map((f) => f.hits)).toEqual([1, 1])
    expect(run.outputs['access-token']).toBeTruthy()
  })

  test('409 902005 on a deploy is retried with backoff', async () => {
    const conflict = {
      code: 902005,
      message: 'Revision deployment request conflicted with the current deployment state of the revision',
      description: 'Revision deployment request conflicted with the current deployment state of the revision. Please try again later'
    }
    emu.faults.add({
      kind: 'status',
      status: 409,
      method: 'POST',
      path: '/api/am/publisher/v2/apis/*/deploy-revision',
      times: 2,
      body: conflict
    })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(hits('POST', /\/deploy-revision/).map((e) => e.status)).toEqual([409, 409, 200])
  })

  test('another 409 on a deploy is not retried', async () => {
    emu.faults.add({
      kind: 'status',
      status: 409,
      method: 'POST',
      path: '/api/am/publisher/v2/apis/*/deploy-revision',
      body: { code: 409, message: 'Conflict' }
    })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(hits('POST', /\/deploy-revision/).map((e) => e.status)).toEqual([409])
  })
})

describe('bounds', () => {
  test('a listing that never ends is an error after the page bound, never "not found" (no duplicate is created)', async () => {
    const others = Array.from({ length: 100 }, (_, i) => ({ applicationId: `other-${i}`, name: `other-${i}` }))
    emu.faults.add({
      kind: 'status',
      status: 200,
      method: 'GET',
      path: '/api/am/devportal/v2/applications',
      times: 1000,
      body: { count: 100, list: others, pagination: { total: 1_000_000 } }
    })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::Choreo's listing of applications matching ci-items-client ran past 100 pages/)
    expect(hits('GET', /^\/api\/am\/devportal\/v2\/applications\?/).length).toBe(100)
    expect(hits('POST', /^\/api\/am\/devportal\/v2\/applications\?/)).toEqual([])
  })

  test('a token endpoint of 150k slashes fails with the right error, well inside timeout-seconds', async () => {
    const endpoint = `${emu.url}/t/acme/oauth2/token${'/'.repeat(150_000)}x`
    emu.faults.add({
      kind: 'status',
      status: 200,
      method: 'GET',
      path: '/api/am/devportal/v2/key-managers',
      body: { count: 1, list: [{ name: 'Asgardeo', displayName: 'Asgardeo', type: 'WSO2-IS', enabled: true, tokenEndpoint: endpoint }] }
    })
    const run = await runSource(emulatorInputs(emu, { 'timeout-seconds': '10' }))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::The key manager "Asgardeo" issues tokens at')
    expect(run.stdout).not.toContain('timeout-seconds') // no branch ran out of time behind a blocked event loop
    expect(Math.max(...run.stdout.split('\n').map((l) => l.length))).toBeLessThan(2000) // the 150k URL is cut when printed
  })
})
