import { createHash, randomUUID } from 'node:crypto'
import type { Ctx } from '../core/http.js'
import { apiNotFound, apimError, badRequest, isRecord } from './errors.js'
import type { ApiDeployment, ApiRevision, ChoreoApi, ChoreoOrg, LifecycleStatus, StoredOperation, StoredScope } from './state.js'

/** The API (working copy) with this id in the org, or 404 `900308`. */
export function findApi(org: ChoreoOrg, apiId: string): ChoreoApi {
  const api = org.apis.find((a) => a.id === apiId)
  if (!api) throw apiNotFound(apiId)
  return api
}

/** "Items API" → "itemsapi": lower case, only [a-z0-9] (Choreo's rule is undocumented; reference §4). */
export function apiSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** The fully qualified name Choreo gives a permission value of this API: urn:<orgHandle>:<scopeSlug>:<value>. */
export function expectedScopeName(org: ChoreoOrg, api: ChoreoApi, value: string): string {
  return `urn:${org.handle}:${api.scopeSlug ?? apiSlug(api.name)}:${value}`
}

/**
 * The name a scope is stored under, by the org's naming hypothesis (seed `scopeNaming`, reference §4):
 * `qualify` (default) prefixes a bare value and keeps `urn:` names; `verbatim` keeps every name;
 * `strict` takes only the exact qualified name and answers 400 for anything else.
 */
export function qualifyScope(org: ChoreoOrg, api: ChoreoApi, name: string): string {
  const naming = org.scopeNaming ?? 'qualify'
  if (naming === 'verbatim') return name
  if (naming === 'qualify') return name.startsWith('urn:') ? name : expectedScopeName(org, api, name)
  if (name !== expectedScopeName(org, api, bareName(name))) {
    throw badRequest(`Invalid scope name ${name}: a scope of API ${api.name} must be named as its organization and API require`, [
      { code: 'scope.name', message: 'not a valid scope name for this API' }
    ])
  }
  return name
}

function bareName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1)
}

export function etagOf(api: ChoreoApi): string {
  return `"${createHash('sha1').update(`${api.id}:${api.changeSeq}`).digest('hex')}"`
}

/** 412 unless `If-Match` (when sent) names the API's current ETag (or is `*`). */
export function checkIfMatch(ctx: Ctx, api: ChoreoApi): void {
  const header = ctx.headers['if-match']
  if (header === undefined) return
  const current = etagOf(api)
  const tags = String(header)
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
  if (tags.includes('*') || tags.includes(current)) return
  throw apimError(
    412,
    412,
    'Precondition Failed',
    `The API has changed since it was read: If-Match ${String(header)} does not match the current ETag ${current}`
  )
}

function scopeView(s: StoredScope, operations: StoredOperation[]): unknown {
  return {
    scope: {
      id: s.id,
      name: s.name,
      displayName: s.displayName,
      description: s.description,
      bindings: s.bindings,
      usageCount: operations.filter((o) => o.scopes.includes(s.name)).length
    },
    shared: false
  }
}

function operationView(o: StoredOperation): unknown {
  return {
    id: '',
    target: o.target,
    verb: o.verb,
    authType: o.authType,
    throttlingPolicy: o.throttlingPolicy,
    scopes: o.scopes,
    usedProductIds: [],
    amznResourceName: null,
    amznResourceTimeout: null,
    payloadSchema: null,
    uriMapping: null,
    operationPolicies: { request: [], response: [], fault: [] }
  }
}

/** The publisher `API` object (spec `API`); `revision` renders a revision's snapshot instead of the working copy. */
export function publisherApiView(api: ChoreoApi, revision?: ApiRevision): Record<string, unknown> {
  const scopes = revision ? revision.scopes : api.scopes
  const operations = revision ? revision.operations : api.operations
  return {
    id: revision ? revision.id : api.id,
    name: api.name,
    context: api.context,
    version: api.version,
    provider: api.provider,
    lifeCycleStatus: api.lifeCycleStatus,
    wsdlInfo: null,
    wsdlUrl: null,
    hasThumbnail: false,
    isRevision: Boolean(revision),
    revisionedApiId: revision ? api.id : null,
    revisionId: revision ? revision.number : 0,
    type: 'HTTP',
    audience: null,
    ...structuredClone(api.props),
    monetization: null,
    workflowStatus: null,
    createdTime: String(api.createdTime),
    lastUpdatedTime: String(api.lastUpdatedTime),
    scopes: scopes.map((s) => scopeView(s, operations)),
    operations: operations.map(operationView),
    threatProtectionPolicies: null,
    keyManagers: ['all'],
    serviceInfo: null,
    gatewayVendor: 'wso2',
    asyncTransportProtocols: []
  }
}

