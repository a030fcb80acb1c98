import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Emulator } from '../emulator/index.js'

/**
 * Runs the action the way a runner does: inputs as INPUT_* variables, outputs, state and the job
 * summary through the runner's files, everything else on stdout. `runSource` runs src/ in-process
 * (through ts-jest); `runDist` spawns node on the committed bundle.
 */
export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Everything the run wrote anywhere: for secret scans. */
  everything: string
}

export type Inputs = Record<string, string>

/** Inputs that point the action at the emulator with its seeded credentials. */
export function emulatorInputs(emu: Emulator, extra: Inputs = {}): Inputs {
  const s = emu.state.seed
  return {
    'asgardeo-org': s.asgardeoOrg,
    'asgardeo-url': emu.url,
    'asgardeo-client-id': s.mgmtClientId,
    'asgardeo-client-secret': s.mgmtClientSecret,
    'choreo-org': s.choreoOrgHandle,
    'choreo-token': s.choreoPat,
    'choreo-url': emu.url,
    'choreo-console-url': emu.url,
    api: s.apiName,
    scopes: 'read: GET /items, GET /items/{id}\nwrite: POST /items, DELETE /items/{id}',
    application: 'ci-items-client',
    ...extra
  }
}

/** In-process runs share one folder: @actions/core caches the summary file's path for the process's life. */
let inProcessDir: string | undefined

function runnerEnv(
  inputs: Inputs,
  debug: boolean,
  inProcess = false,
  extraEnv: Record<string, string> = {}
): { env: Record<string, string>; files: { output: string; summary: string; state: string } } {
  const dir = inProcess ? (inProcessDir ??= mkdtempSync(join(tmpdir(), 'action-run-'))) : mkdtempSync(join(tmpdir(), 'action-run-'))
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), state: join(dir, 'state') }
  for (const f of Object.values(files)) writeFileSync(f, '')
  const env: Record<string, string> = {
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_REPOSITORY: 'octo-org/items-service',
    RUNNER_DEBUG: debug ? '1' : '',
    ...extraEnv
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  return { env, files }
}

/** Parses the runner's output file (name<<DELIMITER … DELIMITER). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

function collect(files: { output: string; summary: string; state: string }, exitCode: number, stdout: string, stderr: string): ActionRun {
  const outputText = readFileSync(files.output, 'utf8')
  const summary = readFileSync(files.summary, 'utf8')
  const state = readFileSync(files.state, 'utf8')
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(outputText),
    summary,
    everything: [stdout, stderr, summary, state].join('\n')
  }
}

/** Runs src/main.ts in this process (jest), capturing what @actions/core writes. */
export async function runSource(inputs: Inputs, options: { debug?: boolean; env?: Record<string, string> } = {}): Promise<ActionRun> {
  const { env, files } = runnerEnv(inputs, options.debug ?? true, true, options.env)
  const saved = { ...process.env }
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  Object.assign(process.env, env)
  let stdout = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof process.stdout.write
  const exitBefore = process.exitCode
  process.exitCode = undefined
  try {
    const { run } = await import('../src/main.js')
    await run()
  } finally {
    process.stdout.write = write
  }
  const exitCode = Number(process.exitCode ?? 0)
  process.exitCode = exitBefore
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
  Object.assign(process.env, saved)
  return collect(files, exitCode, stdout, '')
}

/** Spawns `node dist/index.js` as the runner would. */
export function runDist(inputs: Inputs, options: { debug?: boolean; env?: Record<string, string> } = {}): Promise<ActionRun> {
  const { env, files } = runnerEnv(inputs, options.debug ?? true, false, options.env)
  const clean: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')) clean[k] = v
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/index.js'], { env: { ...clean, ...env }, cwd: process.cwd() })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve(collect(files, code ?? 1, stdout, stderr)))
  })
}

/** Non-GET requests in the emulator's log after `since` (token requests excluded: reading a token writes nothing). */
export async function writesSince(emu: Emulator, since: number): Promise<string[]> {
  return emu.log
    .since(since)
    .filter((e) => e.method !== 'GET' && !/\/oauth2\/(token|introspect)$/.test(e.path.split('?')[0]))
    .map((e) => `${e.method} ${e.path}`)
}
