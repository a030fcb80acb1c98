/**
 * `npm run docs`: writes README.md's Inputs and Outputs tables from action.yml, between the markers
 * <!-- inputs:start … --> … <!-- inputs:end --> (and outputs:), and config.schema.json from action.yml and
 * src/config/keys.ts. `npm run docs -- --check` writes nothing and exits 1 when either differs.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { DEFAULTS_KEYS, ENTRY_KEYS, ENTRY_NAME, MAX_ENTRIES } from '../src/config/keys.js'
import { loadActionMetadata, type ActionMetadata } from './action-metadata.js'

const NOTE = 'generated from action.yml by `npm run docs`: edit action.yml, not this table'

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
}

/** Inline code that survives a backtick in the value. */
function code(value: string): string {
  return value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``
}

export function inputsTable(meta: ActionMetadata): string {
  const rows = Object.entries(meta.inputs).map(([name, input]) => {
    const byDefault = input.required ? '(required)' : input.default ? code(input.default) : ''
    const meaning = input.deprecationMessage ? `**Deprecated:** ${input.deprecationMessage} ${input.description}` : input.description
    return `| ${code(name)} | ${cell(byDefault)} | ${cell(meaning)} |`
  })
  return ['| Input | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(meta: ActionMetadata): string {
  const rows = Object.entries(meta.outputs).map(([name, output]) => `| ${code(name)} | ${cell(output.description)} |`)
  return ['| Output | Meaning |', '| --- | --- |', ...rows].join('\n')
}

/** The README with each marked section replaced by its table; throws when a marker is missing. */
export function renderReadme(readme: string, meta: ActionMetadata): string {
  let out = readme
  for (const [section, table] of [
    ['inputs', inputsTable(meta)],
    ['outputs', outputsTable(meta)]
  ] as const) {
    const block = new RegExp(`<!-- ${section}:start[^>]*-->[\\s\\S]*?<!-- ${section}:end -->`)
    if (!block.test(out)) throw new Error(`README.md has no <!-- ${section}:start --> … <!-- ${section}:end --> markers.`)
    out = out.replace(block, () => `<!-- ${section}:start: ${NOTE} -->\n\n${table}\n\n<!-- ${section}:end -->`)
  }
  return out
}

export const SCHEMA_FILE = 'config.schema.json'

/** Where the schema is published: the raw file at the major tag users pin (`@v1`), from package.json's repository. */
export function schemaUrl(pkg: { version: string; repository?: { url?: string } | string }): string {
  const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '')
  const m = /github\.com[/:]([^/]+)\/([^/]+?)(?:\.git)?$/.exec(url)
  if (!m) throw new Error(`package.json's repository (${url || 'none'}) is not a GitHub repository URL.`)
  return `https://raw.githubusercontent.com/${m[1]}/${m[2]}/v${pkg.version.split('.')[0]}/${SCHEMA_FILE}`
}

/**
 * The JSON Schema of a `config` file: every key an input of action.yml with its description, secrets
 * absent, run-wide keys only under `defaults`. The rules that need more than a schema (${VAR}, names
 * that differ only in case) are readConfigFile's alone.
 */
export function configSchema(meta: ActionMetadata, id: string): object {
  // A value as core.getInput would take it: YAML's true and 300 are the strings "true" and "300".
  const scalar = ['string', 'number', 'boolean', 'null']
  const property = (name: string): Record<string, unknown> => {
    const input = meta.inputs[name]
    if (!input) throw new Error(`src/config/keys.ts names "${name}", which action.yml does not declare.`)
    const description = input.description.trim().replace(/\s*\n\s*/g, ' ')
    return {
      description: name === 'mode' ? `${description} With a config file: apply, plan or check.` : description,
      type: scalar,
      ...(input.default ? { default: input.default } : {}),
      ...(name === 'mode' ? { not: { type: 'string', pattern: '^\\s*[Tt][Oo][Kk][Ee][Nn]\\s*$' } } : {})
    }
  }
  const properties = (names: readonly string[]): Record<string, unknown> => Object.fromEntries(names.map((n) => [n, property(n)]))
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: id,
    title: `${meta.name}: config file`,
    description:
      "The file named by the `config` input: many APIs in one run. Keys are the action's input names; secrets stay step inputs. Generated from action.yml by `npm run docs`.",
    type: 'object',
    additionalProperties: false,
    required: ['apis'],
    properties: {
      defaults: {
        description: "Inputs for every entry under apis (an entry overrides them; the step's inputs apply where neither sets one).",
        type: ['object', 'null'],
        additionalProperties: false,
        properties: properties(DEFAULTS_KEYS)
      },
      apis: {
        description: `Each API by name (the entry's key in the results output), at most ${MAX_ENTRIES}.`,
        type: 'object',
        minProperties: 1,
        maxProperties: MAX_ENTRIES,
        propertyNames: { pattern: ENTRY_NAME.source },
        additionalProperties: { $ref: '#/$defs/entry' }
      }
    },
    $defs: {
      entry: {
        description: 'One API: its own inputs (run-wide ones such as the organizations go under defaults).',
        type: ['object', 'null'],
        additionalProperties: false,
        properties: properties(ENTRY_KEYS)
      }
    }
  }
}

export function renderSchema(meta: ActionMetadata, id: string): string {
  return `${JSON.stringify(configSchema(meta, id), null, 2)}\n`
}

/** The first lines where two texts differ, for the --check message. */
export function firstDifferences(actual: string, expected: string, limit = 5, file = 'README.md'): string[] {
  const a = actual.split('\n')
  const e = expected.split('\n')
  const lines: string[] = []
  for (let i = 0; i < Math.max(a.length, e.length) && lines.length < limit * 2; i++) {
    if (a[i] === e[i]) continue
    lines.push(`${file}:${i + 1}`, `  is:        ${a[i] ?? '(nothing)'}`, `  should be: ${e[i] ?? '(nothing)'}`)
  }
  return lines
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}

function main(argv: string[]): number {
  const meta = loadActionMetadata('.')
  const readmePath = 'README.md'
  const readme = readFileSync(readmePath, 'utf8')
  const expected = renderReadme(readme, meta)
  const schema = readOr(SCHEMA_FILE, '')
  const expectedSchema = renderSchema(meta, schemaUrl(JSON.parse(readFileSync('package.json', 'utf8'))))
  if (argv.includes('--check')) {
    let status = 0
    if (readme === expected) console.log('README.md inputs and outputs match action.yml.')
    else {
      console.error(`README.md's inputs/outputs tables differ from action.yml: run \`npm run docs\` and commit README.md.`)
      console.error(firstDifferences(readme, expected).join('\n'))
      status = 1
    }
    if (schema === expectedSchema) console.log(`${SCHEMA_FILE} matches action.yml and src/config/keys.ts.`)
    else {
      console.error(`${SCHEMA_FILE} differs from what action.yml and src/config/keys.ts make: run \`npm run docs\` and commit it.`)
      console.error(firstDifferences(schema, expectedSchema, 5, SCHEMA_FILE).join('\n'))
      status = 1
    }
    return status
  }
  if (readme !== expected) writeFileSync(readmePath, expected)
  if (schema !== expectedSchema) writeFileSync(SCHEMA_FILE, expectedSchema)
  console.log(readme === expected ? 'README.md is up to date.' : 'README.md tables regenerated from action.yml.')
  console.log(schema === expectedSchema ? `${SCHEMA_FILE} is up to date.` : `${SCHEMA_FILE} regenerated.`)
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)))
