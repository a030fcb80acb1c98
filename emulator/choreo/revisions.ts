import { json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { authorizeFor } from './auth.js'
import { apimError, badRequest, isRecord, jsonBody } from './errors.js'
import { deploymentView, etagOf, findApi, hostOf, isLive, publisherApiView, revisionView } from './apis.js'
import { snapshotRevision, type ApiRevision, type ChoreoApi, type ChoreoOrg } from './state.js'

/**
 * Revisions and deployments (reference §5.3, quirk 4): a revision snapshots the API's scopes and operations;
 * creating one never deploys it; what the gateway enforces is the revision deployed to each environment.
 */
export function registerRevisions(router: Router, P: string): void {
  router.get(`${P}/apis/{apiId}/revisions`, listRevisions)
  router.post(`${P}/apis/{apiId}/revisions`, createRevision)
  router.get(`${P}/apis/{apiId}/revisions/{revisionId}`, (ctx) => {
    const { org } = authorizeFor(ctx, 'revisionGet')
    const api = findApi(org, ctx.params.apiId)
    return json(200, revisionView(ctx, api, findRevision(api, ctx.params.revisionId)))
  })
  router.delete(`${P}/apis/{apiId}/revisions/{revisionId}`, deleteRevision)
  router.post(`${P}/apis/{apiId}/deploy-revision`, deployRevision)
  router.post(`${P}/apis/{apiId}/undeploy-revision`, undeployRevision)
  router.post(`${P}/apis/{apiId}/restore-revision`, restoreRevision)
  router.get(`${P}/apis/{apiId}/deployments`, (ctx) => {
    const { org } = authorizeFor(ctx, 'deployments')
    const api = findApi(org, ctx.params.apiId)
    // APIRevisionDeploymentList is {list} only (spec); no count.
    return json(200, { list: api.deployments.map((d) => deploymentView(ctx, d)) })
  })
}

function findRevision(api: ChoreoApi, revisionId: string): ApiRevision {
  const rev = api.revisions.find((r) => r.id === revisionId)
  if (!rev) throw apimError(404, 900347, 'API Revision Not Found', `Requested API Revision with id ${revisionId} not found`)
  return rev
}

const isDeployed = (api: ChoreoApi, rev: ApiRevision): boolean => api.deployments.some((d) => d.revisionId === rev.id)

/** GET …/revisions?query=deployed:true|false */
function listRevisions(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'revisionList')
  const api = findApi(org, ctx.params.apiId)
  const query = (ctx.query.get('query') ?? '').trim()
  let revisions = api.revisions
  if (query) {
    const m = /^deployed:(true|false)$/i.exec(query)
    if (!m) throw badRequest(`Unsupported revision query '${query}': use deployed:true or deployed:false`)
    const wanted = m[1].toLowerCase() === 'true'
    revisions = revisions.filter((r) => isDeployed(api, r) === wanted)
  }
  return json(200, { count: revisions.length, list: revisions.map((r) => revisionView(ctx, api, r)) })
}

/** POST …/revisions {description}: 201, not deployed; at the limit (seed.maxRevisions) 400 `900351`. */
function createRevision(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'revisionWrite')
  const api = findApi(org, ctx.params.apiId)
  const body = jsonBody(ctx)
  const description = isRecord(body) && typeof body.description === 'string' ? body.description : ''
  if (api.revisions.length >= ctx.emulator.state.seed.maxRevisions) {
    throw apimError(
      400,
      900351,
      'Can not create API Revision',
      `Maximum number of revisions per API has reached. Need to remove any revision to create a new Revision for API with API UUID: ${api.id}`
    )
  }
  const rev = snapshotRevision(api, description, ctx.emulator.now())
  return json(201, revisionView(ctx, api, rev), { location: `${ctx.baseUrl}${ctx.path.replace(/\/$/, '')}/${rev.id}` })
}

/** DELETE …/revisions/{revisionId}: a deployed revision cannot go (400 `900348`); answers the remaining list. */
function deleteRevision(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'revisionWrite')
  const api = findApi(org, ctx.params.apiId)
  const rev = findRevision(api, ctx.params.revisionId)
  if (isDeployed(api, rev)) {
    throw apimError(
      400,
      900348,
      'Can not delete API Revision',
      `Couldn't delete API revision since API revision is currently deployed to a gateway. You need to undeploy the API Revision from the gateway before attempting deleting API Revision: ${rev.id}`
    )
  }
  api.revisions = api.revisions.filter((r) => r.id !== rev.id)
  return json(200, { count: api.revisions.length, list: api.revisions.map((r) => revisionView(ctx, api, r)) })
}

interface DeploymentRequest {
  name: string
  vhost?: string
  displayOnDevportal: boolean
}

