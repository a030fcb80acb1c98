import { expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { writesSince } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'

/**
 * `npm run local-action` as documented: @github/local-action runs src/main.ts with the inputs of
 * .env.example, pointed at the emulator (here on an ephemeral port). local-action stubs @actions/core,
 * applies action.yml's defaults and reads action.yml with the `yaml` package: it fails on metadata
 * that does not parse. It does not set a failing exit code when the action fails (see its docs), so a
 * failure is read from the ::error:: line.
 */

const emu = useEmulator({}, { resetEach: false })

function envFile(overrides: Record<string, string> = {}): { path: string; summary: string } {
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'))
  const summary = join(dir, 'summary.md')
  let text = readFileSync('.env.example', 'utf8').replaceAll('http://127.0.0.1:4010', emu.url)
  text = text.replace(/^GITHUB_STEP_SUMMARY=.*$/m, `GITHUB_STEP_SUMMARY=${summary}`)
  for (const [name, value] of Object.entries(overrides)) text = text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`)
  const path = join(dir, '.env')
  writeFileSync(path, text)
  return { path, summary }
}

function localAction(env: string): Promise<{ code: number | null; out: string }> {
  const clean: Record<string, string> = { FORCE_COLOR: '0' }
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_)|^NODE_OPTIONS$/.test(k)) clean[k] = v
  return new Promise((done, fail) => {
    const child = spawn(resolve('node_modules/.bin/local-action'), ['run', '.', 'src/main.ts', env], { env: clean })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.on('error', fail)
    child.on('close', (code) => done({ code, out }))
  })
}

const secrets = () => [emu.state.seed.mgmtClientSecret, emu.state.seed.choreoPat]

test('package.json runs it as documented', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
  expect(pkg.scripts['local-action']).toBe('local-action run . src/main.ts .env')
  expect(existsSync('node_modules/@github/local-action/package.json')).toBe(true)
})

test('local-action runs the action against the emulator with .env.example: first run, then a no-op', async () => {
  const first = envFile()
  const run = await localAction(first.path)
  expect(run.code).toBe(0)
  expect(run.out).toContain('Running Action')
  expect(run.out).not.toContain('::error::')
  expect(run.out).toContain('::set-output name=changed::true')
  expect(run.out).toMatch(/::set-output name=granted-scopes::urn:acme:\S+:read\n/)
  expect(readFileSync(first.summary, 'utf8')).toContain('Asgardeo API resource')
  for (const secret of secrets()) expect(run.out).not.toContain(secret)

  const since = emu.log.lastSeq
  const second = await localAction(envFile().path)
  expect(second.out).toContain('::set-output name=changed::false')
  expect(await writesSince(emu, since)).toEqual([])
}, 90_000)

test('a failing run prints its error (local-action exits 0 regardless)', async () => {
  const run = await localAction(envFile({ 'INPUT_CHOREO-TOKEN': 'chp_wrong_token_value' }).path)
  expect(run.out).toMatch(/::error::.*choreo-token/)
  expect(run.out).not.toContain('chp_wrong_token_value')
}, 60_000)
