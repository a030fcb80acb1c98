import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runDist, runSource, writesSince, type ActionRun } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'
import { Choreo } from '../../src/choreo/client.js'
import { Http } from '../../src/http.js'
import { lookupSmokeGateway } from '../../src/smoke/tasks.js'

/** `smoke-test` end to end: the action's own calls through the emulated gateway, after the token. */

const emu = useEmulator()

interface Result {
  line: number
  call: string
  url: string
  expected: string
  status: number
  ok: boolean
  attempts: number
  ms: number
  excerpt?: string
}

const results = (run: ActionRun): Result[] => JSON.parse(run.outputs['smoke-results']) as Result[]
const errorLine = (stdout: string): string => stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''
const gatewayCalls = (since: number) => emu.log.since(since).filter((e) => e.path.startsWith('/gateway/'))
const propagation = (seconds: number) => {
  emu.state.choreo.orgs[emu.state.seed.choreoOrgUuid].gatewayPropagationSeconds = seconds
}
const SCOPED = 'GET /items -> 200\nPOST /items -> 403\nGET /items -> 401 anonymous'

/** The token appears nowhere the action printed, summarised or stored, except in its own ::add-mask:: command. */
function expectNoToken(run: ActionRun): void {
  const token = run.outputs['access-token']
  expect(token).toBeTruthy()
  const elsewhere = run.everything.split('\n').filter((l) => l.includes(token) && l !== `::add-mask::${token}`)
  expect(elsewhere).toEqual([])
}