/** The publisher `APIInfo` of a list entry. */
export function publisherApiInfo(api: ChoreoApi): Record<string, unknown> {
  return {
    id: api.id,
    name: api.name,
    description: api.props.description ?? null,
    context: api.context,
    additionalProperties: api.props.additionalProperties ?? [],
    additionalPropertiesMap: api.props.additionalPropertiesMap ?? {},
    version: api.version,
    provider: api.provider,
    type: 'HTTP',
    audience: null,
    lifeCycleStatus: api.lifeCycleStatus,
    workflowStatus: null,
    hasThumbnail: false,
    securityScheme: api.props.securityScheme ?? [],
    createdTime: String(api.createdTime),
    updatedTime: String(api.lastUpdatedTime),
    gatewayVendor: 'wso2',
    advertiseOnly: false
  }
}

/** Fields of the API object a PUT may change besides scopes and operations; all others keep their value. */
const WRITABLE_PROPS = [
  'description',
  'responseCachingEnabled',
  'cacheTimeout',
  'isDefaultVersion',
  'enableSchemaValidation',
  'transport',
  'tags',
  'policies',
  'apiThrottlingPolicy',
  'authorizationHeader',
  'securityScheme',
  'maxTps',
  'visibility',
  'visibleRoles',
  'visibleTenants',
  'mediationPolicies',
  'subscriptionAvailability',
  'subscriptionAvailableTenants',
  'additionalProperties',
  'additionalPropertiesMap',
  'accessControl',
  'accessControlRoles',
  'businessInformation',
  'corsConfiguration',
  'endpointConfig',
  'endpointImplementationType',
  'categories',
  'advertiseInfo'
]

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${what} must be an array of strings`)
  return v as string[]
}

function parseScopes(org: ChoreoOrg, api: ChoreoApi, raw: unknown): StoredScope[] {
  if (!Array.isArray(raw)) throw badRequest('scopes must be an array of APIScope objects')
  const out: StoredScope[] = []
  for (const item of raw) {
    if (!isRecord(item) || !isRecord(item.scope)) throw badRequest('Each scopes[] entry needs a "scope" object')
    const s = item.scope
    const given = (str(s.name) ?? '').trim()
    if (!given) throw badRequest('Scope name cannot be empty', [{ code: 'scope.name', message: 'may not be empty' }])
    const name = qualifyScope(org, api, given)
    if (name.length > 255) throw badRequest(`Scope name ${name} is longer than 255 characters`)
    if (out.some((x) => x.name === name)) continue // listed twice: one scope
    const existing = api.scopes.find((x) => x.name === name)
    out.push({
      id: existing?.id ?? randomUUID(),
      name,
      displayName: str(s.displayName) || bareName(name),
      description: str(s.description) ?? '',
      bindings: strings(s.bindings, 'scope.bindings')
    })
    // `item.shared` is ignored on purpose (spec: "ignored when scopes are added to or updated on an API").
  }
  for (const s of out) {
    if (org.apis.some((a) => a.id !== api.id && a.scopes.some((x) => x.name === s.name))) {
      throw apimError(
        400,
        900988,
        'Scope already assigned locally by another API',
        `Scope ${s.name} already assigned locally by another API`
      )
    }
  }
  return out
}

function parseOperations(org: ChoreoOrg, api: ChoreoApi, raw: unknown): StoredOperation[] {
  if (!Array.isArray(raw)) throw badRequest('operations must be an array of APIOperations objects')
  const out: StoredOperation[] = []
  for (const o of raw) {
    if (!isRecord(o) || !str(o.target) || !str(o.verb)) throw badRequest('Each operation needs a "target" and a "verb"')
    const verb = (o.verb as string).toUpperCase()
    const target = o.target as string
    if (!VERBS.includes(verb)) throw badRequest(`Unsupported HTTP verb ${verb} for operation ${target}`)
    if (!target.startsWith('/')) throw badRequest(`Operation target ${target} must start with "/"`)
    if (out.some((x) => x.verb === verb && x.target === target)) throw badRequest(`Duplicate operation ${verb} ${target}`)
    const existing = api.operations.find((x) => x.verb === verb && x.target === target)
    out.push({
      verb,
      target,
      authType: str(o.authType) ?? existing?.authType ?? 'Application & Application User',
      throttlingPolicy: str(o.throttlingPolicy) ?? existing?.throttlingPolicy ?? 'Unlimited',
      // Operations name scopes of the API: qualified like them, else taken as given (an unknown one is a 412 below).
      scopes: [
        ...new Set(
          strings(o.scopes, `scopes of ${verb} ${target}`).map((s) =>
            (org.scopeNaming ?? 'qualify') === 'qualify' ? qualifyScope(org, api, s) : s
          )
        )
      ]
    })
  }
  return out
}

/**
 * PUT /apis/{apiId}: the whole API object (reference quirk 9): it replaces the stored one, so a writable
 * field, `scopes` or `operations` left out of the body is dropped (reference §5.2: a partial PUT drops
 * policies and endpoints). Scope names follow the org's naming hypothesis (`qualifyScope`); an operation
 * naming a scope that is not in `scopes[]` → 412 `900986` (`SCOPE_VALIDATION_FAILED`, reference §7).
 * name, version, context, provider and lifeCycleStatus stay as they are.
 */
export function applyApiUpdate(org: ChoreoOrg, api: ChoreoApi, body: Record<string, unknown>, now: number): void {
  const missing = ['name', 'context', 'version'].filter((k) => !str(body[k]))
  if (missing.length > 0)
    throw badRequest(
      `Required field(s) missing: ${missing.join(', ')}`,
      missing.map((k) => ({ code: k, message: `${k} may not be null` }))
    )
  const scopes = parseScopes(org, api, body.scopes ?? [])
  const operations = parseOperations(org, api, body.operations ?? [])
  for (const o of operations) {
    const unknown = o.scopes.find((s) => !scopes.some((x) => x.name === s))
    if (unknown)
      throw apimError(
        412,
        900986,
        'Scope validation failed',
        `Scope ${unknown} used by operation ${o.verb} ${o.target} is not defined in the API's scopes`
      )
  }
  for (const key of WRITABLE_PROPS) {
    if (key in body) api.props[key] = structuredClone(body[key])
    else delete api.props[key]
  }
  api.scopes = scopes
  api.operations = operations
  api.lastUpdatedTime = now
  api.changeSeq++
}

