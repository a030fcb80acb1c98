import type { ChoreoApi, Choreo, Deployment, KeyManager, Revision } from './client.js'
import type { Task } from '../graph.js'
import { ApiError, assertSecureUrl, trimEnd } from '../http.js'
import { MARKER, diffApiScopes, qualifiedNames, revisionMatches, urnPrefix } from '../plan.js'
import type { Run } from '../run.js'

/**
 * Choreo publisher: the API's scopes and their bindings, a revision deployed where the API runs, the
 * API published; and the key manager whose token endpoint issues the token.
 */
export function publisherTasks(run: Run, org: Task<string>) {
  const { config, apply, choreo, graph, out, row } = run

  const api = graph.add('choreo: find API', [org], async () => {
    let id = config.api.id
    if (!id) {
      const found = await choreo.findApis(config.api.name!, config.api.version)
      if (found.length === 0) {
        throw new Error(
          `Input "api": no Choreo API is named "${config.api.name}"${config.api.version ? ` with version "${config.api.version}"` : ''} in organization "${config.choreo.org}". Check the name (Choreo Console > API > Overview) or give "api-id".`
        )
      }
      if (found.length > 1) {
        throw new Error(
          `Input "api": ${found.length} APIs are named "${config.api.name}" (versions ${found.map((a) => a.version).join(', ')}); set "api-version" or "api-id".`
        )
      }
      id = found[0].id
    }
    const { api: current, etag } = await choreo.getApi(id)
    out.choreoApiId = current.id
    return { current, etag }
  })

  const apiScopes = graph.add('choreo: API scopes', [api], async ({ current, etag }) => {
    const diff = diffApiScopes(current, config.scopes, config.prune, config.choreo.org, config.scopePrefix)
    let stored: ChoreoApi = current
    const guessedPrefix = !urnPrefix(current) && !config.scopePrefix
    if (diff.changed && apply)
      stored = await choreo.putApi(diff.next, etag).catch((err: unknown) => throwWithPrefixAdvice(err, current, guessedPrefix))
    // Names are read back from what the server stored, never built here.
    out.scopeNames = qualifiedNames(diff.changed && !apply ? current : stored, config.scopes)
    row('Choreo API scopes', current.name, diff.changed ? 'update' : 'no change', diff.details, current.id)
    return { stored, changed: diff.changed }
  })

  // What is deployed where, read while the scopes are being written.
  const deployed = graph.add('choreo: deployed revisions', [api], async ({ current }) => {
    if (!config.deploy) return undefined
    const [revisions, environments] = await Promise.all([choreo.listRevisions(current.id), choreo.environments()])
    const deploymentIn = (env: string): { revision: Revision; deployment: Deployment } | undefined => {
      for (const revision of revisions) {
        const deployment = (revision.deploymentInfo ?? []).find((d) => d.name === env)
        if (deployment) return { revision, deployment }
      }
      return undefined
    }
    const now = [...new Set(revisions.flatMap((r) => (r.deploymentInfo ?? []).map((d) => d.name)))]
    const targets = config.environments.length > 0 ? config.environments : now.length > 0 ? now : ['Production']
    const unknown = targets.filter((t) => !environments.some((e) => e.name === t))
    if (unknown.length > 0) {
      throw new Error(
        `Input "environments": ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a gateway environment of this organization; use ${environments.map((e) => e.name).join(', ')}.`
      )
    }
    // A revision reads as an API (isRevision): its content says whether the scopes went live.
    const ids = [...new Set(targets.map((t) => deploymentIn(t)?.revision.id).filter((id): id is string => !!id))]
    const contents = new Map(await Promise.all(ids.map(async (id) => [id, (await choreo.getApi(id)).api] as const)))
    // Redeploying keeps each environment's vhost and Developer Portal visibility as they are.
    const deploymentTo = (env: string): Deployment => {
      const live = deploymentIn(env)?.deployment
      const vhost = live?.vhost ?? environments.find((e) => e.name === env)?.vhosts?.[0]?.host
      return { name: env, vhost, displayOnDevportal: live?.displayOnDevportal ?? true }
    }
    return {
      revisions,
      targets,
      environments,
      deploymentTo,
      contentIn: (env: string) => contents.get(deploymentIn(env)?.revision.id ?? '')
    }
  })

  const deployment = graph.add('choreo: deployment', [apiScopes, deployed], async ({ stored, changed }, live) => {
    if (!live) {
      if (changed)
        row('Choreo API deployment', stored.name, 'no change', [
          'deploy: false — the gateway keeps the previous revision until the API is deployed'
        ])
      return
    }
    const stale = live.targets.filter((env) => {
      const content = live.contentIn(env)
      return changed || !content || !revisionMatches(content, stored, config.scopes, out.scopeNames)
    })
    if (stale.length === 0) {
      row('Choreo API deployment', stored.name, 'no change', [`deployed to ${live.targets.join(', ')}`])
      return
    }
    let revisionId: string | undefined
    if (apply) {
      const revision = await createRevision(choreo, stored.id, live.revisions)
      await deployOnceSettled(choreo, stored.id, revision.id, stale.map(live.deploymentTo))
      revisionId = revision.id
    }
    row('Choreo API deployment', stored.name, 'update', [`deploy a new revision to ${stale.join(', ')}`], revisionId)
  })

  const lifecycle = graph.add('choreo: lifecycle', [api, deployment], async ({ current }) => {
    const state = current.lifeCycleStatus ?? 'UNKNOWN'
    if (state === 'PUBLISHED') {
      row('Choreo API lifecycle', current.name, 'no change', ['PUBLISHED'])
      return
    }
    const action = PUBLISH_FROM[state]
    if (!action) {
      throw new Error(
        `The API "${current.name}" is ${state}, and a ${state} API cannot be published again. Create a new version of it in Choreo and point "api-version" at that.`
      )
    }
    if (apply) await choreo.changeLifecycle(current.id, action)
    row('Choreo API lifecycle', current.name, 'update', [`${state} → PUBLISHED (${action})`])
  })

  const keyManager = graph.add('choreo: key manager', [org], async () => {
    const managers = await choreo.keyManagers()
    const km = managers.find((k) => k.name === config.keyManager || k.displayName === config.keyManager)
    if (!km || km.enabled === false) {
      const names =
        managers
          .filter((k) => k.enabled !== false)
          .map((k) => k.name)
          .join(', ') || 'none'
      throw new Error(
        `Input "key-manager": Choreo has no enabled key manager named "${config.keyManager}" (enabled: ${names}). Add Asgardeo as an identity provider in Choreo (Settings > Application Security > Identity Providers) or name the one that is.`
      )
    }
    out.tokenEndpoint = tokenEndpointOf(km, run.asgardeo.tokenEndpoint)
    return km
  })

  return { api, apiScopes, deployed, deployment, lifecycle, keyManager }
}

