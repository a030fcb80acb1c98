import { randomUUID } from 'node:crypto'
import { empty, json, type Ctx, type Reply } from '../core/http.js'
import type { Router } from '../core/router.js'
import { requireScope } from './auth.js'
import { appRoles, deleteAppRoles, revokeClientTokens } from './mgmt-cascade.js'
import {
  bodyObject,
  clone,
  isBlank,
  isRecord,
  MGMT,
  mgmtError,
  mgmtOrg,
  mgmtPath,
  mgmtUrl,
  offsetLinks,
  offsetPaging,
  optString,
  requireAnyScope
} from './mgmt-common.js'
import { evaluate, FilterSyntaxError, parseFilter, usesConnective, expressionsOf, type FilterNode } from './mgmt-filter.js'
import { buildOidc, hasOidc, newClientId, newClientSecret, noOidc, oidcView } from './mgmt-oidc-config.js'
import type { Application, AsgardeoOrg } from './state.js'

/*
 * Application Management API: /applications and /applications/{id}/inbound-protocols/oidc.
 * Spec: applications.identity-api-server.yaml, corrected by shared/reference/asgardeo-api.md §4 and
 * IS source (ServerApplicationManagementService, ApplicationManagementConstants).
 */

const VIEW = 'internal_application_mgt_view'
const CREATE = 'internal_application_mgt_create'
const UPDATE = 'internal_application_mgt_update'
const DELETE = 'internal_application_mgt_delete'
/** IS master names the regenerate scope `…_client_secret_create`; Asgardeo's docs say `…_mgt_create`. Either works here. */
const REGENERATE = ['internal_application_mgt_client_secret_create', CREATE]

/** Top-level fields the emulator models itself; everything else in a create/patch body is kept in `extra`. */
const MODELED = new Set([
  'id',
  'name',
  'description',
  'templateId',
  'associatedRoles',
  'inboundProtocolConfiguration',
  'clientId',
  'issuer',
  'inboundProtocols',
  'access',
  'self'
])
const LIST_ATTRIBUTES = new Set([
  'advancedConfigurations',
  'templateId',
  'templateVersion',
  'clientId',
  'issuer',
  'associatedRoles.allowedAudience'
])
const FILTER_ATTRIBUTES = new Set(['name', 'clientId', 'issuer'])

export const ERR = {
  notFound: (id: string, org: string) =>
    mgmtError(
      404,
      'APP-60006',
      'Application not found.',
      `Application cannot be found for the provided id: ${id} in the tenantDomain: ${org}.`
    ),
  template: () => mgmtError(501, 'APP-65501', 'Unsupported Operation.', 'Application creation with templates not supported.'),
  sorting: () => mgmtError(501, 'APP-65002', 'Sorting not supported.', 'Sorting capability is not supported in this version of the API.'),
  filterFormat: () =>
    mgmtError(
      400,
      'APP-60004',
      'Invalid filter query format.',
      'Filter needs to be in the format <attribute>+<operation>+<value>. Eg: name+eq+john'
    ),
  filterAttribute: (a: string) =>
    mgmtError(
      400,
      'APP-60004',
      'Filtering using the attempted attribute is not supported.',
      `Filtering cannot be done with the '${a}' attribute. Filtering is only supported with 'name', 'clientId', and 'issuer' attributes.`
    ),
  filterOperation: (op: string) =>
    mgmtError(
      400,
      'APP-60004',
      'Attempted filtering operation is invalid.',
      `Attempted filtering operation '${op}' is invalid. Please use one of the supported filtering operations such as 'eq', 'co', 'sw', 'ew', 'and', 'or'.`
    ),
  attributes: () => mgmtError(400, 'APP-60505', 'Invalid attribute name.', 'Invalid attribute name provided as required attribute.'),
  duplicateName: (name: string, org: string) =>
    mgmtError(400, 'APP-60007', 'Application already exists.', `Application with the name ${name} already exists in tenant ${org}.`),
  invalid: (description: string) => mgmtError(400, 'APP-60001', 'Invalid request.', description),
  subject: () =>
    mgmtError(
      400,
      'APP-60513',
      'Invalid configuration.',
      "'useMappedLocalSubject' cannot be disabled when 'mappedLocalSubjectMandatory' is enabled."
    ),
  inboundNotConfigured: (id: string) =>
    mgmtError(404, 'APP-60502', 'Inbound protocol not configured.', `Inbound protocol: oauth2 not configured for application id: ${id}.`)
}