// ---- gateway URLs and deployments, rendered from the request's host ----------------------------------

export function hostOf(ctx: Ctx): { host: string; port: number } {
  const u = new URL(ctx.baseUrl)
  return { host: u.hostname, port: u.port ? Number(u.port) : 80 }
}

/** Base of an environment on the emulator gateway: {base}/gateway/{env}. */
export function gatewayBase(ctx: Ctx, environment: string): string {
  return `${ctx.baseUrl}/gateway/${encodeURIComponent(environment)}`
}

/** The invocation URL of an API on an environment: {base}/gateway/{env}{context}/{version}. */
export function gatewayUrl(ctx: Ctx, environment: string, api: ChoreoApi): string {
  return `${gatewayBase(ctx, environment)}${api.context}/${api.version}`
}

/** Whether a deployment is live yet (seed `deployPropagationMs`): until then it is pending. */
export function isLive(d: ApiDeployment, now: number): boolean {
  return d.liveAt === undefined || now >= d.liveAt
}

/** `successDeployedTime` only once the deployment is live; while it propagates the field is absent. */
export function deploymentView(ctx: Ctx, d: ApiDeployment): Record<string, unknown> {
  const live = isLive(d, ctx.emulator.now())
  return {
    revisionUuid: d.revisionId,
    name: d.environment,
    vhost: d.vhost ?? hostOf(ctx).host,
    displayOnDevportal: d.displayOnDevportal,
    deployedTime: d.deployedTime,
    ...(live ? { successDeployedTime: d.liveAt === undefined ? d.deployedTime : new Date(d.liveAt).toISOString() } : {})
  }
}

export function revisionView(ctx: Ctx, api: ChoreoApi, rev: ApiRevision): Record<string, unknown> {
  return {
    displayName: `Revision ${rev.number}`,
    id: rev.id,
    description: rev.description,
    createdTime: rev.createdTime,
    apiInfo: { id: api.id },
    deploymentInfo: api.deployments.filter((d) => d.revisionId === rev.id).map((d) => deploymentView(ctx, d))
  }
}

// ---- lifecycle ---------------------------------------------------------------------------------------

/** Upstream's default APILifeCycle: the actions allowed in each state and where they lead. */
export const LIFECYCLE: Record<LifecycleStatus, Record<string, LifecycleStatus>> = {
  CREATED: { Publish: 'PUBLISHED', 'Deploy as a Prototype': 'PROTOTYPED' },
  PROTOTYPED: { Publish: 'PUBLISHED', 'Demote to Created': 'CREATED', 'Deploy as a Prototype': 'PROTOTYPED' },
  PUBLISHED: {
    Block: 'BLOCKED',
    'Deploy as a Prototype': 'PROTOTYPED',
    'Demote to Created': 'CREATED',
    Deprecate: 'DEPRECATED',
    Publish: 'PUBLISHED'
  },
  BLOCKED: { Deprecate: 'DEPRECATED', 'Re-Publish': 'PUBLISHED' },
  DEPRECATED: { Retire: 'RETIRED' },
  RETIRED: {}
}

const displayState = (s: LifecycleStatus): string => s.charAt(0) + s.slice(1).toLowerCase()

export function lifecycleStateView(api: ChoreoApi): Record<string, unknown> {
  return {
    state: displayState(api.lifeCycleStatus),
    checkItems: [
      { name: 'Deprecate old versions after publishing the API', value: false, requiredStates: [] },
      { name: 'Requires re-subscription when publishing the API', value: false, requiredStates: [] }
    ],
    availableTransitions: Object.entries(LIFECYCLE[api.lifeCycleStatus]).map(([event, target]) => ({
      event,
      targetState: displayState(target)
    }))
  }
}
