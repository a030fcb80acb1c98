import { randomUUID } from 'node:crypto'
import { defaultOidc, M2M_TEMPLATE_ID } from './asgardeo/state.js'
import { createApi, snapshotRevision } from './choreo/state.js'
import type { EmulatorState } from './index.js'

/** How many unrelated objects to add to the seeded organizations: a large org for the benchmark. */
export interface BulkCounts {
  /** Asgardeo applications (M2M, client_credentials). */
  asgardeoApplications?: number
  /** Asgardeo API resources (BUSINESS, two scopes each). */
  apiResources?: number
  /** Developer Portal applications, owned by the seed's PAT user so its listings include them. */
  devportalApplications?: number
  /** Publisher APIs, published, each with one deployed revision. */
  publisherApis?: number
}

/**
 * A UUID as a flat string. Node's randomUUID() strings compare slowly against another UUID of the same length
 * (about 1 µs each here), so the emulator's find-by-id over 10,000 of them took 10–20 ms a request; a flat
 * copy takes well under 1 ms, and the benchmark measures the action rather than the emulator's scans.
 */
function flatUuid(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1')
}

export const BULK_KINDS = ['asgardeoApplications', 'apiResources', 'devportalApplications', 'publisherApis'] as const

/**
 * Adds the objects straight into the state (no HTTP, no per-object validation): 10,000 applications take
 * well under a second. Names carry a `bulk-` prefix and a counter, so they never collide with what a test
 * or the action creates, and calling it again adds more rather than failing.
 */
export function bulkSeed(state: EmulatorState, counts: BulkCounts): Required<BulkCounts> {
  for (const kind of BULK_KINDS) {
    const n = counts[kind]
    if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= 100_000))
      throw new Error(`bulk seed: "${kind}" must be a whole number from 0 to 100000 (got ${JSON.stringify(n)})`)
  }
  const asgardeo = state.asgardeo.orgs[state.seed.asgardeoOrg]
  const choreo = state.choreo.orgs[state.seed.choreoOrgUuid]
  const now = Date.now()
  const tag = `${now.toString(36)}-${Math.random().toString(36).slice(2, 6)}`

  for (let i = 0; i < (counts.asgardeoApplications ?? 0); i++) {
    asgardeo.applications.push({
      id: flatUuid(),
      name: `bulk-app-${tag}-${i}`,
      templateId: M2M_TEMPLATE_ID,
      allowedAudience: 'APPLICATION',
      oidc: defaultOidc(`bulk_${tag}_${i}`, flatUuid(), ['client_credentials']),
      authorizedApis: [],
      extra: {},
      createdAt: now
    })
  }

  let cursor = asgardeo.apiResources.reduce((max, r) => Math.max(max, r.cursorKey ?? 0), 0)
  for (let i = 0; i < (counts.apiResources ?? 0); i++) {
    const identifier = `https://bulk.example/${tag}/api-${i}`
    asgardeo.apiResources.push({
      id: flatUuid(),
      name: `bulk-api-${tag}-${i}`,
      identifier,
      type: 'BUSINESS',
      requiresAuthorization: true,
      scopes: ['read', 'write'].map((s) => ({ id: flatUuid(), name: `bulk_${tag}_${i}_${s}`, displayName: s })),
      cursorKey: ++cursor
    })
  }

  for (let i = 0; i < (counts.devportalApplications ?? 0); i++) {
    choreo.applications.push({
      applicationId: flatUuid(),
      name: `bulk-devportal-app-${tag}-${i}`,
      throttlingPolicy: 'Unlimited',
      description: '',
      tokenType: 'JWT',
      status: 'APPROVED',
      groups: [],
      attributes: {},
      owner: state.seed.userId,
      createdTime: now
    })
  }

  for (let i = 0; i < (counts.publisherApis ?? 0); i++) {
    const api = createApi(choreo, {
      id: flatUuid(),
      name: `Bulk API ${tag} ${i}`,
      version: 'v1.0',
      context: `/bulk-${tag}-${i}`,
      lifeCycleStatus: 'PUBLISHED',
      operations: [{ verb: 'GET', target: '/things' }],
      now
    })
    const rev = snapshotRevision(api, 'bulk', now)
    api.deployments = [
      { revisionId: rev.id, environment: 'Production', displayOnDevportal: true, deployedTime: new Date(now).toISOString() }
    ]
  }

  return {
    asgardeoApplications: asgardeo.applications.length,
    apiResources: asgardeo.apiResources.length,
    devportalApplications: choreo.applications.length,
    publisherApis: choreo.apis.length
  }
}