export function registerApplications(router: Router): void {
  router.get(`${MGMT}/applications`, listApplications)
  router.post(`${MGMT}/applications`, createApplication)
  router.get(`${MGMT}/applications/{id}`, getApplication)
  router.patch(`${MGMT}/applications/{id}`, patchApplication)
  router.delete(`${MGMT}/applications/{id}`, deleteApplication)
  router.get(`${MGMT}/applications/{id}/inbound-protocols/oidc`, getOidc)
  router.put(`${MGMT}/applications/{id}/inbound-protocols/oidc`, putOidc)
  router.post(`${MGMT}/applications/{id}/inbound-protocols/oidc/regenerate-secret`, regenerateSecret)
}

export function requireApp(org: AsgardeoOrg, id: string): Application {
  const app = org.applications.find((a) => a.id === id)
  if (!app) throw ERR.notFound(id, org.handle)
  return app
}

// ---------------------------------------------------------------- defaults and views

function defaultClaimConfiguration(): Record<string, unknown> {
  return {
    dialect: 'LOCAL',
    claimMappings: [],
    requestedClaims: [],
    subject: {
      claim: { uri: 'http://wso2.org/claims/username' },
      includeUserDomain: false,
      includeTenantDomain: false,
      useMappedLocalSubject: false,
      mappedLocalSubjectMandatory: false
    },
    role: { claim: { uri: 'http://wso2.org/claims/role' }, includeUserDomain: true, mappings: [] }
  }
}

function defaultAdvancedConfigurations(): Record<string, unknown> {
  return {
    saas: false,
    discoverableByEndUsers: false,
    discoverableGroups: [],
    skipLoginConsent: true,
    skipLogoutConsent: true,
    useExternalConsentPage: false,
    returnAuthenticatedIdpList: false,
    enableAuthorization: false,
    fragment: false,
    enableAPIBasedAuthentication: false
  }
}

function defaultAuthenticationSequence(): Record<string, unknown> {
  return { type: 'DEFAULT', steps: [{ id: 1, options: [{ idp: 'LOCAL', authenticator: 'basic' }] }], subjectStepId: 1, attributeStepId: 1 }
}

/** associatedRoles as the server reports it: application roles come from the roles store. */
function associatedRolesView(org: AsgardeoOrg, app: Application): Record<string, unknown> {
  const roles =
    app.allowedAudience === 'APPLICATION'
      ? appRoles(org, app.id).map((r) => ({ id: r.id, name: r.displayName }))
      : (((app.extra.associatedRoles as Record<string, unknown> | undefined)?.roles as unknown[] | undefined) ?? [])
  return { allowedAudience: app.allowedAudience, roles }
}

/** ApplicationResponseModel: modeled fields over the echoed `extra`. */
function appView(org: AsgardeoOrg, app: Application): Record<string, unknown> {
  const extra = { ...app.extra }
  delete extra.associatedRoles
  return {
    isManagementApp: false,
    isB2BSelfServiceApp: false,
    applicationEnabled: true,
    ...clone(extra),
    id: app.id,
    name: app.name,
    description: app.description,
    clientId: hasOidc(app) ? app.oidc.clientId : undefined,
    templateId: app.templateId,
    associatedRoles: associatedRolesView(org, app),
    inboundProtocols: hasOidc(app)
      ? [{ type: 'oauth2', name: 'oauth2', self: mgmtPath(org, `/applications/${app.id}/inbound-protocols/oidc`) }]
      : [],
    access: 'WRITE'
  }
}

/** ApplicationListItem: basic fields; the attribute-gated ones only when asked for (or filtered on). */
function listItemView(org: AsgardeoOrg, app: Application, attributes: Set<string>): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: app.id,
    name: app.name,
    description: app.description,
    image: app.extra.imageUrl,
    accessUrl: app.extra.accessUrl,
    access: 'WRITE',
    self: mgmtPath(org, `/applications/${app.id}`),
    applicationEnabled: app.extra.applicationEnabled ?? true
  }
  if (attributes.has('clientId') && hasOidc(app)) item.clientId = app.oidc.clientId
  if (attributes.has('templateId')) item.templateId = app.templateId
  if (attributes.has('templateVersion')) item.templateVersion = app.extra.templateVersion
  if (attributes.has('advancedConfigurations')) item.advancedConfigurations = clone(app.extra.advancedConfigurations)
  if (attributes.has('associatedRoles.allowedAudience')) item.associatedRoles = { allowedAudience: app.allowedAudience }
  return item
}

// ---------------------------------------------------------------- body handling

function parseAudience(v: unknown): Application['allowedAudience'] {
  const s = optString(v)?.toUpperCase()
  if (s === 'APPLICATION' || s === 'ORGANIZATION') return s
  throw ERR.invalid(`Invalid allowedAudience: ${String(v)}. Use APPLICATION or ORGANIZATION.`)
}

