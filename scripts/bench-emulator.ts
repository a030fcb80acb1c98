/**
 * Throughput and memory benchmark of the emulator: `npm run bench:emulator -- [--requests N] [--concurrency C]`.
 *
 * Starts the emulator CLI as its own process on a free loopback port, drives keep-alive GETs at it
 * from this process, and samples the emulator's resident memory (VmRSS) as the run goes. Fails
 * (exit 1) when a gated phase is below MIN_RPS, any request fails, memory grows more than
 * MAX_RSS_GROWTH_MB between the 25 % and the 100 % samples, or the whole run exceeds the time limit.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { parseArgs } from 'node:util'
import { DEFAULT_SEED } from '../emulator/seed.js'

const MIN_RPS = 2_000
const MAX_RSS_GROWTH_MB = 50

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '32' },
    'mint-requests': { type: 'string', default: '2000' },
    'time-limit': { type: 'string', default: '120' }
  }
})
const REQUESTS = positive('requests')
const CONCURRENCY = positive('concurrency')
const MINT_REQUESTS = Number(values['mint-requests'])
const deadline = Date.now() + positive('time-limit') * 1000

interface Target {
  name: string
  path: string
  headers?: Record<string, string>
  /** Counts toward pass/fail (throughput and memory); otherwise informational. */
  gated: boolean
}

interface PhaseResult {
  name: string
  path: string
  gated: boolean
  done: number
  failures: number
  seconds: number
  rps: number
  p50: number
  p95: number
  p99: number
  rssMb: number[]
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function positive(name: string): number {
  const n = Number(values[name as keyof typeof values])
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`)
  return n
}

/** One keep-alive GET; resolves with the status (0 on a transport error). */
function get(base: URL, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: base.hostname, port: base.port, path, method: 'GET', agent, headers }, (res) => {
      res.resume() // drain the body so the socket goes back to the pool
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(0))
    })
    req.on('error', () => resolve(0))
    req.end()
  })
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** Runs `total` requests with `CONCURRENCY` workers; samples RSS at 0/25/50/75/100 %. */
async function phase(base: URL, pid: number, target: Target, total: number): Promise<PhaseResult> {
  const latencies = new Float64Array(total)
  const marks = [0.25, 0.5, 0.75].map((f) => Math.floor(total * f))
  const rss = [rssMb(pid)]
  let issued = 0
  let done = 0
  let failures = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (issued < total && Date.now() < deadline) {
      const i = issued++
      const t0 = performance.now()
      const status = await get(base, target.path, target.headers)
      latencies[i] = performance.now() - t0
      if (status !== 200) failures++
      done++
      if (marks.includes(done)) rss.push(rssMb(pid))
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker))
  const seconds = (performance.now() - started) / 1000
  while (rss.length < 4) rss.push(NaN) // stopped early: missing samples
  rss.push(rssMb(pid))
  const sorted = latencies.slice(0, done).sort()
  return {
    name: target.name,
    path: target.path,
    gated: target.gated,
    done,
    failures,
    seconds,
    rps: done / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    rssMb: rss
  }
}

/** Starts the CLI in its own node process (not via the tsx wrapper, so the pid is the server's). */
function startEmulator(): Promise<{ child: ChildProcess; base: URL }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' }
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 20 s')), 20_000)
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, base: new URL(m[1]) })
      }
    })
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the emulator exited (${code}) before listening: ${err}`))
    })
  })
}

/** The authenticated second phase: the first candidate route that answers 200 (areas may be unfinished). */
async function pickAuthenticated(base: URL): Promise<Target | undefined> {
  const s = DEFAULT_SEED
  const candidates: Target[] = [
    {
      name: 'Choreo publisher GET /apis/{id} (PAT)',
      path: `/api/am/publisher/v2/apis/${s.apiId}?organizationId=${s.choreoOrgUuid}`,
      headers: { authorization: `Bearer ${s.choreoPat}` },
      gated: true
    },
    {
      name: 'Choreo devportal GET /apis (PAT)',
      path: `/api/am/devportal/v2/apis?organizationId=${s.choreoOrgUuid}`,
      headers: { authorization: `Bearer ${s.choreoPat}` },
      gated: true
    },
    { name: 'Asgardeo JWKS', path: `/t/${s.asgardeoOrg}/oauth2/jwks`, gated: true },
    { name: 'GitHub JWKS', path: '/github/.well-known/jwks', gated: true }
  ]
  for (const c of candidates) if ((await get(base, c.path, c.headers)) === 200) return c
  return undefined
}

