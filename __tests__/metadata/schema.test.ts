import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseStrictYaml } from '../../scripts/action-metadata.js'
import { actionProblems, workflowProblems } from '../support/github-schemas.js'
import { markdownYamlBlocks, userYamlFiles } from '../support/yaml-files.js'

/** action.yml and the workflows against GitHub's own schemas (@actions/workflow-parser). */

const actionYml = readFileSync('action.yml', 'utf8')
const workflows = userYamlFiles().filter((f) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(f))
/** README and docs examples that are whole workflows (they have jobs:). */
const exampleWorkflows = markdownYamlBlocks().filter((b) => {
  const data = parseStrictYaml(b.text, b.where)
  return typeof data === 'object' && data !== null && 'jobs' in data
})

test('action.yml is valid action metadata', () => {
  expect(actionProblems(actionYml)).toEqual([])
})

test('every workflow under .github/workflows is found', () => {
  expect(workflows.length).toBeGreaterThanOrEqual(1)
})

describe('workflows', () => {
  test.each(workflows)('%s is a valid workflow', async (file) => {
    expect(await workflowProblems(readFileSync(file, 'utf8'), file)).toEqual([])
  })
})

describe('example workflows in the docs', () => {
  test('the README usage example is one of them', () => {
    expect(exampleWorkflows.filter((b) => b.where.startsWith('README.md:')).length).toBeGreaterThanOrEqual(1)
  })
  test.each(exampleWorkflows.map((b) => [b.where, b.text]))('%s is a valid workflow', async (where, text) => {
    expect(await workflowProblems(text, where)).toEqual([])
  })
})

describe('the validator can fail', () => {
  test('rejects action.yml as it was at d87f015', () => {
    const old = readFileSync('__tests__/metadata/fixtures/action.d87f015.yml', 'utf8')
    expect(actionProblems(old).join('\n')).toMatch(/line 61[\s\S]*line 89/)
  })

  test('rejects an unknown runtime, an unknown key, a bad branding colour and a duplicate key', () => {
    expect(actionProblems(actionYml.replace('using: node24', 'using: node99'))).toEqual([
      expect.stringContaining("Unexpected value 'node99'")
    ])
    expect(actionProblems(actionYml.replace('branding:', 'bogus: 1\nbranding:'))).toEqual([
      expect.stringContaining("Unexpected value 'bogus'")
    ])
    expect(actionProblems(actionYml.replace(/color: \w+/, 'color: pink'))).toEqual([expect.stringContaining("Unexpected value 'pink'")])
    expect(actionProblems(actionYml.replace('runs:\n', 'runs:\n  main: other.js\n'))).toEqual([
      expect.stringContaining("'main' is already defined")
    ])
  })

  test('rejects a workflow with a misspelt key and one without on:', async () => {
    expect(await workflowProblems('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n')).toEqual([
      expect.stringContaining("Unexpected value 'stepz'")
    ])
    expect((await workflowProblems('jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{ run: x }]\n')).join()).toMatch(
      /'on' is not defined|Required property is missing: on/
    )
  })
})

describe('the Marketplace listing', () => {
  const meta = parseStrictYaml(actionYml, 'action.yml') as Record<string, any>
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { author?: string | { name: string } }

  test('description fits (under 125 characters)', () => {
    expect(meta.description.length).toBeLessThan(125)
  })

  test('author names the owner package.json names', () => {
    const author = typeof pkg.author === 'string' ? pkg.author.replace(/\s*[<(].*$/, '') : pkg.author?.name
    expect(author).toBeTruthy()
    expect(meta.author).toBe(author)
  })

  test('branding has an icon and a colour', () => {
    expect(meta.branding).toEqual({ icon: expect.any(String), color: expect.any(String) })
  })
})
