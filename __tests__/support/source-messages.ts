import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Whether a message quoted in the docs (or expected by a workflow) is still one the code prints.
 * Placeholders in the quote (`<name>`, `${…}`, `…`) stand for the values the code fills in.
 */

/** The action's sources as one text, string concatenations across lines joined (`'a ' +\n 'b'` → `a b`). */
export function sourceText(dir = join(process.cwd(), 'src')): string {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
  return files
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n')
    .replace(/(['`])\s*\+\s*\n\s*(['`])/g, '')
    .replace(/\\'/g, "'")
}

const PLACEHOLDER = /<[^<>\s]+(?: [^<>]+)?>|\$\{[^}]*\}|…/g
/** What a placeholder may stand for in the source: an interpolation, a nested template, a short literal. */
const WILDCARD = '[\\s\\S]{0,300}?'

export function messagePattern(message: string): RegExp {
  const literal = message.split(PLACEHOLDER).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(literal.join(WILDCARD))
}

export function occursInSource(message: string, source: string): boolean {
  return messagePattern(message).test(source)
}
