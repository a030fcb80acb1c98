import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOutputFile, runStepInProcess, type Inputs } from '../../scripts/local-runner.js'

/**
 * Runs main and post as separate steps, as the runner does for an action with `runs.post`: main with
 * its own GITHUB_STATE file, then post with STATE_<name> from that file and the same inputs. The tests
 * call post themselves (to revoke, skip or fail it on purpose), which the harness's runSource/runDist,
 * running post right after main, cannot. `via: 'dist'` spawns dist/index.js and dist/post.js; `via:
 * 'source'` (the default) runs src/main.ts's and src/post.ts's run() in this process, so coverage sees them.
 */
export interface StepRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The saved step state (name → value): holds the token, so never part of a log scan. */
  state: Record<string, string>
  /** What a person can read: stdout, stderr and the summary. */
  logs: string
}

export type Via = 'source' | 'dist'

/** In-process steps share one folder: @actions/core caches the summary file's path for the process's life. */
let inProcessDir: string | undefined

async function step(which: 'main' | 'post', inputs: Inputs, env: Record<string, string | undefined>, via: Via): Promise<StepRun> {
  if (via === 'dist') return spawnStep(which === 'main' ? 'dist/index.js' : 'dist/post.js', inputs, env)
  inProcessDir ??= mkdtempSync(join(tmpdir(), 'action-step-'))
  const { full, files } = stepEnv(inputs, env, inProcessDir)
  const { exitCode, stdout, stderr } = await runStepInProcess(which, full)
  return collect(files, exitCode, stdout, stderr)
}

function stepEnv(
  inputs: Inputs,
  env: Record<string, string | undefined>,
  dir: string
): { full: Record<string, string>; files: { output: string; summary: string; state: string } } {
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), state: join(dir, 'state') }
  for (const f of Object.values(files)) writeFileSync(f, '')
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('INPUT_') || k.startsWith('GITHUB_') || k.startsWith('STATE_') || k.startsWith('ACTIONS_')) continue
    base[k] = v
  }
  const full: Record<string, string> = {
    ...base,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_REPOSITORY: 'octo-org/items-service',
    RUNNER_DEBUG: '1'
  }
  for (const [k, v] of Object.entries(inputs)) full[`INPUT_${k.toUpperCase()}`] = v
  for (const [k, v] of Object.entries(env)) if (v !== undefined) full[k] = v
  return { full, files }
}

function collect(files: { output: string; summary: string; state: string }, exitCode: number, stdout: string, stderr: string): StepRun {
  const summary = readFileSync(files.summary, 'utf8')
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summary,
    state: parseOutputFile(readFileSync(files.state, 'utf8')),
    logs: [stdout, stderr, summary].join('\n')
  }
}

function spawnStep(script: string, inputs: Inputs, env: Record<string, string | undefined>): Promise<StepRun> {
  const { full, files } = stepEnv(inputs, env, mkdtempSync(join(tmpdir(), 'action-step-')))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: full, cwd: process.cwd() })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve(collect(files, code ?? 1, stdout, stderr)))
  })
}

/** The main step with extra environment, e.g. the runner's ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN. */
export function runMain(inputs: Inputs, env: Record<string, string | undefined> = {}, via: Via = 'source'): Promise<StepRun> {
  return step('main', inputs, env, via)
}

/** The post step: STATE_<name> for each value main saved, as the runner passes them. */
export function runPost(
  state: Record<string, string>,
  inputs: Inputs,
  env: Record<string, string | undefined> = {},
  via: Via = 'source'
): Promise<StepRun> {
  const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]))
  return step('post', inputs, { ...stateEnv, ...env }, via)
}

/**
 * Every value the step masked (`::add-mask::`), found anywhere in its logs except its own mask command,
 * or before it: a secret scan that needs no list of the secrets (the id-token is minted inside the step).
 */
export function maskLeaks(run: StepRun): string[] {
  const lines = run.logs.split('\n')
  const masked = [...new Set(lines.filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice('::add-mask::'.length)))]
  const found: string[] = []
  for (const value of masked) {
    const first = lines.indexOf(`::add-mask::${value}`)
    lines.forEach((line, i) => {
      if (line === `::add-mask::${value}` || !line.includes(value)) return
      found.push(`line ${i}${i < first ? ' (before its mask)' : ''}: ${line.split(value).join('<SECRET>')}`)
    })
  }
  return found
}
