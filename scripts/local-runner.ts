import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../emulator/index.js'
import { loadActionMetadata, MetadataError, type ActionMetadata } from './action-metadata.js'

/**
 * Runs the action the way the GitHub runner does for `uses: ./`: it loads action.yml (and refuses
 * metadata that does not parse or has no runs.using/main), resolves the inputs as the runner does
 * (given ones as they are, declared ones missing from `with:` from their defaults, a warning for
 * undeclared ones), sets only what a workflow sets (INPUT_*, GITHUB_*, RUNNER_*), reads outputs,
 * state and the job summary from the runner's files, and runs the post step, when there is one, with
 * STATE_* from the main step. `runDist` spawns node on runs.main; `runSource` runs src/ in-process.
 */
export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Everything the run wrote anywhere (both steps, all files, the runner's warnings): for secret scans. */
  everything: string
  /** What the runner warned before the step ran, word for word (undeclared or deprecated inputs). */
  warnings: string[]
  /** The variables the runner set for the main step (not those inherited from this process). */
  env: Record<string, string>
  /** What the main step saved with core.saveState (GITHUB_STATE). */
  state: Record<string, string>
  /** The post step, when action.yml declares runs.post and its post-if held. */
  post?: StepResult
}

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
  summary: string
}

export type Inputs = Record<string, string>

export interface RunOptions {
  /** Step debug logging (RUNNER_DEBUG=1); on by default so secret scans see the debug lines. */
  debug?: boolean
  /** The folder holding action.yml; default: this repository. */
  actionPath?: string
  /** GITHUB_WORKSPACE and the steps' working directory; default: the current directory. */
  workspace?: string
  /** The workflow's repository (GITHUB_REPOSITORY). */
  repository?: string
  /** The step's `env:`. */
  env?: Record<string, string>
  /** runDist: called as soon as the main step's process has exited, before any post step, with its wall time. */
  onMainExit?: (mainWallMs: number) => void
}

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

/** The runner's name mangling for input variables: spaces to "_", upper case; hyphens stay. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

export interface ResolvedInputs {
  inputs: Inputs
  warnings: string[]
}

/**
 * The runner's input resolution: every given input is passed (an undeclared one too, with a warning),
 * every declared input missing from `with:` gets its default ('' without one). Names compare
 * case-insensitively, as in the runner. `required: true` is not enforced: the runner does not either.
 */
export function resolveInputs(metadata: ActionMetadata, given: Inputs, context: Record<string, string>): ResolvedInputs {
  const warnings: string[] = []
  const declared = Object.keys(metadata.inputs)
  const isDeclared = (name: string): string | undefined => declared.find((d) => d.toLowerCase() === name.toLowerCase())
  const inputs: Inputs = { ...given }
  for (const name of Object.keys(given)) {
    const message = metadata.inputs[isDeclared(name) ?? '']?.deprecationMessage
    if (message) warnings.push(`Input '${name}' has been deprecated with message: ${message}`)
  }
  for (const name of declared) {
    if (Object.keys(given).some((g) => g.toLowerCase() === name.toLowerCase())) continue
    inputs[name] = evaluateDefault(name, metadata.inputs[name].default ?? '', context)
  }
  const unexpected = Object.keys(given).filter((name) => !isDeclared(name))
  if (unexpected.length > 0)
    warnings.push(`Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declared.join("', '")}']`)
  return { inputs, warnings }
}

/** Defaults may use `${{ github.* }}` and `${{ runner.* }}` values; anything else is refused, not guessed. */
function evaluateDefault(input: string, value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    if (expression in context) return context[expression]
    throw new MetadataError(`The default of input "${input}" uses \${{ ${expression} }}, which this harness cannot evaluate.`)
  })
}

