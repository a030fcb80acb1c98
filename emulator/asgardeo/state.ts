import { randomUUID } from 'node:crypto'
import type { SeedDefaults } from '../seed.js'

/**
 * The Asgardeo side of the emulator: one entry per organization (tenant), served under /t/{org}.
 * Shapes follow the management API models in shared/specs/asgardeo; ids are UUIDs as on the server.
 */
export interface AsgardeoState {
  orgs: Record<string, AsgardeoOrg>
}

export interface AsgardeoOrg {
  handle: string
  apiResources: ApiResource[]
  applications: Application[]
  users: User[]
  roles: Role[]
  identityProviders: IdentityProvider[]
  /** Access tokens issued and not yet expired (bounded): for introspection, revocation and caching. */
  tokens: IssuedToken[]
  /** Optional rate limit per path group per minute (Asgardeo: 200); off (0) unless a test turns it on. */
  rateLimitPerMinute: number
  /**
   * Grants a public client may use with its id alone: the server's `PublicClientAllowed` per grant type
   * (identity.xml.j2, PublicClientAuthenticator.canAuthenticate). What Asgardeo configures is not published;
   * absent = every grant but client_credentials. A test sets it to model a server that allows fewer.
   */
  publicClientGrants?: string[]
}

export interface ApiScope {
  id: string
  name: string
  displayName: string
  description?: string
}

export interface ApiResource {
  id: string
  name: string
  identifier: string
  description?: string
  /** BUSINESS for user-created resources; SYSTEM for the built-in management APIs. */
  type: 'BUSINESS' | 'SYSTEM' | 'MCP'
  requiresAuthorization: boolean
  scopes: ApiScope[]
  properties?: { name: string; value: string }[]
  /** Increasing creation key behind the list's base64 `after`/`before` cursors (assigned on first list or create). */
  cursorKey?: number
}

export interface AuthorizedApi {
  /** The API resource id. */
  id: string
  /** Stored upper-case, as the server does: 'RBAC' or 'NO POLICY'. */
  policyId: 'RBAC' | 'NO POLICY'
  /** Authorized scope names. */
  scopes: string[]
}

export interface Application {
  id: string
  name: string
  description?: string
  templateId?: string
  /** 'APPLICATION' (application roles) or 'ORGANIZATION'. */
  allowedAudience: 'APPLICATION' | 'ORGANIZATION'
  /** The OpenIDConnectConfiguration as GET …/inbound-protocols/oidc returns it (clientId, clientSecret, grantTypes, …). */
  oidc: OidcConfig
  authorizedApis: AuthorizedApi[]
  /** Anything else the create/patch body carried (claimConfiguration, advancedConfigurations, …), echoed back on GET. */
  extra: Record<string, unknown>
  /** System applications (the management M2M app of the seed) are hidden from nothing but cannot be deleted. */
  createdAt: number
}

export interface OidcConfig {
  clientId: string
  clientSecret: string
  state: 'ACTIVE' | 'REVOKED'
  grantTypes: string[]
  callbackURLs: string[]
  allowedOrigins: string[]
  publicClient: boolean
  accessToken: {
    type: 'JWT' | 'Default'
    userAccessTokenExpiryInSeconds: number
    applicationAccessTokenExpiryInSeconds: number
    [k: string]: unknown
  }
  refreshToken: { expiryInSeconds: number; renewRefreshToken: boolean; [k: string]: unknown }
  idToken: { expiryInSeconds: number; audience: string[]; [k: string]: unknown }
  [k: string]: unknown
}

export interface User {
  id: string
  userName: string
  password: string
  emails: string[]
  /** Federated associations: { idp name, federatedUserId } (oidc-binding.md). */
  federatedAssociations: { idp: string; federatedUserId: string }[]
  locked: boolean
}

export interface Role {
  id: string
  displayName: string
  audience: { type: 'application' | 'organization'; value: string; display?: string }
  /** Scope names carried by the role. */
  permissions: string[]
  users: string[]
  groups: string[]
}

export interface IdentityProvider {
  id: string
  name: string
  description?: string
  templateId?: string
  idpIssuerName: string
  alias?: string
  jwksUri?: string
  certificates: string[]
  isEnabled: boolean
  implicitAssociation: { isEnabled: boolean; lookupAttribute: string[] }
  extra: Record<string, unknown>
}

export interface IssuedToken {
  jti: string
  /** SHA-256 of the access token (the token itself is never stored). */
  tokenHash: string
  refreshTokenHash?: string
  clientId: string
  /** User id for user grants; the application id for client_credentials. */
  sub: string
  userId?: string
  aut: 'APPLICATION' | 'APPLICATION_USER'
  grantType: string
  scopes: string[]
  iat: number
  exp: number
  refreshExp?: number
  /** MD5 of the client's `tokenBindingId` when the app binds tokens to the request (bindingType client-request). */
  bindingRef?: string
  revoked: boolean
}

