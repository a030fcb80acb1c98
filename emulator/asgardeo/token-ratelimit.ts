import { json, ReplyError, type Ctx } from '../core/http.js'
import type { AsgardeoOrg } from './state.js'

/**
 * Asgardeo's per-minute rate limit, per path group (shared/reference/asgardeo-api.md §8, quirk 10).
 * The real limit is per source IP; every emulator client is on loopback, so the emulator counts per
 * organization and group. Off unless `org.rateLimitPerMinute > 0`.
 */
export type RateLimitGroup = 'oauth2' | 'api-server' | 'scim2' | 'scim2-bulk'

/** /scim2/Bulk has its own, much lower limit on Asgardeo. */
const BULK_LIMIT = 5

interface Window {
  minute: number
  count: number
}

// Keyed by the org object itself: a reset or state replacement starts every counter afresh.
const counters = new WeakMap<AsgardeoOrg, Map<RateLimitGroup, Window>>()

/** The group a path under /t/{org} belongs to, or undefined when Asgardeo documents no limit for it. */
export function rateLimitGroupOf(pathAfterOrg: string): RateLimitGroup | undefined {
  if (pathAfterOrg.startsWith('/scim2/Bulk')) return 'scim2-bulk'
  if (pathAfterOrg.startsWith('/scim2/')) return 'scim2'
  if (pathAfterOrg.startsWith('/oauth2/')) return 'oauth2'
  if (pathAfterOrg.startsWith('/api/server/')) return 'api-server'
  return undefined
}

/**
 * Counts one request against `group` in the current emulated minute and throws a 429 reply (no
 * Retry-After, as Asgardeo documents none) once the group's limit is exceeded. A no-op when the
 * organization's limit is off.
 */
export function checkRateLimit(ctx: Ctx, org: AsgardeoOrg, group: RateLimitGroup): void {
  const perMinute = org.rateLimitPerMinute
  if (!(perMinute > 0)) return
  const limit = group === 'scim2-bulk' ? Math.min(BULK_LIMIT, perMinute) : perMinute
  const minute = Math.floor(ctx.emulator.now() / 60_000)
  let groups = counters.get(org)
  if (!groups) {
    groups = new Map()
    counters.set(org, groups)
  }
  let window = groups.get(group)
  if (!window || window.minute !== minute) {
    window = { minute, count: 0 }
    groups.set(group, window)
  }
  window.count++
  if (window.count > limit) {
    throw new ReplyError(
      json(429, { code: '429', message: 'Too Many Requests', description: `Rate limit of ${limit} requests per minute exceeded.` })
    )
  }
}
