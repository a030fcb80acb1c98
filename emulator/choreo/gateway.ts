import type { JWTPayload } from 'jose'
import { bearer, json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { tokenHash } from '../asgardeo/auth.js'
import { gatewayError } from './errors.js'
import { isLive } from './apis.js'
import type { ApiRevision, ChoreoApi, ChoreoOrg, KeyManager, StoredOperation } from './state.js'

/**
 * A smoke-test gateway: `{method} /gateway/{env}{context}/{version}{resource}`, the URL the devportal's
 * `endpointURLs` give. It serves what the revision deployed to `{env}` says, not the API's working copy,
 * and checks what Choreo's gateway checks, in its order:
 *   404  no API with that context+version, or none of its revisions deployed to {env}, or deployed there
 *        less than `org.gatewayPropagationSeconds` ago (emulated clock); while a deploy is still propagating
 *        (`org.deployPropagationMs`) the previous revision is served, 404 when there was none;
 *   404 `900906` / 405  no operation for the resource / for the verb;
 *   401 `900902` no token, `900901` bad signature, expired or revoked (the Asgardeo key manager's JWKS);
 *   403 `900908` the token's client (azp, else client_id) is not a PRODUCTION key of an application
 *                subscribed (UNBLOCKED) to the API;
 *   403 `900910` the operation has scopes and the token's `scope` holds none of them;
 *   200 a JSON echo of what matched.
 */
export function registerGateway(router: Router): void {
  const pattern = '/gateway/{env}/{rest+}'
  router.get(pattern, handle)
  router.post(pattern, handle)
  router.put(pattern, handle)
  router.patch(pattern, handle)
  router.delete(pattern, handle)
}

interface Route {
  org: ChoreoOrg
  api: ChoreoApi
  revision: ApiRevision
  resource: string
}

const notAvailable = () => gatewayError(404, '404', 'Not Found', 'The requested resource is not available.')

/** The API whose context/version prefixes the path (longest wins) and the revision deployed to `env`. */
function route(ctx: Ctx, env: string, path: string): Route {
  let best: { org: ChoreoOrg; api: ChoreoApi; prefix: string } | undefined
  for (const org of Object.values(ctx.emulator.state.choreo.orgs)) {
    for (const api of org.apis) {
      const prefix = `${api.context.replace(/\/$/, '')}/${api.version}`
      if ((path === prefix || path.startsWith(`${prefix}/`)) && (!best || prefix.length > best.prefix.length)) best = { org, api, prefix }
    }
  }
  if (!best) throw notAvailable()
  const deployment = best.api.deployments.find((d) => d.environment === env)
  // While a deploy propagates (seed `deployPropagationMs`) the environment still serves its previous revision.
  const servedId = deployment && (isLive(deployment, ctx.emulator.now()) ? deployment.revisionId : deployment.previousRevisionId)
  const revision = servedId ? best.api.revisions.find((r) => r.id === servedId) : undefined
  if (!deployment || !revision) throw notAvailable()
  // A fresh deployment is not served until the org's propagation delay has passed on the emulated clock
  // (reference quirk 10: 404s for minutes after a deploy).
  const delayMs = (best.org.gatewayPropagationSeconds ?? 0) * 1000
  if (delayMs > 0 && ctx.emulator.now() < Date.parse(deployment.deployedTime) + delayMs) throw notAvailable()
  let resource = path.slice(best.prefix.length) || '/'
  if (resource.length > 1 && resource.endsWith('/')) resource = resource.slice(0, -1)
  return { org: best.org, api: best.api, revision, resource }
}

/** Does an operation target (`/items/{id}`, `/files/*`) match a resource path? */
function targetMatches(target: string, resource: string): boolean {
  const t = target.split('/').filter(Boolean)
  const r = resource.split('/').filter(Boolean)
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '*' && i === t.length - 1) return true
    if (i >= r.length) return false
    if (/^\{[^}]+\}$/.test(t[i])) continue
    if (t[i] !== r[i]) return false
  }
  return t.length === r.length
}

