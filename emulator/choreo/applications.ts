import { randomUUID } from 'node:crypto'
import { empty, json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorizeFor, type Caller } from './auth.js'
import { alreadyExists, apimError, badRequest, isRecord, notFound, objectBody } from './errors.js'
import { pageParams, paginate } from './paging.js'
import {
  APPLICATION_POLICIES,
  RESIDENT_KEY_MANAGER,
  type ChoreoOrg,
  type DevApplication,
  type KeyManager,
  type KeyMapping
} from './state.js'

/** The caller's idpId: the Developer Portal shows each user their own applications. */
export function ownerOf(caller: Caller): string {
  return caller.user?.idpId ?? caller.pat?.userIdpId ?? ''
}

/** The caller's application with this id, or 404. */
export function findApplication(caller: Caller, applicationId: string): DevApplication {
  const app = caller.org.applications.find((a) => a.applicationId === applicationId && a.owner === ownerOf(caller))
  if (!app) throw notFound(`Requested application with Id '${applicationId}' not found`)
  return app
}

function keyView(org: ChoreoOrg, k: KeyMapping): Record<string, unknown> {
  const km = org.keyManagers.find((m) => m.name === k.keyManager)
  // consumerSecret is never echoed: Choreo maps only a client ID and does not hold the secret (reference §6.3).
  return {
    keyMappingId: k.keyMappingId,
    keyManager: k.keyManager,
    consumerKey: k.consumerKey,
    supportedGrantTypes: km?.availableGrantTypes ?? [],
    callbackUrl: null,
    keyState: 'COMPLETED',
    keyType: k.keyType,
    mode: 'MAPPED',
    groupId: null,
    token: null,
    additionalProperties: {}
  }
}

function appInfoFields(org: ChoreoOrg, app: DevApplication): Record<string, unknown> {
  return {
    applicationId: app.applicationId,
    name: app.name,
    throttlingPolicy: app.throttlingPolicy,
    description: app.description,
    status: app.status,
    groups: app.groups,
    subscriptionCount: org.subscriptions.filter((s) => s.applicationId === app.applicationId).length,
    attributes: app.attributes,
    owner: app.owner
  }
}

/** Devportal `ApplicationInfo` (list entries, Subscription.applicationInfo). */
export const applicationInfoView = appInfoFields

/** Devportal `Application`. */
function applicationView(org: ChoreoOrg, app: DevApplication): Record<string, unknown> {
  return {
    ...appInfoFields(org, app),
    tokenType: app.tokenType,
    keys: org.keyMappings.filter((k) => k.applicationId === app.applicationId).map((k) => keyView(org, k)),
    subscriptionScopes: [],
    hashEnabled: false
  }
}

/**
 * Validates an Application body as upstream's applicationsPost / Put do: tier present (400 "Throttling tier
 * cannot be null") and known, name present without surrounding whitespace, at most 100 characters, and not
 * another application of the same owner (409 with `code: 409`, reference quirk 6).
 */
function validApplication(
  caller: Caller,
  body: Record<string, unknown>,
  self?: DevApplication
): { name: string; throttlingPolicy: string } {
  const name = typeof body.name === 'string' ? body.name : ''
  const tier = typeof body.throttlingPolicy === 'string' ? body.throttlingPolicy : ''
  if (!tier.trim()) throw badRequest('Throttling tier cannot be null')
  if (!name.trim()) throw badRequest('Application name cannot be empty')
  if (name !== name.trim()) throw badRequest('Application name cannot contain leading or trailing white spaces')
  if (name.length > 100) throw badRequest('Application name is longer than 100 characters')
  if (!APPLICATION_POLICIES.includes(tier)) throw badRequest(`Specified tier ${tier} is invalid`)
  const owner = ownerOf(caller)
  if (caller.org.applications.some((a) => a.owner === owner && a.name === name && a !== self)) {
    throw alreadyExists(`An application already exists with name ${name}`)
  }
  return { name, throttlingPolicy: tier }
}

function attributesOf(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {}
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))
}

const groupsOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

const SORT: Record<string, (a: DevApplication) => string> = {
  name: (a) => a.name.toLowerCase(),
  throttlingPolicy: (a) => a.throttlingPolicy,
  status: (a) => a.status
}