describe('smoke-test against the gateway Choreo lists for the API', () => {
  test('a granted scope gets 200, an ungranted one 403, an anonymous call 401: the step passes', async () => {
    const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': SCOPED, 'smoke-wait-seconds': '10' }))
    expect(errorLine(run.stdout)).toBe('')
    expect(run.exitCode).toBe(0)
    const url = `${emu.url}/gateway/Production${emu.state.seed.apiContext}/${emu.state.seed.apiVersion}`
    expect(results(run).map((r) => [r.call, r.url, r.expected, r.status, r.ok])).toEqual([
      ['GET /items', `${url}/items`, '200', 200, true],
      ['POST /items', `${url}/items`, '403', 403, true],
      ['GET /items (anonymous)', `${url}/items`, '401', 401, true]
    ])
    expect(results(run).every((r) => r.attempts >= 1 && r.ms >= 0 && r.excerpt === undefined)).toBe(true)
    expect(run.stdout).toContain('Smoke test: all 3 calls got what they expected.')
    expect(run.summary).toContain('<h3>Smoke test</h3>')
    expect(run.summary).toMatch(
      /<td>ok<\/td><td><code>GET &#47;items<\/code><\/td><td>200<\/td><td>200<\/td>|<td>ok<\/td><td><code>GET \/items<\/code><\/td><td>200<\/td><td>200<\/td>/
    )
    expect(run.summary.split('<td>').length).toBe(run.summary.split('</td>').length)
    expectNoToken(run)
  })

  test('the gateway really saw the token on scoped calls and none on the anonymous one', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': SCOPED, 'smoke-wait-seconds': '10' }))
    expect(run.exitCode).toBe(0)
    expect(gatewayCalls(since).map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', 'POST 403', 'GET 401'])
  })

  test('a wrong expectation fails the step with the table, the status it got and a body excerpt', async () => {
    const run = await runSource(
      emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': 'GET /items -> 200\nPOST /items -> 2xx', 'smoke-wait-seconds': '2' })
    )
    expect(run.exitCode).toBe(1)
    const error = errorLine(run.stdout)
    expect(error).toContain(
      'Smoke test: 1 of 2 calls did not get the expected status within smoke-wait-seconds (2 s): line 2 POST /items: expected 2xx, got 403 after'
    )
    // The table comes with the failure, printed just before it.
    expect(run.stdout).toMatch(/\nok\s+GET \/items\s+200\s+200\s+[\d.]+ s\s+1\nFAIL\s+POST \/items\s+2xx\s+403\s+[\d.]+ s\s+\d+/)
    expect(run.stdout).toContain(
      'answered: {"code":"900910","message":"The access token does not allow you to access the requested resource"'
    )
    const [, post] = results(run)
    expect(post).toMatchObject({ ok: false, status: 403, expected: '2xx' })
    expect(post.attempts).toBeGreaterThan(1) // retried within the wait: propagation could have been the cause
    expect(run.summary).toContain('<strong>failed</strong>')
    expect(run.summary).toContain('900910')
    expectNoToken(run)
  })

  test('a gateway that answers 404 for its first calls is waited for with backoff; the time it took is reported', async () => {
    // The gateway's "not available yet" for the next three calls, then the real answers.
    const notYet = { code: '404', message: 'Not Found', description: 'The requested resource is not available.' }
    emu.faults.add({ kind: 'status', status: 404, path: '/gateway/**', times: 3, body: notYet })
    const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': SCOPED, 'smoke-wait-seconds': '30' }))
    expect(errorLine(run.stdout)).toBe('')
    expect(run.exitCode).toBe(0)
    const [first, second, third] = results(run)
    expect(first).toMatchObject({ ok: true, status: 200, attempts: 4 })
    expect(first.ms).toBeGreaterThanOrEqual(3400) // 0.5 + 1 + 2 s of backoff (timers may round down a little)
    expect(second).toMatchObject({ ok: true, status: 403, attempts: 1 }) // once the gateway serves, the next calls pass at once
    expect(third).toMatchObject({ ok: true, status: 401, attempts: 1 })
    expect(run.stdout).toMatch(/ok\s+GET \/items\s+200\s+200\s+\d+\.\d s\s+4/)
  })

  test('a fresh deployment the gateway serves only after its propagation delay is waited for', async () => {
    propagation(600) // on the emulated clock: 404 for ten minutes after this run's deploy…
    const since = emu.log.lastSeq
    let done = false
    const propagate = (async () => {
      // …until the smoke test has been turned away at least once; then ten minutes pass at once.
      while (!done && !gatewayCalls(since).some((e) => e.status === 404)) await new Promise((r) => setTimeout(r, 20))
      emu.clockOffsetMs += 601_000
    })()
    const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': SCOPED, 'smoke-wait-seconds': '30' }))
    done = true
    await propagate
    expect(errorLine(run.stdout)).toBe('')
    expect(run.exitCode).toBe(0)
    const [first] = results(run)
    expect(first).toMatchObject({ ok: true, status: 200 })
    expect(first.attempts).toBeGreaterThan(1)
    expect(gatewayCalls(since).map((e) => e.status)).toEqual([...Array<number>(first.attempts - 1).fill(404), 200, 403, 401])
  })

  test('a wait that runs out fails clearly, with what the gateway answered', async () => {
    propagation(600)
    const run = await runSource(
      emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': 'GET /items -> 200', 'smoke-wait-seconds': '2' })
    )
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(
      'Smoke test: 1 of 1 calls did not get the expected status within smoke-wait-seconds (2 s): line 1 GET /items: expected 200, got 404 after'
    )
    expect(run.stdout).toContain('The requested resource is not available.') // the body excerpt, in the table before the failure
    const [only] = results(run)
    expect(only.ms).toBeGreaterThanOrEqual(1900) // it kept trying until the wait ran out
    expect(only.attempts).toBeGreaterThan(1)
    expect(run.outputs['access-token']).toBeTruthy() // the reconciliation itself succeeded
  })

  test('an API this run publishes: the gateway URL is read again once the Developer Portal lists it', async () => {
    const api = emu.state.choreo.orgs[emu.state.seed.choreoOrgUuid].apis.find((a) => a.id === emu.state.seed.apiId)!
    api.lifeCycleStatus = 'CREATED' // not in the Developer Portal yet: no endpointURLs in the read phase
    const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': SCOPED, 'smoke-wait-seconds': '10' }))
    expect(errorLine(run.stdout)).toBe('')
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.plan).find((c: { resource: string }) => c.resource === 'Choreo API lifecycle').action).toBe('update')
    expect(results(run).map((r) => r.status)).toEqual([200, 403, 401])
  })

  test('when the Developer Portal still lists no URL after the deploy and publish, the run says so and calls nothing', async () => {
    const api = emu.state.choreo.orgs[emu.state.seed.choreoOrgUuid].apis.find((a) => a.id === emu.state.seed.apiId)!
    api.lifeCycleStatus = 'CREATED'
    // Both reads of the API in the Developer Portal (before and after the writes) come back empty.
    emu.faults.add({ kind: 'status', status: 404, method: 'GET', path: `/api/am/devportal/v2/apis/${api.id}`, times: 2 })
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { 'smoke-test': SCOPED, 'smoke-wait-seconds': '10' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(
      'The Developer Portal lists no HTTPS gateway URL for "Production" after the deploy, so "smoke-test" has nothing to call.'
    )
    expect(gatewayCalls(since)).toEqual([])
  })

  test('lookupSmokeGateway reads the URL without a reconciliation (for runs that deploy nothing)', async () => {
    const http = new Http({ deadline: Date.now() + 10_000 })
    const s = emu.state.seed
    const choreo = new Choreo(http, emu.url, emu.url, s.choreoPat, s.choreoOrgUuid)
    expect(await lookupSmokeGateway(choreo, s.apiId, undefined)).toEqual({
      environment: 'Production',
      url: `${emu.url}/gateway/Production${s.apiContext}/${s.apiVersion}`
    })
    await expect(lookupSmokeGateway(choreo, s.apiId, 'Development')).rejects.toThrow(
      'Input "smoke-environment": the API is not deployed to "Development"'
    )
    http.dispose()
  })

  test('an absolute URL target is called as given', async () => {
    const url = `${emu.url}/gateway/Production${emu.state.seed.apiContext}/${emu.state.seed.apiVersion}/items/7`
    const run = await runSource(emulatorInputs(emu, { 'smoke-test': `DELETE ${url} -> 200`, 'smoke-wait-seconds': '10' }))
    expect(run.exitCode).toBe(0)
    expect(results(run)[0]).toMatchObject({ url, status: 200, ok: true })
  })

  test('headers and a JSON body are sent', async () => {
    const run = await runSource(
      emulatorInputs(emu, {
        'smoke-test': 'POST /items -> 200\n  X-Request-Id: smoke-1\n  {"name": "widget"}\nGET /items/1 -> 2xx',
        'smoke-wait-seconds': '10'
      })
    )
    expect(run.exitCode).toBe(0)
    expect(results(run).map((r) => r.status)).toEqual([200, 200])
  })
})

