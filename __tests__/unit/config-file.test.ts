import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closest, parseConfigFile, readConfigFile, type ConfigEntry } from '../../src/config/file.js'
import { DEFAULTS, InputError, readConfig, type GetInput } from '../../src/inputs.js'

/** The `config` file layer: YAML in, one getInput per entry out, or one InputError naming every problem. */

/** Step inputs as the runner passes them: the declared defaults for what the step does not set. */
const stepInputs = (over: Record<string, string> = {}): GetInput => {
  const given: Record<string, string> = { ...DEFAULTS, 'asgardeo-client-secret': 'mgmt-secret', 'choreo-token': 'pat', ...over }
  return (name) => given[name] ?? ''
}

const parse = (text: string, over: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): ConfigEntry[] =>
  parseConfigFile(text, 'services/apis.yaml', stepInputs(over), env)

const problems = (text: string, over: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): string[] => {
  try {
    parse(text, over, env)
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as InputError).problems
  }
  throw new Error('expected an InputError')
}

const ISSUE_EXAMPLE = `defaults:
  asgardeo-org: acme
  choreo-org: acme
apis:
  items:
    api: Items API
    scopes: |
      read: GET /items, GET /items/{id}
    token-scopes: read
  orders:
    api-id: 6b4c5a2e-1f0d-4c3b-9a8e-7d6c5b4a3f21
    scopes: |
      read: GET /orders
`

describe('layering', () => {
  const entries = parse(ISSUE_EXAMPLE, { 'asgardeo-client-id': 'mgmt-client', prune: 'true', api: 'Step API' })
  const [items, orders] = entries

  test('one entry per key of apis, in file order', () => {
    expect(entries.map((e) => e.name)).toEqual(['items', 'orders'])
  })

  test('the entry value first, then defaults, then the step input, then empty', () => {
    expect(items.get('api')).toBe('Items API')
    expect(orders.get('api')).toBe('Step API')
    expect(orders.get('api-id')).toBe('6b4c5a2e-1f0d-4c3b-9a8e-7d6c5b4a3f21')
    expect(items.get('api-id')).toBe('')
    expect(items.get('asgardeo-org')).toBe('acme')
    expect(items.get('asgardeo-client-id')).toBe('mgmt-client')
    expect(items.get('prune')).toBe('true')
    expect(items.get('scope-prefix')).toBe('')
  })

  test('secrets come from the step only', () => {
    expect(items.get('asgardeo-client-secret')).toBe('mgmt-secret')
    expect(orders.get('choreo-token')).toBe('pat')
  })

  test('an entry value overrides defaults, and an empty one clears it back to the action default', () => {
    const [a, b, c] = parse(
      'defaults:\n  token-scopes: read\n  prune: true\napis:\n  a:\n    token-scopes: write\n  b:\n    token-scopes: ""\n    prune:\n  c:\n'
    )
    expect([a.get('token-scopes'), b.get('token-scopes'), c.get('token-scopes')]).toEqual(['write', '', 'read'])
    expect([a.get('prune'), b.get('prune'), c.get('prune')]).toEqual(['true', '', 'true'])
  })

  test('YAML numbers and booleans arrive as written, multi-line text as is', () => {
    const [e] = parse(
      'apis:\n  e:\n    api-version: 1.0\n    deploy: false\n    adopt: True\n    owner: 012\n    scopes: |\n      a: GET /a\n      b: GET /b\n'
    )
    expect(e.get('api-version')).toBe('1.0')
    expect(e.get('deploy')).toBe('false')
    expect(e.get('adopt')).toBe('True')
    expect(e.get('owner')).toBe('012')
    expect(e.get('scopes')).toBe('a: GET /a\nb: GET /b\n')
  })

  test('anchors and aliases work for values and whole entries', () => {
    const [a, b] = parse('apis:\n  a:\n    api: A\n    scopes: &s |\n      read: GET /x\n  b: &b\n    api: B\n    scopes: *s\n')
    expect(b.get('scopes')).toBe(a.get('scopes'))
    const [, copy] = parse('apis:\n  a: &e\n    api: A\n  b: *e\n')
    expect(copy.get('api')).toBe('A')
  })

  test("each entry's getInput gives readConfig a whole, valid configuration", () => {
    const config = readConfig(items.get, { GITHUB_REPOSITORY: 'acme/platform' })
    expect(config.api.name).toBe('Items API')
    expect(config.tokenScopes).toEqual(['read'])
    expect(config.prune).toBe(true)
    expect(config.timeoutSeconds).toBe(300)
    // The step's api reaches orders too, beside its api-id: readConfig then says so, as for a single step.
    expect(() => readConfig(orders.get, {})).toThrow('Give either "api" or "api-id", not both.')
    const [alone] = parse(ISSUE_EXAMPLE, { 'asgardeo-client-id': 'mgmt-client' }).slice(1)
    expect(readConfig(alone.get, {}).api).toEqual({ id: '6b4c5a2e-1f0d-4c3b-9a8e-7d6c5b4a3f21', name: undefined, version: undefined })
  })
})

