/**
 * `npm run bench`: the built dist/ against the emulator with a latency injected on every request, holding
 * the action to the targets of issue 11. Per scenario and sample it counts the requests of the main step
 * (reads, writes), the dependency depth actually executed (from the emulator's request log), the whole
 * process's wall time and the task graph's own ("in N ms"), the bound (depth × latency) and a sequential
 * baseline that is measured: the same scenario again with the emulator serving one request at a time.
 * Also the bundle's start-up against `node -e 0`, its size and what fills it, and each run's peak RSS.
 * Options: --latency ms (50), --samples N (5), --write (rewrite BENCHMARKS.md), --json file
 * (bench-results.json), --only substring (scenarios whose name contains it). See BENCHMARKS.md.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir, cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { bulkSeed, startEmulator, type Emulator, type EmulatorState, type LogEntry } from '../emulator/index.js'
import { createApi, snapshotRevision } from '../emulator/choreo/state.js'
import { loadActionMetadata } from './action-metadata.js'
import { bundleBreakdown, dependencyDepth, formatStats, markdownTable, stats, verdict, type Stats } from './bench-lib.js'
import { emulatorInputs, runDist, type Inputs } from './local-runner.js'

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '50' },
    samples: { type: 'string', default: '5' },
    write: { type: 'boolean', default: false },
    json: { type: 'string', default: 'bench-results.json' },
    only: { type: 'string' }
  }
})
const latencyMs = Number(values.latency)
const samples = Number(values.samples)
if (!(latencyMs >= 0) || !(Number.isInteger(samples) && samples >= 1)) {
  console.error('usage: npm run bench -- [--latency ms ≥ 0] [--samples N ≥ 1] [--write] [--json file] [--only name]')
  process.exit(2)
}

const RSS_PRELOAD = pathToFileURL(resolve('scripts/bench-rss.mjs')).href
const work = mkdtempSync(join(tmpdir(), 'bench-'))
const LARGE_ORG = { asgardeoApplications: 10_000, apiResources: 2_000, devportalApplications: 5_000, publisherApis: 500 }
const CONFIG_APIS = 20
const ASGARDEO_LIMIT_PER_MINUTE = 200

// --- One measured run ------------------------------------------------------------------------------

interface Sample {
  exitCode: number
  wallMs: number
  graphMs: number
  requests: number
  reads: number
  writes: number
  depth: number
  asgardeoRequests: number
  status429: number
  rssMb: number
}

const isWrite = (e: LogEntry): boolean => e.method !== 'GET' && !/\/oauth2\/(token|introspect)$/.test(e.path.split('?')[0])

/** Clears the faults, then injects the latency on every request and, for the baseline, serves one at a time. */
function arm(emu: Emulator, serialize: boolean): void {
  emu.faults.clear()
  emu.faults.add({ kind: 'latency', path: '/**', latencyMs })
  if (serialize) emu.faults.add({ kind: 'serialize', path: '/**' })
}

let runCount = 0
async function measure(emu: Emulator, inputs: Inputs, serialize: boolean): Promise<Sample> {
  arm(emu, serialize)
  const rssFile = join(work, `rss-${++runCount}.tsv`)
  const since = emu.log.lastSeq
  let mainSeq = Number.POSITIVE_INFINITY
  let wallMs = NaN
  const run = await runDist(inputs, {
    debug: false,
    env: { NODE_OPTIONS: `--import ${RSS_PRELOAD}`, BENCH_RSS_FILE: rssFile },
    onMainExit: (ms) => {
      wallMs = ms
      mainSeq = emu.log.lastSeq
    }
  })
  emu.faults.clear()
  // The main step's requests only: a post step (token revocation) is another process.
  const entries = emu.log.since(since).filter((e) => e.seq <= mainSeq)
  const writes = entries.filter(isWrite).length
  let rssKb = NaN
  try {
    const line = readFileSync(rssFile, 'utf8')
      .split('\n')
      .find((l) => /index\.js\t/.test(l))
    rssKb = Number(line?.split('\t')[1])
  } catch {
    // no preload output: RSS unknown
  }
  if (run.exitCode !== 0) console.error(`  run failed (exit ${run.exitCode}):\n${run.stdout.split('\n').slice(-15).join('\n')}`)
  return {
    exitCode: run.exitCode,
    wallMs,
    graphMs: Number(/ in (\d+) ms; critical path/.exec(run.stdout)?.[1] ?? NaN),
    requests: entries.length,
    reads: entries.length - writes,
    writes,
    depth: dependencyDepth(entries),
    asgardeoRequests: entries.filter((e) => e.path.startsWith('/t/')).length,
    status429: entries.filter((e) => e.status === 429).length,
    rssMb: rssKb / 1024
  }
}