/** The lifecycle action that publishes from each state (API Manager's default lifecycle). */
const PUBLISH_FROM: Record<string, string> = { CREATED: 'Publish', PROTOTYPED: 'Publish', BLOCKED: 'Re-Publish' }

/** Creates a revision, making room under the revision limit by deleting the oldest undeployed one. */
async function createRevision(choreo: Choreo, apiId: string, revisions: Revision[]): Promise<Revision> {
  const description = `${MARKER}: scopes and operation bindings.`
  try {
    return await choreo.createRevision(apiId, description)
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 400 && err.code === '900351')) throw err
    const undeployed = revisions
      .filter((r) => (r.deploymentInfo ?? []).length === 0)
      .sort((a, b) => Number(new Date(a.createdTime ?? 0)) - Number(new Date(b.createdTime ?? 0)))
    if (undeployed.length === 0) {
      throw new Error(
        'The API has reached its revision limit and every revision is deployed; undeploy or delete one in the Choreo Console and re-run.',
        { cause: err }
      )
    }
    await choreo.deleteRevision(apiId, undeployed[0].id)
    return choreo.createRevision(apiId, description)
  }
}

/** How long a deploy waits for the environment's previous deploy to go live before giving up (`deployOnceSettled`). */
const SETTLE_LIMIT_MS = 30_000

/**
 * Deploys; while an earlier deploy to the same environment is still propagating API Manager answers
 * 409 `902005` (choreo-api.md §5.3), so wait (bounded) until every target's deployment has a
 * `successDeployedTime`, then deploy once more. A minimal wait: not a wait for the new deployment itself.
 */
async function deployOnceSettled(choreo: Choreo, apiId: string, revisionId: string, targets: Deployment[]): Promise<void> {
  try {
    await choreo.deployRevision(apiId, revisionId, targets)
    return
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409 && err.code === '902005')) throw err
  }
  const names = new Set(targets.map((t) => t.name))
  const deadline = Date.now() + SETTLE_LIMIT_MS
  for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 2000)) {
    await new Promise((resolve) => setTimeout(resolve, delay))
    const pending = (await choreo.deployments(apiId)).filter((d) => names.has(d.name) && !d.successDeployedTime)
    if (pending.length === 0) break
  }
  await choreo.deployRevision(apiId, revisionId, targets)
}

/** A 400 on the scopes PUT while the scope names were guessed: say which input gives Choreo's prefix. */
function throwWithPrefixAdvice(err: unknown, api: ChoreoApi, guessedPrefix: boolean): never {
  // 900988 / 903204: the name is taken by another API, which no prefix advice would fix.
  if (guessedPrefix && err instanceof ApiError && err.status === 400 && !['900988', '903204'].includes(err.code ?? '')) {
    throw new Error(
      `Choreo refused the new scope names of the API "${api.name}" (${err.message}). The API has no scope yet to read Choreo's name prefix from: set input "scope-prefix" to the prefix of a fully qualified permission of this API (urn:<org>:<slug>:, shown in the Developer Portal).`,
      { cause: err }
    )
  }
  throw err
}

/**
 * The key manager's token endpoint, only when it is the token endpoint of the Asgardeo organization
 * the inputs name: the application's client secret is sent there.
 */
function tokenEndpointOf(km: KeyManager, asgardeoEndpoint: string): string {
  const endpoint = km.tokenEndpoint || asgardeoEndpoint
  assertSecureUrl(new URL(endpoint), `token endpoint of key manager "${km.name}"`)
  if (trimEnd(endpoint, '/') !== asgardeoEndpoint) {
    throw new Error(
      `The key manager "${km.name}" issues tokens at ${endpoint}, not at ${asgardeoEndpoint} (from "asgardeo-url" and "asgardeo-org"). Point those inputs at the organization the key manager uses, or name the right "key-manager".`
    )
  }
  return endpoint
}