describe('modes and refusals', () => {
  test('plan and check skip the calls and say so, with the URL they would use', async () => {
    for (const mode of ['plan', 'check']) {
      const since = emu.log.lastSeq
      const run = await runSource(emulatorInputs(emu, { mode, 'smoke-test': SCOPED }))
      expect(run.stdout).toContain(
        `Smoke test skipped in ${mode} mode: 3 calls would run against ${emu.url}/gateway/Production${emu.state.seed.apiContext}/${emu.state.seed.apiVersion}.`
      )
      expect(run.summary).toContain(`Smoke test skipped in ${mode} mode`)
      expect(run.outputs['smoke-results']).toBeUndefined()
      expect(gatewayCalls(since)).toEqual([])
      expect(await writesSince(emu, since)).toEqual([])
    }
  })

  test('bad lines are refused before any network call, naming the line and the fix', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { 'smoke-test': 'GET /items -> 200\nFETCH /items\nGET items -> 200' }))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('smoke-test, line 2 (\\"FETCH /items\\"): \\"FETCH\\" is not an HTTP method'.replace(/\\"/g, '"'))
    expect(run.stdout).toContain('smoke-test, line 3 ("GET items -> 200"): the target "items" is neither a path')
    expect(emu.log.since(since)).toEqual([])
  })

  test('an unknown smoke-environment fails before any write, naming the input and the fix', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { 'smoke-test': SCOPED, 'smoke-environment': 'Staging' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(
      'Input "smoke-environment": "Staging" is not a gateway environment of this organization; use one of Development, Production.'
    )
    expect(await writesSince(emu, since)).toEqual([])
    expect(gatewayCalls(since)).toEqual([])
    // The writes it held fail with that same error: reported once, not once per write.
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1)
  })

  test('an environment hidden from the Developer Portal is refuted before any write (it lists no URL for it)', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(emulatorInputs(emu, { 'smoke-test': SCOPED, 'smoke-environment': 'Development' }))
    expect(run.exitCode).toBe(1)
    expect(errorLine(run.stdout)).toContain(
      'Input "smoke-environment": the deployment to "Development" is hidden from the Developer Portal'
    )
    expect(await writesSince(emu, since)).toEqual([])
  })
})

test('the committed bundle runs the smoke test too', async () => {
  const run = await runDist(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': SCOPED, 'smoke-wait-seconds': '10' }))
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  expect(results(run).map((r) => `${r.call} ${r.status} ${r.ok}`)).toEqual([
    'GET /items 200 true',
    'POST /items 403 true',
    'GET /items (anonymous) 401 true'
  ])
  expectNoToken(run)
})