// --- Scenarios -------------------------------------------------------------------------------------

interface Scenario {
  name: string
  /** Untimed set-up on a fresh emulator (no latency): the inputs of the measured run, or why it is skipped. */
  prepare: (emu: Emulator) => Promise<Inputs | { skip: string }>
  /** Checked after the measured run (e.g. a re-run converges); failures are listed in the row. */
  after?: (emu: Emulator, inputs: Inputs) => Promise<string | undefined>
}

async function fresh(emu: Emulator, setup?: (state: EmulatorState) => void): Promise<void> {
  emu.reset()
  setup?.(emu.state)
  // The emulator's signing key is made on first use: make it now, so key generation is not billed to a run.
  await fetch(`${emu.url}/t/${emu.state.seed.asgardeoOrg}/oauth2/jwks`)
}

async function mustRun(inputs: Inputs, what: string): Promise<void> {
  const run = await runDist(inputs, { debug: false })
  if (run.exitCode !== 0) throw new Error(`${what} failed (exit ${run.exitCode}):\n${run.stdout.slice(-2000)}`)
}

async function writesOfRerun(emu: Emulator, inputs: Inputs): Promise<string | undefined> {
  const since = emu.log.lastSeq
  await mustRun(inputs, 're-run')
  const writes = emu.log.since(since).filter(isWrite)
  return writes.length === 0 ? undefined : `re-run wrote ${writes.map((e) => `${e.method} ${e.path.split('?')[0]}`).join(', ')}`
}

/** Drift made by hand through the control API: one scope unbound from an operation, one authorized scope dropped. */
async function makeDrift(emu: Emulator, application: string): Promise<void> {
  const control = emu.urls.control
  const state = (await (await fetch(`${control}/state`)).json()) as EmulatorState
  const api = state.choreo.orgs[state.seed.choreoOrgUuid].apis.find((a) => a.id === state.seed.apiId)
  const op = api?.operations.find((o) => o.scopes.length > 0)
  const app = state.asgardeo.orgs[state.seed.asgardeoOrg].applications.find((a) => a.name === application)
  const authorized = app?.authorizedApis.find((a) => a.scopes.length > 0)
  if (!op || !authorized) throw new Error('drift repair: the first run left no bound scope or authorized scope to remove')
  op.scopes.pop()
  authorized.scopes.pop()
  const put = await fetch(`${control}/state`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(state)
  })
  if (put.status !== 204) throw new Error(`PUT /__emulator/state → ${put.status}`)
}

function configInputPresent(): boolean {
  return 'config' in loadActionMetadata(resolve('.')).inputs
}

/** 20 published Choreo APIs beside the seeded one, each with the seeded API's operations. */
function seedConfigApis(state: EmulatorState): void {
  const org = state.choreo.orgs[state.seed.choreoOrgUuid]
  const now = Date.now()
  for (let i = 1; i <= CONFIG_APIS; i++) {
    const api = createApi(org, {
      name: `Config API ${i}`,
      version: 'v1.0',
      context: `/config-api-${i}`,
      lifeCycleStatus: 'PUBLISHED',
      operations: state.seed.apiOperations,
      now
    })
    const rev = snapshotRevision(api, 'Initial revision', now)
    api.deployments = state.seed.environments.map((environment) => ({
      revisionId: rev.id,
      environment,
      displayOnDevportal: environment === 'Production',
      deployedTime: new Date(now).toISOString()
    }))
  }
}