export function registerApplications(router: Router, D: string): void {
  /** GET /applications?query=<exact name>: no wildcards, no contains (reference quirk 5). */
  router.get(`${D}/applications`, (ctx) => {
    const caller = authorizeFor(ctx, 'appList')
    const { limit, offset } = pageParams(ctx)
    const query = ctx.query.get('query') ?? ''
    const key = SORT[ctx.query.get('sortBy') ?? 'name'] ?? SORT.name
    const dir = (ctx.query.get('sortOrder') ?? 'asc').toLowerCase() === 'desc' ? -1 : 1
    const owner = ownerOf(caller)
    const found = caller.org.applications
      .filter((a) => a.owner === owner && (query === '' || a.name === query))
      .sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : 0))
    const page = paginate(found, limit, offset, '/applications', { query })
    return json(200, { ...page, list: page.list.map((a) => applicationInfoView(caller.org, a)) })
  })

  /**
   * POST /applications: 201 + Location; tokenType forced to JWT whatever was sent (reference quirk 6). With the
   * org's application workflow on, 202 + Location + WorkflowResponse {workflowStatus: CREATED, jsonPayload} and
   * the application stays CREATED (not subscribable) until approved.
   */
  router.post(`${D}/applications`, (ctx) => {
    const caller = authorizeFor(ctx, 'app')
    const body = objectBody(ctx)
    const { name, throttlingPolicy } = validApplication(caller, body)
    const pending = caller.org.applicationWorkflow === true
    const app: DevApplication = {
      applicationId: randomUUID(),
      name,
      throttlingPolicy,
      description: typeof body.description === 'string' ? body.description : '',
      tokenType: 'JWT',
      status: pending ? 'CREATED' : 'APPROVED',
      groups: groupsOf(body.groups),
      attributes: attributesOf(body.attributes),
      owner: ownerOf(caller),
      createdTime: ctx.emulator.now()
    }
    caller.org.applications.push(app)
    const location = { location: `${ctx.baseUrl}${D}/applications/${app.applicationId}` }
    if (pending) return json(202, { workflowStatus: 'CREATED', jsonPayload: JSON.stringify(applicationView(caller.org, app)) }, location)
    return json(201, applicationView(caller.org, app), location)
  })

  router.get(`${D}/applications/{applicationId}`, (ctx) => {
    const caller = authorizeFor(ctx, 'app')
    return json(200, applicationView(caller.org, findApplication(caller, ctx.params.applicationId)))
  })

  /** PUT /applications/{id}: name, tier, description, groups, attributes; the token type stays JWT. */
  router.put(`${D}/applications/{applicationId}`, (ctx) => {
    const caller = authorizeFor(ctx, 'app')
    const app = findApplication(caller, ctx.params.applicationId)
    const body = objectBody(ctx)
    const { name, throttlingPolicy } = validApplication(caller, body, app)
    app.name = name
    app.throttlingPolicy = throttlingPolicy
    if (typeof body.description === 'string') app.description = body.description
    if (body.groups !== undefined) app.groups = groupsOf(body.groups)
    if (body.attributes !== undefined) app.attributes = attributesOf(body.attributes)
    return json(200, applicationView(caller.org, app))
  })

  /** DELETE /applications/{id}: its key mappings and subscriptions go with it. */
  router.delete(`${D}/applications/{applicationId}`, (ctx) => {
    const caller = authorizeFor(ctx, 'appDelete')
    const app = findApplication(caller, ctx.params.applicationId)
    const org = caller.org
    org.applications = org.applications.filter((a) => a !== app)
    org.keyMappings = org.keyMappings.filter((k) => k.applicationId !== app.applicationId)
    org.subscriptions = org.subscriptions.filter((s) => s.applicationId !== app.applicationId)
    return empty(200)
  })

  router.get(`${D}/applications/{applicationId}/oauth-keys`, (ctx) => {
    const caller = authorizeFor(ctx, 'app')
    const app = findApplication(caller, ctx.params.applicationId)
    const keys = caller.org.keyMappings.filter((k) => k.applicationId === app.applicationId)
    return json(200, { count: keys.length, list: keys.map((k) => keyView(caller.org, k)) })
  })

  router.get(`${D}/applications/{applicationId}/oauth-keys/{keyMappingId}`, (ctx) => {
    const caller = authorizeFor(ctx, 'app')
    return json(200, keyView(caller.org, findKey(caller, ctx)))
  })

  router.post(`${D}/applications/{applicationId}/map-keys`, mapKeys)

  /** POST …/oauth-keys/{keyMappingId}/clean-up: removes the mapping (the client ID can then be mapped again). */
  router.post(`${D}/applications/{applicationId}/oauth-keys/{keyMappingId}/clean-up`, (ctx) => {
    const caller = authorizeFor(ctx, 'app')
    const key = findKey(caller, ctx)
    caller.org.keyMappings = caller.org.keyMappings.filter((k) => k !== key)
    return empty(200)
  })
}

