/**
 * A small SCIM filter parser: `attr op value` terms joined by `and` / `or` (and binds tighter), values
 * quoted or bare (a bare value runs to the next `and` / `or`, so `displayName eq My Role` works).
 * Grouping with parentheses and `not` are not supported.
 */

export interface FilterTerm {
  /** As written (short name or URN). */
  attr: string
  /** Lower-case operator: eq ne co sw ew pr gt ge lt le. */
  op: string
  value?: string
}

/** Disjunction of conjunctions: `a and b or c` → [[a, b], [c]]. */
export type Filter = FilterTerm[][]

export class FilterError extends Error {}

const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le'])

function tokenize(input: string): { text: string; quoted: boolean }[] {
  const out: { text: string; quoted: boolean }[] = []
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(input))) {
    if (m[1] !== undefined) out.push({ text: m[1].replace(/\\(.)/g, '$1'), quoted: true })
    else out.push({ text: m[2], quoted: false })
  }
  return out
}

const isConnector = (t: { text: string; quoted: boolean }): boolean => !t.quoted && /^(and|or)$/i.test(t.text)

export function parseFilter(input: string): Filter {
  const tokens = tokenize(input)
  if (tokens.length === 0) throw new FilterError('Empty filter')
  const filter: Filter = [[]]
  let i = 0
  for (;;) {
    const attr = tokens[i++]
    const op = tokens[i++]
    if (!attr || !op || attr.quoted || /[()]/.test(attr.text) || attr.text.toLowerCase() === 'not') {
      throw new FilterError(`Invalid filter: ${input}`)
    }
    const operator = op.text.toLowerCase()
    if (!OPERATORS.has(operator)) throw new FilterError(`Invalid filter operator: ${op.text}`)
    const term: FilterTerm = { attr: attr.text, op: operator }
    if (operator !== 'pr') {
      const parts: string[] = []
      while (i < tokens.length && !isConnector(tokens[i])) parts.push(tokens[i++].text)
      if (parts.length === 0) throw new FilterError(`Missing value in filter: ${input}`)
      term.value = parts.join(' ')
    }
    filter[filter.length - 1].push(term)
    if (i >= tokens.length) return filter
    const connector = tokens[i++].text.toLowerCase()
    if (connector === 'or') filter.push([])
    if (i >= tokens.length) throw new FilterError(`Dangling '${connector}' in filter: ${input}`)
  }
}

/** Whether `actual` satisfies `op value`; `caseExact` false compares case-insensitively. */
export function matches(actual: string | undefined, term: FilterTerm, caseExact: boolean): boolean {
  if (term.op === 'pr') return actual !== undefined && actual !== ''
  if (actual === undefined) return term.op === 'ne'
  const a = caseExact ? actual : actual.toLowerCase()
  const v = caseExact ? (term.value ?? '') : (term.value ?? '').toLowerCase()
  switch (term.op) {
    case 'eq':
      return a === v
    case 'ne':
      return a !== v
    case 'co':
      return a.includes(v)
    case 'sw':
      return a.startsWith(v)
    case 'ew':
      return a.endsWith(v)
    case 'gt':
      return a > v
    case 'ge':
      return a >= v
    case 'lt':
      return a < v
    case 'le':
      return a <= v
    default:
      return false
  }
}
