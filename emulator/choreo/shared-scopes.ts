import { randomUUID } from 'node:crypto'
import { empty, json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorizeFor } from './auth.js'
import { apimError, objectBody } from './errors.js'
import { pageParams, paginate } from './paging.js'
import type { ChoreoOrg, StoredScope } from './state.js'

/**
 * Publisher shared scopes (`/scopes`, scope `apim:shared_scope_manage`; reads also `apim:api_view`).
 * Scope names are unique per organization (reference quirk 8): a name already taken by a shared scope or by a
 * local scope of any API → 409 `900984` SCOPE_ALREADY_REGISTERED.
 */
export function registerSharedScopes(router: Router, P: string): void {
  router.get(`${P}/scopes`, (ctx) => {
    const { org } = authorizeFor(ctx, 'sharedScopeView')
    const { limit, offset } = pageParams(ctx)
    const page = paginate(sharedScopes(org), limit, offset, '/scopes')
    return json(200, { ...page, list: page.list.map((s) => scopeView(org, s)) })
  })
  router.post(`${P}/scopes`, addSharedScope)
  router.get(`${P}/scopes/{scopeId}`, (ctx) => {
    const { org } = authorizeFor(ctx, 'sharedScopeView')
    return json(200, scopeView(org, findSharedScope(org, ctx.params.scopeId)))
  })
  router.delete(`${P}/scopes/{scopeId}`, (ctx) => {
    const { org } = authorizeFor(ctx, 'sharedScopeManage')
    const scope = findSharedScope(org, ctx.params.scopeId)
    org.sharedScopes = sharedScopes(org).filter((s) => s !== scope)
    return empty(200)
  })
}

function sharedScopes(org: ChoreoOrg): StoredScope[] {
  org.sharedScopes ??= []
  return org.sharedScopes
}

function findSharedScope(org: ChoreoOrg, scopeId: string): StoredScope {
  const scope = sharedScopes(org).find((s) => s.id === scopeId)
  if (!scope) throw apimError(404, 900981, 'Shared Scope not found', `Shared scope with id ${scopeId} not found`)
  return scope
}

/** `Scope` with `usageCount`: the APIs whose operations use it. */
function scopeView(org: ChoreoOrg, s: StoredScope): Record<string, unknown> {
  const usageCount = org.apis.filter((a) => a.operations.some((o) => o.scopes.includes(s.name))).length
  return { id: s.id, name: s.name, displayName: s.displayName, description: s.description, bindings: s.bindings, usageCount }
}

/** POST /scopes {name, displayName?, description?, bindings?}: 201 Scope + Location; 409 `900984` when the name exists. */
function addSharedScope(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'sharedScopeManage')
  const body = objectBody(ctx)
  const name = typeof body.name === 'string' ? body.name.trim() : ''
  if (!name) throw apimError(400, 900983, 'Shared Scope name not specified', 'Shared Scope name not specified')
  const taken = sharedScopes(org).some((s) => s.name === name) || org.apis.some((a) => a.scopes.some((s) => s.name === name))
  if (taken) throw apimError(409, 900984, 'Scope already exists', `Scope ${name} already exists`)
  const scope: StoredScope = {
    id: randomUUID(),
    name,
    displayName: typeof body.displayName === 'string' && body.displayName ? body.displayName : name,
    description: typeof body.description === 'string' ? body.description : '',
    bindings: Array.isArray(body.bindings) ? body.bindings.filter((b): b is string => typeof b === 'string') : []
  }
  sharedScopes(org).push(scope)
  return json(201, scopeView(org, scope), { location: `${ctx.baseUrl}${ctx.path.replace(/\/$/, '')}/${scope.id}` })
}