/** The `config` file of issue 11: every entry an API with its scopes; shared inputs stay on the step. */
function writeConfigFile(): string {
  const lines = ['apis:']
  for (let i = 1; i <= CONFIG_APIS; i++) {
    lines.push(
      `  api-${i}:`,
      `    api: Config API ${i}`,
      '    scopes: |',
      '      read: GET /items, GET /items/{id}',
      '      write: POST /items, DELETE /items/{id}',
      '    token-scopes: read'
    )
  }
  const file = join(work, 'secure-apis.yaml')
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

function configInputs(emu: Emulator): Inputs {
  const inputs = emulatorInputs(emu, { config: writeConfigFile() })
  delete inputs.api
  delete inputs.scopes
  return inputs
}

const CONFIG_MISSING = { skip: '(config input not in action.yml yet)' }

const scenarios: Scenario[] = [
  {
    name: 'first run',
    prepare: async (emu) => {
      await fresh(emu)
      return emulatorInputs(emu)
    },
    after: writesOfRerun
  },
  {
    name: 'no-op re-run',
    prepare: async (emu) => {
      await fresh(emu)
      await mustRun(emulatorInputs(emu), 'first run')
      return emulatorInputs(emu)
    }
  },
  {
    name: 'drift repair',
    prepare: async (emu) => {
      await fresh(emu)
      const inputs = emulatorInputs(emu)
      await mustRun(inputs, 'first run')
      await makeDrift(emu, inputs.application)
      return inputs
    },
    after: writesOfRerun
  },
  {
    name: 'large org, no-op',
    prepare: async (emu) => {
      await fresh(emu, (state) => bulkSeed(state, LARGE_ORG))
      await mustRun(emulatorInputs(emu), 'first run')
      return emulatorInputs(emu)
    }
  },
  ...(['off', 'on'] as const).flatMap((limiter): Scenario[] => {
    const setup = (state: EmulatorState): void => {
      seedConfigApis(state)
      if (limiter === 'on') state.asgardeo.orgs[state.seed.asgardeoOrg].rateLimitPerMinute = ASGARDEO_LIMIT_PER_MINUTE
    }
    return [
      {
        name: `config ${CONFIG_APIS} APIs, first run, limiter ${limiter}`,
        prepare: async (emu) => {
          if (!configInputPresent()) return CONFIG_MISSING
          await fresh(emu, setup)
          return configInputs(emu)
        }
      },
      {
        name: `config ${CONFIG_APIS} APIs, no-op, limiter ${limiter}`,
        prepare: async (emu) => {
          if (!configInputPresent()) return CONFIG_MISSING
          await fresh(emu, setup)
          const inputs = configInputs(emu)
          await mustRun(inputs, 'config first run')
          return inputs
        }
      }
    ]
  })
]

// --- Results ---------------------------------------------------------------------------------------

interface Result {
  name: string
  skipped?: string
  samples: number
  requests: Stats
  reads: Stats
  writes: Stats
  depth: Stats
  asgardeoRequests: Stats
  status429: Stats
  wallMs: Stats
  graphMs: Stats
  boundMs: number
  wallOverBound: Stats
  graphOverBound: Stats
  sequentialMs: Stats
  wallOverSequential: Stats
  rssMb: Stats
  failures: string[]
  target?: string
  pass?: boolean
  missed?: string[]
}

async function runScenario(emu: Emulator, s: Scenario): Promise<Result> {
  const parallel: Sample[] = []
  const sequential: Sample[] = []
  const failures: string[] = []
  for (let i = 0; i < samples; i++) {
    for (const serialize of [false, true]) {
      const inputs = await s.prepare(emu)
      if ('skip' in inputs) return { ...emptyResult(s.name), skipped: String(inputs.skip) }
      const sample = await measure(emu, inputs as Inputs, serialize)
      ;(serialize ? sequential : parallel).push(sample)
      if (sample.exitCode !== 0) failures.push(`${serialize ? 'sequential ' : ''}run ${i + 1} exited ${sample.exitCode}`)
      if (!serialize && i === 0 && s.after) {
        const problem = await s.after(emu, inputs as Inputs)
        if (problem) failures.push(problem)
      }
    }
    process.stderr.write('.')
  }
  const of = (xs: Sample[], f: (x: Sample) => number): Stats => stats(xs.map(f))
  const depth = of(parallel, (x) => x.depth)
  const boundMs = depth.median * latencyMs
  return {
    name: s.name,
    samples,
    requests: of(parallel, (x) => x.requests),
    reads: of(parallel, (x) => x.reads),
    writes: of(parallel, (x) => x.writes),
    depth,
    asgardeoRequests: of(parallel, (x) => x.asgardeoRequests),
    status429: of(parallel, (x) => x.status429),
    wallMs: of(parallel, (x) => x.wallMs),
    graphMs: of(parallel, (x) => x.graphMs),
    boundMs,
    wallOverBound: of(parallel, (x) => x.wallMs / (x.depth * latencyMs)),
    graphOverBound: of(parallel, (x) => x.graphMs / (x.depth * latencyMs)),
    sequentialMs: of(sequential, (x) => x.wallMs),
    // Sample i against baseline i: both made on the same machine within a few seconds of each other.
    wallOverSequential: stats(parallel.map((x, i) => x.wallMs / (sequential[i]?.wallMs ?? NaN))),
    rssMb: of([...parallel, ...sequential], (x) => x.rssMb),
    failures
  }
}

function emptyResult(name: string): Result {
  const none = stats([])
  return {
    name,
    samples: 0,
    requests: none,
    reads: none,
    writes: none,
    depth: none,
    asgardeoRequests: none,
    status429: none,
    wallMs: none,
    graphMs: none,
    boundMs: NaN,
    wallOverBound: none,
    graphOverBound: none,
    sequentialMs: none,
    wallOverSequential: none,
    rssMb: none,
    failures: []
  }
}

/** Each scenario's target of issue 11, judged on the medians; `missed` names the checks that failed. */
function judge(r: Result, byName: Map<string, Result>): void {
  if (r.skipped) return
  const x = (v: number): string => `${v.toFixed(2)}×`
  const checks: [label: string, ok: boolean][] = []
  const single = (noop: boolean): Result | undefined => byName.get(noop ? 'no-op re-run' : 'first run')
  if (r.name === 'first run') {
    r.target = 'graph ≤ 1.2× bound; process ≤ 1.35× bound; re-run writes nothing'
    checks.push([`graph ${x(r.graphOverBound.median)}`, r.graphOverBound.median <= 1.2])
    checks.push([`process ${x(r.wallOverBound.median)}`, r.wallOverBound.median <= 1.35])
  } else if (r.name === 'no-op re-run') {
    r.target = 'depth ≤ 4; graph ≤ 1.3× bound; no write'
    checks.push([`depth ${r.depth.median}`, r.depth.median <= 4])
    checks.push([`graph ${x(r.graphOverBound.median)}`, r.graphOverBound.median <= 1.3])
    checks.push([`${r.writes.max} writes`, r.writes.max === 0])
  } else if (r.name === 'drift repair') {
    r.target = 're-run after the repair writes nothing'
  } else if (r.name === 'large org, no-op') {
    const small = single(true)?.requests.median
    r.target = `requests = small org's no-op (${small ?? '?'}); peak RSS < 100 MB; no write`
    checks.push([`${r.requests.median} requests`, r.requests.median === small])
    checks.push([`RSS ${r.rssMb.max.toFixed(1)} MB`, r.rssMb.max < 100])
    checks.push([`${r.writes.max} writes`, r.writes.max === 0])
  } else if (r.name.startsWith('config')) {
    const noop = r.name.includes('no-op')
    // Measured, not assumed: what each API adds over the single-API run of the same kind, and what stays shared.
    const single1 = single(noop)?.requests.median
    const perApi = single1 === undefined ? undefined : (r.requests.median - single1) / (CONFIG_APIS - 1)
    const shared = single1 === undefined || perApi === undefined ? '?' : (single1 - perApi).toFixed(0)
    const limit = `≤ 12 requests per API (${perApi === undefined ? '?' : perApi.toFixed(1)}) + the shared ones (${shared})`
    checks.push([`${perApi?.toFixed(1) ?? '?'} requests per API`, perApi !== undefined && perApi <= 12])
    if (r.name.endsWith('on')) {
      const paceMs = (r.asgardeoRequests.median / ASGARDEO_LIMIT_PER_MINUTE) * 60_000
      r.target = `${limit}; zero 429s; wall ≤ 1.2× pacing bound (${paceMs.toFixed(0)} ms)`
      checks.push([`${r.status429.max} × 429`, r.status429.max === 0])
      checks.push([`wall ${r.wallMs.median.toFixed(0)} ms`, r.wallMs.median <= 1.2 * paceMs])
    } else {
      const one = single(noop)?.wallMs.median
      r.target = `${limit}; wall < 4× one API's (${one === undefined ? 'not measured in this run' : `${(4 * one).toFixed(0)} ms`})`
      if (one !== undefined) checks.push([`wall ${r.wallMs.median.toFixed(0)} ms`, r.wallMs.median < 4 * one])
    }
  }
  r.missed = [...checks.filter(([, ok]) => !ok).map(([label]) => label), ...r.failures]
  r.pass = r.missed.length === 0
}

// --- Start-up and bundle ---------------------------------------------------------------------------

function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number; out: string }> {
  return new Promise((done, fail) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { env })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.on('error', fail)
    child.on('close', (code) => done({ ms: performance.now() - started, code: code ?? 1, out }))
  })
}

