import { afterEach, describe, expect, test } from '@jest/globals'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inputVariable, postCondition, runDist, runSource } from '../../scripts/local-runner.js'

/** The runner harness itself: it must treat an action as the GitHub runner does. */

const MAIN = `
const fs = require('fs')
const seen = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)))
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'env<<EOF_1\\n' + JSON.stringify(seen) + '\\nEOF_1\\n')
fs.appendFileSync(process.env.GITHUB_STATE, 'session<<EOF_2\\nsess-42\\nEOF_2\\n')
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, '### main summary\\n')
console.log('main ran in ' + process.cwd())
process.exitCode = process.env['INPUT_FAIL'] === 'true' ? 1 : 0
`
const POST = `
const state = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('STATE_')))
console.log('post saw ' + JSON.stringify(state) + ' and greeting ' + process.env.INPUT_GREETING)
`
const ACTION = `name: fixture
description: Shows what the runner hands an action.
inputs:
  greeting:
    description: Has a default.
    default: hello
  who:
    description: Required, no default.
    required: true
  token-scopes:
    description: A hyphenated name.
    default: ''
  spaced name:
    description: A name with a space.
    default: s
  owner:
    description: An expression default.
    default: \${{ github.repository_owner }}
  old:
    description: Deprecated.
    deprecationMessage: use greeting
  fail:
    description: Makes main exit 1.
    default: 'false'
outputs:
  env:
    description: What main saw.
runs:
  using: node24
  main: lib/entry.js
  post: post.js
`

