import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/** The YAML a user of the action touches: its metadata, everything under .github/, the docs' yaml blocks. */

function walk(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? (name === 'node_modules' ? [] : walk(path)) : [path]
  })
}

/** action.yml and every *.yml / *.yaml under .github/, recursively (workflows, dependabot.yml, …). */
export function userYamlFiles(root = '.'): string[] {
  const github = walk(join(root, '.github')).filter((f) => /\.ya?ml$/.test(f))
  return [join(root, 'action.yml'), ...github].map((f) => relative(root, f)).sort()
}

/** README.md and every *.md under docs/ and emulator/. */
export function markdownFiles(root = '.'): string[] {
  const docs = [...walk(join(root, 'docs')), ...walk(join(root, 'emulator'))].filter((f) => f.endsWith('.md'))
  return [join(root, 'README.md'), ...docs].map((f) => relative(root, f)).sort()
}

export interface YamlBlock {
  /** "README.md:42": the file and the line of the opening fence. */
  where: string
  text: string
}

/** Every ```yaml / ```yml fenced block (also ~~~, also indented in a list), its indent removed. */
export function yamlBlocks(markdown: string, file: string): YamlBlock[] {
  const blocks: YamlBlock[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ya?ml)\b/i.exec(lines[i])
    if (!open) continue
    const [, indent, fence] = open
    const body: string[] = []
    const start = i + 1
    for (i++; i < lines.length && !(lines[i].trim().startsWith(fence) && lines[i].trim().replace(/[`~]/g, '') === ''); i++) {
      body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i])
    }
    blocks.push({ where: `${file}:${start}`, text: body.join('\n') })
  }
  return blocks
}

export function markdownYamlBlocks(root = '.'): YamlBlock[] {
  return markdownFiles(root).flatMap((f) => yamlBlocks(readFileSync(join(root, f), 'utf8'), f))
}
