import { expect, test } from '@jest/globals'
import { emulatorInputs, runSource } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator({ seed: { deployPropagationMs: 200 } })

const hits = (method: string, path: RegExp, since: number) => emu.log.since(since).filter((e) => e.method === method && path.test(e.path))

test('429 with Retry-After on a lookup is waited out and retried', async () => {
  emu.faults.add({ kind: 'status', status: 429, retryAfter: 1, method: 'GET', path: '/t/acme/api/server/v1/applications', times: 2 })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  expect(
    hits('GET', /\/api\/server\/v1\/applications\?/, 0)
      .map((e) => e.status)
      .slice(0, 3)
  ).toEqual([429, 429, 200])
  // A request queued behind the 429's hold on the host may add a few paced ms (reads run concurrently).
  expect(run.stdout).toMatch(/\d+ requests \(\d+ writes, 2 retries(, \d+ ms paced under rate limits)?\)/)
})

test('503 on a create is looked up before it is resent: not there, so sent once more', async () => {
  emu.faults.add({ kind: 'status', status: 503, method: 'POST', path: '/api/am/devportal/v2/applications' })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  const calls = hits('POST', /^\/api\/am\/devportal\/v2\/applications\?/, 0).concat(
    hits('GET', /^\/api\/am\/devportal\/v2\/applications\?/, 0)
  )
  expect(calls.sort((a, b) => a.seq - b.seq).map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', 'POST 503', 'GET 200', 'POST 201'])
})

test('a 503 on a create the server applied: the lookup finds it, and it is not sent again', async () => {
  emu.faults.add({ kind: 'status-after', status: 503, method: 'POST', path: '/t/acme/api/server/v1/applications' })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  expect(hits('POST', /^\/t\/acme\/api\/server\/v1\/applications$/, 0).map((e) => e.status)).toEqual([503]) // not sent twice
  const apps = emu.state.asgardeo.orgs.acme.applications.filter((a) => a.name === 'ci-items-client')
  expect(apps).toHaveLength(1)
  expect(run.outputs['asgardeo-application-id']).toBe(apps[0].id)
})

test('a 500 on a create is looked up, not found, and sent once more: one run converges', async () => {
  emu.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/t/acme/api/server/v1/api-resources' })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  expect(hits('POST', /\/api-resources$/, 0).map((e) => e.status)).toEqual([500, 201])
  expect(
    emu.state.asgardeo.orgs.acme.apiResources.filter(
      (r) => r.identifier === JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Asgardeo API resource').name
    )
  ).toHaveLength(1)
  expect(run.outputs['access-token']).toBeTruthy()
})

test('a 500 on every attempt of a create fails the run with the service named; the re-run converges', async () => {
  emu.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/t/acme/api/server/v1/api-resources', times: 2 })
  const failed = await runSource(emulatorInputs(emu))
  expect(failed.exitCode).toBe(1)
  expect(failed.stdout).toMatch(/::error::Asgardeo answered 500 to POST .*\/api-resources/)
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  expect(run.outputs['access-token']).toBeTruthy()
})

test('a connection reset after the server applied a create: the run looks again and adopts what was made', async () => {
  emu.faults.add({ kind: 'reset-after', method: 'POST', path: '/t/acme/api/server/v1/applications' })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  expect(hits('POST', /^\/t\/acme\/api\/server\/v1\/applications$/, 0).map((e) => e.status)).toEqual([0]) // not sent twice
  const apps = emu.state.asgardeo.orgs.acme.applications.filter((a) => a.name === 'ci-items-client')
  expect(apps).toHaveLength(1)
  expect(run.outputs['asgardeo-application-id']).toBe(apps[0].id)
  expect(run.outputs['access-token']).toBeTruthy()
})

test('a connection reset after a create the run cannot find again fails, and the re-run converges', async () => {
  emu.faults.add({ kind: 'reset-after', method: 'POST', path: '/api/am/publisher/v2/apis/*/revisions' })
  const failed = await runSource(emulatorInputs(emu))
  expect(failed.exitCode).toBe(1)
  expect(failed.stdout).toMatch(/::error::Choreo could not be reached: POST .*\/revisions/)
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  expect(JSON.parse(run.outputs.plan).find((c: any) => c.resource === 'Choreo API deployment').action).toBe('update')
})

test('a connection reset before a read is retried (GET is idempotent)', async () => {
  emu.faults.add({ kind: 'reset-before', method: 'GET', path: '/api/am/devportal/v2/key-managers' })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
})

test('a hanging read times out and is retried within timeout-seconds', async () => {
  emu.faults.add({ kind: 'hang', method: 'GET', path: '/api/am/devportal/v2/key-managers' })
  const run = await runSource(emulatorInputs(emu, { 'timeout-seconds': '10' }))
  expect(run.exitCode).toBe(0)
  expect(hits('GET', /^\/api\/am\/devportal\/v2\/key-managers/, 0).map((e) => e.status)).toEqual([0, 200])
})

test('a key manager whose token endpoint is not on asgardeo-url is refused: the client secret would go there', async () => {
  const port = new URL(emu.url).port
  // Same emulator, other origin: the key manager reports 127.0.0.1, the input names localhost.
  const run = await runSource(emulatorInputs(emu, { 'asgardeo-url': `http://localhost:${port}` }))
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toContain(
    `::error::The key manager "Asgardeo" issues tokens at http://127.0.0.1:${port}/t/acme/oauth2/token, not at http://localhost:${port}/t/acme/oauth2/token`
  )
})
