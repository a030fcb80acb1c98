/**
 * The fixed, documented defaults every fresh emulator starts from. Any of them can be overridden with
 * `createEmulator({ seed: { … } })`, `npm run emulator -- --seed file.json`, or `POST /__emulator/reset`.
 */
export interface SeedDefaults {
  /** Asgardeo organization (tenant) handle: served under /t/{asgardeoOrg}. */
  asgardeoOrg: string
  /** The management M2M application, authorized for every internal_* scope the action needs. */
  mgmtClientId: string
  mgmtClientSecret: string
  /** A user for the password grant. */
  userName: string
  userPassword: string
  userId: string
  /** Choreo organization handle and UUID (the organizationId query parameter). */
  choreoOrgHandle: string
  choreoOrgUuid: string
  /** A Choreo personal access token (Bearer for publisher, devportal and PAT introspection). */
  choreoPat: string
  /** The name of the Asgardeo key manager in Choreo's Developer Portal. */
  keyManagerName: string
  /** The pre-existing, published API with a few operations. */
  apiId: string
  apiName: string
  apiVersion: string
  apiContext: string
  apiOperations: { verb: string; target: string }[]
  /** Gateway environments of the Choreo org. */
  environments: string[]
  /** Maximum revisions per API (API Manager's default 5). */
  maxRevisions: number
  /**
   * What the publisher does with a scope name on `PUT /apis/{id}` (choreo-api.md §4 leaves it open):
   * `qualify` stores a bare value as `urn:<orgHandle>:<scopeSlug>:<value>` and keeps names given as `urn:…`;
   * `verbatim` stores every name as given; `strict` accepts only `urn:<orgHandle>:<scopeSlug>:<value>`
   * and answers 400 for anything else.
   */
  scopeNaming: ScopeNaming
  /**
   * The `<apiSlug>` of the seeded API's scope URNs. Unset = the API name lower-cased, only [a-z0-9]
   * ("Items API" → `itemsapi`); set it (e.g. from a component name, `itemsservice`) to test a client that
   * must not compute the slug itself.
   */
  scopeSlug?: string
  /**
   * Milliseconds a deployment takes to go live (reference §8 items 7-9). Until then the deployment has no
   * `successDeployedTime`, the gateway serves the environment's previous revision (404 if none), and another
   * deploy to that environment answers 409 `902005`. 0 = at once.
   */
  deployPropagationMs: number
}

export type ScopeNaming = 'qualify' | 'verbatim' | 'strict'

export const DEFAULT_SEED: SeedDefaults = {
  asgardeoOrg: 'acme',
  mgmtClientId: 'emu_mgmt_client_id',
  mgmtClientSecret: 'emu_mgmt_client_secret',
  userName: 'alice',
  userPassword: 'Alice-pa55word!',
  userId: '8b7c6f1e-2a34-4c1d-9f5e-0a1b2c3d4e5f',
  choreoOrgHandle: 'acme',
  choreoOrgUuid: '0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c',
  choreoPat: 'chp_emulator_personal_access_token',
  keyManagerName: 'Asgardeo',
  apiId: 'c3a1f2e4-5b6d-4e7f-8091-a2b3c4d5e6f7',
  apiName: 'Items API',
  apiVersion: 'v1.0',
  apiContext: '/items-api',
  apiOperations: [
    { verb: 'GET', target: '/items' },
    { verb: 'GET', target: '/items/{id}' },
    { verb: 'POST', target: '/items' },
    { verb: 'DELETE', target: '/items/{id}' }
  ],
  environments: ['Development', 'Production'],
  maxRevisions: 5,
  scopeNaming: 'qualify',
  deployPropagationMs: 0
}