const dirs: string[] = []
function fixture(actionYml = ACTION): string {
  const dir = mkdtempSync(join(tmpdir(), 'harness-fixture-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'lib'))
  writeFileSync(join(dir, 'action.yml'), actionYml)
  writeFileSync(join(dir, 'lib/entry.js'), MAIN)
  writeFileSync(join(dir, 'post.js'), POST)
  writeFileSync(join(dir, 'package.json'), '{"type": "commonjs"}')
  return dir
}
afterEach(() => {
  delete process.env.INPUT_LEAKED
  delete process.env.GITHUB_LEAKED
  delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
})

describe('it refuses metadata the runner refuses', () => {
  test('action.yml as it was at d87f015 (not YAML)', async () => {
    const dir = fixture()
    copyFileSync('__tests__/metadata/fixtures/action.d87f015.yml', join(dir, 'action.yml'))
    await expect(runDist({}, { actionPath: dir })).rejects.toThrow(/action\.yml is not valid YAML:\nNested mappings/)
  })

  test('no runs.main, no runs.using, not a JavaScript action, no action.yml', async () => {
    await expect(runDist({}, { actionPath: fixture(ACTION.replace('  main: lib/entry.js\n', '')) })).rejects.toThrow('runs.main is missing')
    await expect(runDist({}, { actionPath: fixture(ACTION.replace('  using: node24\n', '')) })).rejects.toThrow('runs.using is missing')
    await expect(runDist({}, { actionPath: fixture(ACTION.replace('using: node24', 'using: docker')) })).rejects.toThrow(
      'runs.using is "docker"'
    )
    await expect(runDist({}, { actionPath: mkdtempSync(join(tmpdir(), 'harness-empty-')) })).rejects.toThrow('No action.yml or action.yaml')
  })

  test('a default it cannot evaluate', async () => {
    const dir = fixture(ACTION.replace('github.repository_owner', 'secrets.TOKEN'))
    await expect(runDist({ who: 'me' }, { actionPath: dir })).rejects.toThrow('The default of input "owner" uses ${{ secrets.TOKEN }}')
  })
})

describe('inputs as the runner sets them', () => {
  test('given ones as given, declared ones from their defaults, names mangled like the runner', async () => {
    const run = await runDist({ who: 'Mona' }, { actionPath: fixture(), debug: false })
    expect(run.exitCode).toBe(0)
    expect(run.warnings).toEqual([])
    const seen = JSON.parse(run.outputs.env) as Record<string, string>
    expect(Object.fromEntries(Object.entries(seen).filter(([k]) => k.startsWith('INPUT_')))).toEqual({
      INPUT_WHO: 'Mona',
      INPUT_GREETING: 'hello',
      'INPUT_TOKEN-SCOPES': '',
      INPUT_SPACED_NAME: 's',
      INPUT_OWNER: 'octo-org',
      INPUT_OLD: '',
      INPUT_FAIL: 'false'
    })
    expect(inputVariable('api-id')).toBe('INPUT_API-ID')
  })

  test("an undeclared input is passed on with the runner's warning, word for word", async () => {
    const run = await runDist({ who: 'Mona', colour: 'red', Greeting: 'hi' }, { actionPath: fixture() })
    expect(run.warnings).toEqual([
      "Unexpected input(s) 'colour', valid inputs are ['greeting', 'who', 'token-scopes', 'spaced name', 'owner', 'old', 'fail']"
    ])
    const seen = JSON.parse(run.outputs.env) as Record<string, string>
    expect(seen.INPUT_COLOUR).toBe('red')
    expect(seen.INPUT_GREETING).toBe('hi') // names compare case-insensitively: the given one wins over the default
    expect(run.everything).toContain("Unexpected input(s) 'colour'")
  })

  test('a deprecated input given draws its message', async () => {
    const run = await runDist({ who: 'Mona', old: 'x' }, { actionPath: fixture() })
    expect(run.warnings).toEqual(["Input 'old' has been deprecated with message: use greeting"])
  })
})

describe('only what a workflow sets', () => {
  test("the runner's files and variables; none of this process's INPUT_* or GITHUB_*; RUNNER_DEBUG only in debug", async () => {
    process.env.INPUT_LEAKED = 'from the parent'
    process.env.GITHUB_LEAKED = 'from the parent'
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'http://127.0.0.1:1/token' // stands in for permissions: id-token: write
    const workspace = mkdtempSync(join(tmpdir(), 'harness-ws-'))
    const quiet = await runDist({ who: 'Mona' }, { actionPath: fixture(), workspace, debug: false })
    const seen = JSON.parse(quiet.outputs.env) as Record<string, string>
    expect(seen.INPUT_LEAKED).toBeUndefined()
    expect(seen.GITHUB_LEAKED).toBeUndefined()
    expect(seen.ACTIONS_ID_TOKEN_REQUEST_URL).toBe('http://127.0.0.1:1/token')
    expect(seen.RUNNER_DEBUG).toBeUndefined()
    for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_ACTION_PATH'])
      expect(seen[name]).toBeTruthy()
    expect(seen.GITHUB_WORKSPACE).toBe(workspace)
    expect(quiet.stdout).toContain(`main ran in ${workspace}`)
    expect(quiet.summary).toBe('### main summary\n')
    const debug = await runDist({ who: 'Mona' }, { actionPath: fixture(), debug: true })
    expect((JSON.parse(debug.outputs.env) as Record<string, string>).RUNNER_DEBUG).toBe('1')
  })
})

describe('the post step', () => {
  test('runs after main with STATE_* from main and the same inputs; its output is in the run', async () => {
    const run = await runDist({ who: 'Mona' }, { actionPath: fixture() })
    expect(run.state).toEqual({ session: 'sess-42' })
    expect(run.post).toEqual({ exitCode: 0, stdout: 'post saw {"STATE_session":"sess-42"} and greeting hello\n', stderr: '', summary: '' })
  })

  test('post-if: always() by default, also after a failed main; success() and failure() in the simple sense', async () => {
    expect((await runDist({ who: 'Mona', fail: 'true' }, { actionPath: fixture() })).post?.exitCode).toBe(0)
    const onSuccess = fixture(ACTION.replace('  post: post.js\n', '  post: post.js\n  post-if: success()\n'))
    expect((await runDist({ who: 'Mona', fail: 'true' }, { actionPath: onSuccess })).post).toBeUndefined()
    expect((await runDist({ who: 'Mona' }, { actionPath: onSuccess })).post?.exitCode).toBe(0)
    expect(postCondition('${{ failure() }}', true)).toBe(false)
    expect(postCondition('failure()', false)).toBe(true)
    expect(() => postCondition("github.event_name == 'push'", true)).toThrow('beyond this harness')
  })

  test('no post step when action.yml declares none', async () => {
    const run = await runDist({ who: 'Mona' }, { actionPath: fixture(ACTION.replace('  post: post.js\n', '')) })
    expect(run.post).toBeUndefined()
  })
})

test("runSource (src/, in-process) applies action.yml's defaults too", async () => {
  const run = await runSource({ 'asgardeo-org': 'acme' }, { debug: false })
  expect(run.env).toMatchObject({
    INPUT_MODE: 'apply',
    'INPUT_TIMEOUT-SECONDS': '300',
    'INPUT_ASGARDEO-URL': 'https://api.asgardeo.io',
    INPUT_API: ''
  })
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toContain('Input "choreo-org" is required')
  // action.yml declares runs.post with the default post-if (always()): it runs, and with no token saved does nothing.
  expect(run.post?.exitCode).toBe(0)
})
