import { empty, json, type Ctx, type Reply } from '../core/http.js'
import type { Router } from '../core/router.js'
import { requireScope } from './auth.js'
import { requireApp } from './mgmt-applications.js'
import { forgetAppScopes } from './mgmt-cascade.js'
import { bodyObject, MGMT, mgmtError, mgmtOrg, stringArray } from './mgmt-common.js'
import type { ApiResource, AsgardeoOrg, AuthorizedApi, IssuedToken } from './state.js'

/*
 * Authorized APIs of an application: /applications/{id}/authorized-apis.
 * IS source: ServerApplicationManagementService.addAuthorizedAPI / updateAuthorizedAPI / deleteAuthorizedAPI.
 */

const VIEW = 'internal_application_mgt_view'
const UPDATE = 'internal_application_mgt_update'
/** Operation scopes IS enforces on top of UPDATE, by API type (validateUserCanUpdateAPIResourceType). */
const BUSINESS_API_UPDATE = 'internal_application_business_api_update'
const INTERNAL_API_UPDATE = 'internal_application_internal_api_update'

const ERR = {
  apiNotFound: (id: string, org: string) =>
    mgmtError(400, '60507', 'API resource not found.', `API resource with id: ${id} is not found in the tenant domain: ${org}.`),
  scopesNotFound: (id: string, org: string) =>
    mgmtError(
      400,
      '60508',
      'API scopes not found.',
      `One or more scopes in the request is not found for the API resource with Id: ${id} in the tenant domain: ${org}.`
    ),
  alreadyAuthorized: (apiId: string, appId: string) =>
    mgmtError(
      409,
      '60509',
      'API resource already authorized.',
      `API resource with id: ${apiId} is already authorized for the application with id: ${appId}.`
    ),
  notAuthorized: (apiId: string, appId: string) =>
    mgmtError(
      404,
      '60510',
      'API resource not authorized for the application.',
      `API resource with id: ${apiId} is not authorized for the application with id: ${appId}.`
    ),
  policy: () =>
    mgmtError(400, '60511', 'Invalid policy id value provided.', "Invalid policy id value. It should be 'RBAC' or 'No Policy'."),
  policyForResource: (id: string, policy: string) =>
    mgmtError(
      400,
      '60512',
      'Invalid policy type provided for the API resource.',
      `API resource with id: ${id} doesn't allow the provided policy type: ${policy}.`
    ),
  forbidden: () => mgmtError(403, '60520', 'Forbidden', 'Operation is not permitted. You do not have permissions to make this request.')
}

export function registerAuthorizedApis(router: Router): void {
  router.get(`${MGMT}/applications/{id}/authorized-apis`, listAuthorizedApis)
  router.post(`${MGMT}/applications/{id}/authorized-apis`, addAuthorizedApi)
  router.patch(`${MGMT}/applications/{id}/authorized-apis/{apiId}`, patchAuthorizedApi)
  router.delete(`${MGMT}/applications/{id}/authorized-apis/{apiId}`, deleteAuthorizedApi)
}

function resourceOf(org: AsgardeoOrg, id: unknown): ApiResource | undefined {
  return org.apiResources.find((r) => r.id === id)
}

/** BUSINESS / MCP APIs need the business operation scope, SYSTEM ones the internal one (else 403 60520). */
function assertCanAuthorize(token: IssuedToken, resource: ApiResource | undefined): void {
  if (!resource) return
  const needed = resource.type === 'SYSTEM' ? INTERNAL_API_UPDATE : BUSINESS_API_UPDATE
  if (!token.scopes.includes(needed)) throw ERR.forbidden()
}

function assertScopesOnResource(org: AsgardeoOrg, resource: ApiResource, scopes: string[]): void {
  for (const s of scopes) if (!resource.scopes.some((x) => x.name === s)) throw ERR.scopesNotFound(resource.id, org.handle)
}

