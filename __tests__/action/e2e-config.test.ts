import { expect, test } from '@jest/globals'
import { emulatorInputs, runSource } from '../../scripts/local-runner.js'
import { ROOT, loadWorkflow } from '../support/workflows.js'
import { useEmulator } from '../support/emulator.js'
import { gateway } from '../support/services.js'

const emu = useEmulator()

// The e2e workflow's config job, as the runner would run it: its `with:` (the emulator's URL put in),
// its step `env:`, and the committed config file it names, read from the repository root.
test('the e2e config job: its step and file secure the API and results carry the scoped token', async () => {
  const job = loadWorkflow('e2e.yml').data.jobs.config
  const step = job.steps.find((s: { id?: string }) => s.id === 'many')
  const withInputs = Object.fromEntries(
    Object.entries<string>(step.with).map(([k, v]) => [k, String(v).replace('${{ env.EMULATOR }}', emu.url)])
  )
  // The connection inputs are the emulator's own (the workflow hard-codes the same seeded values).
  const expected = emulatorInputs(emu)
  for (const key of ['asgardeo-client-id', 'asgardeo-client-secret', 'choreo-token']) expect(withInputs[key]).toBe(expected[key])
  Object.assign(process.env, step.env)
  try {
    const run = await runSource(withInputs, { workspace: ROOT })
    expect(run.exitCode).toBe(0)
    expect(run.warnings).toEqual([])
    const items = (JSON.parse(run.outputs.results) as Record<string, Record<string, string>>).items
    // What the workflow's check step asserts.
    expect(items['granted-scopes']).toBe('urn:acme:itemsapi:read')
    expect(await gateway(emu, 'GET', '/items', items['access-token'])).toBe(200)
  } finally {
    for (const key of Object.keys(step.env)) delete process.env[key]
  }
})