interface Startup {
  runs: number
  nodeMs: Stats
  bundleMs: Stats
  ratio: number
  failedOnInput: boolean
  message: string
}

async function startup(): Promise<Startup> {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(INPUT_|GITHUB_|RUNNER_|STATE_)|^NODE_OPTIONS$/.test(k)) env[k] = v
  const runs = Math.max(21, samples * 4 + 1)
  const node: number[] = []
  const bundle: number[] = []
  let last = { ms: 0, code: 0, out: '' }
  // Interleaved, so a burst of load on the machine costs both sides alike.
  for (let i = 0; i < runs; i++) {
    node.push((await timeProcess(['-e', '0'], env)).ms)
    last = await timeProcess([resolve('dist/index.js')], env)
    bundle.push(last.ms)
  }
  const nodeMs = stats(node)
  const bundleMs = stats(bundle)
  return {
    runs,
    nodeMs,
    bundleMs,
    ratio: bundleMs.median / nodeMs.median,
    failedOnInput: last.code !== 0 && /input/i.test(last.out),
    // The first two lines of the ::error:: annotation (newlines arrive escaped).
    message: (/::error::(.*)/.exec(last.out)?.[1] ?? last.out.trim())
      .split(/%0A|\\n|\n/)
      .slice(0, 2)
      .join(' ')
      .slice(0, 200)
  }
}