const templateCount = (o: StoredOperation): number => (o.target.match(/\{|\*/g) ?? []).length

function operationFor(ctx: Ctx, api: ChoreoApi, revision: ApiRevision, resource: string): StoredOperation {
  const onPath = revision.operations.filter((o) => targetMatches(o.target, resource)).sort((a, b) => templateCount(a) - templateCount(b))
  if (onPath.length === 0) {
    throw gatewayError(
      404,
      '900906',
      'No matching resource found for given API Request',
      `Access failure for API: ${api.context}/${api.version}, version: ${api.version}. Check the API documentation and add a proper REST resource path to the invocation URL`
    )
  }
  const verb = ctx.method === 'HEAD' ? 'GET' : ctx.method
  const op = onPath.find((o) => o.verb === ctx.method) ?? onPath.find((o) => o.verb === verb)
  if (!op) throw gatewayError(405, '405', 'Method Not Allowed', 'Method not allowed for given API resource')
  return op
}

/** Verifies the token against each enabled Asgardeo key manager of the org; the claims and the key manager. */
async function authenticate(ctx: Ctx, org: ChoreoOrg): Promise<{ claims: JWTPayload; km: KeyManager }> {
  const token = bearer(ctx)
  if (!token) {
    throw gatewayError(
      401,
      '900902',
      'Missing Credentials',
      "Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN'"
    )
  }
  let expired = false
  for (const km of org.keyManagers.filter((k) => k.enabled && k.asgardeoOrg)) {
    const asgardeoOrg = km.asgardeoOrg as string
    try {
      const { payload } = await ctx.emulator.keys.verify(`asgardeo:${asgardeoOrg}`, token, { currentDate: new Date(ctx.emulator.now()) })
      const record = ctx.emulator.state.asgardeo.orgs[asgardeoOrg]?.tokens.find((t) => t.tokenHash === tokenHash(token))
      if (record?.revoked)
        throw gatewayError(
          401,
          '900901',
          'Invalid Credentials',
          'The access token has been revoked. Make sure you have provided the correct security credentials'
        )
      return { claims: payload, km }
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') expired = true
      else if (!(err as { code?: string }).code?.startsWith('ERR_')) throw err // our own 401 (revoked)
    }
  }
  throw gatewayError(
    401,
    '900901',
    'Invalid Credentials',
    expired
      ? 'Access token expired. Make sure you have provided the correct security credentials'
      : 'Invalid JWT token. Make sure you have provided the correct security credentials'
  )
}

function scopesOf(claims: JWTPayload): string[] {
  const s = claims.scope
  if (typeof s === 'string') return s.split(' ').filter(Boolean)
  if (Array.isArray(s)) return s.filter((x): x is string => typeof x === 'string')
  return []
}

async function handle(ctx: Ctx) {
  const { org, api, revision, resource } = route(ctx, ctx.params.env, `/${ctx.params.rest}`)
  const op = operationFor(ctx, api, revision, resource)
  const { claims, km } = await authenticate(ctx, org)
  const clientId = String(claims.azp ?? claims.client_id ?? '')
  const subscribed = org.keyMappings.some(
    (k) =>
      k.keyManager === km.name &&
      k.keyType === 'PRODUCTION' &&
      k.consumerKey === clientId &&
      org.subscriptions.some((s) => s.applicationId === k.applicationId && s.apiId === api.id && s.status === 'UNBLOCKED')
  )
  if (!subscribed)
    throw gatewayError(
      403,
      '900908',
      'Resource forbidden',
      'User is NOT authorized to access the Resource. API Subscription validation failed.'
    )
  const scopes = scopesOf(claims)
  if (op.scopes.length > 0 && !op.scopes.some((s) => scopes.includes(s))) {
    throw gatewayError(
      403,
      '900910',
      'The access token does not allow you to access the requested resource',
      `User is NOT authorized to access the Resource: ${op.target}. Scope validation failed.`
    )
  }
  return json(200, {
    ok: true,
    api: api.name,
    version: api.version,
    environment: ctx.params.env,
    revision: `Revision ${revision.number}`,
    verb: op.verb,
    target: op.target,
    path: resource,
    clientId,
    scopes
  })
}
