import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseStrictYaml } from '../../scripts/action-metadata.js'
import { markdownYamlBlocks, userYamlFiles, yamlBlocks } from '../support/yaml-files.js'

/** Every YAML a user touches goes through a strict YAML 1.2 parser: the runner's tools are that strict. */

const files = userYamlFiles()
const blocks = markdownYamlBlocks()

test('the files and blocks are found: action.yml, the workflows, the README examples', () => {
  expect(files).toContain('action.yml')
  expect(files.some((f) => f.startsWith('.github/workflows/'))).toBe(true)
  expect(blocks.filter((b) => b.where.startsWith('README.md:')).length).toBeGreaterThanOrEqual(2)
})

describe('files', () => {
  test.each(files)('%s parses', (file) => {
    expect(() => parseStrictYaml(readFileSync(file, 'utf8'), file)).not.toThrow()
  })
})

describe('yaml code blocks in the docs', () => {
  test.each(blocks.map((b) => [b.where, b.text]))('%s parses', (where, text) => {
    expect(() => parseStrictYaml(text, where)).not.toThrow()
  })
})

describe('the parser is strict', () => {
  test("rejects action.yml as it was at d87f015: plain scalars holding ': '", () => {
    const old = readFileSync('__tests__/metadata/fixtures/action.d87f015.yml', 'utf8')
    expect(() => parseStrictYaml(old, 'action.yml')).toThrow(/Nested mappings are not allowed in compact mappings at line 61/)
  })

  test('rejects the same defect in a workflow step and a duplicate key', () => {
    expect(() => parseStrictYaml('steps:\n  - run: curl -H "Authorization: Bearer $T" x\n', 'w.yml')).toThrow(/not valid YAML/)
    expect(() => parseStrictYaml('inputs:\n  mode:\n    default: a\n    default: b\n', 'a.yml')).toThrow(/Map keys must be unique/)
  })

  test('finds blocks in lists and with ~~~ fences, and not other languages', () => {
    const md = '- step\n\n  ```yaml\n  with:\n    mode: check\n  ```\n\n~~~yml\na: 1\n~~~\n\n```sh\nnot: yaml: here\n```\n'
    expect(yamlBlocks(md, 'x.md')).toEqual([
      { where: 'x.md:3', text: 'with:\n  mode: check' },
      { where: 'x.md:8', text: 'a: 1' }
    ])
  })
})
