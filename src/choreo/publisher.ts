import type { ChoreoApi, Deployment, KeyManager, Revision } from './client.js'
import type { Task } from '../graph.js'
import { ApiError, assertSecureUrl, trimEnd } from '../http.js'
import {
  contentHash,
  diffApiScopes,
  ownedDescription,
  ownership,
  qualifiedNames,
  recordedContent,
  revisionMatches,
  scopeDiffOptions,
  urnPrefix,
  type ApiScopeDiff
} from '../plan.js'
import type { Run } from '../run.js'

/**
 * Choreo publisher: the API's scopes and their bindings, a revision deployed where the API runs, the
 * API published; and the key manager whose token endpoint issues the token. The read tasks find and
 * check everything an input names; the write tasks run only once every read of both services passed.
 */
export function publisherTasks(run: Run, org: Task<string>) {
  const { config, apply, choreo, graph, out, row } = run

  // --- read phase ---

  // The id first (name lookup), so what needs only the id or the name starts one round trip earlier.
  const apiRef = graph.read('choreo: API id', [org], async (): Promise<{ id: string; name?: string; version?: string }> => {
    if (config.api.id) return { id: config.api.id }
    const found = await choreo.findApis(config.api.name!, config.api.version)
    if (found.length === 0) {
      throw new Error(
        `Input "api": no Choreo API is named "${config.api.name}"${config.api.version ? ` with version "${config.api.version}"` : ''} in organization "${config.choreo.org}". Check the name and "api-version" (Choreo Console > API > Overview) or give "api-id".`
      )
    }
    if (found.length > 1) {
      throw new Error(
        `Input "api": ${found.length} APIs are named "${config.api.name}" (versions ${found.map((a) => a.version).join(', ')}); set "api-version" or "api-id".`
      )
    }
    return { id: found[0].id, name: found[0].name, version: found[0].version }
  })

  const api = graph.read('choreo: find API', [apiRef], async ({ id }) => {
    const { api: current, etag } = await choreo.getApi(id).catch((err: unknown) => {
      if (config.api.id && err instanceof ApiError && err.status === 404) {
        throw new Error(
          `Input "api-id": Choreo has no API with id "${config.api.id}" in organization "${config.choreo.org}". Copy the id from the publisher, or give "api" (its name) instead.`,
          { cause: err }
        )
      }
      throw err
    })
    out.choreoApiId = current.id
    // Checked now, not when publishing: a DEPRECATED or RETIRED API refutes "api" before anything is written.
    const state = current.lifeCycleStatus ?? 'UNKNOWN'
    if (state !== 'PUBLISHED' && !PUBLISH_FROM[state]) {
      throw new Error(
        `The API "${current.name}" is ${state}, and a ${state} API cannot be published again. Create a new version of it in Choreo and point "api-version" at that.`
      )
    }
    // The diff checks every operation "scopes" (or the "openapi" document) names.
    const diff = scopeDiff(config, current)
    return { current, etag, diff }
  })

  // What is deployed where (and which environments exist), read alongside.
  const deployed = graph.read('choreo: deployed revisions', [apiRef], async ({ id }) => {
    if (!config.deploy) return undefined
    // An "api-id" is confirmed by the API read first, so a wrong one is reported once, as such.
    if (config.api.id) await api.promise
    const [revisions, environments] = await Promise.all([choreo.listRevisions(id), choreo.environments()])
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
      deploymentIn,
      revisionIn: (env: string) => deploymentIn(env)?.revision
    }
  })

  // What each live revision holds. It refutes no input, so the barrier does not wait for it: it overlaps
  // the first writes. A revision reads as an API (isRevision); when that read fails, the content hash the
  // action recorded in the revision's description stands in (NOTES.md row 60).
  const liveContent = graph.add('choreo: live revisions', [deployed, api], async (live, { current, diff }) => {
    // Scopes or bindings about to change: every target gets a new revision, whatever the live ones hold.
    if (contentHash(diff.next) !== contentHash(current)) return new Map<string, ChoreoApi | undefined>()
    const ids = [...new Set((live?.targets ?? []).map((t) => live!.revisionIn(t)?.id).filter((id): id is string => !!id))]
    const read = async (id: string) =>
      [
        id,
        await choreo.getApi(id).then(
          ({ api }) => api,
          () => undefined
        )
      ] as const
    return new Map(await Promise.all(ids.map(read)))
  })

  // One key manager serves every API of the run: looked up once.
  const keyManager = run.shared.once(`choreo: key manager ${config.keyManager}`, () =>
    run.shared.graph.read('choreo: key manager', [org], async (): Promise<KeyManager> => {
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
      // The token endpoint is checked here, as a read: the application's client secret goes there.
      return { ...km, tokenEndpoint: tokenEndpointOf(km, run.asgardeo.tokenEndpoint) }
    })
  )

  // --- write phase ---

  const apiScopes = graph.write('choreo: API scopes', [api], async ({ current, etag, diff }) => {
    let stored: ChoreoApi = current
    let last: ApiScopeDiff = diff
    const guessedPrefix = !urnPrefix(current) && !config.scopePrefix
    if (diff.changed && apply)
      ({ stored, diff: last } = await putScopes(run, current, etag, diff).catch((err: unknown) =>
        throwWithPrefixAdvice(err, current, guessedPrefix)
      ))
    // Names are read back from what the server stored, never built here.
    out.scopeNames = qualifiedNames(diff.changed && !apply ? current : stored, config.scopes)
    row('Choreo API scopes', current.name, last.changed ? 'update' : 'no change', last.details, current.id)
    // Only names and bindings reach the gateway: a change of owner marks alone needs no new revision.
    const enforced = contentHash(apply ? stored : last.next) !== contentHash(current)
    return { stored, changed: last.changed && enforced }
  })

  const deployment = graph.write('choreo: deployment', [apiScopes, deployed, liveContent], async ({ stored, changed }, live, contents) => {
    // Revisions that existed before any write: one made since is a concurrent run's.
    const before = new Set(live?.revisions.map((r) => r.id))
    if (!live) {
      if (changed)
        row('Choreo API deployment', stored.name, 'no change', [
          'deploy: false — the gateway keeps the previous revision until the API is deployed'
        ])
      return
    }
    const stale = live.targets.filter((env) => {
      if (changed) return true
      const content = contents.get(live.revisionIn(env)?.id ?? '')
      if (content) return !revisionMatches(content, stored, config.scopes, out.scopeNames, scopeDiffOptions(config).exact)
      // The revision could not be read back: compare the content hash recorded when the action created it.
      const recorded = recordedContent(live.revisionIn(env)?.description)
      return recorded === undefined || recorded !== contentHash(stored)
    })
    if (stale.length === 0) {
      // Deployed earlier (perhaps by a run that gave up waiting): still wait until the gateways report it live.
      const pending = live.targets.filter((env) => !live.deploymentIn(env)?.deployment.successDeployedTime)
      const waited =
        apply && pending.length > 0
          ? await waitForGateway(run, stored.id, pending, (env, id) => id === live.revisionIn(env)?.id || !before.has(id))
          : undefined
      row('Choreo API deployment', stored.name, 'no change', [
        `deployed to ${live.targets.join(', ')}`,
        ...(waited === undefined ? [] : [`live on the gateway after ${waited} s`])
      ])
      return
    }
    const description = ownedDescription([config.owner], `[content: ${contentHash(stored)}]`)
    if (!apply) {
      const room = roomFor(live.revisions, config.owner, config.adopt)
      if (live.revisions.length >= DEFAULT_REVISION_LIMIT && room)
        row(
          'Choreo API revision',
          room.displayName ?? room.id,
          'delete',
          [`at the revision limit (${DEFAULT_REVISION_LIMIT} by default): the oldest undeployed revision this owner may delete`],
          room.id
        )
      row('Choreo API deployment', stored.name, 'update', [`deploy a new revision to ${stale.join(', ')}`])
      return
    }
    const revision = await createRevision(run, stored.id, live.revisions, description)
    await deployWhenSettled(run, stored.id, revision.id, stale.map(live.deploymentTo))
    const waited = await waitForGateway(run, stored.id, stale, (_env, id) => id === revision.id || !before.has(id))
    row(
      'Choreo API deployment',
      stored.name,
      'update',
      [`deploy a new revision to ${stale.join(', ')}`, ...(waited === undefined ? [] : [`live on the gateway after ${waited} s`])],
      revision.id
    )
  })

  const lifecycle = graph.write('choreo: lifecycle', [api, deployment], async ({ current }) => {
    const state = current.lifeCycleStatus ?? 'UNKNOWN'
    if (state === 'PUBLISHED') {
      row('Choreo API lifecycle', current.name, 'no change', ['PUBLISHED'])
      return
    }
    const action = PUBLISH_FROM[state]!
    if (apply) await choreo.changeLifecycle(current.id, action)
    row('Choreo API lifecycle', current.name, 'update', [`${state} → PUBLISHED (${action})`])
  })

  return { apiRef, api, deployed, liveContent, apiScopes, deployment, lifecycle, keyManager }
}

