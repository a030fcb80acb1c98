import { randomUUID } from 'node:crypto'
import { empty, json, type Ctx, type Reply } from '../core/http.js'
import type { Router } from '../core/router.js'
import { requireScope } from './auth.js'
import {
  bodyArray,
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
  stringArray
} from './mgmt-common.js'
import { evaluate, expressionsOf, FilterSyntaxError, parseFilter, usesConnective, type FilterNode } from './mgmt-filter.js'
import type { AsgardeoOrg, IdentityProvider } from './state.js'

/*
 * Identity Provider Management API, as used for trusted token issuers (reference §7):
 * /identity-providers and /identity-providers/{id}/implicit-association.
 * Spec: identity-providers.identity-api-server.yaml; IS source: ServerIdpManagementService, idp Constants.
 */

const VIEW = 'internal_idp_view'
const CREATE = 'internal_idp_create'
const UPDATE = 'internal_idp_update'
const DELETE = 'internal_idp_delete'

/** Top-level fields the emulator models itself; the rest of a create body is echoed from `extra`. */
const MODELED = new Set([
  'id',
  'name',
  'description',
  'templateId',
  'idpIssuerName',
  'alias',
  'certificate',
  'isEnabled',
  'implicitAssociation',
  'self'
])
const FILTER_ATTRIBUTES = new Set(['name', 'description', 'isEnabled', 'homeRealmIdentifier'])
const LIST_ATTRIBUTES = new Set([
  'isPrimary',
  'isFederationHub',
  'homeRealmIdentifier',
  'certificate',
  'alias',
  'claims',
  'roles',
  'groups',
  'federatedAuthenticators',
  'provisioning'
])

const ERR = {
  notFound: (id: string) =>
    mgmtError(
      404,
      'IDP-60002',
      'Resource not found.',
      `Unable to find a resource matching the provided identity provider identifier ${id}.`
    ),
  // The framework's IDP-60001 surfaces as a client error, 400 (spec: 409).
  duplicateName: (name: string) =>
    mgmtError(
      400,
      'IDP-60001',
      `Identity Provider with the name: ${name} already exists.`,
      `Identity Provider with the name: ${name} already exists.`
    ),
  duplicateIssuer: (issuer: string) =>
    mgmtError(
      400,
      'IDP-60003',
      'Identity Provider add request validation failed.',
      `An identity provider with the issuer name ${issuer} already exists.`
    ),
  invalid: (detail: string) => mgmtError(400, 'IDP-60025', 'Invalid input.', `One of the given inputs is invalid. ${detail}`),
  filter: () => mgmtError(400, 'IDP-65055', 'Search request validation failed.', 'Invalid search filter.')
}

export function registerIdentityProviders(router: Router): void {
  router.get(`${MGMT}/identity-providers`, listIdps)
  router.post(`${MGMT}/identity-providers`, createIdp)
  router.get(`${MGMT}/identity-providers/{id}`, getIdp)
  router.patch(`${MGMT}/identity-providers/{id}`, patchIdp)
  router.delete(`${MGMT}/identity-providers/{id}`, deleteIdp)
  router.get(`${MGMT}/identity-providers/{id}/implicit-association`, getImplicitAssociation)
  router.put(`${MGMT}/identity-providers/{id}/implicit-association`, putImplicitAssociation)
}

function requireIdp(org: AsgardeoOrg, id: string): IdentityProvider {
  const idp = org.identityProviders.find((i) => i.id === id)
  if (!idp) throw ERR.notFound(id)
  return idp
}

// ---------------------------------------------------------------- views

function certificateView(idp: IdentityProvider): Record<string, unknown> {
  return {
    ...(idp.jwksUri ? { jwksUri: idp.jwksUri } : {}),
    ...(idp.certificates.length > 0 ? { certificates: [...idp.certificates] } : {})
  }
}

/** Defaults of the sub-objects a trusted token issuer carries when the create body left them out. */
function defaults(): Record<string, unknown> {
  return {
    image: '',
    isPrimary: false,
    isFederationHub: false,
    homeRealmIdentifier: '',
    claims: { userIdClaim: { uri: '' }, roleClaim: { uri: '' }, provisioningClaims: [], mappings: [] },
    roles: { mappings: [], outboundProvisioningRoles: [] },
    groups: [],
    federatedAuthenticators: { defaultAuthenticatorId: '', authenticators: [] },
    provisioning: {
      jit: {
        isEnabled: false,
        scheme: 'PROVISION_SILENTLY',
        userstore: 'PRIMARY',
        associateLocalUser: false,
        attributeSyncMethod: 'OVERRIDE_ALL'
      },
      outboundConnectors: { defaultConnectorId: '', connectors: [] }
    }
  }
}

