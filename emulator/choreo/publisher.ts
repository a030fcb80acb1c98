import { json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorizeFor } from './auth.js'
import { apimError, badRequest, objectBody } from './errors.js'
import {
  applyApiUpdate,
  checkIfMatch,
  etagOf,
  findApi,
  gatewayBase,
  hostOf,
  LIFECYCLE,
  lifecycleStateView,
  publisherApiInfo,
  publisherApiView
} from './apis.js'
import { publisherKeyManagerView } from './keymanagers.js'
import { apiMatcher, pageParams, paginate } from './paging.js'
import type { ChoreoApi } from './state.js'
import { registerRevisions } from './revisions.js'
import { registerSharedScopes } from './shared-scopes.js'

export const PUBLISHER = '/api/am/publisher/v2'

/** API Manager publisher v2 as Choreo serves it (every call needs ?organizationId=). */
export function registerPublisher(router: Router): void {
  const P = PUBLISHER
  router.get(`${P}/apis`, listApis)
  router.post(`${P}/apis/change-lifecycle`, changeLifecycle)
  router.get(`${P}/apis/{apiId}`, getApi)
  router.put(`${P}/apis/{apiId}`, putApi)
  router.get(`${P}/apis/{apiId}/lifecycle-state`, (ctx) => {
    const { org } = authorizeFor(ctx, 'lifecycleState')
    return json(200, lifecycleStateView(findApi(org, ctx.params.apiId)))
  })
  registerRevisions(router, P)
  registerSharedScopes(router, P)
  router.get(`${P}/settings`, settings)
  router.get(`${P}/key-managers`, (ctx) => {
    const { org } = authorizeFor(ctx, 'publisherKeyManagers')
    return json(200, { count: org.keyManagers.length, list: org.keyManagers.map(publisherKeyManagerView) })
  })
}

const SORT_KEYS: Record<string, (a: ChoreoApi) => string | number> = {
  apiName: (a) => a.name.toLowerCase(),
  name: (a) => a.name.toLowerCase(),
  version: (a) => a.version,
  createdTime: (a) => a.createdTime,
  status: (a) => a.lifeCycleStatus
}

/** GET /apis?query=&limit=&offset=&sortBy=&sortOrder=: a name *contains* search (reference quirk 5). */
function listApis(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'apiList')
  const { limit, offset } = pageParams(ctx)
  const query = ctx.query.get('query') ?? ''
  const matches = apiMatcher(query)
  const key = SORT_KEYS[ctx.query.get('sortBy') ?? 'createdTime'] ?? SORT_KEYS.createdTime
  const dir = (ctx.query.get('sortOrder') ?? 'desc').toLowerCase() === 'asc' ? 1 : -1
  const found = org.apis.filter(matches).sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -dir : ka > kb ? dir : a.name.localeCompare(b.name)
  })
  const page = paginate(found, limit, offset, '/apis', { query })
  return json(200, { ...page, list: page.list.map(publisherApiInfo) })
}

/** GET /apis/{apiId}: the API object with its ETag; a revision id gives that revision's snapshot (isRevision). */
function getApi(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'apiGet')
  for (const api of org.apis) {
    const rev = api.revisions.find((r) => r.id === ctx.params.apiId)
    if (rev) return json(200, publisherApiView(api, rev))
  }
  const api = findApi(org, ctx.params.apiId)
  return json(200, publisherApiView(api), { etag: etagOf(api) })
}

/** PUT /apis/{apiId}: read-modify-write of the whole object (reference quirks 8 and 9). */
function putApi(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'apiUpdate')
  const api = findApi(org, ctx.params.apiId)
  checkIfMatch(ctx, api)
  applyApiUpdate(org, api, objectBody(ctx), ctx.emulator.now())
  return json(200, publisherApiView(api), { etag: etagOf(api) })
}

/**
 * POST /apis/change-lifecycle?apiId=&action=: upstream's default lifecycle. Publishing (or prototyping)
 * needs a revision deployed to some gateway environment, as the publisher UI requires.
 */
function changeLifecycle(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'lifecycle')
  const apiId = ctx.query.get('apiId')
  const action = ctx.query.get('action')
  if (!apiId) throw badRequest('apiId query parameter is required')
  if (!action) throw badRequest('action query parameter is required')
  const api = findApi(org, apiId)
  checkIfMatch(ctx, api)
  const target = LIFECYCLE[api.lifeCycleStatus][action]
  if (!target) throw apimError(400, 900381, 'Unsupported state change action', `Lifecycle state change action ${action} is not allowed`)
  if ((action === 'Publish' || action === 'Deploy as a Prototype' || action === 'Re-Publish') && api.deployments.length === 0) {
    throw badRequest(`API ${api.id} has no revision deployed to a gateway environment: deploy a revision before the '${action}' action`)
  }
  if (target !== api.lifeCycleStatus) {
    api.lifeCycleStatus = target
    api.lastUpdatedTime = ctx.emulator.now()
    api.changeSeq++
  }
  return json(200, { workflowStatus: 'APPROVED', jsonPayload: null, lifecycleState: lifecycleStateView(api) })
}

/** GET /settings: gateway environments from the seed; vhosts point at the emulator gateway on this host. */
function settings(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'publisherSettings')
  const { host, port } = hostOf(ctx)
  return json(200, {
    devportalUrl: `${ctx.baseUrl}/devportal`,
    environment: org.environments.map((e) => ({
      id: e.id,
      name: e.name,
      displayName: e.displayName,
      type: e.type,
      serverUrl: `${gatewayBase(ctx, e.name)}/services/`,
      provider: 'wso2',
      showInApiConsole: true,
      vhosts: [
        {
          host,
          httpContext: `/gateway/${e.name}`,
          httpPort: port,
          httpsPort: port,
          wsPort: null,
          wssPort: null,
          websubHttpPort: null,
          websubHttpsPort: null
        }
      ],
      endpointURIs: [
        { protocol: 'http', endpointURI: gatewayBase(ctx, e.name) },
        { protocol: 'https', endpointURI: gatewayBase(ctx, e.name) }
      ],
      additionalProperties: []
    })),
    scopes: [
      'apim:api_view',
      'apim:api_create',
      'apim:api_manage',
      'apim:api_publish',
      'apim:api_delete',
      'apim:publisher_settings',
      'apim:shared_scope_manage',
      'apim:api_import_export'
    ],
    monetizationAttributes: [],
    securityAuditProperties: {},
    externalStoresEnabled: false,
    docVisibilityEnabled: false,
    crossTenantSubscriptionEnabled: false,
    authorizationHeader: 'Authorization'
  })
}