/** What the inputs (or the `openapi` document) want changed on the API as read. */
function scopeDiff(config: Run['config'], current: ChoreoApi): ApiScopeDiff {
  return diffApiScopes(current, config.scopes, config.prune, config.choreo.org, config.owner, config.scopePrefix, scopeDiffOptions(config))
}

/** The lifecycle action that publishes from each state (API Manager's default lifecycle). */
const PUBLISH_FROM: Record<string, string> = { CREATED: 'Publish', PROTOTYPED: 'Publish', BLOCKED: 'Re-Publish' }

/** API Manager's default; Choreo's may differ (choreo-api.md §5.3), so the limit is only ever met reactively. */
const DEFAULT_REVISION_LIMIT = 5

/**
 * PUT with If-Match. A 412 means a concurrent writer changed the API since it was read: read it again,
 * diff again (the other run may have done the work), and write only what is still missing.
 */
async function putScopes(
  run: Run,
  current: ChoreoApi,
  etag: string | undefined,
  diff: ApiScopeDiff
): Promise<{ stored: ChoreoApi; diff: ApiScopeDiff }> {
  const { config, choreo } = run
  for (let attempt = 1; ; attempt++) {
    if (!diff.changed) return { stored: current, diff }
    try {
      return { stored: await choreo.putApi(diff.next, etag), diff }
    } catch (err) {
      // 412 900986 is scope validation, not a concurrent update.
      if (!(err instanceof ApiError && err.status === 412 && err.code !== '900986') || attempt >= 5) throw err
      ;({ api: current, etag } = await choreo.getApi(current.id))
      diff = scopeDiff(config, current)
    }
  }
}

