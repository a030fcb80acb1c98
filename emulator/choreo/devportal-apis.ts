import { json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorize } from './auth.js'
import { apiNotFound } from './errors.js'
import { gatewayUrl } from './apis.js'
import { apiMatcher, pageParams, paginate } from './paging.js'
import type { ChoreoApi, ChoreoOrg } from './state.js'

/** The Developer Portal shows (and lets applications subscribe to) PUBLISHED APIs only. */
export function isVisibleInDevportal(api: ChoreoApi): boolean {
  return api.lifeCycleStatus === 'PUBLISHED'
}

/** A published API of the org, or 404 `900308` (an unpublished one is as good as absent here). */
export function findVisibleApi(org: ChoreoOrg, apiId: string): ChoreoApi {
  const api = org.apis.find((a) => a.id === apiId && isVisibleInDevportal(a))
  if (!api) throw apiNotFound(apiId)
  return api
}

const policies = (api: ChoreoApi): string[] => (Array.isArray(api.props.policies) ? (api.props.policies as string[]) : [])

/** Devportal `APIInfo`. */
export function devportalApiInfo(api: ChoreoApi): Record<string, unknown> {
  return {
    id: api.id,
    name: api.name,
    description: api.props.description ?? null,
    context: api.context,
    version: api.version,
    type: 'HTTP',
    createdTime: String(api.createdTime),
    provider: api.provider,
    lifeCycleStatus: api.lifeCycleStatus,
    thumbnailUri: null,
    avgRating: '0.0',
    throttlingPolicies: policies(api),
    advertiseInfo: api.props.advertiseInfo ?? null,
    businessInformation: api.props.businessInformation ?? null,
    isSubscriptionAvailable: true,
    monetizationLabel: 'FREE',
    gatewayVendor: 'wso2'
  }
}

/**
 * Devportal `API`. `endpointURLs` lists the environments whose deployment has displayOnDevportal, with
 * absolute URLs on the emulator gateway ({base}/gateway/{env}{context}/{version}); http and https are the
 * same plain-http URL since the emulator has no TLS.
 */
export function devportalApiView(ctx: Ctx, org: ChoreoOrg, api: ChoreoApi): Record<string, unknown> {
  const shown = api.deployments.filter((d) => d.displayOnDevportal)
  return {
    id: api.id,
    name: api.name,
    description: api.props.description ?? null,
    context: api.context,
    version: api.version,
    provider: api.provider,
    apiDefinition: null,
    wsdlUri: null,
    lifeCycleStatus: api.lifeCycleStatus,
    isDefaultVersion: api.props.isDefaultVersion ?? false,
    type: 'HTTP',
    transport: api.props.transport ?? [],
    operations: api.operations.map((o) => ({ id: '', target: o.target, verb: o.verb })),
    authorizationHeader: api.props.authorizationHeader ?? 'Authorization',
    securityScheme: api.props.securityScheme ?? [],
    tags: api.props.tags ?? [],
    tiers: policies(api).map((p) => ({
      tierName: p,
      tierPlan: 'FREE',
      monetizationAttributes: { fixedPrice: null, pricePerRequest: null, currencyType: null, billingCycle: null }
    })),
    hasThumbnail: false,
    additionalProperties: [],
    monetization: { enabled: false },
    endpointURLs: shown.map((d) => {
      const env = org.environments.find((e) => e.name === d.environment)
      const url = gatewayUrl(ctx, d.environment, api)
      return {
        environmentName: d.environment,
        environmentDisplayName: env?.displayName ?? d.environment,
        environmentType: env?.type ?? 'hybrid',
        URLs: { http: url, https: url, ws: null, wss: null },
        defaultVersionURLs: { http: null, https: null, ws: null, wss: null }
      }
    }),
    businessInformation: api.props.businessInformation ?? null,
    environmentList: shown.map((d) => d.environment),
    scopes: api.scopes.map((s) => ({ key: s.name, name: s.displayName, roles: s.bindings, description: s.description })),
    avgRating: '0.0',
    advertiseInfo: api.props.advertiseInfo ?? null,
    isSubscriptionAvailable: true,
    categories: api.props.categories ?? [],
    keyManagers: ['all'],
    createdTime: String(api.createdTime),
    lastUpdatedTime: String(api.lastUpdatedTime),
    gatewayVendor: 'wso2',
    asyncTransportProtocols: []
  }
}

/** GET /apis and /apis/{apiId}: anonymous allowed (the spec lists no scopes), organizationId required. */
export function registerDevportalApis(router: Router, D: string): void {
  router.get(`${D}/apis`, (ctx) => {
    const { org } = authorize(ctx, null)
    const { limit, offset } = pageParams(ctx)
    const query = ctx.query.get('query') ?? ''
    const matches = apiMatcher(query)
    const found = org.apis.filter((a) => isVisibleInDevportal(a) && matches(a)).sort((a, b) => a.name.localeCompare(b.name))
    const page = paginate(found, limit, offset, '/apis', { query })
    return json(200, { ...page, list: page.list.map(devportalApiInfo) })
  })
  router.get(`${D}/apis/{apiId}`, (ctx) => {
    const { org } = authorize(ctx, null)
    return json(200, devportalApiView(ctx, org, findVisibleApi(org, ctx.params.apiId)))
  })
}
