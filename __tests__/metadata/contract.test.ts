import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadActionMetadata } from '../../scripts/action-metadata.js'
import { emulatorInputs, runSource } from '../../scripts/local-runner.js'
import { DEFAULTS, readConfig } from '../../src/inputs.js'
import { useEmulator } from '../support/emulator.js'

/** action.yml and the code agree: the inputs read, their defaults, the outputs set. */

const meta = loadActionMetadata('.')
const declaredInputs = Object.keys(meta.inputs).sort()
const declaredOutputs = Object.keys(meta.outputs).sort()

function sources(dir = 'src'): { file: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') ? [{ file: path, text: readFileSync(path, 'utf8') }] : []
  })
}
const src = sources()
const all = (re: RegExp, text: string): string[] => [...text.matchAll(re)].map((m) => m[1])
const unique = (names: string[]): string[] => [...new Set(names)].sort()

/** Input names the code reads: readConfig's get('…') / required('…'), core.getInput('…') and friends, *_INPUTS lists. */
const readByCode = unique(
  src.flatMap(({ text }) => [
    ...all(/\b(?:get|required|getInput|getBooleanInput|getMultilineInput)\(\s*'([^']+)'/g, text),
    ...all(/[A-Z_]*INPUTS\s*=\s*\[([^\]]*)\]/g, text).flatMap((list) => all(/'([^']+)'/g, list))
  ])
)

describe('inputs', () => {
  test('the scan finds what readConfig reads', () => {
    expect(readByCode).toEqual(expect.arrayContaining(['asgardeo-org', 'scopes', 'mode', 'timeout-seconds']))
  })

  test('every input the code reads is declared in action.yml', () => {
    expect(readByCode.filter((n) => !meta.inputs[n])).toEqual([])
  })

  test('every input action.yml declares is read by the code', () => {
    expect(declaredInputs.filter((n) => !readByCode.includes(n))).toEqual([])
  })

  test('what readConfig asks for at run time is declared (both grants)', () => {
    const asked = new Set<string>()
    const given: Record<string, string> = { 'asgardeo-org': 'acme', scopes: 'read: GET /items', api: 'Items API' }
    for (const grant of ['client_credentials', 'password']) {
      try {
        readConfig((name) => {
          asked.add(name)
          return name === 'grant-type' ? grant : (given[name] ?? '')
        })
      } catch {
        // Missing required inputs: this test only records the names asked for.
      }
    }
    expect([...asked].filter((n) => !meta.inputs[n])).toEqual([])
    expect(asked.has('username')).toBe(true)
  })
})

describe('defaults', () => {
  test("src/inputs.ts's DEFAULTS are action.yml's defaults, and nothing else has one", () => {
    const declared = Object.fromEntries(
      Object.entries(meta.inputs)
        .filter(([, i]) => i.default)
        .map(([n, i]) => [n, i.default])
    )
    expect({ ...DEFAULTS }).toEqual(declared)
  })

  test('a fallback written in code agrees with action.yml', () => {
    // Fallbacks outside DEFAULTS: get('x') || 'v', bool(get('x'), true|false, …).
    const fallbacks = src.flatMap(({ file, text }) => [
      ...[...text.matchAll(/\bget\('([^']+)'\)\s*\|\|\s*'([^']*)'/g)].map((m) => ({ file, input: m[1], code: m[2] })),
      ...[...text.matchAll(/\bbool\(get\('([^']+)'\),\s*(true|false)\b/g)].map((m) => ({ file, input: m[1], code: m[2] }))
    ])
    const disagree = fallbacks.filter((f) => (meta.inputs[f.input]?.default || f.code) !== f.code)
    expect(disagree).toEqual([])
  })

  test('readConfig applies DEFAULTS to inputs left empty', () => {
    const given: Record<string, string> = {
      'asgardeo-org': 'acme',
      'asgardeo-client-id': 'client',
      'asgardeo-client-secret': 'secret',
      'choreo-org': 'acme',
      'choreo-token': 'pat',
      api: 'Items API',
      scopes: 'read: GET /items'
    }
    const config = readConfig((name) => given[name] ?? '')
    expect(config).toMatchObject({
      mode: DEFAULTS.mode,
      asgardeo: { url: DEFAULTS['asgardeo-url'] },
      choreo: { url: DEFAULTS['choreo-url'], consoleUrl: DEFAULTS['choreo-console-url'] },
      keyManager: DEFAULTS['key-manager'],
      throttlingPolicy: DEFAULTS['throttling-policy'],
      deploy: DEFAULTS.deploy === 'true',
      prune: DEFAULTS.prune === 'true',
      timeoutSeconds: Number(DEFAULTS['timeout-seconds']),
      grant: { type: DEFAULTS['grant-type'] }
    })
  })
})

describe('outputs', () => {
  const setters = src.filter(({ text }) => /\b(?:setOutput|output|tokenOutput)\(/.test(text))
  /** Names the code sets: output('…') literals (src/output.ts), and the keys of the name → value tables it loops over. */
  const setLiterally = unique(setters.flatMap(({ text }) => all(/\b(?:setOutput|output|tokenOutput)\(\s*'([^']+)'/g, text)))
  const named = unique(setters.flatMap(({ text }) => [...setLiterally, ...all(/'([a-z][a-z0-9-]*)'\s*:/g, text)]))

  test('every output set by name is declared', () => {
    expect(setLiterally.length).toBeGreaterThan(0)
    expect(setLiterally.filter((n) => !meta.outputs[n])).toEqual([])
  })

  test('every declared output is set by the code', () => {
    expect(declaredOutputs.filter((n) => !named.includes(n))).toEqual([])
  })

  describe('at run time', () => {
    const emu = useEmulator()
    test('an apply run sets only declared outputs, and all of them', async () => {
      // With a smoke test, so that smoke-results is set too.
      const run = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', 'smoke-test': 'GET /items -> 200' }), { debug: false })
      expect(run.exitCode).toBe(0)
      expect(run.warnings).toEqual([]) // the tests' inputs are all declared
      expect(Object.keys(run.outputs).filter((n) => !meta.outputs[n])).toEqual([])
      // `results` is the output of a config run, and only of one.
      expect(declaredOutputs.filter((n) => !(n in run.outputs))).toEqual(['results'])

      const workspace = mkdtempSync(join(tmpdir(), 'contract-'))
      writeFileSync(join(workspace, 'apis.yaml'), 'apis:\n  items:\n    token-scopes: read\n')
      const many = await runSource(emulatorInputs(emu, { config: 'apis.yaml' }), { debug: false, workspace })
      expect(many.exitCode).toBe(0)
      expect(many.warnings).toEqual([])
      expect(Object.keys(many.outputs).sort()).toEqual(['changed', 'plan', 'results'])
      expect(Object.keys(JSON.parse(many.outputs.results).items as object)).toEqual(
        expect.arrayContaining(['access-token', 'scopes', 'client-id', 'choreo-api-id', 'changed'])
      )
    })
  })
})
