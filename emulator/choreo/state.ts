import { createHash, randomUUID } from 'node:crypto'
import type { ScopeNaming, SeedDefaults } from '../seed.js'

/**
 * The Choreo side of the emulator: platform users and personal access tokens, and per organization the
 * API Manager data the publisher, developer portal and gateway share. Plain JSON (dumped and persisted).
 * Shapes follow shared/specs/choreo/*-v2.yaml; everything computed from the request (URLs) is left out.
 */
export interface ChoreoState {
  /** Organizations by UUID (the `organizationId` query parameter). */
  orgs: Record<string, ChoreoOrg>
  users: ChoreoUser[]
  /** Personal access tokens, stored by hash only. */
  pats: PatRecord[]
}

export interface ChoreoUser {
  /** Numeric platform id, as in the orgs API `owner.id`. */
  id: number
  /** The user's id at the identity provider (Asgardeo): `owner.idpId`, PAT `userId`, application `owner`. */
  idpId: string
  email: string
  /** Organizations the user is a member of (UUIDs). */
  orgUuids: string[]
}

export interface PatRecord {
  id: string
  /** SHA-256 of the token (the token itself is never stored). */
  tokenHash: string
  /** A PAT is bound to one organization (the CLI refuses to switch orgs with one). */
  organizationUuid: string
  userIdpId: string
  allowedScopes: string[]
  /** Epoch ms. */
  validUntil: number
  status: 'ACTIVE' | 'REVOKED'
}

export interface ChoreoOrg {
  id: number
  uuid: string
  handle: string
  name: string
  ownerUserId: number
  createdAt: string
  environments: GatewayEnvironment[]
  keyManagers: KeyManager[]
  apis: ChoreoApi[]
  applications: DevApplication[]
  keyMappings: KeyMapping[]
  subscriptions: DevSubscription[]
  /** Shared scopes (publisher `/scopes`); absent in older dumps = none. */
  sharedScopes?: StoredScope[]
  /**
   * Application-creation workflow: when true, `POST /applications` answers 202 with a WorkflowResponse and the
   * application waits in status CREATED (reference quirk 6). Off (absent) by default.
   */
  applicationWorkflow?: boolean
  /**
   * Seconds after a deploy during which the gateway still answers 404 for that environment (reference quirk 10:
   * "the gateway can serve 404s for minutes after a deploy"), on the emulated clock. Absent / 0 = at once.
   */
  gatewayPropagationSeconds?: number
  /** How `PUT /apis/{id}` treats scope names (seed `scopeNaming`); absent = `qualify`. */
  scopeNaming?: ScopeNaming
  /** Milliseconds a deploy takes to go live (seed `deployPropagationMs`); absent / 0 = at once. */
  deployPropagationMs?: number
}

export interface GatewayEnvironment {
  id: string
  name: string
  displayName: string
  type: string
}

export interface KeyManager {
  id: string
  name: string
  displayName: string
  type: string
  description: string
  enabled: boolean
  enableMapOAuthConsumerApps: boolean
  enableOAuthAppCreation: boolean
  tokenType: 'DIRECT' | 'EXCHANGED' | 'BOTH'
  availableGrantTypes: string[]
  /** The Asgardeo organization whose token endpoint and JWKS this key manager uses; absent for the resident one. */
  asgardeoOrg?: string
  /**
   * Upstream's EnableProvisionedAppValidation: map-keys asks the key manager about the client, and an unknown
   * client ID (no OIDC app with it in `asgardeoOrg`) fails with the generic 500 `900967` (reference quirk 3).
   * Off (absent) on the seeded key managers, as Choreo stores external-IdP keys without asking (carbon-apimgt#12100).
   */
  validateMappedClients?: boolean
}

export interface StoredScope {
  id: string
  /** Fully qualified name, e.g. urn:acme:itemsapi:items_read. */
  name: string
  displayName: string
  description: string
  bindings: string[]
}