/** post-if in the simple sense: always(), success(), failure(), cancelled(), with or without ${{ }}. */
export function postCondition(condition: string | undefined, mainSucceeded: boolean): boolean {
  const c = (condition ?? 'always()').replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim()
  const known: Record<string, boolean> = {
    'always()': true,
    'success()': mainSucceeded,
    'failure()': !mainSucceeded,
    'cancelled()': false,
    '!cancelled()': true
  }
  if (c in known) return known[c]
  throw new MetadataError(`post-if "${condition}" is beyond this harness (always(), success(), failure(), cancelled()).`)
}

interface StepFiles {
  output: string
  summary: string
  state: string
  env: string
  path: string
}

/**
 * The step's file commands, emptied for each step. The post step reuses the paths once main's files
 * are read: @actions/core caches the summary path for the life of a process (in-process runs).
 */
function stepFiles(dir: string): StepFiles {
  const files = {
    output: join(dir, 'output'),
    summary: join(dir, 'summary'),
    state: join(dir, 'state'),
    env: join(dir, 'env'),
    path: join(dir, 'path')
  }
  for (const f of Object.values(files)) writeFileSync(f, '')
  return files
}

interface Prepared {
  metadata: ActionMetadata
  actionPath: string
  workspace: string
  dir: string
  warnings: string[]
  /** Everything but the per-step files and STATE_*. */
  base: Record<string, string>
}

function prepare(given: Inputs, options: RunOptions, dir: string): Prepared {
  const actionPath = resolve(options.actionPath ?? '.')
  const metadata = loadActionMetadata(actionPath)
  const workspace = resolve(options.workspace ?? process.cwd())
  const repository = options.repository ?? 'octo-org/items-service'
  const eventPath = join(dir, 'event.json')
  writeFileSync(eventPath, '{}')
  const github: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION: '__self',
    GITHUB_ACTION_PATH: actionPath,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0],
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_WORKFLOW: 'local-runner',
    GITHUB_JOB: 'local',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: repository.split('/')[0],
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'local-runner',
    RUNNER_TEMP: dir,
    ...(options.debug ? { RUNNER_DEBUG: '1' } : {})
  }
  const context: Record<string, string> = {
    'github.repository': repository,
    'github.repository_owner': github.GITHUB_REPOSITORY_OWNER,
    'github.workspace': workspace,
    'github.server_url': github.GITHUB_SERVER_URL,
    'github.api_url': github.GITHUB_API_URL,
    'github.action_path': actionPath,
    'github.ref': github.GITHUB_REF,
    'github.sha': github.GITHUB_SHA,
    'runner.temp': dir,
    'runner.os': github.RUNNER_OS
  }
  const { inputs, warnings } = resolveInputs(metadata, given, context)
  const base: Record<string, string> = { ...(options.env ?? {}), ...github }
  for (const [name, value] of Object.entries(inputs)) base[inputVariable(name)] = value
  return { metadata, actionPath, workspace, dir, warnings, base }
}

function stepEnv(prepared: Prepared, files: StepFiles, state: Record<string, string>): Record<string, string> {
  const env = { ...prepared.base }
  Object.assign(env, {
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path
  })
  for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value
  return env
}

/** Parses the runner's output file (name<<DELIMITER … DELIMITER, or name=value). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      out[heredoc[1]] = value.join('\n')
      continue
    }
    const plain = /^([^=]+)=(.*)$/.exec(lines[i])
    if (plain) out[plain[1]] = plain[2]
  }
  return out
}

const read = (file: string): string => readFileSync(file, 'utf8')

/**
 * Variables the runner owns: never inherited from the process that starts the run. ACTIONS_* pass:
 * the runner adds ACTIONS_ID_TOKEN_REQUEST_* only for `permissions: id-token: write`, and a test that
 * sets them stands in for that permission.
 */
const RUNNER_OWNED = /^(INPUT_|STATE_|GITHUB_|RUNNER_)|^NODE_OPTIONS$/

