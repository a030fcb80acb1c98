/**
 * `npm run demo`: the action end to end against the embedded emulator. Starts the emulator, runs the
 * built action (dist/) twice — the second run must report no changes — then calls the emulated gateway
 * with the token: 200 on an operation whose scope was requested, 403 on one whose scope was not.
 */
import { startEmulator } from '../emulator/index.js'
import { emulatorInputs, runDist, writesSince, type ActionRun } from './local-runner.js'

// Deploys take a moment to go live, as on Choreo (the gateway keeps the previous revision meanwhile).
const emu = await startEmulator({ seed: { deployPropagationMs: 300 } })
let failed = false
const fail = (message: string): void => {
  failed = true
  console.error(`DEMO FAILED: ${message}`)
}

try {
  const s = emu.state.seed
  console.log(`Emulator on ${emu.url}: Asgardeo org "${s.asgardeoOrg}", Choreo org "${s.choreoOrgHandle}", API "${s.apiName}".\n`)
  // Secure the API with two permissions; ask the token for "read" only, so "write" operations stay closed.
  const inputs = emulatorInputs(emu, { 'token-scopes': 'read' })
  console.log('Inputs:')
  for (const [k, v] of Object.entries(inputs))
    console.log(`  ${k}: ${['asgardeo-client-secret', 'choreo-token', 'password'].includes(k) ? '***' : v.replace(/\n/g, '\n    ')}`)

  const first = await step('First run: creates and binds everything', () => runDist(inputs, { debug: false }))
  if (first.exitCode !== 0) fail('the first run failed')
  if (first.outputs.changed !== 'true') fail('the first run reported no change')

  const since = emu.log.lastSeq
  const second = await step('Second run: same inputs', () => runDist(inputs, { debug: false }))
  const writes = await writesSince(emu, since)
  if (second.exitCode !== 0) fail('the second run failed')
  if (second.outputs.changed !== 'false' || !second.stdout.includes('No changes')) fail('the second run did not report "no changes"')
  if (writes.length > 0) fail(`the second run wrote: ${writes.join(', ')}`)
  console.log(`Second run: changed=${second.outputs.changed}, writes=${writes.length}.`)

  const token = second.outputs['access-token']
  await deploymentsLive(s.apiId)
  const base = `${emu.url}/gateway/Production${s.apiContext}/${s.apiVersion}`
  console.log('\nCalling the API through the emulated gateway with the token:')
  const read = await fetch(`${base}/items`, { headers: { authorization: `Bearer ${token}` } })
  console.log(`  GET  /items  → ${read.status} (needs "read", which the token carries)`)
  const write = await fetch(`${base}/items`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  console.log(`  POST /items  → ${write.status} (needs "write", which was not requested)`)
  if (read.status !== 200) fail(`GET /items answered ${read.status}, expected 200`)
  if (write.status !== 403) fail(`POST /items answered ${write.status}, expected 403`)

  console.log('\nOutputs of the second run:')
  for (const [k, v] of Object.entries(second.outputs)) {
    console.log(`  ${k}: ${k === 'access-token' ? '*** (masked)' : k === 'plan' ? `${JSON.parse(v).length} resources` : v}`)
  }
} catch (err) {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err))
} finally {
  await emu.stop()
}
console.log(failed ? '\nDemo failed.' : '\nDemo passed.')
process.exit(failed ? 1 : 0)

/** Polls (bounded, 15 s) until every deployment of the API has a successDeployedTime, as a real client must. */
async function deploymentsLive(apiId: string): Promise<void> {
  const url = `${emu.url}/api/am/publisher/v2/apis/${apiId}/deployments?organizationId=${emu.state.seed.choreoOrgUuid}`
  const deadline = Date.now() + 15_000
  for (;;) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${emu.state.seed.choreoPat}` } })
    const list = ((await res.json()) as { list?: { successDeployedTime?: string }[] }).list ?? []
    if (res.ok && list.every((d) => d.successDeployedTime)) return
    if (Date.now() > deadline) throw new Error('the deployments did not go live within 15 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function step(title: string, fn: () => Promise<ActionRun>): Promise<ActionRun> {
  console.log(`\n=== ${title}`)
  const run = await fn()
  for (const warning of run.warnings) console.log(`  | Warning: ${warning}`)
  // What the runner would show: the action's log, runner commands hidden.
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('::group::')) console.log(`  | ▸ ${line.slice(9)}`)
    else if (/^::(error|warning)/.test(line)) console.log(`  | ${line}`)
    else if (line && !line.startsWith('::')) console.log(`  |   ${line}`)
  }
  if (run.stderr.trim()) console.log(run.stderr)
  console.log(`  exit code ${run.exitCode}`)
  return run
}
