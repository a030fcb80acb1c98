import { randomUUID } from 'node:crypto'
import { empty, json, type Ctx, type Reply } from '../core/http.js'
import type { Router } from '../core/router.js'
import { requireScope } from './auth.js'
import { forgetApiResource, forgetScopes } from './mgmt-cascade.js'
import {
  bodyArray,
  bodyObject,
  intParam,
  isBlank,
  isRecord,
  MGMT,
  mgmtError,
  mgmtOrg,
  mgmtPath,
  mgmtUrl,
  optString
} from './mgmt-common.js'
import { compare, expressionsOf, FilterSyntaxError, parseFilter } from './mgmt-filter.js'
import type { ApiResource, ApiScope, AsgardeoOrg } from './state.js'

/*
 * API Resource Management API: /api-resources, their scopes, and the org-wide /scopes listing.
 * Spec: api-resources.identity-api-server.yaml, corrected by shared/reference/asgardeo-api.md §3 and
 * IS source (ServerAPIResourceManagementService, APIResourceMgtEndpointUtil, FilterQueriesUtil).
 */

const VIEW = 'internal_api_resource_view'
const CREATE = 'internal_api_resource_create'
const UPDATE = 'internal_api_resource_update'
const DELETE = 'internal_api_resource_delete'

/** IS's default page size for this API (APIResourceMgtEndpointConstants.DEFAULT_LIMIT). */
const DEFAULT_LIMIT = 10
/** Scope names registered as OIDC scopes in a fresh organization (→ 60009). */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'groups', 'roles', 'offline_access'])
/** Server-configured restricted scope prefixes (OAuth.RestrictedScopes; → 60008). */
export const RESTRICTED_SCOPE_PREFIXES = ['internal_']

const ERR = {
  notFound: (id: string) =>
    mgmtError(
      404,
      'API-RESOURCE-60002',
      'Unable to find the API resource.',
      `Unable to find the API resource with the id: ${id} in the tenant domain.`
    ),
  blankName: () => mgmtError(400, 'API-RESOURCE-60003', 'Invalid API resource name provided.', 'API resource name is required.'),
  blankIdentifier: () =>
    mgmtError(400, 'API-RESOURCE-60004', 'Invalid API resource identifier provided.', 'API resource identifier is required.'),
  blankScope: () => mgmtError(400, 'API-RESOURCE-60005', 'Invalid scope name provided.', 'Scope name is required.'),
  scopeNotFound: (name: string) => mgmtError(404, 'API-RESOURCE-60005', 'Invalid scope name provided.', `Scope ${name} is not found.`),
  identifierExists: (org: string) =>
    mgmtError(409, 'API-RESOURCE-60003', 'Unable to add API resource.', `API resource already exists for the tenant: ${org}.`),
  scopeExists: (org: string) =>
    mgmtError(409, 'API-RESOURCE-60004', 'Unable to add scope.', `Scope already exists for the tenant: ${org}.`),
  restricted: () => mgmtError(400, 'API-RESOURCE-60008', 'Restricted scope name provided.', 'Scope name is restricted.'),
  oidc: () =>
    mgmtError(
      400,
      'API-RESOURCE-60009',
      'Existing OIDC scope name provided.',
      'Provided scopes name is already exists in the system as an OIDC scope.'
    ),
  removedScopes: () =>
    mgmtError(
      501,
      'API-RESOURCE-60006',
      'Removed scopes patching is not supported yet.',
      'Removed scopes patching is not supported yet for API resources.'
    ),
  limit: () => mgmtError(400, 'API-RESOURCE-60010', 'Invalid limit provided.', 'Limit should be a positive integer.'),
  beforeAndAfter: () =>
    mgmtError(
      400,
      'API-RESOURCE-60011',
      'Invalid before/after provided.',
      'Both before and after parameters cannot be provided at the same time.'
    ),
  // 400 as shared/reference/asgardeo-api.md §3 records (IS master's handleSystemAPI throws FORBIDDEN; the reference wins).
  system: () =>
    mgmtError(400, 'API-RESOURCE-60012', 'Cannot modify or delete System APIs.', 'Cannot modify or delete the read-only System APIs.'),
  attributes: () =>
    mgmtError(400, 'API-RESOURCE-60013', 'Invalid attribute name.', 'Invalid attribute name provided as required attribute.'),
  filterFormat: () => mgmtError(400, 'API-RESOURCE-60001', 'Unable to retrieve API resources.', 'Invalid format used for filtering.'),
  filterValue: () => mgmtError(400, 'API-RESOURCE-60005', 'Unable to retrieve API resources.', 'Invalid filter value used for filtering.'),
  cursor: () => mgmtError(400, 'API-RESOURCE-60002', 'Unable to retrieve tenant domains.', 'Invalid cursor used for pagination.')
}

