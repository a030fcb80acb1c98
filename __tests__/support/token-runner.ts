import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOutputFile, type Inputs } from '../../scripts/local-runner.js'

/**
 * Runs dist/ as the runner does for an action with `runs.post`: main (dist/index.js) with its own
 * GITHUB_STATE file, then post (dist/post.js) with STATE_<name> from that file and the same inputs.
 * Until the runner harness (scripts/local-runner.ts) runs post steps itself, this is the one place that does.
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

function spawnStep(script: string, inputs: Inputs, env: Record<string, string | undefined>): Promise<StepRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-step-'))
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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: full, cwd: process.cwd() })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => {
      const summary = readFileSync(files.summary, 'utf8')
      resolve({
        exitCode: code ?? 1,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
        summary,
        state: parseOutputFile(readFileSync(files.state, 'utf8')),
        logs: [stdout, stderr, summary].join('\n')
      })
    })
  })
}

/** The main step (dist/index.js) with extra environment, e.g. the runner's ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN. */
export function runMain(inputs: Inputs, env: Record<string, string | undefined> = {}): Promise<StepRun> {
  return spawnStep('dist/index.js', inputs, env)
}

/** The post step (dist/post.js): STATE_<name> for each value main saved, as the runner passes them. */
export function runPost(state: Record<string, string>, inputs: Inputs, env: Record<string, string | undefined> = {}): Promise<StepRun> {
  const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]))
  return spawnStep('dist/post.js', inputs, { ...stateEnv, ...env })
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