/**
 * The internal_* scopes of the built-in management APIs the emulator serves, grouped as SYSTEM API
 * resources (shared/reference/asgardeo-api.md §2). The seeded management app is authorized for all.
 */
export const SYSTEM_APIS: { name: string; identifier: string; scopes: string[] }[] = [
  {
    name: 'API Resource Management API',
    identifier: '/api/server/v1/api-resources',
    scopes: ['internal_api_resource_view', 'internal_api_resource_create', 'internal_api_resource_update', 'internal_api_resource_delete']
  },
  {
    name: 'Application Management API',
    identifier: '/api/server/v1/applications',
    scopes: [
      'internal_application_mgt_view',
      'internal_application_mgt_create',
      'internal_application_mgt_update',
      'internal_application_mgt_delete',
      'internal_application_mgt_client_secret_create',
      'internal_application_business_api_update',
      'internal_application_internal_api_update'
    ]
  },
  {
    name: 'Identity Provider Management API',
    identifier: '/api/server/v1/identity-providers',
    scopes: ['internal_idp_view', 'internal_idp_create', 'internal_idp_update', 'internal_idp_delete']
  },
  {
    name: 'SCIM2 Roles API',
    identifier: '/scim2/v2/Roles',
    scopes: ['internal_role_mgt_view', 'internal_role_mgt_create', 'internal_role_mgt_update', 'internal_role_mgt_delete']
  },
  {
    name: 'SCIM2 Users API',
    identifier: '/scim2/Users',
    scopes: ['internal_user_mgt_view', 'internal_user_mgt_list', 'internal_user_mgt_create', 'internal_user_mgt_update']
  },
  {
    name: 'User Association Management API',
    identifier: '/api/users/v1/federated-associations',
    scopes: ['internal_user_association_view', 'internal_user_association_create', 'internal_user_association_delete']
  }
]

export const M2M_TEMPLATE_ID = 'm2m-application'

export function defaultOidc(clientId: string, clientSecret: string, grantTypes: string[]): OidcConfig {
  return {
    clientId,
    clientSecret,
    state: 'ACTIVE',
    grantTypes,
    callbackURLs: [],
    allowedOrigins: [],
    publicClient: false,
    pkce: { mandatory: false, supportPlainTransformAlgorithm: false },
    accessToken: {
      type: 'JWT',
      userAccessTokenExpiryInSeconds: 3600,
      applicationAccessTokenExpiryInSeconds: 3600,
      bindingType: 'None',
      revokeTokensWhenIDPSessionTerminated: false,
      validateTokenBinding: false,
      accessTokenAttributes: [],
      enableJwtScopeAsArray: false
    },
    refreshToken: { expiryInSeconds: 86400, renewRefreshToken: true },
    idToken: { expiryInSeconds: 3600, audience: [] },
    subjectToken: { enable: false, applicationSubjectTokenExpiryInSeconds: 180 }
  }
}

export function seedAsgardeo(seed: SeedDefaults): AsgardeoState {
  const systemApis: ApiResource[] = SYSTEM_APIS.map((api) => ({
    id: randomUUID(),
    name: api.name,
    identifier: api.identifier,
    type: 'SYSTEM',
    requiresAuthorization: true,
    scopes: api.scopes.map((s) => ({ id: randomUUID(), name: s, displayName: s }))
  }))
  const mgmtApp: Application = {
    id: randomUUID(),
    name: 'Management M2M (emulator seed)',
    templateId: M2M_TEMPLATE_ID,
    allowedAudience: 'APPLICATION',
    oidc: defaultOidc(seed.mgmtClientId, seed.mgmtClientSecret, ['client_credentials']),
    authorizedApis: systemApis.map((api) => ({ id: api.id, policyId: 'RBAC', scopes: api.scopes.map((s) => s.name) })),
    extra: {},
    createdAt: 0
  }
  const org: AsgardeoOrg = {
    handle: seed.asgardeoOrg,
    apiResources: systemApis,
    applications: [mgmtApp],
    users: [
      {
        id: seed.userId,
        userName: seed.userName,
        password: seed.userPassword,
        emails: [`${seed.userName}@example.com`],
        federatedAssociations: [],
        locked: false
      }
    ],
    roles: [],
    identityProviders: [],
    tokens: [],
    rateLimitPerMinute: 0
  }
  return { orgs: { [seed.asgardeoOrg]: org } }
}
