import { randomUUID } from 'node:crypto'
import type { Router } from '../core/router.js'
import { empty, type Ctx, type Reply } from '../core/http.js'
import { orgOf, requireScope } from './auth.js'
import { authorizedScopesOf } from './oauth-scopes.js'
import { attributeSet, listResponse, orgIdOf, pageOf, scimBody, scimError, scimJson, shortAttr, valuesOf } from './scim-common.js'
import { FilterError, matches, parseFilter, type Filter } from './scim-filter.js'
import { checkRateLimit } from './token-ratelimit.js'
import type { AsgardeoOrg, Role } from './state.js'

/**
 * SCIM2 Roles v2 under /t/{org}/scim2/v2/Roles (shared/reference/asgardeo-api.md §5, spec
 * shared/specs/asgardeo/scim2-roles-v2.asgardeo-docs.yaml; behaviour of WSO2's SCIMRoleManagerV2 and
 * DefaultRoleManagementListener).
 */

const ROLE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:2.0:Role'
/** Filterable role attributes (short, lower-case) → the value they compare. */
const FILTER_ATTRS: Record<string, (r: Role) => string | undefined> = {
  displayname: (r) => r.displayName,
  'audience.value': (r) => r.audience.value,
  'audience.type': (r) => r.audience.type
}
const ROLE_FILTER_OPS = new Set(['eq', 'co', 'sw', 'ew', 'ne'])

export function registerScimRoles(router: Router): void {
  const base = '/t/{org}/scim2/v2/Roles'
  router.post(`${base}/.search`, searchRoles)
  router.get(base, listRoles)
  router.post(base, createRole)
  router.get(`${base}/{id}`, getRole)
  router.put(`${base}/{id}`, putRole)
  router.patch(`${base}/{id}`, patchRole)
  router.delete(`${base}/{id}`, deleteRole)
}

async function scimOrg(ctx: Ctx, scope: string): Promise<AsgardeoOrg> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'scim2')
  await requireScope(ctx, org, scope, 'scim')
  return org
}

// ---------------------------------------------------------------------------------------- views

function roleLocation(ctx: Ctx, org: AsgardeoOrg, id: string): string {
  return `${ctx.baseUrl}/t/${org.handle}/scim2/v2/Roles/${id}`
}

function audienceOf(org: AsgardeoOrg, role: Role): { value: string; display: string; type: string } {
  const display =
    role.audience.type === 'application'
      ? (org.applications.find((a) => a.id === role.audience.value)?.name ?? role.audience.display ?? '')
      : org.handle
  return { value: role.audience.value, display, type: role.audience.type }
}

/** The role as GET returns it; `include` names the multi-valued attributes to add (lists return none by default). */
function roleView(ctx: Ctx, org: AsgardeoOrg, role: Role, include: Set<string> | 'all'): Record<string, unknown> {
  const wants = (a: string): boolean => include === 'all' || include.has(a)
  const base = `${ctx.baseUrl}/t/${org.handle}`
  const view: Record<string, unknown> = {
    displayName: role.displayName,
    meta: { location: roleLocation(ctx, org, role.id), resourceType: 'Role' },
    schemas: [ROLE_SCHEMA],
    id: role.id,
    audience: audienceOf(org, role)
  }
  // Empty multi-valued attributes are left out, as Charon does.
  if (wants('users')) {
    const users = role.users
      .map((id) => org.users.find((u) => u.id === id))
      .filter((u) => u !== undefined)
      .map((u) => ({ value: u.id, display: u.userName, $ref: `${base}/scim2/Users/${u.id}` }))
    if (users.length > 0) view.users = users
  }
  if (wants('groups') && role.groups.length > 0) {
    view.groups = role.groups.map((id) => ({ value: id, $ref: `${base}/scim2/Groups/${id}` }))
  }
  if (wants('permissions') && role.permissions.length > 0) {
    view.permissions = role.permissions.map((name) => {
      const api = org.apiResources.find((r) => r.scopes.some((s) => s.name === name))
      const scope = api?.scopes.find((s) => s.name === name)
      return {
        value: name,
        display: scope?.displayName ?? name,
        $ref: `${base}/api/server/v1/api-resources/${api?.id ?? ''}/scopes/${name}`
      }
    })
  }
  if (wants('associatedapplications') && role.audience.type === 'application') {
    const app = org.applications.find((a) => a.id === role.audience.value)
    if (app) view.associatedApplications = [{ value: app.id, display: app.name, $ref: `${base}/api/server/v1/applications/${app.id}` }]
  }
  return view
}

// ---------------------------------------------------------------------------------------- list