export interface StoredOperation {
  target: string
  /** Upper case. */
  verb: string
  authType: string
  throttlingPolicy: string
  /** Fully qualified scope names. */
  scopes: string[]
}

export interface ApiRevision {
  id: string
  /** 1, 2, …: never reused, as upstream numbers revisions. */
  number: number
  description: string
  createdTime: string
  scopes: StoredScope[]
  operations: StoredOperation[]
}

export interface ApiDeployment {
  revisionId: string
  /** Gateway environment name. */
  environment: string
  /** Vhost the deploy request named; absent = the host the request reached (rendered per request). */
  vhost?: string
  displayOnDevportal: boolean
  deployedTime: string
  /** Epoch ms at which the deployment goes live (`successDeployedTime`); absent = live since `deployedTime`. */
  liveAt?: number
  /** The revision the environment served before this deploy: the gateway keeps serving it until `liveAt`. */
  previousRevisionId?: string
}

export interface ChoreoApi {
  id: string
  name: string
  context: string
  version: string
  provider: string
  lifeCycleStatus: LifecycleStatus
  createdTime: number
  lastUpdatedTime: number
  /** Bumped on every change of the API object: the ETag derives from it. */
  changeSeq: number
  /** The writable fields of the API object other than scopes and operations (tags, policies, …), echoed back. */
  props: Record<string, unknown>
  /** `<apiSlug>` of this API's scope URNs; absent = derived from `name` (see `apiSlug`). */
  scopeSlug?: string
  scopes: StoredScope[]
  operations: StoredOperation[]
  revisions: ApiRevision[]
  nextRevisionNumber: number
  deployments: ApiDeployment[]
}

export type LifecycleStatus = 'CREATED' | 'PROTOTYPED' | 'PUBLISHED' | 'BLOCKED' | 'DEPRECATED' | 'RETIRED'

export interface DevApplication {
  applicationId: string
  name: string
  throttlingPolicy: string
  description: string
  tokenType: 'JWT' | 'OAUTH'
  /** CREATED while an application-creation workflow is pending (`org.applicationWorkflow`). */
  status: 'APPROVED' | 'CREATED'
  groups: string[]
  attributes: Record<string, string>
  /** The idpId of the user that created it: the Developer Portal lists a user's own applications. */
  owner: string
  createdTime: number
}

export interface KeyMapping {
  keyMappingId: string
  applicationId: string
  /** Key manager name. */
  keyManager: string
  consumerKey: string
  keyType: 'PRODUCTION' | 'SANDBOX'
  createdTime: number
}

export interface DevSubscription {
  subscriptionId: string
  applicationId: string
  apiId: string
  throttlingPolicy: string
  requestedThrottlingPolicy: string
  status: 'UNBLOCKED' | 'BLOCKED' | 'PROD_ONLY_BLOCKED' | 'ON_HOLD' | 'REJECTED' | 'TIER_UPDATE_PENDING'
}

/** Upstream's resident key manager: listed and enabled, but it cannot map an existing client ID here. */
export const RESIDENT_KEY_MANAGER = 'Resident Key Manager'
export const APPLICATION_POLICIES = ['Unlimited', '10PerMin', '20PerMin', '50PerMin']
export const SUBSCRIPTION_POLICIES = ['Unlimited', 'Gold', 'Silver', 'Bronze']

/** Every scope the seeded PAT carries: all the publisher and devportal operations served here. */
export const ALL_PAT_SCOPES = [
  'apim:api_view',
  'apim:api_create',
  'apim:api_manage',
  'apim:api_publish',
  'apim:publisher_settings',
  'apim:subscribe',
  'apim:app_manage',
  'apim:sub_manage',
  'apim:store_settings'
]

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

