import { createHash } from 'node:crypto'
import { json, ReplyError, type Ctx, type Reply } from '../core/http.js'

/** Shared SCIM 2.0 plumbing: content type, error bodies (status as a STRING), list responses, paging. */

export const SCIM_CONTENT_TYPE = 'application/scim+json'
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

export function scimJson(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return json(status, body, { 'content-type': SCIM_CONTENT_TYPE, ...headers })
}

/** `{"schemas":[Error],"scimType"?,"detail","status":"409"}`: Asgardeo sends `status` as a string (quirk 10). */
export function scimError(status: number, detail: string, scimType?: string): ReplyError {
  const body: Record<string, unknown> = { schemas: [ERROR_SCHEMA] }
  if (scimType) body.scimType = scimType
  body.detail = detail
  body.status = String(status)
  return new ReplyError(scimJson(status, body))
}

/** The JSON object body of a SCIM write, or a 400 invalidSyntax. */
export function scimBody(ctx: Ctx): Record<string, unknown> {
  const body = ctx.json
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw scimError(400, 'Request is unparsable, syntactically incorrect, or violates schema.', 'invalidSyntax')
  }
  return body as Record<string, unknown>
}

export interface Page {
  startIndex: number
  count?: number
}

/** 1-based `startIndex` (values below 1 count as 1) and optional `count` (negative counts as 0). */
export function pageOf(startIndex: unknown, count: unknown): Page {
  const start = Number.parseInt(String(startIndex ?? ''), 10)
  const n = Number.parseInt(String(count ?? ''), 10)
  return { startIndex: Number.isFinite(start) && start >= 1 ? start : 1, count: Number.isFinite(n) ? Math.max(0, n) : undefined }
}

/**
 * A SCIM ListResponse. With no results the `Resources` key is left out, as WSO2's SCIM (Charon) does.
 */
export function listResponse<T>(all: T[], page: Page, view: (item: T) => unknown): Reply {
  const from = page.startIndex - 1
  const slice = page.count === undefined ? all.slice(from) : all.slice(from, from + page.count)
  const body: Record<string, unknown> = {
    schemas: [LIST_SCHEMA],
    totalResults: all.length,
    startIndex: page.startIndex,
    itemsPerPage: slice.length
  }
  if (slice.length > 0) body.Resources = slice.map(view)
  return scimJson(200, body)
}

/** `{value}` entries of a multi-valued SCIM attribute (plain strings are accepted too). */
export function valuesOf(input: unknown): string[] | undefined {
  if (input === undefined || input === null) return undefined
  if (!Array.isArray(input)) return undefined
  return input
    .map((v) => (typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { value?: unknown }).value : undefined))
    .filter((v): v is string => typeof v === 'string' && v.length > 0)
}

/**
 * A stable UUID for an organization handle: the emulator state has no org id, but organization-role
 * audiences carry one.
 */
export function orgIdOf(handle: string): string {
  const h = createHash('sha1').update(`asgardeo-org:${handle}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** `attributes=` (comma-separated, short names or full URNs) as a set of short, lower-case names. */
export function attributeSet(value: unknown): Set<string> {
  const list = Array.isArray(value) ? value.map(String) : String(value ?? '').split(',')
  return new Set(list.map((a) => shortAttr(a.trim())).filter(Boolean))
}

/** `urn:…:Role:audience.value` → `audience.value`, lower-cased. */
export function shortAttr(attr: string): string {
  const i = attr.lastIndexOf(':')
  return (i >= 0 ? attr.slice(i + 1) : attr).toLowerCase()
}
