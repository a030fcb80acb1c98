/**
 * Pacing under a service's documented rate limit: a sliding window per host. Asgardeo allows 200
 * requests a minute per source IP (asgardeo-api.md §8), and GitHub-hosted runners share IPs, so a run
 * sends at most 180 in any 60 s (room for another client on the same IP). Within that budget requests
 * go at once, so a run that needs fewer never waits; one that needs more waits only for the window to
 * slide. A 429 holds every request to that host, not only the one that got it.
 */

export interface PaceLimit {
  /** Requests allowed in any window. */
  perWindow: number
  /** The window, ms (a minute; shorter in tests). */
  windowMs?: number
}

/** 180 in any minute: under Asgardeo's 200, with room for another run on the same IP. */
export const ASGARDEO_PACE: PaceLimit = { perWindow: 180, windowMs: 60_000 }

export class RateWindow {
  /** When each request in the current window was (or is scheduled to be) sent, ascending. */
  private readonly sent: number[] = []
  private heldUntil = 0
  private readonly windowMs: number

  constructor(
    private readonly limit: PaceLimit,
    private readonly now: () => number = Date.now
  ) {
    this.windowMs = limit.windowMs ?? 60_000
  }

  /** Takes a slot for one request and says how long to wait before sending it, ms (0: send now). Waiters queue in order. */
  reserve(): number {
    const t = this.now()
    while (this.sent.length > 0 && this.sent[0] <= t - this.windowMs) this.sent.shift()
    // Full: the slot opens when the request `perWindow` places back leaves the window.
    const full = this.sent.length >= this.limit.perWindow ? this.sent[this.sent.length - this.limit.perWindow] + this.windowMs : 0
    const at = Math.max(t, this.heldUntil, full, this.sent[this.sent.length - 1] ?? 0)
    this.sent.push(at)
    return at - t
  }

  /** Gives back the latest slot taken (its request was never sent). */
  release(): void {
    this.sent.pop()
  }

  /** The server answered "too many requests": nothing more to this host before `until` (ms since the epoch). */
  holdUntil(until: number): void {
    this.heldUntil = Math.max(this.heldUntil, until)
  }
}

/** One window per host, for the hosts whose service has a limit. */
export class Pacer {
  private readonly windows = new Map<string, RateWindow>()

  constructor(
    private readonly limitOf: (service: string) => PaceLimit | undefined,
    private readonly now: () => number = Date.now
  ) {}

  bucket(service: string, host: string): RateWindow | undefined {
    const limit = this.limitOf(service)
    if (!limit) return undefined
    const key = `${service} ${host}`
    let window = this.windows.get(key)
    if (!window) this.windows.set(key, (window = new RateWindow(limit, this.now)))
    return window
  }
}

/** A pacer for one run (one process on a runner): only Asgardeo documents a limit; Choreo's management APIs document none. */
export function asgardeoPacer(now: () => number = Date.now): Pacer {
  return new Pacer((service) => (service === 'asgardeo' ? ASGARDEO_PACE : undefined), now)
}
