/**
 * Fault injection, per route and method. A fault matches a request by method (optional) and path: an
 * exact path, or a glob where `*` matches within one segment and `**` matches across segments.
 * Latency faults add up and never run out unless `times` is given; every other kind applies to the
 * next `times` matching requests (default 1), the first still armed winning.
 */
export type FaultKind =
  | 'latency' // delay the response by `latencyMs`
  | 'status' // answer `status` (429, 500, 502, 503, …) without running the handler
  | 'reset-before' // destroy the connection before the handler runs: nothing was applied
  | 'reset-after' // run the handler (the write is applied), then destroy the connection unanswered
  | 'hang' // never answer; the connection stays open until the client gives up or the emulator stops
  | 'status-after' // run the handler (the write is applied), then answer `status` instead of its reply
  | 'truncate' // run the handler, send its headers with the full Content-Length, then close after `bytes` (default half) of the body
  | 'corrupt' // run the handler, send its status with a complete body that is not the JSON it declares (the first half of it)
  | 'echo' // answer `status` (default 400) with an error body that echoes the request's credentials in several encodings
  | 'inject' // run the handler, then put `set` values into (or `append` text onto) every field of those names in its JSON body
  | 'rate-limit' // at most `limit` matching requests per `windowMs`; the rest answer 429 without Retry-After (as Asgardeo)
  | 'serialize' // matching requests are served one at a time, in arrival order, latency included (a sequential baseline)

export interface FaultSpec {
  kind: FaultKind
  path: string
  method?: string
  times?: number
  latencyMs?: number
  status?: number
  /** With kind 'status': a Retry-After header value (seconds or an HTTP date). Omit for none. */
  retryAfter?: string | number
  /** With kind 'status' or 'status-after': the body to send; a plain error body by default. */
  body?: unknown
  /** With kind 'truncate': body bytes sent before the connection closes (default: half). */
  bytes?: number
  /** With kind 'inject': field name → value, set wherever that field appears in the JSON reply. */
  set?: Record<string, unknown>
  /** With kind 'inject': field name → text appended to that field's string value wherever it appears. */
  append?: Record<string, string>
  /** With kind 'rate-limit': requests allowed per window. */
  limit?: number
  /** With kind 'rate-limit': the window, ms (default 60000). */
  windowMs?: number
  /** Let this many matching requests through untouched before the fault applies (default 0). */
  skip?: number
}

export interface Fault extends FaultSpec {
  id: number
  remaining: number
  hits: number
  /** With kind 'rate-limit': the current window's start and count. */
  window?: { start: number; count: number }
  /** With kind 'echo': the Authorization headers echoed, so a test knows what to look for. */
  echoed?: string[]
}

const KINDS: FaultKind[] = [
  'latency',
  'status',
  'reset-before',
  'reset-after',
  'hang',
  'status-after',
  'truncate',
  'corrupt',
  'echo',
  'inject',
  'rate-limit',
  'serialize'
]

export class FaultTable {
  private faults: Fault[] = []
  private nextId = 1

  add(spec: FaultSpec): Fault {
    if (!spec || typeof spec.path !== 'string' || !spec.kind) throw new Error('a fault needs "kind" and "path"')
    if (!KINDS.includes(spec.kind)) throw new Error(`unknown fault kind "${spec.kind}"; one of ${KINDS.join(', ')}`)
    if ((spec.kind === 'status' || spec.kind === 'status-after') && !(Number(spec.status) >= 100))
      throw new Error(`a "${spec.kind}" fault needs "status"`)
    if (spec.kind === 'inject' && !spec.set && !spec.append) throw new Error('an "inject" fault needs "set" or "append"')
    if (spec.kind === 'rate-limit' && !(Number(spec.limit) >= 0)) throw new Error('a "rate-limit" fault needs "limit"')
    if (spec.kind === 'latency' && !(Number(spec.latencyMs) >= 0)) throw new Error('a "latency" fault needs "latencyMs"')
    const defaultTimes = spec.kind === 'latency' || spec.kind === 'rate-limit' || spec.kind === 'serialize' ? Number.POSITIVE_INFINITY : 1
    const fault: Fault = {
      ...spec,
      method: spec.method?.toUpperCase(),
      id: this.nextId++,
      remaining: spec.times ?? defaultTimes,
      hits: 0
    }
    this.faults.push(fault)
    return fault
  }

  clear(): void {
    this.faults = []
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f, remaining: Number.isFinite(f.remaining) ? f.remaining : -1 }))
  }

  /** Whether a `serialize` switch covers this request (consumes nothing: check it before `take`). */
  serializes(method: string, path: string): boolean {
    return this.faults.some(
      (f) => f.kind === 'serialize' && f.remaining > 0 && (!f.method || f.method === method) && globMatch(f.path, path)
    )
  }

  /** Total latency to add and the one disruptive fault (if any) for this request; consumes them. */
  take(method: string, path: string, now = Date.now()): { latencyMs: number; fault?: Fault } {
    let latencyMs = 0
    let fault: Fault | undefined
    for (const f of this.faults) {
      if (f.kind === 'serialize') continue
      if (f.remaining <= 0 || (f.method && f.method !== method) || !globMatch(f.path, path)) continue
      if (f.skip && f.skip > 0) {
        f.skip--
        continue
      }
      if (f.kind === 'rate-limit') {
        const windowMs = f.windowMs ?? 60_000
        if (!f.window || now - f.window.start >= windowMs) f.window = { start: now, count: 0 }
        f.window.count++
        if (f.window.count <= Number(f.limit) || fault) continue
        fault = f
        f.hits++
      } else if (f.kind === 'latency') {
        latencyMs += Number(f.latencyMs)
        f.remaining--
        f.hits++
      } else if (!fault) {
        fault = f
        f.remaining--
        f.hits++
      }
    }
    return { latencyMs, fault }
  }
}

const globCache = new Map<string, RegExp>()

export function globMatch(pattern: string, path: string): boolean {
  if (!pattern.includes('*')) return pattern === path
  let re = globCache.get(pattern)
  if (!re) {
    const source = pattern
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('')
    re = new RegExp(`^${source}$`)
    globCache.set(pattern, re)
  }
  return re.test(path)
}