/** Runs the steps: main, then post when declared and its condition holds. */
async function runSteps(
  prepared: Prepared,
  step: (which: 'main' | 'post', env: Record<string, string>) => Promise<{ exitCode: number; stdout: string; stderr: string }>
): Promise<ActionRun> {
  const { metadata } = prepared
  const warnings = [...prepared.warnings]
  if (metadata.runs.pre) warnings.push(`\`pre\` execution is not supported for local action from './'`)
  const mainFiles = stepFiles(prepared.dir)
  const env = stepEnv(prepared, mainFiles, {})
  const main = await step('main', env)
  const stateText = read(mainFiles.state)
  const state = parseOutputFile(stateText)
  const run: ActionRun = {
    ...main,
    outputs: parseOutputFile(read(mainFiles.output)),
    summary: read(mainFiles.summary),
    everything: '',
    warnings,
    env,
    state
  }
  const everything = [...warnings, main.stdout, main.stderr, run.summary, stateText]
  if (metadata.runs.post && postCondition(metadata.runs['post-if'], main.exitCode === 0)) {
    const postFiles = stepFiles(prepared.dir)
    const post = await step('post', stepEnv(prepared, postFiles, state))
    run.post = { ...post, summary: read(postFiles.summary) }
    everything.push(post.stdout, post.stderr, run.post.summary, read(postFiles.state))
  }
  run.everything = everything.join('\n')
  return run
}

/** Spawns node on runs.main (and runs.post) from action.yml, as the runner does. */
export async function runDist(inputs: Inputs, options: RunOptions = {}): Promise<ActionRun> {
  const prepared = prepare(inputs, { ...options, debug: options.debug ?? true }, mkdtempSync(join(tmpdir(), 'action-run-')))
  const inherited: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !RUNNER_OWNED.test(k)) inherited[k] = v
  return runSteps(prepared, (which, env) => {
    const script = join(prepared.actionPath, which === 'main' ? prepared.metadata.runs.main : prepared.metadata.runs.post!)
    return new Promise((done, fail) => {
      const spawned = performance.now()
      const child = spawn(process.execPath, [script], { env: { ...inherited, ...env }, cwd: prepared.workspace })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
      child.on('error', fail)
      child.on('close', (code) => {
        if (which === 'main') options.onMainExit?.(performance.now() - spawned)
        done({ exitCode: code ?? 1, stdout, stderr })
      })
    })
  })
}

/** In-process runs share one folder: @actions/core caches the summary file's path for the process's life. */
let inProcessDir: string | undefined

/**
 * Runs src/ in this process (jest), with the same metadata, inputs and files as runDist: the main step
 * is src/main.ts's run(), a post step src/post.ts's run() (the convention of @github/local-action).
 */
export async function runSource(inputs: Inputs, options: RunOptions = {}): Promise<ActionRun> {
  inProcessDir ??= mkdtempSync(join(tmpdir(), 'action-run-'))
  const prepared = prepare(inputs, { ...options, debug: options.debug ?? true }, inProcessDir)
  return runSteps(prepared, runStepInProcess)
}

/**
 * One step of src/ in this process: the environment is the step's alone while it runs (the runner's own
 * variables of the caller removed), and stdout and the exit code are the step's.
 */
export async function runStepInProcess(
  which: 'main' | 'post',
  env: Record<string, string>
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const saved = { ...process.env }
  for (const key of Object.keys(process.env)) if (RUNNER_OWNED.test(key)) delete process.env[key]
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
    const entry = (which === 'main' ? await import('../src/main.js') : await import('../src/post.js')) as { run: () => Promise<void> }
    await entry.run()
  } finally {
    process.stdout.write = write
  }
  const exitCode = Number(process.exitCode ?? 0)
  process.exitCode = exitBefore
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
  Object.assign(process.env, saved)
  return { exitCode, stdout, stderr: '' }
}

/** Non-GET requests in the emulator's log after `since` (token requests excluded: reading a token writes nothing). */
export async function writesSince(emu: Emulator, since: number): Promise<string[]> {
  return emu.log
    .since(since)
    .filter((e) => e.method !== 'GET' && !/\/oauth2\/(token|introspect)$/.test(e.path.split('?')[0]))
    .map((e) => `${e.method} ${e.path}`)
}