function roleFilter(raw: string): Filter {
  let filter: Filter
  try {
    filter = parseFilter(raw)
  } catch (err) {
    throw scimError(400, (err as FilterError).message, 'invalidFilter')
  }
  if (filter.length > 1) throw scimError(400, 'Filter operator: or is not supported for role filtering.')
  for (const term of filter[0]) {
    if (!ROLE_FILTER_OPS.has(term.op)) throw scimError(400, `Filter operation: ${term.op} is not supported for role filtering.`)
    if (!FILTER_ATTRS[shortAttr(term.attr)]) throw scimError(400, `Filtering based on attribute: ${term.attr} is not supported.`)
  }
  return filter
}

function listOf(
  ctx: Ctx,
  org: AsgardeoOrg,
  q: { filter?: unknown; startIndex?: unknown; count?: unknown; sortBy?: unknown; sortOrder?: unknown; attributes?: unknown }
): Reply {
  if (q.sortBy || q.sortOrder) throw scimError(501, 'Sorting is not supported.')
  const page = pageOf(q.startIndex, q.count)
  const include = attributeSet(q.attributes)
  let roles = org.roles
  if (typeof q.filter === 'string' && q.filter.trim()) {
    const [terms] = roleFilter(q.filter)
    roles = roles.filter((r) => terms.every((t) => matches(FILTER_ATTRS[shortAttr(t.attr)](r), t, true)))
  }
  return listResponse(roles, page, (r) => roleView(ctx, org, r, include))
}

async function listRoles(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_view')
  const q = ctx.query
  return listOf(ctx, org, {
    filter: q.get('filter') ?? undefined,
    startIndex: q.get('startIndex') ?? undefined,
    count: q.get('count') ?? undefined,
    sortBy: q.get('sortBy') ?? undefined,
    sortOrder: q.get('sortOrder') ?? q.get('sortOder') ?? undefined,
    attributes: q.get('attributes') ?? undefined
  })
}

async function searchRoles(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_view')
  const body = scimBody(ctx)
  return listOf(ctx, org, { ...body, sortOrder: body.sortOrder ?? body.sortOder })
}

// ---------------------------------------------------------------------------------------- writes

function findRole(org: AsgardeoOrg, id: string): Role {
  const role = org.roles.find((r) => r.id === id)
  if (!role) throw scimError(404, `No Role with the id : ${id} in the system.`)
  return role
}

/** Every permission of an application role must be a scope authorized to that application. */
function checkPermissions(org: AsgardeoOrg, role: Role, added: string[]): void {
  if (role.audience.type !== 'application' || added.length === 0) return
  const app = org.applications.find((a) => a.id === role.audience.value)
  const authorized = app ? authorizedScopesOf(org, app) : new Map()
  for (const p of added) {
    if (!authorized.has(p)) {
      throw scimError(400, `Permission : ${p} is not authorized for application with ID: ${role.audience.value}`, 'invalidValue')
    }
  }
}

function checkUsers(org: AsgardeoOrg, users: string[]): void {
  for (const id of users) {
    if (!org.users.some((u) => u.id === id)) throw scimError(400, `A user with the id: ${id} does not exist.`, 'invalidValue')
  }
}

/** Role names are unique per audience. */
function checkUniqueName(org: AsgardeoOrg, role: Role): void {
  const clash = org.roles.some(
    (r) =>
      r.id !== role.id &&
      r.displayName === role.displayName &&
      r.audience.type === role.audience.type &&
      r.audience.value === role.audience.value
  )
  if (clash) throw scimError(409, `Role with name: ${role.displayName} already exists in the system.`, 'uniqueness')
}

function requiredName(value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw scimError(400, 'Required attribute displayName is missing in the SCIM Object.', 'invalidValue')
  }
  return value
}

/** The audience of a new role: an APPLICATION-audience app, or the organization when none is given. */
function audienceFor(org: AsgardeoOrg, input: unknown): Role['audience'] {
  const a = (input && typeof input === 'object' ? input : {}) as { type?: unknown; value?: unknown }
  const type = typeof a.type === 'string' ? a.type.toLowerCase() : a.value ? 'application' : 'organization'
  const value = typeof a.value === 'string' ? a.value : ''
  if (type === 'application') {
    const app = org.applications.find((x) => x.id === value)
    if (!app) throw scimError(400, `Invalid audience. No application found with application id: ${value}`, 'invalidValue')
    if (app.allowedAudience !== 'APPLICATION') {
      throw scimError(400, `Application: ${value} does not have Application role audience type`, 'invalidValue')
    }
    return { type: 'application', value, display: app.name }
  }
  if (type === 'organization') {
    const orgId = orgIdOf(org.handle)
    if (value && value !== orgId)
      throw scimError(400, `Invalid audience. No organization found with organization id: ${value}`, 'invalidValue')
    return { type: 'organization', value: orgId, display: org.handle }
  }
  throw scimError(400, `Invalid audience type: ${String(a.type)}`, 'invalidValue')
}