describe('${VAR}', () => {
  const env = { ORG: 'acme', API_NAME: 'Items API', EMPTY: '' }

  test('is replaced from the environment, in defaults and entries, anywhere in a value', () => {
    const [e] = parse(
      'defaults:\n  asgardeo-org: ${ORG}\napis:\n  e:\n    api: ${API_NAME}\n    owner: team-${ORG}/x\n    scope-prefix: ${EMPTY}\n',
      {},
      env
    )
    expect(e.get('asgardeo-org')).toBe('acme')
    expect(e.get('api')).toBe('Items API')
    expect(e.get('owner')).toBe('team-acme/x')
    expect(e.get('scope-prefix')).toBe('')
  })

  test('$${VAR} is a literal ${VAR}; nothing else is expanded', () => {
    const [e] = parse('apis:\n  e:\n    owner: $${ORG} and $ORG and $$ and ${ORG}\n', {}, env)
    expect(e.get('owner')).toBe('${ORG} and $ORG and $$ and acme')
  })

  test('an undefined variable is an error naming it, the entry and the key', () => {
    expect(problems('apis:\n  items:\n    api: ${MISSING_NAME}\n', {}, env)).toEqual([
      expect.stringMatching(/^config \(services\/apis\.yaml:3\) apis\.items\.api: the environment variable MISSING_NAME is not set;/)
    ])
  })

  test('a GitHub expression or a malformed placeholder is an error saying what to write instead', () => {
    const found = problems('apis:\n  e:\n    api: ${{ vars.API }}\n    owner: ${bad-name}\n    scope-prefix: ${ORG\n', {}, env)
    expect(found).toEqual([
      expect.stringContaining('apis.e.api: ${{ … }} is a GitHub expression'),
      expect.stringContaining('apis.e.owner: "${bad-name}" is not a variable'),
      expect.stringContaining('apis.e.scope-prefix: "${ORG" is not a variable')
    ])
  })
})