export function registerApiResources(router: Router): void {
  router.get(`${MGMT}/api-resources`, listApiResources)
  router.post(`${MGMT}/api-resources`, createApiResource)
  router.get(`${MGMT}/api-resources/{id}`, getApiResource)
  router.patch(`${MGMT}/api-resources/{id}`, patchApiResource)
  router.delete(`${MGMT}/api-resources/{id}`, deleteApiResource)
  router.get(`${MGMT}/api-resources/{id}/scopes`, listScopes)
  router.put(`${MGMT}/api-resources/{id}/scopes`, replaceScopes)
  router.patch(`${MGMT}/api-resources/{id}/scopes/id/{scopeId}`, patchScopeById)
  router.delete(
    `${MGMT}/api-resources/{id}/scopes/id/{scopeId}`,
    deleteScopeBy((s, ctx) => s.id === ctx.params.scopeId)
  )
  router.patch(`${MGMT}/api-resources/{id}/scopes/{scopeName}`, patchScopeByName)
  router.delete(
    `${MGMT}/api-resources/{id}/scopes/{scopeName}`,
    deleteScopeBy((s, ctx) => s.name === ctx.params.scopeName)
  )
  router.get(`${MGMT}/scopes`, listOrgScopes)
}

// ---------------------------------------------------------------- views

function scopeView(s: ApiScope): Record<string, unknown> {
  return { id: s.id, name: s.name, displayName: s.displayName, description: s.description }
}

function resourceView(org: AsgardeoOrg, r: ApiResource): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    identifier: r.identifier,
    type: r.type,
    requiresAuthorization: r.requiresAuthorization,
    scopes: r.scopes.map(scopeView),
    authorizationDetailsTypes: [],
    subscribedApplications: org.applications
      .filter((a) => a.authorizedApis.some((x) => x.id === r.id))
      .map((a) => ({ id: a.id, name: a.name })),
    properties: r.properties ?? [],
    self: mgmtPath(org, `/api-resources/${r.id}`)
  }
}

function listItemView(org: AsgardeoOrg, r: ApiResource, withProperties: boolean): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    identifier: r.identifier,
    type: r.type,
    requiresAuthorization: r.requiresAuthorization,
    ...(withProperties ? { properties: r.properties ?? [] } : {}),
    self: mgmtPath(org, `/api-resources/${r.id}`)
  }
}

// ---------------------------------------------------------------- helpers

function findResource(org: AsgardeoOrg, id: string): ApiResource | undefined {
  return org.apiResources.find((r) => r.id === id)
}

function requireResource(org: AsgardeoOrg, id: string): ApiResource {
  const r = findResource(org, id)
  if (!r) throw ERR.notFound(id)
  return r
}

/** SYSTEM resources are read-only; BUSINESS and MCP ones can change. */
function assertModifiable(r: ApiResource): void {
  if (r.type !== 'BUSINESS' && r.type !== 'MCP') throw ERR.system()
}

/** Gives every resource a cursor key, in list order, so cursors survive deletions. */
function ensureCursorKeys(org: AsgardeoOrg): number {
  let max = 0
  for (const r of org.apiResources) if (r.cursorKey !== undefined) max = Math.max(max, r.cursorKey)
  for (const r of org.apiResources) if (r.cursorKey === undefined) r.cursorKey = ++max
  return max
}

/** Java's URLEncoder: like encodeURIComponent, but space → '+' and `!'()~` encoded. */
function javaUrlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Validates new scopes as IS does, in its order: blank name (60005), restricted prefix (60008), OIDC
 * name (60009), then org-wide uniqueness (409 60004: any resource, SYSTEM ones included, and the
 * request itself). `ignoreOn` is the resource whose current scopes may be reused (PUT replaces them).
 */
function buildScopes(org: AsgardeoOrg, input: unknown, ignoreOn?: ApiResource): ApiScope[] {
  if (input === undefined || input === null) return []
  if (!Array.isArray(input))
    throw mgmtError(400, 'UE-10000', 'Invalid Request', 'Provided request body content is not in the expected format.')
  const scopes: ApiScope[] = []
  for (const raw of input) {
    const model = isRecord(raw) ? raw : {}
    const name = optString(model.name)
    if (name === undefined || name.trim() === '') throw ERR.blankScope()
    if (RESTRICTED_SCOPE_PREFIXES.some((p) => name.startsWith(p))) throw ERR.restricted()
    if (OIDC_SCOPES.has(name)) throw ERR.oidc()
    const displayName = optString(model.displayName)
    scopes.push({ id: randomUUID(), name, displayName: displayName ?? name, description: optString(model.description) })
  }
  const seen = new Set<string>()
  for (const s of scopes) {
    const taken = org.apiResources.some((r) => r !== ignoreOn && r.scopes.some((x) => x.name === s.name))
    if (taken || seen.has(s.name)) throw ERR.scopeExists(org.handle)
    seen.add(s.name)
  }
  return scopes
}