async function createRole(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_create')
  const body = scimBody(ctx)
  const role: Role = {
    id: randomUUID(),
    displayName: requiredName(body.displayName),
    audience: audienceFor(org, body.audience),
    permissions: [...new Set(valuesOf(body.permissions) ?? [])],
    users: [...new Set(valuesOf(body.users) ?? [])],
    groups: [...new Set(valuesOf(body.groups) ?? [])]
  }
  checkPermissions(org, role, role.permissions)
  checkUniqueName(org, role)
  checkUsers(org, role.users)
  org.roles.push(role)
  return scimJson(201, roleView(ctx, org, role, 'all'), { location: roleLocation(ctx, org, role.id) })
}

async function getRole(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_view')
  return scimJson(200, roleView(ctx, org, findRole(org, ctx.params.id), 'all'))
}

/** Validates the changed role against the org, then stores it in place of the current one. */
function commit(org: AsgardeoOrg, current: Role, next: Role): void {
  checkPermissions(
    org,
    next,
    next.permissions.filter((p) => !current.permissions.includes(p))
  )
  checkUniqueName(org, next)
  checkUsers(
    org,
    next.users.filter((u) => !current.users.includes(u))
  )
  Object.assign(current, next)
}

async function putRole(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_update')
  const current = findRole(org, ctx.params.id)
  const body = scimBody(ctx)
  const next: Role = {
    ...current,
    displayName: requiredName(body.displayName),
    permissions: [...new Set(valuesOf(body.permissions) ?? [])],
    users: [...new Set(valuesOf(body.users) ?? [])],
    groups: [...new Set(valuesOf(body.groups) ?? [])]
  }
  commit(org, current, next)
  return scimJson(200, roleView(ctx, org, current, 'all'))
}

type ListAttr = 'users' | 'groups' | 'permissions'
const LIST_ATTRS: Record<string, ListAttr> = { users: 'users', groups: 'groups', permissions: 'permissions' }

/** Applies one PatchOp operation to `role` (a working copy). */
function applyOperation(role: Role, op: string, attr: string, value: unknown, selector?: string): void {
  if (attr === 'displayname') {
    if (op === 'remove') throw scimError(400, 'displayName cannot be removed.', 'mutability')
    role.displayName = requiredName(value)
    return
  }
  const key = LIST_ATTRS[attr]
  if (!key) throw scimError(400, `Attribute ${attr} is not supported for patching roles.`, 'invalidPath')
  const given = valuesOf(value)
  if (op === 'add') role[key] = [...new Set([...role[key], ...(given ?? [])])]
  else if (op === 'replace') role[key] = [...new Set(given ?? [])]
  else if (selector !== undefined) role[key] = role[key].filter((v) => v !== selector)
  else if (given) role[key] = role[key].filter((v) => !given.includes(v))
  else role[key] = []
}

async function patchRole(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_update')
  const current = findRole(org, ctx.params.id)
  const body = scimBody(ctx)
  const ops = body.Operations ?? body.operations
  if (!Array.isArray(ops) || ops.length === 0)
    throw scimError(400, 'Operations attribute is missing or empty in the PatchOp request.', 'invalidSyntax')
  const next: Role = { ...current, users: [...current.users], groups: [...current.groups], permissions: [...current.permissions] }
  for (const raw of ops as Record<string, unknown>[]) {
    const op = String(raw?.op ?? '').toLowerCase()
    if (!['add', 'remove', 'replace'].includes(op)) throw scimError(400, `Unknown patch operation: ${String(raw?.op)}`, 'invalidSyntax')
    const path = typeof raw.path === 'string' ? raw.path.trim() : ''
    if (!path) {
      if (op === 'remove') throw scimError(400, 'No path is specified for the remove operation.', 'noTarget')
      if (!raw.value || typeof raw.value !== 'object' || Array.isArray(raw.value)) {
        throw scimError(400, 'A patch operation without a path needs an object value.', 'invalidValue')
      }
      for (const [k, v] of Object.entries(raw.value as Record<string, unknown>)) {
        if (k === 'schemas') continue
        applyOperation(next, op, shortAttr(k), v)
      }
      continue
    }
    // `users`, `users[value eq <id>]`, or a URN-qualified name.
    const m = /^(.+?)(?:\[\s*value\s+eq\s+"?([^"\]]+?)"?\s*\])?$/i.exec(path)
    if (!m) throw scimError(400, `Invalid path: ${path}`, 'invalidPath')
    applyOperation(next, op, shortAttr(m[1]), raw.value, m[2])
  }
  commit(org, current, next)
  return scimJson(200, roleView(ctx, org, current, 'all'))
}

async function deleteRole(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_role_mgt_delete')
  const role = findRole(org, ctx.params.id)
  org.roles = org.roles.filter((r) => r !== role)
  return empty(204)
}
