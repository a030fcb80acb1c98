/**
 * `npm run bench:action`: what one run of the action costs against the emulator with injected latency
 * on every call (default 50 ms, `--latency N`). Counts requests and writes from the emulator's log,
 * measures wall time, and compares it with the same calls made one at a time (requests × latency):
 * the ratio shows what running the plan as a dependency graph buys. Runs the built dist/.
 */
import { parseArgs } from 'node:util'
import { startEmulator } from '../emulator/index.js'
import { emulatorInputs, runDist } from './local-runner.js'

const { values } = parseArgs({ options: { latency: { type: 'string', default: '50' } } })
const latencyMs = Number(values.latency)
const emu = await startEmulator()
// Create the emulator's signing keys now, so key generation is not billed to the first run.
await fetch(`${emu.url}/t/${emu.state.seed.asgardeoOrg}/oauth2/jwks`)
emu.faults.add({ kind: 'latency', path: '/**', latencyMs })

const rows: string[][] = [['run', 'requests', 'writes', 'process ms', 'action ms', 'one-at-a-time ms', 'speed-up', 'critical path (tasks)']]
let ok = true
for (const name of ['first run', 'no-op run', 'password grant, first run']) {
  const inputs = emulatorInputs(
    emu,
    name.startsWith('password')
      ? {
          'grant-type': 'password',
          username: emu.state.seed.userName,
          password: emu.state.seed.userPassword,
          application: 'bench-user-client'
        }
      : {}
  )
  const since = emu.log.lastSeq
  const started = performance.now()
  const run = await runDist(inputs, { debug: false })
  const wall = performance.now() - started
  const entries = emu.log.since(since)
  const writes = entries.filter((e) => e.method !== 'GET' && !/\/oauth2\/token$/.test(e.path.split('?')[0])).length
  const path = /critical path: (.+)\./.exec(run.stdout)?.[1] ?? '?'
  const actionMs = Number(/ in (\d+) ms; critical path/.exec(run.stdout)?.[1] ?? NaN)
  const sequential = entries.length * latencyMs
  ok &&= run.exitCode === 0
  rows.push([
    name,
    String(entries.length),
    String(writes),
    wall.toFixed(0),
    String(actionMs),
    String(sequential),
    `${(sequential / actionMs).toFixed(2)}×`,
    `${path.split(' → ').length}: ${path}`
  ])
}
await emu.stop()

console.log(`Action against the emulator, ${latencyMs} ms injected on every call (node ${process.version}, dist/ bundle)\n`)
const last = rows[0].length - 1
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (i === last ? 0 : r[i].length))))
for (const r of rows) console.log(r.map((c, i) => (i === last ? c : c.padEnd(widths[i]))).join('  '))
console.log('\nprocess = the whole node process (start-up included); action = the task graph, as the action logs it;')
console.log('one-at-a-time = requests × latency, the floor for the same calls made in sequence; speed-up = that / action.')
process.exit(ok ? 0 : 1)
