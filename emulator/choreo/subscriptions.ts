import { randomUUID } from 'node:crypto'
import { empty, json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorizeFor, type Caller } from './auth.js'
import { alreadyExists, apiNotFound, apimError, badRequest, objectBody } from './errors.js'
import { applicationInfoView, findApplication, ownerOf } from './applications.js'
import { devportalApiInfo } from './devportal-apis.js'
import { pageParams, paginate } from './paging.js'
import type { DevSubscription } from './state.js'

function subscriptionView(caller: Caller, s: DevSubscription): Record<string, unknown> {
  const api = caller.org.apis.find((a) => a.id === s.apiId)
  const app = caller.org.applications.find((a) => a.applicationId === s.applicationId)
  return {
    subscriptionId: s.subscriptionId,
    applicationId: s.applicationId,
    apiId: s.apiId,
    apiInfo: api ? devportalApiInfo(api) : null,
    applicationInfo: app ? applicationInfoView(caller.org, app) : null,
    throttlingPolicy: s.throttlingPolicy,
    requestedThrottlingPolicy: s.requestedThrottlingPolicy,
    status: s.status,
    redirectionParams: null
  }
}

/** Subscriptions of the caller's own applications. */
function ownSubscriptions(caller: Caller): DevSubscription[] {
  const owner = ownerOf(caller)
  const mine = new Set(caller.org.applications.filter((a) => a.owner === owner).map((a) => a.applicationId))
  return caller.org.subscriptions.filter((s) => mine.has(s.applicationId))
}

function findSubscription(caller: Caller, subscriptionId: string): DevSubscription {
  const s = ownSubscriptions(caller).find((x) => x.subscriptionId === subscriptionId)
  if (!s) throw apimError(404, 900310, 'Subscription not found', `The requested subscription with ID '${subscriptionId}' was not found.`)
  return s
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '')

export function registerSubscriptions(router: Router, D: string): void {
  /** GET /subscriptions?applicationId=|apiId=: one of them is mandatory (reference quirk 7). */
  router.get(`${D}/subscriptions`, (ctx) => {
    const caller = authorizeFor(ctx, 'subscriptions')
    const applicationId = ctx.query.get('applicationId') ?? ''
    const apiId = ctx.query.get('apiId') ?? ''
    if (!applicationId && !apiId) throw badRequest('Either applicationId or apiId should be available')
    if (applicationId) findApplication(caller, applicationId)
    if (apiId && !caller.org.apis.some((a) => a.id === apiId)) throw apiNotFound(apiId)
    const { limit, offset } = pageParams(ctx)
    const found = ownSubscriptions(caller).filter(
      (s) => (!applicationId || s.applicationId === applicationId) && (!apiId || s.apiId === apiId)
    )
    const linkParams: Record<string, string> = applicationId ? { applicationId } : { apiId }
    const page = paginate(found, limit, offset, '/subscriptions', linkParams)
    return json(200, { ...page, list: page.list.map((s) => subscriptionView(caller, s)) })
  })

  router.post(`${D}/subscriptions`, (ctx) => subscribe(ctx))

  router.get(`${D}/subscriptions/{subscriptionId}`, (ctx) => {
    const caller = authorizeFor(ctx, 'subscriptions')
    return json(200, subscriptionView(caller, findSubscription(caller, ctx.params.subscriptionId)))
  })

  router.delete(`${D}/subscriptions/{subscriptionId}`, (ctx) => {
    const caller = authorizeFor(ctx, 'subscriptions')
    const s = findSubscription(caller, ctx.params.subscriptionId)
    caller.org.subscriptions = caller.org.subscriptions.filter((x) => x !== s)
    return empty(200)
  })
}

/**
 * POST /subscriptions {applicationId, apiId, throttlingPolicy}: 201 UNBLOCKED. Only a PUBLISHED API can be
 * subscribed to (an application still waiting for its creation workflow → 400 "Workflow status is not Approved";
 * an API in another state → 404, as upstream's "Subscriptions not allowed on APIs/API Products in the
 * state: …" is a not-found error); a tier the API does not offer → 403 `902002`; a duplicate → 409 with
 * `code: 409` (not in the spec; reference quirk 7).
 */
function subscribe(ctx: Ctx) {
  const caller = authorizeFor(ctx, 'subscriptions')
  const body = objectBody(ctx)
  const applicationId = str(body.applicationId)
  const apiId = str(body.apiId)
  const tier = str(body.throttlingPolicy)
  if (!applicationId) throw badRequest('applicationId is required')
  if (!apiId) throw badRequest('apiId is required')
  if (!tier) throw badRequest('Throttling tier cannot be null')
  const app = findApplication(caller, applicationId)
  if (app.status !== 'APPROVED') throw badRequest('Workflow status is not Approved')
  const api = caller.org.apis.find((a) => a.id === apiId)
  if (!api) throw apiNotFound(apiId)
  if (api.lifeCycleStatus !== 'PUBLISHED') {
    throw apimError(404, 404, 'Not Found', `Subscriptions not allowed on APIs/API Products in the state: ${api.lifeCycleStatus}`)
  }
  const tiers = Array.isArray(api.props.policies) ? (api.props.policies as string[]) : []
  if (!tiers.includes(tier)) {
    throw apimError(
      403,
      902002,
      'Subscription Tier is not allowed for user',
      `Subscription Tier ${tier} is not allowed for API ${api.id}; the API offers ${tiers.join(', ')}`
    )
  }
  if (caller.org.subscriptions.some((s) => s.applicationId === app.applicationId && s.apiId === api.id)) {
    throw alreadyExists(`Specified subscription already exists for API ${api.id}, for application ${app.applicationId}`)
  }
  const s: DevSubscription = {
    subscriptionId: randomUUID(),
    applicationId: app.applicationId,
    apiId: api.id,
    throttlingPolicy: tier,
    requestedThrottlingPolicy: tier,
    status: 'UNBLOCKED'
  }
  caller.org.subscriptions.push(s)
  return json(201, subscriptionView(caller, s), { location: `${ctx.baseUrl}${ctx.path.replace(/\/$/, '')}/${s.subscriptionId}` })
}
