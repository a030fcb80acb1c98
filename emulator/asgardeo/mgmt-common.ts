import { randomBytes } from 'node:crypto'
import { json, ReplyError, type Ctx } from '../core/http.js'
import { orgOf, requireScope, traceId } from './auth.js'
import { checkRateLimit } from './token-ratelimit.js'
import type { AsgardeoOrg, IssuedToken } from './state.js'

/** Route prefix of every management API: /t/{org}/api/server/v1. */
export const MGMT = '/t/{org}/api/server/v1'

/** The organization of a management call; counts it against the `/api/server/*` rate-limit group (off by default). */
export function mgmtOrg(ctx: Ctx): AsgardeoOrg {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'api-server')
  return org
}

/** The management error body every /api/server/v1 API answers with: {code, message, description, traceId}. */
export function mgmtError(status: number, code: string, message: string, description = message): ReplyError {
  return new ReplyError(json(status, { code, message, description, traceId: traceId() }))
}

/** Path of a management resource as the server writes it in bodies (`self`, list links): relative, with the tenant. */
export function mgmtPath(org: AsgardeoOrg, rest: string): string {
  return `/t/${org.handle}/api/server/v1${rest}`
}

/** Absolute URL of a management resource, as the server writes it in `Location` headers. */
export function mgmtUrl(ctx: Ctx, org: AsgardeoOrg, rest: string): string {
  return `${ctx.baseUrl}${mgmtPath(org, rest)}`
}

/**
 * Like requireScope, but any one of `scopes` is enough (for operations whose scope name differs between
 * Asgardeo's docs and IS master). 401 without a valid token; 403 (empty) when none of them is granted.
 */
export async function requireAnyScope(ctx: Ctx, org: AsgardeoOrg, scopes: string[]): Promise<IssuedToken> {
  let last: unknown
  for (const scope of scopes) {
    try {
      return await requireScope(ctx, org, scope)
    } catch (err) {
      if (err instanceof ReplyError && err.reply.status === 403) {
        last = err
        continue
      }
      throw err
    }
  }
  throw last
}

/** What the server's JSON provider answers for a body it cannot map onto the model. */
function unreadableBody(): ReplyError {
  return mgmtError(400, 'UE-10000', 'Invalid Request', 'Provided request body content is not in the expected format.')
}

/** The request body as a JSON object, or a 400 UE-10000. */
export function bodyObject(ctx: Ctx): Record<string, unknown> {
  const body = ctx.json
  if (!isRecord(body)) throw unreadableBody()
  return body
}

/** The request body as a JSON array, or a 400 UE-10000. */
export function bodyArray(ctx: Ctx): unknown[] {
  if (!Array.isArray(ctx.json)) throw unreadableBody()
  return ctx.json
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function optString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

export function isBlank(v: unknown): boolean {
  return typeof v !== 'string' || v.trim() === ''
}

export function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined
}

/** Deep copy of plain JSON (state must never share objects with request bodies). */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T)
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Random [A-Za-z0-9] string; client ids look like IS ones (28 characters), secrets are 32. */
export function randomToken(length: number): string {
  const bytes = randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += ALNUM[bytes[i] % ALNUM.length]
  return out
}

/** Integer query parameter: undefined when absent, NaN when not an integer. */
export function intParam(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.query.get(name)
  if (raw === null || raw.trim() === '') return undefined
  return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
}

/** IS defaults for offset-paged lists (IdentityUtil default and maximum items per page). */
export const DEFAULT_PAGE_SIZE = 15
export const MAX_PAGE_SIZE = 100

/** Offset paging as IS resolves it: bad or missing limit → 15, above 100 → 100; bad offset → 0. */
export function offsetPaging(ctx: Ctx): { limit: number; offset: number } {
  const limitIn = intParam(ctx, 'limit')
  const offsetIn = intParam(ctx, 'offset')
  let limit = DEFAULT_PAGE_SIZE
  if (limitIn !== undefined && Number.isFinite(limitIn) && limitIn > 0) limit = Math.min(limitIn, MAX_PAGE_SIZE)
  const offset = offsetIn !== undefined && Number.isFinite(offsetIn) && offsetIn >= 0 ? offsetIn : 0
  return { limit, offset }
}

/**
 * `next` / `previous` links of an offset-paged list, as IS's Util.buildPaginationLinks writes them:
 * hrefs relative to the host (`/t/{org}/api/server/v1/...?offset=&limit=`), extra parameters appended
 * unencoded except spaces in the filter (→ `+`).
 */
export function offsetLinks(
  basePath: string,
  p: { limit: number; offset: number; total: number },
  extra: { attributes?: string | null; filter?: string | null } = {}
): { rel: string; href: string }[] {
  let other = ''
  if (extra.attributes) other += `&attributes=${extra.attributes}`
  if (extra.filter) other += `&filter=${extra.filter.replace(/ /g, '+')}`
  const links: { rel: string; href: string }[] = []
  if (p.offset + p.limit < p.total) links.push({ rel: 'next', href: `${basePath}?offset=${p.offset + p.limit}&limit=${p.limit}${other}` })
  if (p.offset > 0) {
    const href =
      p.offset - p.limit >= 0
        ? `${basePath}?offset=${previousOffset(p.offset, p.limit, p.total)}&limit=${p.limit}${other}`
        : `${basePath}?offset=0&limit=${p.offset}${other}`
    links.push({ rel: 'previous', href })
  }
  return links
}

function previousOffset(offset: number, limit: number, total: number): number {
  let next = offset - limit
  while (next >= total && next - limit >= 0) next -= limit
  return next
}
