import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  ROOT,
  envInputProblems,
  inputProblems,
  loadAction,
  loadWorkflow,
  localActionSteps,
  matrixValues,
  npmScriptProblems,
  outputProblems,
  parseStrict,
  permissionProblems,
  pinConsistencyProblems,
  pinningProblems,
  workflowFiles,
  type Workflow
} from '../support/workflows.js'
import { occursInSource, sourceMessages } from '../support/source-messages.js'

const action = loadAction()
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
const files = workflowFiles()
const workflows = files.map((f) => loadWorkflow(f))
const byName = (file: string): Workflow => workflows.find((w) => w.file === file)!

test('the workflows of a well-kept action are there', () => {
  expect(files).toEqual(expect.arrayContaining(['ci.yml', 'check-dist.yml', 'e2e.yml', 'codeql.yml']))
})

describe.each(files)('%s', (file) => {
  const wf = byName(file)

  test('every third-party action is pinned to a full commit SHA with its version in a comment', () => {
    expect(pinningProblems(wf)).toEqual([])
  })

  test('permissions: read-only at the top, writes only in the job that needs them', () => {
    expect(permissionProblems(wf)).toEqual([])
  })

  test('uses: ./ gets only inputs action.yml declares, and every required one', () => {
    expect(inputProblems(wf, action)).toEqual([])
    expect(envInputProblems(wf, action)).toEqual([])
  })

  test('step references name real steps, and outputs action.yml declares', () => {
    expect(outputProblems(wf, action)).toEqual([])
  })

  test('every npm run names a package.json script', () => {
    expect(npmScriptProblems(wf, scripts)).toEqual([])
  })
})

test('one version per pinned SHA, one SHA per action, across all workflows', () => {
  expect(pinConsistencyProblems(workflows)).toEqual([])
})

test('ci: lint, type-check, and the tests with coverage on Node 20 and on the runtime of action.yml', () => {
  const ci = byName('ci.yml')
  const runs = JSON.stringify(ci.data.jobs)
  expect(runs).toContain('npm run lint')
  expect(runs).toContain('npm run typecheck')
  expect(runs).toContain('npm run test:coverage')
  expect(scripts['test:coverage']).toMatch(/--coverage\b/)
  const runtime = Number(/^node(\d+)$/.exec(action.runs.using)![1])
  expect(matrixValues(ci, 'test', 'node')).toEqual(expect.arrayContaining([20, runtime]))
})

test('check-dist: rebuilds dist/, fails on a difference and uploads the expected bundle', () => {
  const steps: any[] = byName('check-dist.yml').data.jobs['check-dist'].steps
  const build = steps.findIndex((s) => /npm run build/.test(s.run ?? ''))
  const diff = steps.findIndex((s) => s.id === 'diff')
  const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))
  expect(build).toBeGreaterThan(-1)
  expect(diff).toBeGreaterThan(build)
  expect(steps[diff].run).toMatch(/git (status --porcelain|diff).*dist/)
  expect(upload.if).toMatch(/failure\(\).*steps\.diff\.outcome == 'failure'/)
  expect(upload.with.path).toMatch(/^dist\/?$/)
})

