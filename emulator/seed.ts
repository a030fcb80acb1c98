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
   * How long a deployment takes to reach the gateway, ms on the emulated clock: until then the
   * deployment has no `successDeployedTime` and the gateway does not serve it (reference §5.3, §8 item 7).
   */
  deployPropagationMs?: number
}

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
  maxRevisions: 5
}