function findKey(caller: Caller, ctx: Ctx): KeyMapping {
  const app = findApplication(caller, ctx.params.applicationId)
  const key = caller.org.keyMappings.find((k) => k.applicationId === app.applicationId && k.keyMappingId === ctx.params.keyMappingId)
  if (!key)
    throw apimError(
      404,
      900331,
      'Application Key mapping not found',
      `Key mapping ${ctx.params.keyMappingId} not found for application ${app.applicationId}`
    )
  return key
}

/**
 * POST /applications/{id}/map-keys {consumerKey, consumerSecret?, keyManager?, keyType} (reference quirk 3):
 * - keyManager defaults to "Resident Key Manager" (quirk 10), which cannot map existing clients here → 400;
 * - unknown or disabled key manager → 400 `901403`; an EXCHANGED one → 400 `901405`;
 * - the client ID already mapped (this key manager, any application) or this application already holding a
 *   key for that key manager and key type → 409 `901409`;
 * - a key manager with `validateMappedClients` that does not know the client (no OIDC app with that client ID
 *   in its Asgardeo org) → the generic 500 `900967` "General Error", as upstream surfaces key-manager failures.
 * The secret is neither checked nor stored.
 */
function mapKeys(ctx: Ctx) {
  const caller = authorizeFor(ctx, 'app')
  const app = findApplication(caller, ctx.params.applicationId)
  const org = caller.org
  const body = objectBody(ctx)
  const consumerKey = typeof body.consumerKey === 'string' ? body.consumerKey.trim() : ''
  if (!consumerKey) throw badRequest('consumerKey is required')
  const keyType = body.keyType
  if (keyType !== 'PRODUCTION' && keyType !== 'SANDBOX') throw badRequest('keyType must be PRODUCTION or SANDBOX')
  const kmName = typeof body.keyManager === 'string' && body.keyManager ? body.keyManager : RESIDENT_KEY_MANAGER
  const km = org.keyManagers.find((m) => m.name === kmName || m.id === kmName)
  if (!km || !km.enabled)
    throw apimError(400, 901403, 'Key Manager not Registered', `Key Manager ${kmName} is not registered or not enabled`)
  if (km.tokenType === 'EXCHANGED')
    throw apimError(400, 901405, "Key Manager doesn't support token generation", `Key Manager ${km.name} only issues exchanged tokens`)
  if (!km.enableMapOAuthConsumerApps) {
    throw badRequest(`Key Manager ${km.name} does not allow mapping an existing OAuth client (enableMapOAuthConsumerApps is false)`)
  }
  const taken = org.keyMappings.some(
    (k) => k.keyManager === km.name && (k.consumerKey === consumerKey || (k.applicationId === app.applicationId && k.keyType === keyType))
  )
  if (taken) throw apimError(409, 901409, 'Key Mappings already exists', 'Key Mappings already exists')
  if (km.validateMappedClients && !knownToKeyManager(ctx, km, consumerKey)) {
    throw apimError(500, 900967, 'General Error', 'Server Error Occurred')
  }
  const key: KeyMapping = {
    keyMappingId: randomUUID(),
    applicationId: app.applicationId,
    keyManager: km.name,
    consumerKey,
    keyType,
    createdTime: ctx.emulator.now()
  }
  org.keyMappings.push(key)
  return json(200, keyView(org, key))
}

/** Whether the key manager's Asgardeo organization has an OIDC application with this client ID. */
function knownToKeyManager(ctx: Ctx, km: KeyManager, clientId: string): boolean {
  const asgardeo = km.asgardeoOrg ? ctx.emulator.state.asgardeo.orgs[km.asgardeoOrg] : undefined
  return asgardeo?.applications.some((a) => a.oidc?.clientId === clientId) ?? false
}