/** A claimConfiguration as IS stores it; a patch replaces mappings and requested claims, merges subject / role. */
function mergeClaimConfiguration(current: Record<string, unknown> | undefined, input: unknown): Record<string, unknown> {
  if (!isRecord(input)) throw ERR.invalid('claimConfiguration must be an object.')
  const base = current ?? defaultClaimConfiguration()
  const next: Record<string, unknown> = {
    ...clone(base),
    dialect: input.dialect ?? 'LOCAL',
    claimMappings: clone(input.claimMappings) ?? [],
    requestedClaims: clone(input.requestedClaims) ?? []
  }
  if (isRecord(input.subject)) next.subject = { ...(isRecord(base.subject) ? base.subject : {}), ...clone(input.subject) }
  if (isRecord(input.role)) next.role = { ...(isRecord(base.role) ? base.role : {}), ...clone(input.role) }
  const subject = isRecord(next.subject) ? next.subject : {}
  if (subject.mappedLocalSubjectMandatory === true && subject.useMappedLocalSubject !== true) throw ERR.subject()
  return next
}

/** Applies the non-modeled fields of a create/patch body to `extra` (claim and advanced config merged). */
function applyExtra(app: Application, body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (MODELED.has(key) || value === undefined) continue
    if (key === 'claimConfiguration') {
      app.extra.claimConfiguration = mergeClaimConfiguration(app.extra.claimConfiguration as Record<string, unknown> | undefined, value)
    } else if (key === 'advancedConfigurations') {
      if (!isRecord(value)) throw ERR.invalid('advancedConfigurations must be an object.')
      app.extra.advancedConfigurations = { ...(app.extra.advancedConfigurations as object), ...clone(value) }
    } else app.extra[key] = clone(value)
  }
}

function assertUniqueName(org: AsgardeoOrg, name: string, self?: Application): void {
  if (org.applications.some((a) => a !== self && a.name === name)) throw ERR.duplicateName(name, org.handle)
}

// ---------------------------------------------------------------- filter

function appFilter(filter: string | null): FilterNode | undefined {
  if (!filter || filter.trim() === '') return undefined
  let tree: FilterNode
  try {
    tree = parseFilter(filter)
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw ERR.filterFormat()
    throw err
  }
  if (usesConnective(tree, 'not')) throw ERR.filterOperation('not')
  for (const e of expressionsOf(tree)) {
    if (!FILTER_ATTRIBUTES.has(e.attr)) throw ERR.filterAttribute(e.attr)
    if (!['eq', 'co', 'sw', 'ew'].includes(e.op)) throw ERR.filterOperation(e.op)
  }
  return tree
}

function appAttribute(app: Application, attr: string): string | undefined {
  if (attr === 'name') return app.name
  if (attr === 'clientId') return hasOidc(app) ? app.oidc.clientId : undefined
  return undefined // issuer: SAML / WS-Federation only
}

// ---------------------------------------------------------------- handlers

/** Offset paging (15 / max 100), newest first; `sortOrder` / `sortBy` → 501. */
async function listApplications(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  if (ctx.query.has('sortOrder') || ctx.query.has('sortBy')) throw ERR.sorting()
  const { limit, offset } = offsetPaging(ctx)
  const filter = ctx.query.get('filter')
  const tree = appFilter(filter)
  const attributesParam = ctx.query.get('attributes')
  const attributes = new Set(attributesParam ? attributesParam.split(',') : [])
  for (const a of attributes) if (!LIST_ATTRIBUTES.has(a)) throw ERR.attributes()
  if (tree) for (const e of expressionsOf(tree)) if (e.attr !== 'name') attributes.add(e.attr)

  const matching = [...org.applications].reverse().filter((a) => !tree || evaluate(tree, (attr) => appAttribute(a, attr)))
  const page = matching.slice(offset, offset + limit)
  return json(200, {
    totalResults: matching.length,
    startIndex: offset + 1,
    count: page.length,
    applications: page.map((a) => listItemView(org, a, attributes)),
    links: offsetLinks(mgmtPath(org, '/applications'), { limit, offset, total: matching.length }, { attributes: attributesParam, filter })
  })
}

