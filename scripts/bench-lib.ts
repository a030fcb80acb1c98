/** The pure parts of `npm run bench` (scripts/bench.ts): depth, statistics, bundle breakdown, table. Unit-tested. */

export interface Interval {
  start: number
  end: number
}

/**
 * The dependency depth actually executed: the length of the longest chain of requests in which each one
 * starts after the previous one has ended (start ≥ end). Requests that overlap cannot depend on each other,
 * so this is how many round trips, one after another, the run could not avoid waiting for. Sorted by end,
 * a request's chain length is 1 + the best chain among the requests that ended before it started: a binary
 * search over the ends and a running maximum, O(n log n).
 */
export function dependencyDepth(intervals: readonly Interval[]): number {
  const byEnd = [...intervals].sort((a, b) => a.end - b.end)
  const ends: number[] = []
  /** bestUpTo[i]: the longest chain ending at any of the first i + 1 requests by end. */
  const bestUpTo: number[] = []
  let best = 0
  for (const r of byEnd) {
    // The last request (by end) that ended no later than r started.
    let lo = 0
    let hi = ends.length - 1
    let before = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (ends[mid] <= r.start) {
        before = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    const chain = 1 + (before >= 0 ? bestUpTo[before] : 0)
    best = Math.max(best, chain)
    ends.push(r.end)
    bestUpTo.push(Math.max(chain, bestUpTo.at(-1) ?? 0))
  }
  return best
}

export interface Stats {
  min: number
  median: number
  max: number
}

/** Min, median (the mean of the middle two for an even count) and max; NaN for none. */
export function stats(values: readonly number[]): Stats {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { min: NaN, median: NaN, max: NaN }
  const mid = v.length >> 1
  return { min: v[0], median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, max: v[v.length - 1] }
}

/** `median (min–max)`, or the one value when they agree. */
export function formatStats(s: Stats, digits = 0, unit = ''): string {
  if (!Number.isFinite(s.median)) return '–'
  const f = (x: number): string => x.toFixed(digits)
  return s.min === s.max ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`
}

/** The package a bundled module path belongs to: `@scope/name`, `name`, or `src` for the action's own code. */
export function packageOf(modulePath: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(modulePath)
  if (m) return m[1]
  if (/^\.\/(src|scripts)\//.test(modulePath)) return 'the action (src/)'
  if (modulePath.startsWith('external ')) return 'node built-ins (require stubs)'
  return modulePath
}

export interface BundleShare {
  name: string
  bytes: number
}

/**
 * A rough breakdown of an ncc (webpack) bundle by package, from its module markers: numbered modules
 * (`/***\/ 1234:`) take their name from the `// EXTERNAL MODULE: ./node_modules/…` comment that requires them,
 * or else from the first named module that requires them; concatenated ES modules carry their path
 * (`;// CONCATENATED MODULE: ./…`). What no marker covers (the webpack runtime) is "runtime and glue".
 */
export function bundleBreakdown(source: string): BundleShare[] {
  const markers: { at: number; id?: string; path?: string }[] = []
  for (const m of source.matchAll(/^\/\*\*\*\/ (\d+):$/gm)) markers.push({ at: m.index, id: m[1] })
  for (const m of source.matchAll(/^;\/\/ CONCATENATED MODULE: (.+)$/gm)) markers.push({ at: m.index, path: m[1] })
  markers.sort((a, b) => a.at - b.at)

  const named = new Map<string, string>()
  for (const m of source.matchAll(/\/\/ EXTERNAL MODULE: (.+)\n(?:[^\n]*\n)?[^\n]*__nccwpck_require__\((\d+)\)/g)) named.set(m[2], m[1])

  // The module body of each numbered id, to follow the requires of unnamed ones.
  const bodies = new Map<string, { from: number; to: number }>()
  markers.forEach((m, i) => {
    if (m.id) bodies.set(m.id, { from: m.at, to: markers[i + 1]?.at ?? source.length })
  })
  const owner = new Map<string, string>(named)
  // Breadth-first from the named modules: a module's requires belong to it unless named themselves.
  const queue = [...named.keys()]
  while (queue.length > 0) {
    const id = queue.shift()!
    const body = bodies.get(id)
    if (!body) continue
    for (const r of source.slice(body.from, body.to).matchAll(/__nccwpck_require__\((\d+)\)/g)) {
      if (owner.has(r[1])) continue
      owner.set(r[1], owner.get(id)!)
      queue.push(r[1])
    }
  }

  const totals = new Map<string, number>()
  const add = (name: string, bytes: number): void => void totals.set(name, (totals.get(name) ?? 0) + bytes)
  let covered = 0
  markers.forEach((m, i) => {
    let to = markers[i + 1]?.at ?? source.length
    if (m.id) {
      // A numbered module ends at its closing `/***/ })`: what follows up to the next marker is runtime.
      const close = source.indexOf('\n/***/ })', m.at)
      if (close >= 0 && close < to) to = close + '\n/***/ })'.length
    }
    const bytes = Buffer.byteLength(source.slice(m.at, to))
    covered += bytes
    const path = m.path ?? (m.id ? owner.get(m.id) : undefined)
    add(path ? packageOf(path) : 'node built-ins and unattributed', bytes)
  })
  add('runtime and glue', Buffer.byteLength(source) - covered)
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes)
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|')
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n')
}

/** A target check: PASS / MISS, or n/a when it could not be measured. */
export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS'
}