function idpView(idp: IdentityProvider): Record<string, unknown> {
  return {
    ...defaults(),
    ...clone(idp.extra),
    id: idp.id,
    name: idp.name,
    description: idp.description ?? '',
    templateId: idp.templateId,
    isEnabled: idp.isEnabled,
    certificate: certificateView(idp),
    alias: idp.alias,
    idpIssuerName: idp.idpIssuerName,
    implicitAssociation: clone(idp.implicitAssociation)
  }
}

function listItemView(org: AsgardeoOrg, idp: IdentityProvider, attributes: Set<string>): Record<string, unknown> {
  const full = idpView(idp)
  const item: Record<string, unknown> = {
    id: idp.id,
    name: idp.name,
    description: idp.description ?? '',
    isEnabled: idp.isEnabled,
    image: full.image,
    self: mgmtPath(org, `/identity-providers/${idp.id}`)
  }
  for (const a of attributes) if (LIST_ATTRIBUTES.has(a)) item[a] = full[a]
  return item
}

// ---------------------------------------------------------------- helpers

function assertUniqueName(org: AsgardeoOrg, name: string, self?: IdentityProvider): void {
  if (org.identityProviders.some((i) => i !== self && i.name === name)) throw ERR.duplicateName(name)
}

/** Token exchange finds the IdP by issuer, so an issuer name may belong to one IdP only. */
function assertUniqueIssuer(org: AsgardeoOrg, issuer: string, self?: IdentityProvider): void {
  if (issuer && org.identityProviders.some((i) => i !== self && i.idpIssuerName === issuer)) throw ERR.duplicateIssuer(issuer)
}

function parseAssociation(v: unknown, requireLookup: boolean): IdentityProvider['implicitAssociation'] {
  if (!isRecord(v)) throw ERR.invalid('implicitAssociation must be an object.')
  if (typeof v.isEnabled !== 'boolean') throw ERR.invalid('isEnabled must be a boolean.')
  const lookup = stringArray(v.lookupAttribute ?? [])
  if (!lookup) throw ERR.invalid('lookupAttribute must be an array of strings.')
  // IS rejects an empty list even when disabling (ServerIdpManagementService.updateFederatedAssociation).
  if (requireLookup && lookup.filter((s) => s.trim() !== '').length === 0) throw ERR.invalid('At least one lookup attribute is required.')
  return { isEnabled: v.isEnabled, lookupAttribute: [...lookup] }
}

function idpFilter(filter: string | null): FilterNode | undefined {
  if (!filter || filter.trim() === '') return undefined
  let tree: FilterNode
  try {
    tree = parseFilter(filter)
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw ERR.filter()
    throw err
  }
  if (usesConnective(tree, 'or') || usesConnective(tree, 'not')) throw ERR.filter()
  for (const e of expressionsOf(tree)) if (!FILTER_ATTRIBUTES.has(e.attr) || !['eq', 'co', 'sw', 'ew'].includes(e.op)) throw ERR.filter()
  return tree
}

function idpAttribute(idp: IdentityProvider, attr: string): string | undefined {
  if (attr === 'name') return idp.name
  if (attr === 'description') return idp.description ?? ''
  if (attr === 'isEnabled') return String(idp.isEnabled)
  if (attr === 'homeRealmIdentifier') return optString(idp.extra.homeRealmIdentifier) ?? ''
  return undefined
}

function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === 'false') return v === 'true'
  return undefined
}

// ---------------------------------------------------------------- handlers

/** Offset paging (15 / max 100), ordered by name; filter `and` only. */
async function listIdps(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  const { limit, offset } = offsetPaging(ctx)
  const filter = ctx.query.get('filter')
  const tree = idpFilter(filter)
  const attributes = new Set((ctx.query.get('requiredAttributes') ?? '').split(',').filter((a) => a !== ''))
  const matching = [...org.identityProviders]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .filter((i) => !tree || evaluate(tree, (attr) => idpAttribute(i, attr)))
  const page = matching.slice(offset, offset + limit)
  return json(200, {
    totalResults: matching.length,
    startIndex: offset + 1,
    count: page.length,
    identityProviders: page.map((i) => listItemView(org, i, attributes)),
    links: offsetLinks(mgmtPath(org, '/identity-providers'), { limit, offset, total: matching.length }, { filter })
  })
}

/** 201 + Location + the IdentityProviderResponse; duplicate name → 400 IDP-60001. */
async function createIdp(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, CREATE)
  const body = bodyObject(ctx)
  if (isBlank(body.name)) throw ERR.invalid('Identity provider name is required.')
  const name = body.name as string
  assertUniqueName(org, name)
  const issuer = optString(body.idpIssuerName) ?? ''
  assertUniqueIssuer(org, issuer)
  const certificate = isRecord(body.certificate) ? body.certificate : {}
  const certificates = (stringArray(certificate.certificates) ?? []).filter((c) => c.trim() !== '')
  const extra: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) if (!MODELED.has(k) && v !== undefined) extra[k] = clone(v)
  const idp: IdentityProvider = {
    id: randomUUID(),
    name,
    description: optString(body.description),
    templateId: optString(body.templateId),
    idpIssuerName: issuer,
    alias: optString(body.alias),
    jwksUri: optString(certificate.jwksUri) || undefined,
    certificates,
    isEnabled: asBoolean(body.isEnabled) ?? true,
    implicitAssociation:
      body.implicitAssociation === undefined
        ? { isEnabled: false, lookupAttribute: [] }
        : parseAssociation(body.implicitAssociation, false),
    extra
  }
  org.identityProviders.push(idp)
  return json(201, idpView(idp), { location: mgmtUrl(ctx, org, `/identity-providers/${idp.id}`) })
}