describe('keys that are refused', () => {
  test('secrets, anywhere, without echoing the value', () => {
    const found = problems('defaults:\n  choreo-token: pat-123\napis:\n  e:\n    password: hunter2\n    client-secret: s\n')
    expect(found).toEqual([
      expect.stringMatching(
        /^config \(services\/apis\.yaml:2\) defaults\.choreo-token: choreo-token is a secret, and secrets stay step inputs/
      ),
      expect.stringContaining('apis.e.password: password is a secret'),
      expect.stringContaining('apis.e.client-secret: client-secret is a secret')
    ])
    expect(found.join('\n')).not.toMatch(/pat-123|hunter2/)
  })

  test('a run-wide key inside an entry, but not under defaults', () => {
    expect(problems('defaults:\n  timeout-seconds: 600\napis:\n  e:\n    choreo-org: other\n    mode: plan\n')).toEqual([
      expect.stringContaining('apis.e.choreo-org: choreo-org applies to the whole run: set it under defaults or as a step input.'),
      expect.stringContaining('apis.e.mode: mode applies to the whole run')
    ])
  })

  test('smoke-test and token-mode keys, saying why', () => {
    const found = problems('apis:\n  e:\n    smoke-test: GET /x\n    smoke-wait-seconds: 5\n    client-id: x\n    config: other.yaml\n')
    expect(found).toEqual([
      expect.stringContaining(
        'apis.e.smoke-test: smoke-test is not a config key: smoke tests do not run per entry; smoke-test in a later step'
      ),
      expect.stringContaining('apis.e.smoke-wait-seconds: smoke-wait-seconds is not a config key'),
      expect.stringContaining('apis.e.client-id: client-id is not a config key: it belongs to `mode: token`'),
      expect.stringContaining('apis.e.config: config is not a config key')
    ])
  })

  test('mode: token, in the file or as the step input', () => {
    expect(problems('defaults:\n  mode: Token\napis:\n  e:\n')).toEqual([
      expect.stringMatching(/^config \(services\/apis\.yaml:2\) defaults\.mode: token, which exchanges this job's id-token/)
    ])
    expect(problems('apis:\n  e:\n', { mode: 'token' })).toEqual([expect.stringMatching(/^Input "mode" is token/)])
    expect(parse('defaults:\n  mode: plan\napis:\n  e:\n', { mode: 'token' })[0].get('mode')).toBe('plan')
  })

  test('step inputs that cannot go with config, unless they hold only their declared default', () => {
    expect(problems('apis:\n  e:\n', { 'smoke-test': 'GET /items -> 200', revoke: 'false' })).toEqual([
      'Input "revoke" cannot be combined with "config": it belongs to `mode: token`, which does not take a config file.',
      expect.stringMatching(/^Input "smoke-test" cannot be combined with "config": smoke tests do not run per entry/)
    ])
    expect(() => parse('apis:\n  e:\n', { revoke: 'true', 'smoke-wait-seconds': '120' })).not.toThrow()
  })
})

describe('unknown keys', () => {
  test('get a "did you mean" with the closest input', () => {
    expect(problems('defaults:\n  asgardeo_org: a\napis:\n  e:\n    scope: x\n    API: y\n    Token-Scope: z\n')).toEqual([
      expect.stringContaining('defaults.asgardeo_org: unknown key; did you mean asgardeo-org?'),
      expect.stringContaining('apis.e.scope: unknown key; did you mean scopes?'),
      expect.stringContaining('apis.e.API: unknown key; did you mean api?'),
      expect.stringContaining('apis.e.Token-Scope: unknown key; did you mean token-scopes?')
    ])
  })

  test('in an entry, a near run-wide key says where it goes', () => {
    expect(problems('apis:\n  e:\n    choreo-orgs: a\n')).toEqual([
      expect.stringContaining('apis.e.choreo-orgs: unknown key; did you mean choreo-org (under defaults: it applies to the whole run)?')
    ])
  })

  test('nothing close: a pointer to the inputs', () => {
    expect(problems('apis:\n  e:\n    colour: blue\n')).toEqual([
      expect.stringContaining("apis.e.colour: unknown key; the keys are the action's input names")
    ])
  })

  test('at the top level: the two keys, and inputs put there by mistake', () => {
    expect(problems('default:\n  api: x\nasgardeo-org: acme\nextras: 1\napis:\n  e:\n')).toEqual([
      expect.stringContaining('default: unknown key; did you mean defaults?'),
      expect.stringContaining('asgardeo-org: inputs go under "defaults"'),
      expect.stringContaining('extras: unknown key; the file has two keys')
    ])
  })

  test('closest forgives case and "_" and refuses what is far', () => {
    expect(closest('TOKEN_SCOPES', ['scopes', 'token-scopes'])).toBe('token-scopes')
    expect(closest('zzz', ['api', 'owner'])).toBeUndefined()
  })
})

describe('entries', () => {
  test('names must start with a letter and suit fromJSON(…).<name>', () => {
    const found = problems('apis:\n  1st:\n  my api:\n  ok-name_2:\n  "x.y":\n')
    expect(found).toEqual([
      expect.stringContaining('apis.1st: the entry name must start with a letter'),
      expect.stringContaining('apis.my api: the entry name must start with a letter'),
      expect.stringContaining('apis.x.y: the entry name must start with a letter')
    ])
    expect(problems(`apis:\n  ${'a'.repeat(65)}:\n`)).toEqual([expect.stringContaining('(at most 64)')])
    expect(parse(`apis:\n  ${'a'.repeat(64)}:\n`)).toHaveLength(1)
  })

  test('names that differ only in case are refused: expressions read them case-insensitively', () => {
    expect(problems('apis:\n  Items:\n  items:\n')).toEqual([
      expect.stringContaining('apis.items: differs from the entry "Items" only in case')
    ])
  })

  test('at least one, at most 100', () => {
    expect(problems('apis: {}\n')).toEqual([expect.stringContaining('apis: lists no API')])
    expect(problems('apis:\n')).toEqual([expect.stringContaining('apis: must be a mapping')])
    expect(problems('defaults:\n  api: x\n')).toEqual([expect.stringContaining('"apis" is missing')])
    const many = (n: number): string => `apis:\n${Array.from({ length: n }, (_, i) => `  api${i}:\n`).join('')}`
    expect(parse(many(100))).toHaveLength(100)
    expect(problems(many(101))).toEqual([
      expect.stringContaining('apis: lists 101 APIs; one run takes at most 100 (Asgardeo allows about 200 requests a minute')
    ])
  })

  test('an entry or defaults that is not a mapping', () => {
    expect(problems('defaults: [a]\napis:\n  e: just text\n')).toEqual([
      expect.stringContaining('defaults: must be a mapping'),
      expect.stringContaining('apis.e: must be a mapping')
    ])
  })
})

describe('values', () => {
  test('lists and mappings are refused, naming the block form', () => {
    expect(problems('apis:\n  e:\n    scopes:\n      - read: GET /a\n    environments: { a: 1 }\n')).toEqual([
      expect.stringContaining(
        'apis.e.scopes: is a list; give one value (text, a number or true/false), several lines as a block: "scopes: |"'
      ),
      expect.stringContaining('apis.e.environments: is a mapping; give one value')
    ])
  })
})

describe('the YAML itself', () => {
  test('a duplicate key is an error naming it and its line', () => {
    expect(problems('apis:\n  e:\n    api: A\n    api: B\n')).toEqual([
      'config (services/apis.yaml:4): "api" is set twice in the same mapping; keep one.'
    ])
    expect(problems("apis:\n  'e':\n  e:\n    x: 1\n")).toEqual([
      'config (services/apis.yaml:3): "e" is set twice in the same mapping; keep one.'
    ])
  })

  test('a syntax error names the line', () => {
    expect(problems('apis:\n  e:\n    api: "unclosed\n')).toEqual([
      expect.stringMatching(/^config \(services\/apis\.yaml:\d\): not valid YAML: Missing closing "quote\.$/)
    ])
  })

  test('an empty file or a file that is not a mapping', () => {
    expect(problems('')).toEqual([expect.stringContaining('the file must be a mapping with "apis"')])
    expect(problems('- a\n- b\n')).toEqual([expect.stringContaining('the file must be a mapping with "apis"')])
  })

  test('every problem at once, in one InputError', () => {
    const found = problems('defaults:\n  choreo-token: x\napis:\n  e:\n    choreo-org: y\n    scope: z\n    api: ${NOPE}\n')
    expect(found).toHaveLength(4)
  })
})

describe('readConfigFile', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'config-file-'))
  mkdirSync(join(workspace, 'services'))
  writeFileSync(join(workspace, 'services', 'apis.yaml'), 'apis:\n  items:\n    api: Items API\n')

  test('reads a path relative to GITHUB_WORKSPACE', () => {
    const entries = readConfigFile('services/apis.yaml', stepInputs(), { GITHUB_WORKSPACE: workspace })
    expect(entries.map((e) => [e.name, e.get('api')])).toEqual([['items', 'Items API']])
  })

  test('an absolute path as is', () => {
    expect(readConfigFile(join(workspace, 'services', 'apis.yaml'), stepInputs(), {})).toHaveLength(1)
  })

  test('a missing file is an InputError naming the input, the path and the fix', () => {
    expect(() => readConfigFile('services/nope.yaml', stepInputs(), { GITHUB_WORKSPACE: workspace })).toThrow(
      new InputError([
        `Input "config" names services/nope.yaml, which does not exist (looked for ${join(workspace, 'services', 'nope.yaml')}): give the file's path relative to the repository root, and check out the repository (actions/checkout) before this step.`
      ])
    )
  })

  test('a directory (unreadable as a file) is an InputError naming the input', () => {
    expect(() => readConfigFile('services', stepInputs(), { GITHUB_WORKSPACE: workspace })).toThrow(
      /^Input "config": cannot read services \(EISDIR\)/
    )
  })

  test('problems name the path as given', () => {
    writeFileSync(join(workspace, 'bad.yaml'), 'apis:\n  e:\n    scope: x\n')
    expect(() => readConfigFile('bad.yaml', stepInputs(), { GITHUB_WORKSPACE: workspace })).toThrow(
      /^config \(bad\.yaml:3\) apis\.e\.scope: unknown key/
    )
  })
})