/** The APIRevisionDeployment[] body, each naming a known environment (400 `900504`) and vhost (400 `900512`). */
function deploymentRequests(ctx: Ctx, org: ChoreoOrg, requireBody: boolean): DeploymentRequest[] {
  const body = jsonBody(ctx)
  if (body === undefined && !requireBody) return []
  if (!Array.isArray(body) || body.length === 0) throw badRequest('Request body must be a non-empty array of APIRevisionDeployment objects')
  const out: DeploymentRequest[] = []
  for (const item of body) {
    if (!isRecord(item) || typeof item.name !== 'string' || !item.name)
      throw badRequest('Each deployment needs the gateway environment "name"')
    const name = item.name
    if (!org.environments.some((e) => e.name === name)) {
      throw apimError(400, 900504, 'Invalid Gateway Environment', `Gateway Environment with name '${name}' not found`)
    }
    const vhost = typeof item.vhost === 'string' && item.vhost ? item.vhost : undefined
    if (requireBody && vhost !== undefined && vhost !== hostOf(ctx).host) {
      throw apimError(
        400,
        900512,
        'Invalid virtual host name provided',
        `Virtual host ${vhost} does not exist in gateway environment ${name}`
      )
    }
    if (out.some((d) => d.name === name)) continue
    out.push({ name, vhost, displayOnDevportal: item.displayOnDevportal !== false })
  }
  return out
}

/**
 * POST …/deploy-revision?revisionId=: deploys to each named environment, replacing the revision deployed
 * there (Choreo swaps revisions). 409 `902005` (reference §5.3, quirk 4) when that revision is already
 * deployed there, or while the environment's previous deploy is still propagating (`deployPropagationMs`):
 * until then the gateway serves the environment's previous revision.
 */
function deployRevision(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'deploy')
  const api = findApi(org, ctx.params.apiId)
  const revisionId = ctx.query.get('revisionId')
  if (!revisionId) throw badRequest('revisionId query parameter is required')
  const rev = findRevision(api, revisionId)
  const requests = deploymentRequests(ctx, org, true)
  const nowMs = ctx.emulator.now()
  for (const r of requests) {
    const current = api.deployments.find((d) => d.environment === r.name)
    if (current && (current.revisionId === rev.id || !isLive(current, nowMs))) {
      throw apimError(
        409,
        902005,
        'Revision deployment state conflicted',
        `Revision deployment request conflicted with the current deployment state of the revision ${rev.id}. Please try again later`
      )
    }
  }
  const now = new Date(nowMs).toISOString()
  const delay = org.deployPropagationMs ?? 0
  for (const r of requests) {
    const previous = api.deployments.find((d) => d.environment === r.name)
    api.deployments = api.deployments.filter((d) => d.environment !== r.name)
    api.deployments.push({
      revisionId: rev.id,
      environment: r.name,
      vhost: r.vhost,
      displayOnDevportal: r.displayOnDevportal,
      deployedTime: now,
      ...(delay > 0 ? { liveAt: nowMs + delay, ...(previous ? { previousRevisionId: previous.revisionId } : {}) } : {})
    })
  }
  return json(
    200,
    api.deployments.filter((d) => d.revisionId === rev.id).map((d) => deploymentView(ctx, d))
  )
}

/**
 * POST …/undeploy-revision?revisionId=|revisionNumber=&allEnvironments=: removes the revision from the named
 * environments (or all); environments where it is not deployed are skipped. 201 with what was undeployed.
 */
function undeployRevision(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'revisionWrite')
  const api = findApi(org, ctx.params.apiId)
  const revisionId = ctx.query.get('revisionId')
  const revisionNumber = ctx.query.get('revisionNumber')
  let rev: ApiRevision
  if (revisionId) rev = findRevision(api, revisionId)
  else if (revisionNumber) {
    const found = api.revisions.find((r) => String(r.number) === revisionNumber)
    if (!found) throw apimError(404, 900347, 'API Revision Not Found', `Requested API Revision with number ${revisionNumber} not found`)
    rev = found
  } else throw badRequest('revisionId or revisionNumber query parameter is required')
  const all = (ctx.query.get('allEnvironments') ?? 'false').toLowerCase() === 'true'
  const requests = deploymentRequests(ctx, org, !all)
  const envs = new Set(requests.map((r) => r.name))
  const removed = api.deployments.filter((d) => d.revisionId === rev.id && (all || envs.has(d.environment)))
  api.deployments = api.deployments.filter((d) => !removed.includes(d))
  return json(
    201,
    removed.map((d) => deploymentView(ctx, d))
  )
}

/**
 * POST …/restore-revision?revisionId=: copies the revision's scopes and operations back into the working copy
 * and answers 201 with the API. Like creating a revision, restoring one deploys nothing (reference quirk 4):
 * the gateway keeps serving whatever revision each environment has.
 */
function restoreRevision(ctx: Ctx) {
  const { org } = authorizeFor(ctx, 'revisionRestore')
  const api = findApi(org, ctx.params.apiId)
  const revisionId = ctx.query.get('revisionId')
  if (!revisionId) throw badRequest('revisionId query parameter is required')
  const rev = findRevision(api, revisionId)
  api.scopes = structuredClone(rev.scopes)
  api.operations = structuredClone(rev.operations)
  api.lastUpdatedTime = ctx.emulator.now()
  api.changeSeq++
  return json(201, publisherApiView(api), { etag: etagOf(api) })
}