/** A GitHub job for the minting phase: each request signs a fresh RS256 token. */
async function mintTarget(base: URL): Promise<Target> {
  const res = await fetch(new URL('/__emulator/github/request-tokens', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'octo/bench', environment: 'prod' })
  })
  const { requestToken } = (await res.json()) as { requestToken: string }
  return {
    name: 'GitHub id-token (RS256 signing)',
    path: '/github/_apis/idtoken?api-version=2.0&audience=bench',
    headers: { authorization: `Bearer ${requestToken}` },
    gated: false
  }
}

function report(results: PhaseResult[], pid: number): string[] {
  const problems: string[] = []
  const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a')
  console.log(`\nEmulator pid ${pid}, ${CONCURRENCY} concurrent keep-alive connections, loopback\n`)
  for (const r of results) {
    const growth = r.rssMb[4] - r.rssMb[1]
    console.log(`${r.name}${r.gated ? '' : ' (informational)'}`)
    console.log(`  GET ${r.path.replace(/\?.*$/, '?…')}`)
    console.log(`  ${r.done} requests in ${fmt(r.seconds, 2)} s = ${fmt(r.rps, 0)} req/s, ${r.failures} failed`)
    console.log(`  latency p50 ${fmt(r.p50, 2)} ms, p95 ${fmt(r.p95, 2)} ms, p99 ${fmt(r.p99, 2)} ms`)
    console.log(
      `  RSS MB at 0/25/50/75/100 %: ${r.rssMb.map((v) => fmt(v)).join(' / ')} (25→100 %: ${growth >= 0 ? '+' : ''}${fmt(growth)} MB)\n`
    )
    if (r.failures > 0) problems.push(`${r.name}: ${r.failures} requests did not answer 200`)
    if (!r.gated) continue
    if (r.rps < MIN_RPS) problems.push(`${r.name}: ${fmt(r.rps, 0)} req/s is below ${MIN_RPS}`)
    if (!(growth <= MAX_RSS_GROWTH_MB))
      problems.push(`${r.name}: RSS grew ${fmt(growth)} MB between 25 % and 100 % (limit ${MAX_RSS_GROWTH_MB})`)
  }
  return problems
}

async function main(): Promise<number> {
  const { child, base } = await startEmulator()
  const pid = child.pid as number
  const stopChild = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM')
  }
  process.on('SIGINT', () => {
    stopChild()
    process.exit(130)
  })
  try {
    const discovery: Target = { name: 'GitHub OIDC discovery', path: '/github/.well-known/openid-configuration', gated: true }
    // Warm-up: JIT, the connection pool and lazily created keys, outside the measurements.
    await phase(base, pid, discovery, Math.min(2_000, REQUESTS))
    const results = [await phase(base, pid, discovery, REQUESTS)]
    const authenticated = await pickAuthenticated(base)
    if (authenticated && Date.now() < deadline) results.push(await phase(base, pid, authenticated, REQUESTS))
    if (MINT_REQUESTS > 0 && Date.now() < deadline) results.push(await phase(base, pid, await mintTarget(base), MINT_REQUESTS))

    const problems = report(results, pid)
    if (!authenticated) console.log('Note: no authenticated route answered 200; the second phase was skipped.')
    if (Date.now() >= deadline) problems.push(`time limit of ${values['time-limit']} s reached; the run is incomplete`)
    for (const r of results) if (r.done < (r.gated ? REQUESTS : MINT_REQUESTS)) problems.push(`${r.name}: only ${r.done} requests ran`)
    if (problems.length > 0) {
      console.log(`FAIL\n- ${problems.join('\n- ')}`)
      return 1
    }
    console.log(`PASS (every gated phase ≥ ${MIN_RPS} req/s; RSS growth 25→100 % ≤ ${MAX_RSS_GROWTH_MB} MB)`)
    return 0
  } finally {
    agent.destroy()
    stopChild()
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
)
