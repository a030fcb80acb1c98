import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runSource, writesSince } from '../../scripts/local-runner.js'
import { choreo, gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

/** The deployment is followed until the gateways report it live, and a deployed revision that cannot be read back is no failure. */
const emu = useEmulator()

const apiId = () => emu.state.seed.apiId
const row = (json: string, resource: string) =>
  (JSON.parse(json) as { resource: string; action: string; details: string[]; id?: string }[]).find((c) => c.resource === resource)!

describe('a slow propagation', () => {
  test('is waited for: the run ends once every environment reports the revision live, and the token works at once', async () => {
    emu.reset({ deployPropagationMs: 2500 })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    const deployment = row(run.outputs.plan, 'Choreo API deployment')
    expect(deployment.action).toBe('update')
    const waited = Number(/live on the gateway after ([\d.]+) s/.exec(deployment.details.join(' '))?.[1])
    expect(waited).toBeGreaterThanOrEqual(2)
    expect(run.stdout).toMatch(/The deployment is live on [A-Za-z, ]+ after [\d.]+ s\./)
    // Right after the step: the gateway already serves the new revision.
    expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200)
    expect(await gateway(emu, 'GET', '/items', 'not-a-token')).toBe(401)
  })

  test('longer than deploy-wait-seconds fails naming it; the re-run waits without deploying again', async () => {
    emu.reset({ deployPropagationMs: 4000 })
    const first = await runSource(emulatorInputs(emu, { 'deploy-wait-seconds': '1' }))
    expect(first.exitCode).toBe(1)
    expect(first.stdout).toMatch(
      /::error::The API is deployed, but .* did not report the revision live within 1 s \("deploy-wait-seconds"\)/
    )
    const since = emu.log.lastSeq
    const again = await runSource(emulatorInputs(emu))
    expect(again.exitCode).toBe(0)
    expect(row(again.outputs.plan, 'Choreo API deployment')).toMatchObject({ action: 'no change' })
    expect(row(again.outputs.plan, 'Choreo API deployment').details.join(' ')).toMatch(/live on the gateway after [\d.]+ s/)
    expect((await writesSince(emu, since)).filter((w) => /revisions|deploy-revision/.test(w))).toEqual([])
  })

  test('deploy-wait-seconds: 0 does not wait', async () => {
    emu.reset({ deployPropagationMs: 60_000 })
    const run = await runSource(emulatorInputs(emu, { 'deploy-wait-seconds': '0' }))
    expect(run.exitCode).toBe(0)
    expect(emu.log.since(0).some((e) => /\/deployments\?/.test(e.path))).toBe(false)
  })
})

describe('a deployed revision that cannot be read back', () => {
  test('a 404 on GET /apis/{revisionId} still converges: no redeploy, check passes', async () => {
    const first = await runSource(emulatorInputs(emu))
    expect(first.exitCode).toBe(0)
    const revisionId = row(first.outputs.plan, 'Choreo API deployment').id!
    // Every read of that revision now fails, as on a server that does not serve revisions as APIs.
    emu.faults.add({ kind: 'status', status: 404, method: 'GET', path: `/api/am/publisher/v2/apis/${revisionId}`, times: 100 })
    const since = emu.log.lastSeq
    const again = await runSource(emulatorInputs(emu))
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(emu.log.since(since).some((e) => e.path.startsWith(`/api/am/publisher/v2/apis/${revisionId}`) && e.status === 404)).toBe(true)
    const check = await runSource(emulatorInputs(emu, { mode: 'check' }))
    expect(check.exitCode).toBe(0)
  })

  test('a revision deployed by hand that cannot be read (content unknown, no recorded hash) is replaced once; then the run converges without the read', async () => {
    const first = await runSource(emulatorInputs(emu))
    expect(first.exitCode).toBe(0)
    const revisionId = row(first.outputs.plan, 'Choreo API deployment').id!
    emu.faults.add({ kind: 'status', status: 500, method: 'GET', path: `/api/am/publisher/v2/apis/${revisionId}`, times: 100 })
    // Someone deploys a revision by hand whose content differs (no binding on POST /items), and it cannot be read.
    const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    const post = api.operations.find((o: any) => o.verb === 'POST' && o.target === '/items')
    const bound = post.scopes
    post.scopes = []
    expect((await choreo(emu, 'PUT', `/publisher/v2/apis/${apiId()}`, api)).status).toBe(200)
    const manual = (await choreo(emu, 'POST', `/publisher/v2/apis/${apiId()}/revisions`, { description: 'by hand' })).body.id
    post.scopes = bound
    expect((await choreo(emu, 'PUT', `/publisher/v2/apis/${apiId()}`, api)).status).toBe(200)
    for (const env of ['Production', 'Development'])
      expect(
        (
          await choreo(emu, 'POST', `/publisher/v2/apis/${apiId()}/deploy-revision?revisionId=${manual}`, [
            { name: env, displayOnDevportal: true }
          ])
        ).status
      ).toBe(200)
    emu.faults.add({ kind: 'status', status: 404, method: 'GET', path: `/api/am/publisher/v2/apis/${manual}`, times: 100 })
    const run = await runSource(emulatorInputs(emu))
    expect(run.exitCode).toBe(0)
    expect(row(run.outputs.plan, 'Choreo API deployment').action).toBe('update')
    expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200)
    const token = (await runSource(emulatorInputs(emu, { 'token-scopes': 'read' }))).outputs['access-token']
    expect(await gateway(emu, 'POST', '/items', token)).toBe(403)
    // …and once redeployed with a recorded content hash, the next run is converged even without the read.
    const since = emu.log.lastSeq
    const again = await runSource(emulatorInputs(emu))
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
  })
})