function bundle(): { files: { file: string; bytes: number }[]; breakdown: { name: string; bytes: number }[] } {
  const files = ['dist/index.js', 'dist/post.js'].map((file) => ({ file, bytes: statSync(file).size }))
  return { files, breakdown: bundleBreakdown(readFileSync('dist/index.js', 'utf8')) }
}

// --- Main ------------------------------------------------------------------------------------------

const kb = (n: number): string => `${(n / 1024).toFixed(0)} KiB`
const emu = await startEmulator({ logCapacity: 100_000 })
const results: Result[] = []
const byName = new Map<string, Result>()
try {
  for (const s of scenarios) {
    if (values.only && !s.name.includes(values.only)) continue
    process.stderr.write(`${s.name} `)
    const r = await runScenario(emu, s)
    process.stderr.write('\n')
    results.push(r)
    byName.set(r.name, r)
  }
} finally {
  await emu.stop()
}
for (const r of results) judge(r, byName)
const start = await startup()
const size = bundle()

const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const machine = `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' / ')} at the end`
const header = [
  'Scenario',
  'Requests (reads / writes)',
  'Depth',
  'Process wall ms',
  'Graph ms',
  'Bound ms',
  'Wall ÷ bound (process / graph)',
  'Sequential ms',
  'Wall ÷ sequential',
  'Peak RSS MB',
  'Target',
  'Result'
]
const rows = results.map((r) =>
  r.skipped
    ? [r.name, r.skipped, '', '', '', '', '', '', '', '', '', 'skipped']
    : [
        r.name,
        `${formatStats(r.requests)} (${formatStats(r.reads)} / ${formatStats(r.writes)})${r.status429.max > 0 ? `, ${r.status429.max} × 429` : ''}`,
        formatStats(r.depth),
        formatStats(r.wallMs),
        formatStats(r.graphMs),
        r.boundMs.toFixed(0),
        `${formatStats(r.wallOverBound, 2, '×')} / ${formatStats(r.graphOverBound, 2, '×')}`,
        formatStats(r.sequentialMs),
        formatStats(r.wallOverSequential, 2, '×'),
        formatStats(r.rssMb, 1),
        r.target ?? '',
        `${verdict(r.pass)}${r.missed?.length ? `: ${r.missed.join('; ')}` : ''}`
      ]
)
rows.push([
  'start-up: dist/index.js failing on a missing input vs `node -e 0`',
  `${start.runs} runs each`,
  '',
  `${formatStats(start.bundleMs)} vs ${formatStats(start.nodeMs)}`,
  '',
  '',
  `${start.ratio.toFixed(2)}× node -e 0`,
  '',
  '',
  '',
  '≤ 2× node -e 0; fails naming the input',
  verdict(start.ratio <= 2 && start.failedOnInput)
])
const table = markdownTable(header, rows)
const sizes = markdownTable(
  ['Bundle', 'Size', 'What takes its room (dist/index.js, by package, from the module markers)'],
  [
    ...size.files.map((f, i) => [
      f.file,
      kb(f.bytes),
      i === 0
        ? size.breakdown
            .filter((b) => b.bytes >= 1024)
            .map((b) => `${b.name} ${kb(b.bytes)} (${((100 * b.bytes) / f.bytes).toFixed(0)} %)`)
            .join(', ')
        : ''
    ])
  ]
)
const summary = `${samples} samples per scenario (median, min–max), ${latencyMs} ms injected on every request; ${machine}; ${when}.`
console.log(`\n${summary}\n\n${table}\n\n${sizes}\n\nStart-up message: ${start.message}`)

writeFileSync(values.json, `${JSON.stringify({ when, machine, latencyMs, samples, results, startup: start, bundle: size }, null, 2)}\n`)
if (values.write) {
  const doc = readFileSync('BENCHMARKS.md', 'utf8')
  const begin = '<!-- bench:begin -->'
  const end = '<!-- bench:end -->'
  const i = doc.indexOf(begin)
  const j = doc.indexOf(end)
  if (i < 0 || j < i) throw new Error(`BENCHMARKS.md has no ${begin} … ${end} section`)
  const section = `${summary}\n\n${table}\n\nStart-up's failure, as printed: “${start.message}”\n\n${sizes}`
  writeFileSync('BENCHMARKS.md', `${doc.slice(0, i + begin.length)}\n${section}\n${doc.slice(j)}`)
  console.log('\nBENCHMARKS.md rewritten.')
}
rmSync(work, { recursive: true, force: true })
const missed = results.filter((r) => r.failures.length > 0)
process.exit(missed.length > 0 ? 1 : 0)
