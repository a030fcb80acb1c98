import { describe, expect, test } from '@jest/globals'
import { parseConfigFile } from '../../src/config/file.js'
import { DEFAULTS } from '../../src/inputs.js'
import { schemaProblems } from '../support/config-schema.js'

/**
 * readConfigFile validates by hand (no validator in the bundle); config.schema.json is what editors use.
 * Both give the same verdict on every sample, except the few rules a schema cannot state, listed apart.
 */

const step = (name: string): string => DEFAULTS[name] ?? ''
const env = { ORG: 'acme' }
const accepted = (text: string): boolean => {
  try {
    parseConfigFile(text, 'sample.yaml', step, env)
    return true
  } catch {
    return false
  }
}
const entries = (n: number): string => `apis:\n${Array.from({ length: n }, (_, i) => `  api${i}:\n    api: API ${i}\n`).join('')}`

const good: [string, string][] = [
  [
    'the issue example',
    'defaults:\n  asgardeo-org: acme\n  choreo-org: acme\napis:\n  items:\n    api: Items API\n    scopes: |\n      read: GET /items, GET /items/{id}\n    token-scopes: read\n  orders:\n    api-id: 6b4c\n'
  ],
  ['only apis, an entry with nothing under it', 'apis:\n  items:\n'],
  ['empty defaults', 'defaults:\napis:\n  items:\n    api: Items API\n'],
  [
    'numbers and booleans',
    'defaults:\n  timeout-seconds: 600\n  mode: plan\napis:\n  a:\n    prune: true\n    api-version: 1.0\n    deploy: false\n'
  ],
  [
    'every run-wide key under defaults',
    'defaults:\n  mode: check\n  asgardeo-url: https://a\n  choreo-org-id: x\n  deploy-wait-seconds: 0\napis:\n  a:\n'
  ],
  ['anchors and aliases', 'apis:\n  a: &e\n    api: A\n    scopes: &s "read: GET /a"\n  b:\n    scopes: *s\n  c: *e\n'],
  ['${VAR} and $${ escapes', 'defaults:\n  asgardeo-org: ${ORG}\napis:\n  a:\n    owner: $${LITERAL}\n'],
  ['names with - and _, 64 long', `apis:\n  my-api_2:\n  ${'x'.repeat(64)}:\n`],
  ['100 entries', entries(100)]
]

const bad: [string, string][] = [
  ['a secret in defaults', 'defaults:\n  choreo-token: x\napis:\n  a:\n'],
  ['a secret in an entry', 'apis:\n  a:\n    asgardeo-client-secret: x\n'],
  ['the password in an entry', 'apis:\n  a:\n    password: x\n'],
  ['a run-wide key in an entry', 'apis:\n  a:\n    asgardeo-org: acme\n'],
  ['mode in an entry', 'apis:\n  a:\n    mode: plan\n'],
  ['mode: token under defaults', 'defaults:\n  mode: token\napis:\n  a:\n'],
  ['mode: Token under defaults', 'defaults:\n  mode: " Token"\napis:\n  a:\n'],
  ['smoke-test in an entry', 'apis:\n  a:\n    smoke-test: GET /x\n'],
  ['smoke-wait-seconds under defaults', 'defaults:\n  smoke-wait-seconds: 5\napis:\n  a:\n'],
  ['client-id in an entry', 'apis:\n  a:\n    client-id: x\n'],
  ['config in the file', 'defaults:\n  config: x.yaml\napis:\n  a:\n'],
  ['an unknown key', 'apis:\n  a:\n    scope: x\n'],
  ['an unknown top-level key', 'apis:\n  a:\nextra: 1\n'],
  ['an input at the top level', 'asgardeo-org: acme\napis:\n  a:\n'],
  ['a name starting with a digit', 'apis:\n  1a:\n'],
  ['a name with a space', 'apis:\n  my api:\n'],
  ['a name with a dot', 'apis:\n  "a.b":\n'],
  ['a name of 65', `apis:\n  ${'x'.repeat(65)}:\n`],
  ['no apis', 'defaults:\n  api: x\n'],
  ['apis empty', 'apis: {}\n'],
  ['apis null', 'apis:\n'],
  ['apis a list', 'apis:\n  - a\n'],
  ['an entry that is text', 'apis:\n  a: text\n'],
  ['defaults a list', 'defaults: [a]\napis:\n  a:\n'],
  ['a list value', 'apis:\n  a:\n    scopes:\n      - read: GET /a\n'],
  ['a mapping value', 'apis:\n  a:\n    environments: { Production: true }\n'],
  ['101 entries', entries(101)],
  ['a duplicate key', 'apis:\n  a:\n    api: A\n    api: B\n'],
  ['a duplicate entry', 'apis:\n  a:\n  a:\n'],
  ['not a mapping', '- a\n'],
  ['empty', '']
]

/** What only readConfigFile can check: the environment, and names GitHub expressions would confuse. */
const onlyReadConfigFile: [string, string][] = [
  ['an undefined ${VAR}', 'apis:\n  a:\n    api: ${UNDEFINED_HERE}\n'],
  ['a GitHub expression', 'apis:\n  a:\n    api: ${{ vars.API }}\n'],
  ['names that differ only in case', 'apis:\n  Items:\n  items:\n']
]

describe('both accept', () => {
  test.each(good)('%s', (_, text) => {
    expect(schemaProblems(text)).toEqual([])
    expect(accepted(text)).toBe(true)
  })
})

describe('both refuse', () => {
  test.each(bad)('%s', (_, text) => {
    expect(schemaProblems(text)).not.toEqual([])
    expect(accepted(text)).toBe(false)
  })
})

describe('only readConfigFile refuses', () => {
  test.each(onlyReadConfigFile)('%s', (_, text) => {
    expect(schemaProblems(text)).toEqual([])
    expect(accepted(text)).toBe(false)
  })
})