/**
 * The oldest undeployed revision this owner may delete to make room: its own (or one an earlier version
 * of the action made, legacy); any undeployed one only with `adopt: true`.
 */
function roomFor(revisions: Revision[], owner: string, adopt: boolean): Revision | undefined {
  const rank = (r: Revision): number => {
    const own = ownership(r.description, owner)
    return own === 'ours' ? 0 : own === 'legacy' ? 1 : adopt ? 2 : -1
  }
  return revisions
    .filter((r) => (r.deploymentInfo ?? []).length === 0 && rank(r) >= 0)
    .sort((a, b) => rank(a) - rank(b) || Number(new Date(a.createdTime ?? 0)) - Number(new Date(b.createdTime ?? 0)))[0]
}

/**
 * Creates a revision. At the limit (400 900351) it deletes the oldest undeployed revision this owner may
 * delete, records a plan row for it, and tries again. Only revisions read before any write are
 * candidates, so a revision a concurrent run has just made (and is about to deploy) is never one.
 */
async function createRevision(run: Run, apiId: string, revisions: Revision[], description: string): Promise<Revision> {
  const { choreo, config, row } = run
  let candidates = revisions
  for (;;) {
    try {
      return await choreo.createRevision(apiId, description)
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 400 && err.code === '900351')) throw err
      const room = roomFor(candidates, config.owner, config.adopt)
      if (!room) {
        const others = candidates.filter((r) => (r.deploymentInfo ?? []).length === 0).length
        if (others === 0)
          throw new Error(
            'The API has reached its revision limit and every revision is deployed; undeploy or delete one in the Choreo Console and re-run.',
            { cause: err }
          )
        throw new Error(
          `The API has reached its revision limit, and its ${others} undeployed revision${others > 1 ? 's were' : ' was'} not created by this action for owner "${config.owner}". Delete one in the Choreo Console (API > Deploy > Revisions), or set "adopt: true" to let the action delete the oldest undeployed one.`,
          { cause: err }
        )
      }
      candidates = candidates.filter((r) => r !== room)
      // A concurrent run of the same owner may have deleted it first: gone is as good as deleted.
      await choreo.deleteRevision(apiId, room.id).catch((e: unknown) => {
        if (!(e instanceof ApiError && e.status === 404)) throw e
      })
      row(
        'Choreo API revision',
        room.displayName ?? room.id,
        'delete',
        [
          `the oldest undeployed revision ${ownership(room.description, config.owner) === 'ours' ? 'of this owner' : ownership(room.description, config.owner) === 'legacy' ? 'an earlier version of the action made' : 'made outside this owner (adopt: true)'}, to stay under the revision limit`
        ],
        room.id
      )
    }
  }
}