/** Blank → RBAC; 'rbac' / 'no policy' in any case → stored upper-case; anything else → 400 60511. */
function policyOf(v: unknown): AuthorizedApi['policyId'] {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return 'RBAC'
  const upper = typeof v === 'string' ? v.toUpperCase() : ''
  if (upper === 'RBAC' || upper === 'NO POLICY') return upper
  throw ERR.policy()
}

function scopeList(v: unknown): string[] {
  if (v === undefined || v === null) return []
  const list = stringArray(v)
  if (!list) throw mgmtError(400, 'UE-10000', 'Invalid Request', 'Provided request body content is not in the expected format.')
  return list
}

async function listAuthorizedApis(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  const app = requireApp(org, ctx.params.id)
  const list = app.authorizedApis.flatMap((auth) => {
    const r = resourceOf(org, auth.id)
    if (!r) return []
    return [
      {
        id: r.id,
        identifier: r.identifier,
        displayName: r.name,
        policyId: auth.policyId,
        type: r.type,
        authorizedScopes: r.scopes
          .filter((s) => auth.scopes.includes(s.name))
          .map((s) => ({ id: s.id, name: s.name, displayName: s.displayName })),
        authorizedAuthorizationDetailsTypes: []
      }
    ]
  })
  return json(200, list)
}

/**
 * `{id, policyIdentifier, scopes}` → 200 with an empty body (spec: 201). Checks in IS's order:
 * already authorized (409 60509), unknown API (400 60507), operation scope (403 60520), scopes (400 60508),
 * policy value (400 60511), No Policy on a requiresAuthorization API (400 60512).
 */
async function addAuthorizedApi(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  const token = await requireScope(ctx, org, UPDATE)
  const app = requireApp(org, ctx.params.id)
  const body = bodyObject(ctx)
  const apiId = body.id
  if (app.authorizedApis.some((a) => a.id === apiId)) throw ERR.alreadyAuthorized(String(apiId), app.id)
  const resource = resourceOf(org, apiId)
  if (!resource) throw ERR.apiNotFound(String(apiId), org.handle)
  assertCanAuthorize(token, resource)
  const scopes = [...new Set(scopeList(body.scopes))]
  assertScopesOnResource(org, resource, scopes)
  const policyId = policyOf(body.policyIdentifier)
  if (resource.requiresAuthorization && policyId !== 'RBAC') throw ERR.policyForResource(resource.id, policyId)
  app.authorizedApis.push({ id: resource.id, policyId, scopes })
  return empty(200)
}

/** `{addedScopes, removedScopes}` → 200; a scope in both is removed. The policy cannot change here. */
async function patchAuthorizedApi(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  const token = await requireScope(ctx, org, UPDATE)
  const app = requireApp(org, ctx.params.id)
  const body = bodyObject(ctx)
  const removed = scopeList(body.removedScopes)
  const added = scopeList(body.addedScopes).filter((s) => !removed.includes(s))
  const resource = resourceOf(org, ctx.params.apiId)
  if (!resource) throw ERR.apiNotFound(ctx.params.apiId, org.handle)
  assertCanAuthorize(token, resource)
  assertScopesOnResource(org, resource, added)
  const auth = app.authorizedApis.find((a) => a.id === resource.id)
  if (!auth) throw ERR.notAuthorized(resource.id, app.id)
  auth.scopes = [...new Set([...auth.scopes.filter((s) => !removed.includes(s)), ...added])]
  forgetAppScopes(org, app.id, removed)
  return empty(200)
}

/** 204, also when the API was not authorized (or the app is gone). Roles of the app lose the API's scopes. */
async function deleteAuthorizedApi(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  const token = await requireScope(ctx, org, UPDATE)
  const app = org.applications.find((a) => a.id === ctx.params.id)
  if (!app) return empty(204)
  const resource = resourceOf(org, ctx.params.apiId)
  assertCanAuthorize(token, resource)
  const auth = app.authorizedApis.find((a) => a.id === ctx.params.apiId)
  if (auth) {
    app.authorizedApis = app.authorizedApis.filter((a) => a !== auth)
    forgetAppScopes(org, app.id, auth.scopes)
  }
  return empty(204)
}
