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

export interface FaultSpec {
  kind: FaultKind
  path: string
  method?: string
  times?: number
  latencyMs?: number
  status?: number
  /** With kind 'status': a Retry-After header value (seconds or an HTTP date). Omit for none. */
  retryAfter?: string | number
  /** With kind 'status': the body to send; a plain error body by default. */
  body?: unknown
}

export interface Fault extends FaultSpec {
  id: number
  remaining: number
  hits: number
}

export class FaultTable {
  private faults: Fault[] = []
  private nextId = 1

  add(spec: FaultSpec): Fault {
    if (!spec || typeof spec.path !== 'string' || !spec.kind) throw new Error('a fault needs "kind" and "path"')
    const kinds: FaultKind[] = ['latency', 'status', 'reset-before', 'reset-after', 'hang']
    if (!kinds.includes(spec.kind)) throw new Error(`unknown fault kind "${spec.kind}"; one of ${kinds.join(', ')}`)
    if (spec.kind === 'status' && !(Number(spec.status) >= 100)) throw new Error('a "status" fault needs "status"')
    if (spec.kind === 'latency' && !(Number(spec.latencyMs) >= 0)) throw new Error('a "latency" fault needs "latencyMs"')
    const defaultTimes = spec.kind === 'latency' ? Number.POSITIVE_INFINITY : 1
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

  /** Total latency to add and the one disruptive fault (if any) for this request; consumes them. */
  take(method: string, path: string): { latencyMs: number; fault?: Fault } {
    let latencyMs = 0
    let fault: Fault | undefined
    for (const f of this.faults) {
      if (f.remaining <= 0 || (f.method && f.method !== method) || !globMatch(f.path, path)) continue
      if (f.kind === 'latency') {
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
