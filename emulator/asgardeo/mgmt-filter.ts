/**
 * The SCIM-like `filter` query of the management APIs, parsed the way IS's FilterTreeBuilder does:
 * words are joined with single spaces until a logical keyword (`and`, `or`, `not`) or a parenthesis, so
 * `name eq My App` works unquoted; quotes ("…" or '…') only group; characters outside IS's word set
 * (letters, digits, `@ : _ - + . * / !`, non-ASCII) are dropped, as IS's tokenizer drops them.
 * Each resource then decides which attributes, operators and connectives it accepts.
 */

export type FilterOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'

export type FilterNode =
  | { kind: 'expr'; attr: string; op: FilterOp; value: string }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; child: FilterNode }

/** Thrown for a filter that does not parse; callers map it to their API's error code. */
export class FilterSyntaxError extends Error {}

const WORD = /[A-Za-z0-9@:_\-+.*/!\u00a0-\uffff]/
const KEYWORDS = new Set(['and', 'or', 'not'])

function tokenize(filter: string): string[] {
  const tokens: string[] = []
  let phrase: string[] = []
  const flush = (): void => {
    if (phrase.length > 0) tokens.push(phrase.join(' '))
    phrase = []
  }
  let i = 0
  while (i < filter.length) {
    const c = filter[i]
    if (c === '"' || c === "'") {
      const end = filter.indexOf(c, i + 1)
      const quoted = end < 0 ? filter.slice(i + 1) : filter.slice(i + 1, end)
      phrase.push(quoted)
      i = end < 0 ? filter.length : end + 1
    } else if (c === '(' || c === ')') {
      flush()
      tokens.push(c)
      i++
    } else if (WORD.test(c)) {
      let j = i
      while (j < filter.length && WORD.test(filter[j])) j++
      const word = filter.slice(i, j)
      if (KEYWORDS.has(word.toLowerCase())) {
        flush()
        tokens.push(word.toLowerCase())
      } else phrase.push(word)
      i = j
    } else i++ // whitespace and characters IS's tokenizer ignores
  }
  flush()
  return tokens
}

const EXPRESSION = /^(\S+)\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s+(.+)$/i

function expression(phrase: string): FilterNode {
  const m = EXPRESSION.exec(phrase.trim())
  if (!m) throw new FilterSyntaxError(`Invalid filter expression: ${phrase}`)
  return { kind: 'expr', attr: m[1], op: m[2].toLowerCase() as FilterOp, value: m[3].trim() }
}

/** Parses `filter` (or = lowest precedence, then and, then not; parentheses group). */
export function parseFilter(filter: string): FilterNode {
  const tokens = tokenize(filter)
  let pos = 0
  const peek = (): string | undefined => tokens[pos]
  const orExpr = (): FilterNode => {
    let left = andExpr()
    while (peek() === 'or') {
      pos++
      left = { kind: 'or', left, right: andExpr() }
    }
    return left
  }
  const andExpr = (): FilterNode => {
    let left = factor()
    while (peek() === 'and') {
      pos++
      left = { kind: 'and', left, right: factor() }
    }
    return left
  }
  const factor = (): FilterNode => {
    const t = tokens[pos++]
    if (t === undefined) throw new FilterSyntaxError('Filter ends unexpectedly')
    if (t === 'not') return { kind: 'not', child: factor() }
    if (t === '(') {
      const inner = orExpr()
      if (tokens[pos++] !== ')') throw new FilterSyntaxError('Unbalanced parenthesis')
      return inner
    }
    if (t === ')' || t === 'and' || t === 'or') throw new FilterSyntaxError(`Unexpected "${t}"`)
    return expression(t)
  }
  const root = orExpr()
  if (pos !== tokens.length) throw new FilterSyntaxError(`Unexpected "${tokens[pos]}"`)
  return root
}

/** Every attribute expression of the tree, left to right. */
export function expressionsOf(node: FilterNode): Extract<FilterNode, { kind: 'expr' }>[] {
  if (node.kind === 'expr') return [node]
  if (node.kind === 'not') return expressionsOf(node.child)
  return [...expressionsOf(node.left), ...expressionsOf(node.right)]
}

/** Whether the tree uses a connective (`and` / `or` / `not`). */
export function usesConnective(node: FilterNode, kind: 'and' | 'or' | 'not'): boolean {
  if (node.kind === 'expr') return false
  if (node.kind === kind) return true
  if (node.kind === 'not') return usesConnective(node.child, kind)
  return usesConnective(node.left, kind) || usesConnective(node.right, kind)
}

/**
 * One comparison, as IS's SQL does it: `eq`/`ne`/ordering compare exactly; `co`/`sw`/`ew` are
 * LOWER(column) LIKE LOWER(value), i.e. case-insensitive. A missing attribute (SQL NULL) never matches.
 */
export function compare(op: FilterOp, actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false
  const a = actual.toLowerCase()
  const e = expected.toLowerCase()
  switch (op) {
    case 'eq':
      return actual === expected
    case 'ne':
      return actual !== expected
    case 'co':
      return a.includes(e)
    case 'sw':
      return a.startsWith(e)
    case 'ew':
      return a.endsWith(e)
    case 'gt':
      return actual > expected
    case 'ge':
      return actual >= expected
    case 'lt':
      return actual < expected
    case 'le':
      return actual <= expected
  }
}

/** Evaluates the tree against an item, reading attributes through `get`. */
export function evaluate(node: FilterNode, get: (attr: string) => string | undefined): boolean {
  switch (node.kind) {
    case 'expr':
      return compare(node.op, get(node.attr), node.value)
    case 'not':
      return !evaluate(node.child, get)
    case 'and':
      return evaluate(node.left, get) && evaluate(node.right, get)
    case 'or':
      return evaluate(node.left, get) || evaluate(node.right, get)
  }
}