/**
 * Waits until each environment reports the deployment done (`successDeployedTime`, choreo-api.md §5.3),
 * polling `GET /apis/{apiId}/deployments` with a growing pause, for at most `deploy-wait-seconds`.
 * `accept` says which revision may be the live one: ours, or one a concurrent run made after this run
 * read the list (it replaced ours there, with the same or newer content). Returns the seconds it took
 * (undefined when not waiting).
 */
async function waitForGateway(
  run: Run,
  apiId: string,
  envs: string[],
  accept: (env: string, revisionId: string) => boolean
): Promise<number | undefined> {
  const { config, choreo, io } = run
  if (config.deployWaitSeconds === 0) return undefined
  const started = Date.now()
  const until = Math.min(started + config.deployWaitSeconds * 1000, run.deadline - 2000)
  for (let pause = 250; ; pause = Math.min(pause * 2, 5000)) {
    const list = await choreo.deployments(apiId)
    const pending = envs.filter((env) => {
      const d = list.find((x) => x.name === env)
      return !(d?.revisionUuid && accept(env, d.revisionUuid) && d.successDeployedTime)
    })
    if (pending.length === 0) {
      const seconds = Math.round((Date.now() - started) / 100) / 10
      io.log('Choreo publisher', `The deployment is live on ${envs.join(', ')} after ${seconds} s.`, 1.5)
      return seconds
    }
    if (Date.now() + pause > until) {
      throw new Error(
        `The API is deployed, but ${pending.join(', ')} did not report the revision live within ${config.deployWaitSeconds} s ("deploy-wait-seconds"). Choreo's gateways can take minutes: raise "deploy-wait-seconds" (or "timeout-seconds"), or set it to 0 not to wait; a re-run does not deploy again, it waits.`
      )
    }
    await new Promise((r) => setTimeout(r, pause))
  }
}

/** The least a deploy waits for another deploy to the same environment to go live (also with deploy-wait-seconds 0). */
const SETTLE_MIN_MS = 30_000

/**
 * Deploys. While an earlier deploy to the same environment is still propagating (a concurrent run's),
 * API Manager answers 409 `902005` (choreo-api.md §5.3): the client retries that with backoff, and when
 * it persists, wait (bounded by deploy-wait-seconds, at least 30 s, and the deadline) until every
 * target's deployment has a `successDeployedTime`, then deploy once more. Then waitForGateway follows ours.
 */
async function deployWhenSettled(run: Run, apiId: string, revisionId: string, targets: Deployment[]): Promise<void> {
  const { choreo, config } = run
  try {
    await choreo.deployRevision(apiId, revisionId, targets)
    return
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409 && err.code === '902005')) throw err
  }
  const names = new Set(targets.map((t) => t.name))
  const until = Math.min(Date.now() + Math.max(SETTLE_MIN_MS, config.deployWaitSeconds * 1000), run.deadline - 2000)
  for (let delay = 100; Date.now() < until; delay = Math.min(delay * 2, 2000)) {
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