/** The flattened expressions of a filter; a malformed one is IS's filter-format error. */
function filterExpressions(filter: string) {
  try {
    return expressionsOf(parseFilter(filter))
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw ERR.filterFormat()
    throw err
  }
}

/** Filter for the resource list: attributes name, identifier, type; `or` and `not` act as `and` (IS flattens the tree). */
function resourceFilter(filter: string | null): (r: ApiResource) => boolean {
  if (!filter || filter.trim() === '') return () => true
  const exprs = filterExpressions(filter)
  const get: Record<string, (r: ApiResource) => string> = { name: (r) => r.name, identifier: (r) => r.identifier, type: (r) => r.type }
  for (const e of exprs) if (!get[e.attr]) throw ERR.filterValue()
  return (r) => exprs.every((e) => compare(e.op, get[e.attr](r), e.value))
}

function decodeCursor(cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(cursor) || !/^\d+$/.test(decoded)) throw ERR.cursor()
  return Number(decoded)
}

function encodeCursor(key: number): string {
  return Buffer.from(String(key), 'utf8').toString('base64')
}

// ---------------------------------------------------------------- handlers

async function listApiResources(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  const limitIn = intParam(ctx, 'limit')
  const limit = limitIn ?? DEFAULT_LIMIT
  if (!Number.isFinite(limit) || limit <= 0) throw ERR.limit()
  const before = ctx.query.get('before') ?? ''
  const after = ctx.query.get('after') ?? ''
  if (before.trim() && after.trim()) throw ERR.beforeAndAfter()
  const attributes = ctx.query.get('attributes')
  const requested = attributes ? attributes.split(',') : []
  if (requested.some((a) => a !== 'properties')) throw ERR.attributes()
  const filter = ctx.query.get('filter')
  const matches = resourceFilter(filter)

  ensureCursorKeys(org)
  const filtered = org.apiResources.filter(matches).sort((a, b) => (a.cursorKey ?? 0) - (b.cursorKey ?? 0))
  let candidates = filtered
  if (after.trim()) {
    const c = decodeCursor(after.trim())
    candidates = filtered.filter((r) => (r.cursorKey ?? 0) > c)
  } else if (before.trim()) {
    const c = decodeCursor(before.trim())
    candidates = filtered.filter((r) => (r.cursorKey ?? 0) < c).reverse()
  }
  const page = candidates.slice(0, limit + 1)
  const hasMore = page.length > limit
  if (hasMore) page.pop()
  if (before.trim()) page.reverse()
  if (page.length === 0) return json(200, { totalResults: 0, links: [], apiResources: [] })

  // Link rules of ServerAPIResourceManagementService.getAPIResources.
  const isFirstPage = (!before.trim() && !after.trim()) || (!!before.trim() && !hasMore)
  const isLastPage = !hasMore && (!!after.trim() || !before.trim())
  const base = `${mgmtUrl(ctx, org, '/api-resources')}?limit=${limit}${filter ? `&filter=${javaUrlEncode(filter)}` : ''}`
  const links: { rel: string; href: string }[] = []
  if (!isFirstPage) links.push({ rel: 'previous', href: `${base}&before=${encodeCursor(page[0].cursorKey ?? 0)}` })
  if (!isLastPage) links.push({ rel: 'next', href: `${base}&after=${encodeCursor(page[page.length - 1].cursorKey ?? 0)}` })
  return json(200, {
    totalResults: filtered.length,
    links,
    apiResources: page.map((r) => listItemView(org, r, requested.includes('properties')))
  })
}

async function createApiResource(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, CREATE)
  const body = bodyObject(ctx)
  if (isBlank(body.name)) throw ERR.blankName()
  if (isBlank(body.identifier)) throw ERR.blankIdentifier()
  const scopes = buildScopes(org, body.scopes)
  const identifier = body.identifier as string
  if (org.apiResources.some((r) => r.identifier === identifier)) throw ERR.identifierExists(org.handle)
  const resource: ApiResource = {
    id: randomUUID(),
    name: body.name as string,
    identifier,
    description: optString(body.description),
    type: body.resourceType === 'MCP' ? 'MCP' : 'BUSINESS',
    requiresAuthorization: typeof body.requiresAuthorization === 'boolean' ? body.requiresAuthorization : true,
    scopes,
    properties: [],
    cursorKey: ensureCursorKeys(org) + 1
  }
  org.apiResources.push(resource)
  return json(201, resourceView(org, resource), { location: mgmtUrl(ctx, org, `/api-resources/${resource.id}`) })
}