/** A UUID derived from a key, so seeded ids are the same on every run. */
export function stableUuid(key: string): string {
  const h = createHash('sha256').update(`choreo:${key}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Registers a PAT (tests use it for tokens with fewer scopes, other orgs, expired ones). */
export function addPat(
  state: ChoreoState,
  token: string,
  opts: { organizationUuid: string; userIdpId: string; allowedScopes: string[]; validUntil?: number }
): PatRecord {
  const pat: PatRecord = {
    id: stableUuid(`pat:${sha256(token)}`),
    tokenHash: sha256(token),
    organizationUuid: opts.organizationUuid,
    userIdpId: opts.userIdpId,
    allowedScopes: [...opts.allowedScopes],
    validUntil: opts.validUntil ?? Date.parse('2099-12-31T23:59:59Z'),
    status: 'ACTIVE'
  }
  state.pats.push(pat)
  return pat
}

/** An API in the org, with its writable defaults (tests use it to add more APIs). */
export function createApi(
  org: ChoreoOrg,
  init: {
    id?: string
    name: string
    version: string
    context: string
    provider?: string
    lifeCycleStatus?: LifecycleStatus
    operations?: { verb: string; target: string }[]
    now?: number
  }
): ChoreoApi {
  const now = init.now ?? Date.now()
  const api: ChoreoApi = {
    id: init.id ?? stableUuid(`api:${org.uuid}:${init.name}:${init.version}`),
    name: init.name,
    context: init.context,
    version: init.version,
    provider: init.provider ?? 'emulator',
    lifeCycleStatus: init.lifeCycleStatus ?? 'CREATED',
    createdTime: now,
    lastUpdatedTime: now,
    changeSeq: 1,
    props: defaultApiProps(),
    scopes: [],
    operations: (init.operations ?? []).map((o) => ({
      verb: o.verb.toUpperCase(),
      target: o.target,
      authType: 'Application & Application User',
      throttlingPolicy: 'Unlimited',
      scopes: []
    })),
    revisions: [],
    nextRevisionNumber: 1,
    deployments: []
  }
  org.apis.push(api)
  return api
}

function defaultApiProps(): Record<string, unknown> {
  return {
    description: null,
    responseCachingEnabled: false,
    cacheTimeout: 300,
    isDefaultVersion: false,
    enableSchemaValidation: false,
    transport: ['http', 'https'],
    tags: [],
    policies: ['Unlimited'],
    apiThrottlingPolicy: null,
    authorizationHeader: 'Authorization',
    securityScheme: ['oauth2', 'oauth_basic_auth_api_key_mandatory'],
    maxTps: null,
    visibility: 'PUBLIC',
    visibleRoles: [],
    visibleTenants: [],
    mediationPolicies: [],
    subscriptionAvailability: 'CURRENT_TENANT',
    subscriptionAvailableTenants: [],
    additionalProperties: [],
    additionalPropertiesMap: {},
    accessControl: 'NONE',
    accessControlRoles: [],
    businessInformation: { businessOwner: null, businessOwnerEmail: null, technicalOwner: null, technicalOwnerEmail: null },
    corsConfiguration: {
      corsConfigurationEnabled: false,
      accessControlAllowOrigins: ['*'],
      accessControlAllowCredentials: false,
      accessControlAllowHeaders: ['authorization', 'Access-Control-Allow-Origin', 'Content-Type', 'SOAPAction', 'apikey'],
      accessControlAllowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']
    },
    endpointConfig: {
      endpoint_type: 'http',
      production_endpoints: { url: 'http://backend.internal:8080' },
      sandbox_endpoints: { url: 'http://backend.internal:8080' }
    },
    endpointImplementationType: 'ENDPOINT',
    categories: [],
    advertiseInfo: {
      advertised: false,
      apiExternalProductionEndpoint: null,
      apiExternalSandboxEndpoint: null,
      originalDevPortalUrl: null,
      apiOwner: null,
      vendor: 'WSO2'
    }
  }
}

/** Snapshot of the working copy's scopes and operations as a new revision (not deployed). */
export function snapshotRevision(api: ChoreoApi, description: string, now: number): ApiRevision {
  const rev: ApiRevision = {
    id: randomUUID(),
    number: api.nextRevisionNumber++,
    description,
    createdTime: new Date(now).toISOString(),
    scopes: structuredClone(api.scopes),
    operations: structuredClone(api.operations)
  }
  api.revisions.push(rev)
  return rev
}

/**
 * One org with the seed's PAT, environments, key managers and the published API, whose first revision is
 * deployed to every environment (a live Choreo component); no applications or subscriptions yet.
 */
export function seedChoreo(seed: SeedDefaults): ChoreoState {
  const now = Date.now()
  const owner: ChoreoUser = {
    id: 1,
    idpId: seed.userId,
    email: `${seed.userName}@${seed.choreoOrgHandle}.example`,
    orgUuids: [seed.choreoOrgUuid]
  }
  const org: ChoreoOrg = {
    id: 1,
    uuid: seed.choreoOrgUuid,
    handle: seed.choreoOrgHandle,
    name: seed.choreoOrgHandle,
    ownerUserId: owner.id,
    createdAt: new Date(now).toISOString(),
    environments: seed.environments.map((name) => ({
      id: stableUuid(`env:${seed.choreoOrgUuid}:${name}`),
      name,
      displayName: name,
      type: 'hybrid'
    })),
    keyManagers: [
      {
        id: stableUuid(`km:${seed.choreoOrgUuid}:resident`),
        name: RESIDENT_KEY_MANAGER,
        displayName: RESIDENT_KEY_MANAGER,
        type: 'default',
        description: 'This is Resident Key Manager',
        enabled: true,
        enableMapOAuthConsumerApps: false,
        enableOAuthAppCreation: true,
        tokenType: 'DIRECT',
        availableGrantTypes: ['client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer']
      },
      {
        id: stableUuid(`km:${seed.choreoOrgUuid}:${seed.keyManagerName}`),
        name: seed.keyManagerName,
        displayName: seed.keyManagerName,
        type: 'Asgardeo',
        description: `Asgardeo organization ${seed.asgardeoOrg} as an external identity provider`,
        enabled: true,
        enableMapOAuthConsumerApps: true,
        enableOAuthAppCreation: false,
        tokenType: 'DIRECT',
        availableGrantTypes: [
          'client_credentials',
          'password',
          'refresh_token',
          'authorization_code',
          'urn:ietf:params:oauth:grant-type:token-exchange'
        ],
        asgardeoOrg: seed.asgardeoOrg
      }
    ],
    apis: [],
    applications: [],
    keyMappings: [],
    subscriptions: [],
    scopeNaming: seed.scopeNaming,
    deployPropagationMs: seed.deployPropagationMs
  }
  const api = createApi(org, {
    id: seed.apiId,
    name: seed.apiName,
    version: seed.apiVersion,
    context: seed.apiContext,
    lifeCycleStatus: 'PUBLISHED',
    operations: seed.apiOperations,
    now
  })
  if (seed.scopeSlug) api.scopeSlug = seed.scopeSlug
  const rev = snapshotRevision(api, 'Initial revision (component deployment)', now)
  rev.id = stableUuid(`revision:${api.id}:1`)
  // Newer Choreo orgs expose only Production in the Developer Portal (docs-choreo-dev PR 1793).
  api.deployments = seed.environments.map((environment) => ({
    revisionId: rev.id,
    environment,
    displayOnDevportal: environment === 'Production',
    deployedTime: new Date(now).toISOString()
  }))
  const state: ChoreoState = { orgs: { [org.uuid]: org }, users: [owner], pats: [] }
  addPat(state, seed.choreoPat, { organizationUuid: org.uuid, userIdpId: owner.idpId, allowedScopes: ALL_PAT_SCOPES })
  return state
}