/** 201, empty body, the id only in `Location`. `?template=` → 501; duplicate name → 400 APP-60007. */
async function createApplication(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, CREATE)
  if ((ctx.query.get('template') ?? '').trim() !== '') throw ERR.template()
  const body = bodyObject(ctx)
  if (isBlank(body.name)) throw ERR.invalid('Application name is required.')
  const name = body.name as string
  assertUniqueName(org, name)
  const roles = isRecord(body.associatedRoles) ? body.associatedRoles : undefined
  const audience = roles?.allowedAudience === undefined ? 'ORGANIZATION' : parseAudience(roles.allowedAudience)
  const inbound = isRecord(body.inboundProtocolConfiguration) ? body.inboundProtocolConfiguration : undefined
  const oidcBody = inbound && isRecord(inbound.oidc) ? inbound.oidc : undefined
  const oidc = oidcBody
    ? buildOidc(oidcBody, newClientId(org, oidcBody.clientId), newClientSecret(oidcBody.clientSecret), 'ACTIVE')
    : noOidc()

  const app: Application = {
    id: randomUUID(),
    name,
    description: optString(body.description),
    templateId: optString(body.templateId),
    allowedAudience: audience,
    oidc,
    authorizedApis: [],
    extra: {
      claimConfiguration: defaultClaimConfiguration(),
      advancedConfigurations: defaultAdvancedConfigurations(),
      authenticationSequence: defaultAuthenticationSequence()
    },
    createdAt: ctx.emulator.now()
  }
  applyExtra(app, body)
  if (audience === 'ORGANIZATION' && Array.isArray(roles?.roles)) app.extra.associatedRoles = { roles: clone(roles.roles) }
  org.applications.push(app)
  return empty(201, { location: mgmtUrl(ctx, org, `/applications/${app.id}`) })
}

async function getApplication(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  return json(200, appView(org, requireApp(org, ctx.params.id)))
}

/**
 * 200, empty body. Switching allowedAudience to ORGANIZATION deletes the app's application roles
 * (the Console warns about exactly that).
 */
async function patchApplication(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, UPDATE)
  const app = requireApp(org, ctx.params.id)
  const body = bodyObject(ctx)
  const patch = { ...body }
  if (patch.name !== undefined) {
    if (isBlank(patch.name)) throw ERR.invalid('Application name cannot be empty.')
    assertUniqueName(org, patch.name as string, app)
  }
  let audience = app.allowedAudience
  const roles = isRecord(patch.associatedRoles) ? patch.associatedRoles : undefined
  if (roles?.allowedAudience !== undefined) audience = parseAudience(roles.allowedAudience)
  // Validate everything before changing anything.
  const draft = clone(app)
  applyExtra(draft, Object.fromEntries(Object.entries(patch).filter(([k]) => k !== 'name' && k !== 'description')))

  if (typeof patch.name === 'string') app.name = patch.name
  if (typeof patch.description === 'string') app.description = patch.description
  if (typeof patch.templateId === 'string') app.templateId = patch.templateId
  app.extra = draft.extra
  if (audience !== app.allowedAudience) {
    if (audience === 'ORGANIZATION') deleteAppRoles(org, app.id)
    else delete app.extra.associatedRoles
    app.allowedAudience = audience
  }
  if (audience === 'ORGANIZATION' && Array.isArray(roles?.roles)) app.extra.associatedRoles = { roles: clone(roles.roles) }
  return empty(200)
}

/** 204, also when already gone. The app's roles go with it and its tokens are revoked. */
async function deleteApplication(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, DELETE)
  const app = org.applications.find((a) => a.id === ctx.params.id)
  if (!app) return empty(204)
  if (app.oidc.clientId === ctx.emulator.state.seed.mgmtClientId) {
    throw mgmtError(403, 'APP-60520', 'Forbidden', 'The management application of the emulator seed cannot be deleted.')
  }
  org.applications = org.applications.filter((a) => a !== app)
  deleteAppRoles(org, app.id)
  if (hasOidc(app)) revokeClientTokens(org, app.oidc.clientId)
  return empty(204)
}

async function getOidc(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  const app = requireApp(org, ctx.params.id)
  if (!hasOidc(app)) throw ERR.inboundNotConfigured(app.id)
  return json(200, oidcView(app))
}

/**
 * Full replace (grantTypes required) → 200 empty. The client id, secret and state are kept; fields the
 * body leaves out fall back to the server defaults. On an app without an OIDC inbound it creates one → 201.
 */
async function putOidc(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, UPDATE)
  const app = requireApp(org, ctx.params.id)
  const body = bodyObject(ctx)
  if (!hasOidc(app)) {
    app.oidc = buildOidc(body, newClientId(org, body.clientId), newClientSecret(body.clientSecret), 'ACTIVE')
    return empty(201, { location: mgmtUrl(ctx, org, `/applications/${app.id}/inbound-protocols/oidc`) })
  }
  app.oidc = buildOidc(body, app.oidc.clientId, app.oidc.clientSecret, app.oidc.state)
  return empty(200)
}

/** New secret → 200 with the whole config; every token issued to the client is revoked. */
async function regenerateSecret(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireAnyScope(ctx, org, REGENERATE)
  const app = requireApp(org, ctx.params.id)
  if (!hasOidc(app)) throw ERR.inboundNotConfigured(app.id)
  app.oidc.clientSecret = newClientSecret(undefined)
  app.oidc.state = 'ACTIVE'
  revokeClientTokens(org, app.oidc.clientId)
  return json(200, oidcView(app))
}