describe('e2e: the action as a user runs it, against the emulator', () => {
  const e2e = byName('e2e.yml')
  const jobs = Object.entries<any>(e2e.data.jobs)

  test('every job waits for the emulator before using the action', () => {
    for (const [, job] of jobs) {
      const start = job.steps.findIndex((s: any) => /npm run emulator.*&/.test(s.run ?? '') && /__emulator\/health/.test(s.run))
      const first = job.steps.findIndex((s: any) => s.uses === './')
      expect(start).toBeGreaterThan(-1)
      expect(first).toBeGreaterThan(start)
    }
  })

  test('a first run, then a re-run with the same inputs that must report changed == false', () => {
    const [first, rerun] = localActionSteps(e2e).filter((s) => s.job === 'apply')
    expect(rerun.with).toEqual(first.with)
    const checks = JSON.stringify(e2e.data.jobs.apply.steps)
    expect(checks).toMatch(new RegExp(`steps\\.${rerun.id}\\.outputs\\.changed`))
    expect(checks).toMatch(/\\"\$CHANGED\\" = false/)
  })

  test('a scoped call through the emulated gateway, retried within bounds', () => {
    const call = e2e.data.jobs.apply.steps.find((s: any) => /\/gateway\//.test(JSON.stringify(s.env ?? {}) + (s.run ?? '')))
    expect(call.run).toMatch(/for _ in \$\(seq 1 \d+\)/)
    expect(call.run).toMatch(/= 200/)
    expect(call.run).toMatch(/= 403/)
  })

  test('the failing cases: the step fails, and a direct run of dist/ prints the expected message', () => {
    const job = e2e.data.jobs['must-fail']
    const failing = job.steps.find((s: any) => s.uses === './')
    expect(failing['continue-on-error']).toBe(true)
    expect(JSON.stringify(job.steps)).toContain(`steps.${failing.id}.outcome`)
    expect(JSON.stringify(job.steps)).toMatch(/\\"\$OUTCOME\\" = failure/)
    const cases: any[] = job.strategy.matrix.include
    expect(cases.map((c) => c.case)).toEqual(expect.arrayContaining([expect.stringMatching(/wrong/), expect.stringMatching(/unknown API/)]))
    // Each expected message is one the code prints, whole, with the values this case fills in.
    const patterns = sourceMessages()
    const unknown = cases.map((c) => String(c.message)).filter((m) => !occursInSource(m, patterns))
    expect(unknown).toEqual([])
  })
})

test('codeql: javascript-typescript, security-events: write only in the analysing job', () => {
  const codeql = byName('codeql.yml')
  const [[, job]] = Object.entries<any>(codeql.data.jobs)
  const init = job.steps.find((s: any) => String(s.uses).startsWith('github/codeql-action/init@'))
  expect(init.with.languages).toBe('javascript-typescript')
  expect(job.permissions['security-events']).toBe('write')
  expect(codeql.data.permissions['security-events']).toBeUndefined()
})

test('dependabot updates npm and the pinned actions', () => {
  const path = join(ROOT, '.github', 'dependabot.yml')
  expect(existsSync(path)).toBe(true)
  const config = parseStrict('dependabot.yml', readFileSync(path, 'utf8')).toJS()
  expect(config.version).toBe(2)
  expect(config.updates.map((u: any) => u['package-ecosystem'])).toEqual(expect.arrayContaining(['npm', 'github-actions']))
})

describe('the checks catch what they are for', () => {
  // .github/workflows/ci.yml before issue 6: a plain scalar with ": " and actions pinned to a moving tag.
  const before = `name: ci
on:
  pull_request:
permissions:
  contents: read
jobs:
  use-action:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 24
      - id: auth
        uses: ./
        with:
          asgardeo-org: acme
      - name: Call a scoped operation through the emulated gateway
        run: curl --fail -H "Authorization: Bearer $TOKEN" http://127.0.0.1:4010/gateway/Production/items-api/v1.0/items
`

  test('the ci.yml of before does not parse', () => {
    expect(() => loadWorkflow('ci.yml', before)).toThrow(/ci\.yml is not valid YAML/)
  })

  test('and once it parses, its tags, its inputs and its outputs are refused', () => {
    const wf = loadWorkflow(
      'ci.yml',
      before.replace('run: curl', "run: 'curl").replace(/items\n$/, "items'\n") +
        '        env:\n          TOKEN: ${{ steps.auth.outputs.token }}\n          ALSO: ${{ steps.nope.outcome }}\n'
    )
    expect(pinningProblems(wf)).toEqual([
      'ci.yml: actions/checkout@v4 is not pinned to a full commit SHA',
      'ci.yml: actions/checkout@v4 has no "# vX.Y.Z" comment naming its version',
      'ci.yml: actions/setup-node@v4 is not pinned to a full commit SHA',
      'ci.yml: actions/setup-node@v4 has no "# vX.Y.Z" comment naming its version'
    ])
    // Inputs needed only outside mode: token are not required in action.yml; the check is about required ones.
    const strict = structuredClone(action)
    for (const name of ['asgardeo-client-id', 'scopes']) strict.inputs![name].required = true
    expect(inputProblems(wf, strict)).toEqual(
      expect.arrayContaining([
        'ci.yml: job use-action, step auth omits the required input "asgardeo-client-id"',
        'ci.yml: job use-action, step auth omits the required input "scopes"'
      ])
    )
    expect(outputProblems(wf, action)).toEqual([
      'ci.yml: job use-action reads steps.auth.outputs.token, not an output of action.yml',
      'ci.yml: job use-action reads steps.nope, which is no step of that job'
    ])
  })

  test('a SHA without its version comment, a write at the top, an undeclared input, a missing script', () => {
    const wf = loadWorkflow(
      'x.yml',
      `on: push
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1
      - uses: ./
        with: { asgardeo-orgg: acme }
      - run: env "INPUT_CHOREO-TOKENS=x" node dist/index.js && npm run nope
`
    )
    expect(pinningProblems(wf)).toEqual([
      'x.yml: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 has no "# vX.Y.Z" comment naming its version'
    ])
    expect(permissionProblems(wf)).toEqual(['x.yml: top-level permissions: write-all; list each scope'])
    expect(inputProblems(wf, action)).toContain('x.yml: job a, step (no id) gives "asgardeo-orgg", not an input of action.yml')
    expect(envInputProblems(wf, action)).toEqual(['x.yml: job a sets INPUT_CHOREO-TOKENS, not an input of action.yml'])
    expect(npmScriptProblems(wf, scripts)).toEqual(['x.yml: job a runs "npm run nope", which package.json does not define'])
    const twice = loadWorkflow(
      'y.yml',
      'on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@' + 'a'.repeat(40) + ' # v6.0.0\n'
    )
    expect(pinConsistencyProblems([wf, twice])).toEqual([
      `actions/checkout is pinned to both 3d3c42e5aac5ba805825da76410c181273ba90b1 and ${'a'.repeat(40)}`
    ])
    expect(permissionProblems(twice)).toEqual(['y.yml: no top-level permissions: (the default token may write)'])
  })
})
