import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { loadActionMetadata } from '../../scripts/action-metadata.js'
import { configSchema, renderSchema, schemaUrl } from '../../scripts/docs.js'
import { parseConfigFile } from '../../src/config/file.js'
import { DEFAULTS } from '../../src/inputs.js'
import { configSchemaText, schemaProblems } from '../support/config-schema.js'
import { markdownYamlBlocks } from '../support/yaml-files.js'

/** config.schema.json is generated, published where the README says, and every documented config file passes it. */

const meta = loadActionMetadata('.')
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const schema = JSON.parse(configSchemaText)
const configExamples = markdownYamlBlocks().filter((b) => /^apis:/m.test(b.text))

test('config.schema.json is what `npm run docs` generates from action.yml and src/config/keys.ts', () => {
  expect(configSchemaText).toBe(renderSchema(meta, schemaUrl(pkg)))
})

test('its $id is the raw file at the major tag, under the repository package.json names', () => {
  expect(schema.$id).toBe('https://raw.githubusercontent.com/OWNER/asgardeo-choreo-secure-api-action/v1/config.schema.json')
  expect(schemaUrl({ version: '2.3.4', repository: { url: 'git+https://github.com/acme/x.git' } })).toBe(
    'https://raw.githubusercontent.com/acme/x/v2/config.schema.json'
  )
})

test('every key carries its input description; secrets are absent; run-wide keys only under defaults', () => {
  const entry = schema.$defs.entry.properties
  const defaults = schema.properties.defaults.properties
  expect(entry.scopes.description).toBe(meta.inputs.scopes.description.replace(/\s*\n\s*/g, ' '))
  expect(defaults['asgardeo-org'].description).toBe(meta.inputs['asgardeo-org'].description)
  for (const secret of ['asgardeo-client-secret', 'choreo-token', 'password', 'client-secret']) {
    expect(entry[secret]).toBeUndefined()
    expect(defaults[secret]).toBeUndefined()
  }
  expect(entry['asgardeo-org']).toBeUndefined()
  expect(defaults['asgardeo-org']).toBeDefined()
  expect(schema.additionalProperties).toBe(false)
  expect(schema.$defs.entry.additionalProperties).toBe(false)
  expect(schema.properties.defaults.additionalProperties).toBe(false)
})

test('a key that action.yml does not declare stops the generator', () => {
  const { api: _api, ...inputs } = meta.inputs
  expect(() => configSchema({ ...meta, inputs }, 'x')).toThrow('src/config/keys.ts names "api", which action.yml does not declare.')
})

describe('config files in the docs', () => {
  test('the README has one, with the schema line editors read', () => {
    const readme = configExamples.filter((b) => b.where.startsWith('README.md:'))
    expect(readme.length).toBeGreaterThanOrEqual(1)
    expect(readme[0].text).toContain(`# yaml-language-server: $schema=${schema.$id}`)
  })

  test.each(configExamples.map((b) => [b.where, b.text]))('%s passes the schema and readConfigFile', (where, text) => {
    expect(schemaProblems(text)).toEqual([])
    // Each ${VAR} the example uses is set, as the step's env: would set it.
    const env = Object.fromEntries([...text.matchAll(/(?<!\$)\$\{([A-Za-z_]\w*)\}/g)].map((m) => [m[1], 'x']))
    expect(() => parseConfigFile(text, where, (name) => DEFAULTS[name] ?? '', env)).not.toThrow()
  })
})
