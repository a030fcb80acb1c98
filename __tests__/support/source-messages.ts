import { readdirSync, readFileSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import ts from 'typescript'

/**
 * Whether a message quoted in the docs (or expected by a workflow) is one the code can print.
 *
 * Every string the sources build (a literal, a template, a `+` chain, a `cond ? a : b` of those) becomes a
 * pattern: its literal text exact, each interpolated value a wildcard, each conditional both ways. A quote
 * matches when it is a whole instance of one pattern, with `<name>` placeholders (or the values
 * themselves) where the code fills in a value, and `…` where a value the code passes in is left out.
 */

const WILDCARD = '[\\s\\S]*?'
const PLACEHOLDER = /<[A-Za-z][^<>]*>|…/g
/** A placeholder in the quote: no literal text of the sources can match it, only a wildcard can. */
const HOLE = '\u0001'

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

interface Shape {
  re: string
  /** Characters of literal text any instance holds: a pattern of mostly wildcards matches too much to count. */
  literal: number
}

const lit = (text: string): Shape => ({ re: escape(text), literal: text.length })
const join = (parts: Shape[]): Shape => ({ re: parts.map((p) => p.re).join(''), literal: parts.reduce((n, p) => n + p.literal, 0) })

function shape(node: ts.Node): Shape {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return lit(node.text)
  if (ts.isTemplateExpression(node))
    return join([lit(node.head.text), ...node.templateSpans.flatMap((s) => [shape(s.expression), lit(s.literal.text)])])
  if (ts.isParenthesizedExpression(node)) return shape(node.expression)
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return join([shape(node.left), shape(node.right)])
  if (ts.isConditionalExpression(node)) {
    const [a, b] = [shape(node.whenTrue), shape(node.whenFalse)]
    return { re: `(?:${a.re}|${b.re})`, literal: Math.min(a.literal, b.literal) }
  }
  return { re: WILDCARD, literal: 0 }
}

const isStringy = (node: ts.Node): boolean =>
  ts.isStringLiteral(node) ||
  ts.isNoSubstitutionTemplateLiteral(node) ||
  ts.isTemplateExpression(node) ||
  (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)

/** Part of a larger string expression, so covered by that expression's pattern. */
const isInner = (node: ts.Node): boolean =>
  ts.isTemplateSpan(node.parent) ||
  ts.isParenthesizedExpression(node.parent) ||
  ts.isConditionalExpression(node.parent) ||
  (ts.isBinaryExpression(node.parent) && node.parent.operatorToken.kind === ts.SyntaxKind.PlusToken)

/** The patterns of every string built in the .ts files under `dir`. */
export function sourceMessages(dir = joinPath(process.cwd(), 'src')): Shape[] {
  const patterns: Shape[] = []
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, readFileSync(joinPath(dir, file), 'utf8'), ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node): void => {
      if (isStringy(node) && !isInner(node)) patterns.push(shape(node))
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return patterns
}

/** The quote must be a whole instance of a pattern whose literal text is at least half of the quote's (and some). */
export function occursInSource(quote: string, patterns: Shape[]): boolean {
  const text = quote.replace(PLACEHOLDER, HOLE)
  const literal = text.replace(new RegExp(HOLE, 'g'), '').length
  return literal > 0 && patterns.some((p) => p.literal > 0 && p.literal * 2 >= literal && new RegExp(`^${p.re}$`).test(text))
}