async function getIdp(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  return json(200, idpView(requireIdp(org, ctx.params.id)))
}

/**
 * `[{operation, path, value}]` on root attributes → 200 with the updated IdP. REPLACE (and ADD) set a
 * value, REMOVE clears it; `/certificate/certificates/{n}` edits one PEM. All operations or none apply.
 */
async function patchIdp(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, UPDATE)
  const current = requireIdp(org, ctx.params.id)
  const ops = bodyArray(ctx)
  const idp = clone(current)
  for (const raw of ops) {
    if (!isRecord(raw)) throw ERR.invalid('Each patch operation must be an object.')
    const operation = String(raw.operation ?? '').toUpperCase()
    const path = String(raw.path ?? '')
    const value = raw.value
    if (!['ADD', 'REPLACE', 'REMOVE'].includes(operation)) throw ERR.invalid(`Unsupported patch operation: ${operation}.`)
    const text =
      operation === 'REMOVE' ? '' : typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
    const cert = /^\/certificate\/certificates\/(\d+)$/.exec(path)
    if (cert) {
      const i = Number(cert[1])
      if (operation === 'REMOVE') idp.certificates.splice(i, 1)
      else if (operation === 'ADD') idp.certificates.splice(i, 0, text)
      else idp.certificates[i] = text
      idp.certificates = idp.certificates.filter((c) => typeof c === 'string' && c.trim() !== '')
      continue
    }
    switch (path) {
      case '/name':
        if (text.trim() === '') throw ERR.invalid('Identity provider name cannot be empty.')
        idp.name = text
        break
      case '/description':
        idp.description = text
        break
      case '/idpIssuerName':
        idp.idpIssuerName = text
        break
      case '/alias':
        idp.alias = text
        break
      case '/certificate/jwksUri':
        idp.jwksUri = text || undefined
        break
      case '/isEnabled': {
        const b = asBoolean(value)
        if (b === undefined && operation !== 'REMOVE') throw ERR.invalid('isEnabled must be true or false.')
        idp.isEnabled = b ?? false
        break
      }
      case '/image':
      case '/homeRealmIdentifier':
        idp.extra[path.slice(1)] = text
        break
      case '/isPrimary':
      case '/isFederationHub':
        idp.extra[path.slice(1)] = asBoolean(value) ?? false
        break
      default:
        throw ERR.invalid(`Unsupported patch path: ${path}.`)
    }
  }
  if (idp.name !== current.name) assertUniqueName(org, idp.name, current)
  if (idp.idpIssuerName !== current.idpIssuerName) assertUniqueIssuer(org, idp.idpIssuerName, current)
  if (idp.name !== current.name) {
    // Federated associations refer to the IdP (by id on the server; by name in this state).
    for (const u of org.users) for (const a of u.federatedAssociations) if (a.idp === current.name) a.idp = idp.name
  }
  Object.assign(current, idp)
  return json(200, idpView(current), { location: mgmtUrl(ctx, org, `/identity-providers/${current.id}`) })
}

/** 204, also when already gone; users' federated associations with the IdP go with it. */
async function deleteIdp(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, DELETE)
  const idp = org.identityProviders.find((i) => i.id === ctx.params.id)
  if (!idp) return empty(204)
  org.identityProviders = org.identityProviders.filter((i) => i !== idp)
  for (const u of org.users) u.federatedAssociations = u.federatedAssociations.filter((a) => a.idp !== idp.name)
  return empty(204)
}

async function getImplicitAssociation(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, VIEW)
  return json(200, clone(requireIdp(org, ctx.params.id).implicitAssociation))
}

/** `{isEnabled, lookupAttribute[]}` → 200 + body; an empty lookupAttribute is a 400 even when disabling. */
async function putImplicitAssociation(ctx: Ctx): Promise<Reply> {
  const org = mgmtOrg(ctx)
  await requireScope(ctx, org, UPDATE)
  const idp = requireIdp(org, ctx.params.id)
  idp.implicitAssociation = parseAssociation(bodyObject(ctx), true)
  return json(200, clone(idp.implicitAssociation), { location: mgmtUrl(ctx, org, `/identity-providers/${idp.id}/implicit-association`) })
}
