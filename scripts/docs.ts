/**
 * `npm run docs`: writes README.md's Inputs and Outputs tables from action.yml, between the markers
 * <!-- inputs:start … --> … <!-- inputs:end --> (and outputs:). `npm run docs -- --check` writes
 * nothing and exits 1 when the README differs from what action.yml says.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
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

/** The first lines where two texts differ, for the --check message. */
export function firstDifferences(actual: string, expected: string, limit = 5): string[] {
  const a = actual.split('\n')
  const e = expected.split('\n')
  const lines: string[] = []
  for (let i = 0; i < Math.max(a.length, e.length) && lines.length < limit * 2; i++) {
    if (a[i] === e[i]) continue
    lines.push(`README.md:${i + 1}`, `  is:        ${a[i] ?? '(nothing)'}`, `  should be: ${e[i] ?? '(nothing)'}`)
  }
  return lines
}

function main(argv: string[]): number {
  const readmePath = 'README.md'
  const readme = readFileSync(readmePath, 'utf8')
  const expected = renderReadme(readme, loadActionMetadata('.'))
  if (argv.includes('--check')) {
    if (readme === expected) {
      console.log('README.md inputs and outputs match action.yml.')
      return 0
    }
    console.error(`README.md's inputs/outputs tables differ from action.yml: run \`npm run docs\` and commit README.md.`)
    console.error(firstDifferences(readme, expected).join('\n'))
    return 1
  }
  if (readme !== expected) writeFileSync(readmePath, expected)
  console.log(readme === expected ? 'README.md is up to date.' : 'README.md tables regenerated from action.yml.')
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)))
