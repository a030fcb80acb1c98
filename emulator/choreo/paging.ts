import type { Ctx } from '../core/http.js'
import { badRequest } from './errors.js'
import type { ChoreoApi } from './state.js'

export interface Page<T> {
  count: number
  list: T[]
  pagination: { offset: number; limit: number; total: number; next: string; previous: string }
}

/** `limit` (default 25) and `offset` (default 0) of a list request. */
export function pageParams(ctx: Ctx): { limit: number; offset: number } {
  const num = (name: string, dflt: number): number => {
    const raw = ctx.query.get(name)
    if (raw === null || raw === '') return dflt
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid value '${raw}' for ${name}`)
    return n
  }
  return { limit: num('limit', 25), offset: num('offset', 0) }
}

/**
 * One page of `all`, with upstream's relative `next` / `previous` links (empty strings when there is no
 * such page). `linkParams` are appended after limit and offset, e.g. `query`.
 */
export function paginate<T>(all: T[], limit: number, offset: number, resource: string, linkParams: Record<string, string> = {}): Page<T> {
  const list = all.slice(offset, offset + limit)
  const link = (o: number): string => {
    const q = new URLSearchParams({ limit: String(limit), offset: String(o), ...linkParams })
    return `${resource}?${q.toString()}`
  }
  return {
    count: list.length,
    list,
    pagination: {
      offset,
      limit,
      total: all.length,
      next: offset + limit < all.length ? link(offset + limit) : '',
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : ''
    }
  }
}

const MODIFIERS: Record<string, (api: ChoreoApi) => string> = {
  name: (a) => a.name,
  version: (a) => a.version,
  context: (a) => a.context,
  status: (a) => a.lifeCycleStatus,
  provider: (a) => a.provider,
  description: (a) => String(a.props.description ?? ''),
  tag: (a) => (Array.isArray(a.props.tags) ? a.props.tags.join(' ') : '')
}

/**
 * The publisher's `query` search (reference quirk 5): space-separated terms, all of which must match;
 * `attr:value` matches when the attribute *contains* value, `attr:"value"` when it *equals* it, and a
 * term without a modifier is a name-contains search. Comparisons ignore case. Unknown modifier → 400.
 */
export function apiMatcher(query: string | null): (api: ChoreoApi) => boolean {
  const terms: { attr: string; value: string; exact: boolean }[] = []
  const re = /(?:(\w+):)?(?:"([^"]*)"|(\S+))/g
  for (const m of (query ?? '').matchAll(re)) {
    const attr = (m[1] ?? 'name').toLowerCase()
    if (!MODIFIERS[attr]) throw badRequest(`Unsupported search modifier '${attr}:' in query`)
    terms.push({ attr, value: (m[2] ?? m[3] ?? '').toLowerCase(), exact: m[2] !== undefined })
  }
  return (api) =>
    terms.every((t) => {
      const v = MODIFIERS[t.attr](api).toLowerCase()
      return t.exact ? v === t.value : v.includes(t.value)
    })
}