async function getApiResource(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  return json(200, resourceView(org, requireResource(org, ctx.params.id)))
}

/**
 * name, description, addedScopes → 204. `removedScopes` (even empty) → 501. Fields the patch model lacks
 * (identifier, requiresAuthorization, …) are ignored, so they cannot change: delete + recreate.
 */
async function patchApiResource(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, UPDATE)
  const r = requireResource(org, ctx.params.id)
  const body = bodyObject(ctx)
  assertModifiable(r)
  if (body.removedScopes !== undefined && body.removedScopes !== null) throw ERR.removedScopes()
  const added = buildScopes(org, body.addedScopes)
  if (typeof body.name === 'string') r.name = body.name
  if (typeof body.description === 'string') r.description = body.description
  r.scopes.push(...added)
  return empty(204)
}

/** 204 also when the resource is already gone (IS returns early). */
async function deleteApiResource(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, DELETE)
  const r = findResource(org, ctx.params.id)
  if (!r) return empty(204)
  assertModifiable(r)
  org.apiResources = org.apiResources.filter((x) => x !== r)
  forgetApiResource(
    org,
    r.id,
    r.scopes.map((s) => s.name)
  )
  return empty(204)
}

async function listScopes(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  return json(200, requireResource(org, ctx.params.id).scopes.map(scopeView))
}

/** Replaces the whole scope set (204); scopes kept by name keep their ids; dropped ones leave apps and roles. */
async function replaceScopes(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, UPDATE)
  const r = requireResource(org, ctx.params.id)
  assertModifiable(r)
  const next = buildScopes(org, bodyArray(ctx), r)
  const previous = new Map(r.scopes.map((s) => [s.name, s]))
  for (const s of next) {
    const kept = previous.get(s.name)
    if (kept) s.id = kept.id
  }
  const names = new Set(next.map((s) => s.name))
  const dropped = r.scopes.filter((s) => !names.has(s.name)).map((s) => s.name)
  r.scopes = next
  forgetScopes(org, r.id, dropped)
  return empty(204)
}

function applyScopePatch(ctx: Ctx, scope: ApiScope): void {
  const body = bodyObject(ctx)
  if (typeof body.displayName === 'string' && body.displayName.trim() !== '') scope.displayName = body.displayName
  if (typeof body.description === 'string') scope.description = body.description
}

/** displayName / description by scope name → 204; by scope id the server answers 200 (spec: 204). */
const patchScopeByName = patchScopeBy((scope, ctx) => scope.name === ctx.params.scopeName, 'scopeName', 204)
const patchScopeById = patchScopeBy((scope, ctx) => scope.id === ctx.params.scopeId, 'scopeId', 200)

function patchScopeBy(matches: (scope: ApiScope, ctx: Ctx) => boolean, param: string, status: number) {
  return async (ctx: Ctx): Promise<Reply> => {
    const org = mgmtOrg(ctx)
    await requireScope(ctx, org, UPDATE)
    const r = requireResource(org, ctx.params.id)
    const scope = r.scopes.find((s) => matches(s, ctx))
    if (!scope) throw ERR.scopeNotFound(ctx.params[param])
    assertModifiable(r)
    applyScopePatch(ctx, scope)
    return empty(status)
  }
}

/**
 * DELETE …/scopes/{scopeName} and …/scopes/id/{scopeId} (spec: both paths, no 2xx listed): 204, as
 * reference quirk 1 gives for scope deletes, also when the resource or the scope is already gone.
 */
function deleteScopeBy(matches: (scope: ApiScope, ctx: Ctx) => boolean) {
  return async (ctx: Ctx): Promise<Reply> => {
    const org = mgmtOrg(ctx)
    await requireScope(ctx, org, DELETE)
    const r = findResource(org, ctx.params.id)
    if (!r) return empty(204)
    assertModifiable(r)
    const gone = r.scopes.filter((s) => matches(s, ctx)).map((s) => s.name)
    if (gone.length > 0) {
      r.scopes = r.scopes.filter((s) => !gone.includes(s.name))
      forgetScopes(org, r.id, gone)
    }
    return empty(204)
  }
}

/** Every scope of the organization (SYSTEM ones included); filter attribute `name` only. */
async function listOrgScopes(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  const filter = ctx.query.get('filter')
  let keep: (s: ApiScope) => boolean = () => true
  if (filter && filter.trim() !== '') {
    const exprs = filterExpressions(filter)
    if (exprs.some((e) => e.attr !== 'name')) throw ERR.filterValue()
    keep = (s) => exprs.every((e) => compare(e.op, s.name, e.value))
  }
  return json(
    200,
    org.apiResources
      .flatMap((r) => r.scopes)
      .filter(keep)
      .map(scopeView)
  )
}
