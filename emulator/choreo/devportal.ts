import { json } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorize, authorizeFor } from './auth.js'
import { apimError } from './errors.js'
import { registerApplications } from './applications.js'
import { registerDevportalApis } from './devportal-apis.js'
import { devportalKeyManagerView } from './keymanagers.js'
import { pageParams, paginate } from './paging.js'
import { registerSubscriptions } from './subscriptions.js'
import { APPLICATION_POLICIES, SUBSCRIPTION_POLICIES } from './state.js'

export const DEVPORTAL = '/api/am/devportal/v2'

/** API Manager developer portal v2 as Choreo serves it (every call needs ?organizationId=). */
export function registerDevportal(router: Router): void {
  const D = DEVPORTAL
  registerDevportalApis(router, D)
  registerApplications(router, D)
  registerSubscriptions(router, D)
  router.get(`${D}/key-managers`, (ctx) => {
    const { org } = authorizeFor(ctx, 'devKeyManagers')
    return json(200, { count: org.keyManagers.length, list: org.keyManagers.map((km) => devportalKeyManagerView(ctx, km)) })
  })
  router.get(`${D}/throttling-policies/{policyLevel}`, (ctx) => {
    authorize(ctx, null)
    const { limit, offset } = pageParams(ctx)
    const page = paginate(policiesOf(ctx.params.policyLevel), limit, offset, `/throttling-policies/${ctx.params.policyLevel}`)
    return json(200, page)
  })
  router.get(`${D}/throttling-policies/{policyLevel}/{policyId}`, (ctx) => {
    authorize(ctx, null)
    const policy = policiesOf(ctx.params.policyLevel).find((p) => p.name === ctx.params.policyId)
    if (!policy) {
      throw apimError(
        404,
        903005,
        'Throttling Policy Not Found',
        `Requested throttling policy with name '${ctx.params.policyId}' and type '${ctx.params.policyLevel}' not found`
      )
    }
    return json(200, policy)
  })
}

/** Upstream's default application and subscription tiers (Choreo's usage-plan names are undocumented). */
function policiesOf(level: string) {
  const per: Record<string, number> = {
    Unlimited: 2147483647,
    '10PerMin': 10,
    '20PerMin': 20,
    '50PerMin': 50,
    Gold: 5000,
    Silver: 2000,
    Bronze: 1000
  }
  let names: string[]
  if (level === 'application') names = APPLICATION_POLICIES
  else if (level === 'subscription') names = SUBSCRIPTION_POLICIES
  else throw apimError(400, 900968, 'Throttle Policy level invalid', 'Specified Throttle policy level is not valid')
  return names.map((name) => ({
    name,
    description: name === 'Unlimited' ? 'Allows unlimited requests' : `Allows ${per[name]} requests per minute`,
    policyLevel: level,
    displayName: name,
    attributes: {},
    requestCount: per[name],
    dataUnit: null,
    unitTime: 1,
    timeUnit: 'min',
    rateLimitCount: 0,
    rateLimitTimeUnit: null,
    quotaPolicyType: 'REQUESTCOUNT',
    tierPlan: 'FREE',
    stopOnQuotaReach: true,
    monetizationAttributes: { fixedPrice: null, pricePerRequest: null, currencyType: null, billingCycle: null },
    throttlingPolicyPermissions: { type: 'allow', roles: ['Internal/everyone'] }
  }))
}
