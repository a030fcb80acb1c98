/**
 * Pacing under a service's documented rate limit: a token bucket per host. Asgardeo allows 200
 * requests a minute per source IP (asgardeo-api.md §8) and GitHub-hosted runners share IPs, so a run
 * keeps well under it, and a 429 holds every request to that host, not only the one that got it.
 */

export interface PaceLimit {
  /** Requests per window once the burst is spent. */
  perWindow: number
  /** Requests that may go at once. */
  burst: number
  /** The window, ms (a minute; shorter in tests). */
  windowMs?: number
}

/** Burst plus refill stays under 200 in any minute: 30 + 150 = 180, room for another run on the same IP. */
export const ASGARDEO_PACE: PaceLimit = { perWindow: 150, burst: 30, windowMs: 60_000 }

export class TokenBucket {
  private tokens: number
  private last: number
  private heldUntil = 0
  private readonly refillPerMs: number

  constructor(
    private readonly limit: PaceLimit,
    private readonly now: () => number = Date.now
  ) {
    this.tokens = limit.burst
    this.last = now()
    this.refillPerMs = limit.perWindow / (limit.windowMs ?? 60_000)
  }

  /** Takes one request's token and says how long to wait before sending it, ms (0: send now). Waiters queue in order. */
  reserve(): number {
    const t = this.now()
    this.tokens = Math.min(this.limit.burst, this.tokens + (t - this.last) * this.refillPerMs)
    this.last = t
    this.tokens -= 1
    const forToken = this.tokens < 0 ? Math.ceil(-this.tokens / this.refillPerMs) : 0
    return Math.max(forToken, this.heldUntil - t)
  }

  /** Gives back a token that was not used (the request was never sent). */
  release(): void {
    this.tokens = Math.min(this.limit.burst, this.tokens + 1)
  }

  /** The server answered "too many requests": nothing more to this host before `until` (ms since the epoch). */
  holdUntil(until: number): void {
    this.heldUntil = Math.max(this.heldUntil, until)
  }
}

/** One bucket per host, for the hosts whose service has a limit. */
export class Pacer {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly limitOf: (service: string) => PaceLimit | undefined,
    private readonly now: () => number = Date.now
  ) {}

  bucket(service: string, host: string): TokenBucket | undefined {
    const limit = this.limitOf(service)
    if (!limit) return undefined
    const key = `${service} ${host}`
    let bucket = this.buckets.get(key)
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(limit, this.now)))
    return bucket
  }
}

/** A pacer for one run (one process on a runner): only Asgardeo documents a limit; Choreo's management APIs document none. */
export function asgardeoPacer(now: () => number = Date.now): Pacer {
  return new Pacer((service) => (service === 'asgardeo' ? ASGARDEO_PACE : undefined), now)
}
