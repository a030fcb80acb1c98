import { Asgardeo, managementScopes, type ApiResource, type TokenResponse } from './asgardeo.js'
import { Choreo, type ChoreoApi, type Environment, type KeyManager } from './choreo.js'
import { TaskGraph } from './graph.js'
import { ApiError, assertSecureUrl } from './http.js'
import type { Config } from './inputs.js'
import {
  MARKER,
  Plan,
  RESOURCES,
  bareValue,
  defaultApiIdentifier,
  diffApiScopes,
  diffAuthorization,
  missingScopes,
  qualifiedNames,
  revisionCarries,
  ungranted,
  type Action,
  type Resource
} from './plan.js'

/**
 * The reconciliation, as a graph of tasks over the two services. Each task observes one resource,
 * records its row in the plan, and (in apply mode only) makes the one write that row describes.
 * In plan and check modes nothing is written; values that only a write would produce are unknown,
 * and the rows that depend on them say so.
 */

export interface Phases {
  /** Lines for a phase's log group (printed when the run ends, so concurrent phases do not interleave). */
  log(phase: Phase, line: string, order?: number): void
  /** Masks a secret the moment it is known. */
  secret(value: string): void
}

export type Phase = 'Choreo publisher' | 'Asgardeo' | 'Choreo Developer Portal' | 'Token'

export interface Outcome {
  plan: Plan
  graph: TaskGraph
  choreoApiId?: string
  /** Fully qualified scope names by permission value (undefined where not created yet). */
  scopeNames: Map<string, string | undefined>
  apiResourceId?: string
  asgardeoApplicationId?: string
  clientId?: string
  choreoApplicationId?: string
  subscriptionId?: string
  tokenEndpoint?: string
  token?: TokenResponse & { requested: string[] }
}

const ORIGIN = (url: string): string => new URL(url).origin

export async function reconcile(config: Config, asgardeo: Asgardeo, choreo: Choreo, io: Phases): Promise<Outcome> {
  const apply = config.mode === 'apply'
  const plan = new Plan()
  const graph = new TaskGraph()
  const out: Outcome = { plan, graph, scopeNames: new Map() }
  const row = (resource: Resource, name: string, action: Action, details: string[] = [], id?: string): void => {
    plan.record({ resource, name, action, details, id })
    const phase: Phase = resource.startsWith('Asgardeo') ? 'Asgardeo' : /application|keys|subscription/.test(resource) ? 'Choreo Developer Portal' : 'Choreo publisher'
    const verb = action === 'no change' ? 'no change' : apply ? `${action}d`.replace('eed', 'ed') : `would ${action}`
    io.log(phase, `${resource} "${name}": ${verb}${details.length ? ` (${details.join('; ')})` : ''}${id ? ` [${id}]` : ''}`, RESOURCES.indexOf(resource))
  }

  // Level 0: credentials of both services, in parallel.
  const asgAuth = graph.add('asgardeo: management token', [], async () => {
    const needed = managementScopes({ userGrant: config.grant.type === 'password', prune: config.prune })
    const granted = await asgardeo.authenticate(config.asgardeo.clientId, config.asgardeo.clientSecret, needed, io.secret)
    const lacking = needed.filter((s) => !granted.includes(s))
    if (lacking.length > 0) {
      throw new Error(
        `The Asgardeo application "${config.asgardeo.clientId}" (input "asgardeo-client-id") is not authorized for ${lacking.join(', ')}. ` +
          'In the Asgardeo Console open that application > API Authorization and authorize those scopes of the management APIs.'
      )
    }
  })
  const org = graph.add('choreo: organization', [], () => choreo.resolveOrg(config.choreo.org))

  // --- Choreo publisher: scopes, bindings, a deployed revision, published ----------------------
  const api = graph.add('choreo: find API', [org], async () => {
    let id = config.api.id
    if (!id) {
      const found = await choreo.findApis(config.api.name!, config.api.version)
      if (found.length === 0) {
        throw new Error(`Input "api": no Choreo API is named "${config.api.name}"${config.api.version ? ` with version "${config.api.version}"` : ''} in organization "${config.choreo.org}". Check the name (Choreo Console > API > Overview) or give "api-id".`)
      }
      if (found.length > 1) {
        throw new Error(`Input "api": ${found.length} APIs are named "${config.api.name}" (versions ${found.map((a) => a.version).join(', ')}); set "api-version" or "api-id".`)
      }
      id = found[0].id
    }
    const { api: current, etag } = await choreo.getApi(id)
    out.choreoApiId = current.id
    return { current, etag }
  })

  const apiScopes = graph.add('choreo: API scopes', [api], async ({ current, etag }) => {
    const diff = diffApiScopes(current, config.scopes, config.prune)
    let stored: ChoreoApi = current
    if (diff.changed && apply) stored = await choreo.putApi(diff.next, etag)
    // Names are read back from what the server stored, never built here.
    out.scopeNames = qualifiedNames(diff.changed && !apply ? current : stored, config.scopes)
    row('Choreo API scopes', current.name, diff.changed ? 'update' : 'no change', diff.details, current.id)
    return { stored, changed: diff.changed }
  })

  // What is deployed where, read while the scopes are being written.
  const deployed = graph.add('choreo: deployed revisions', [api], async ({ current }) => {
    if (!config.deploy) return undefined
    const [revisions, environments] = await Promise.all([choreo.listRevisions(current.id), choreo.environments()])
    const revisionIn = (env: string) => revisions.find((r) => (r.deploymentInfo ?? []).some((d) => d.name === env))
    const now = [...new Set(revisions.flatMap((r) => (r.deploymentInfo ?? []).map((d) => d.name)))]
    const targets = config.environments.length > 0 ? config.environments : now.length > 0 ? now : ['Production']
    const unknown = targets.filter((t) => !environments.some((e) => e.name === t))
    if (unknown.length > 0) {
      throw new Error(`Input "environments": ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a gateway environment of this organization; use ${environments.map((e) => e.name).join(', ')}.`)
    }
    // A revision reads as an API (isRevision): its content says whether the scopes went live.
    const ids = [...new Set(targets.map((t) => revisionIn(t)?.id).filter((id): id is string => !!id))]
    const contents = new Map(await Promise.all(ids.map(async (id) => [id, (await choreo.getApi(id)).api] as const)))
    return { revisions, environments, targets, contentIn: (env: string) => contents.get(revisionIn(env)?.id ?? '') }
  })

  const deployment = graph.add('choreo: deployment', [apiScopes, deployed], async ({ stored, changed }, live) => {
    if (!live) return
    const stale = live.targets.filter((env) => {
      const content = live.contentIn(env)
      return changed || !content || !revisionCarries(content, config.scopes, out.scopeNames)
    })
    if (stale.length === 0) {
      row('Choreo API deployment', stored.name, 'no change', [`deployed to ${live.targets.join(', ')}`])
      return
    }
    let revisionId: string | undefined
    if (apply) {
      const revision = await createRevision(choreo, stored.id, live.revisions)
      await choreo.deployRevision(stored.id, revision.id, stale.map((name) => ({ name, vhost: vhostOf(live.environments, name) })))
      revisionId = revision.id
    }
    row('Choreo API deployment', stored.name, 'update', [`deploy a new revision to ${stale.join(', ')}`], revisionId)
  })

  const lifecycle = graph.add('choreo: lifecycle', [api, deployment], async ({ current }) => {
    if (current.lifeCycleStatus === 'PUBLISHED') {
      row('Choreo API lifecycle', current.name, 'no change', ['PUBLISHED'])
      return
    }
    if (apply) await choreo.publish(current.id)
    row('Choreo API lifecycle', current.name, 'update', [`${current.lifeCycleStatus ?? 'unknown'} → PUBLISHED`])
  })

  const keyManager = graph.add('choreo: key manager', [org], async () => {
    const managers = await choreo.keyManagers()
    const km = managers.find((k) => k.name === config.keyManager || k.displayName === config.keyManager)
    if (!km || km.enabled === false) {
      const names = managers.filter((k) => k.enabled !== false).map((k) => k.name).join(', ') || 'none'
      throw new Error(`Input "key-manager": Choreo has no enabled key manager named "${config.keyManager}" (enabled: ${names}). Add Asgardeo as an identity provider in Choreo (Settings > Application Security > Identity Providers) or name the one that is.`)
    }
    out.tokenEndpoint = tokenEndpointOf(km, asgardeo, config)
    return km
  })

  // --- Asgardeo: API resource, application, authorization, role ---------------------------------
  // The lookup needs only the identifier, so it overlaps the Choreo write; the diff waits for the names.
  const resourceLookup = graph.add('asgardeo: find API resource', [asgAuth, api], async (_auth, { current }) => {
    const identifier = config.apiIdentifier ?? defaultApiIdentifier(config.choreo.org, current)
    return { identifier, existing: await asgardeo.findApiResource(identifier) }
  })

  let staleScopes: string[] = []
  const resource = graph.add('asgardeo: API resource', [resourceLookup, apiScopes], async ({ identifier, existing }, { stored }) => {
    const names = [...out.scopeNames.entries()]
    const known = names.filter(([, n]) => n).map(([, n]) => n!)
    if (!existing) {
      let created: ApiResource | undefined
      if (apply) {
        created = await asgardeo.createApiResource({
          name: `${stored.name} ${stored.version}`,
          identifier,
          description: `${MARKER}. Choreo API ${stored.id}.`,
          requiresAuthorization: true,
          scopes: known.map((name) => ({ name, displayName: bareValue(name), description: `${MARKER}.` }))
        }).catch((err) => scopeClash(err, known))
        out.apiResourceId = created.id
      }
      row('Asgardeo API resource', identifier, 'create', names.map(([v, n]) => `scope ${n ?? `${v} (name known after apply)`}`), created?.id)
      return created
    }
    out.apiResourceId = existing.id
    if (!existing.requiresAuthorization) {
      throw new Error(`The Asgardeo API resource "${identifier}" was created with "Requires authorization" off, which cannot be changed. Delete it in the Asgardeo Console (API Resources) or set "api-identifier" to a new identifier.`)
    }
    const missing = missingScopes(existing.scopes ?? [], known)
    const unknownYet = names.filter(([, n]) => !n).map(([v]) => `${v} (name known after apply)`)
    // With prune: scopes this action created (marked) for permissions no longer listed.
    const wantedValues = new Set(config.scopes.map((s) => s.value))
    staleScopes = config.prune
      ? (existing.scopes ?? []).filter((s) => (s.description ?? '').includes(MARKER) && !wantedValues.has(bareValue(s.name))).map((s) => s.name)
      : []
    const details = [...[...missing, ...unknownYet].map((m) => `add scope ${m}`), ...staleScopes.map((m) => `remove scope ${m} (prune)`)]
    if (details.length === 0) {
      row('Asgardeo API resource', identifier, 'no change', [], existing.id)
      return existing
    }
    if (apply && missing.length > 0) {
      await asgardeo
        .addApiResourceScopes(existing.id, missing.map((name) => ({ name, displayName: bareValue(name), description: `${MARKER}.` })))
        .catch((err) => scopeClash(err, missing))
    }
    row('Asgardeo API resource', identifier, 'update', details, existing.id)
    return apply ? asgardeo.getApiResource(existing.id) : existing
  })

  const application = graph.add('asgardeo: application', [asgAuth], async () => {
    const grant = config.grant.type
    const existing = await asgardeo.findApplication(config.application)
    let id = existing?.id
    if (!existing) {
      if (apply) id = await asgardeo.createApplication(applicationModel(config))
      row('Asgardeo application', config.application, 'create', [grant === 'password' ? 'OIDC application with the password grant' : 'M2M application (client credentials)'], id)
      if (!apply) return undefined
    }
    const oidc = await asgardeo.getOidc(id!)
    if (oidc.clientSecret) io.secret(oidc.clientSecret)
    if (existing) {
      const details: string[] = []
      if (!oidc.grantTypes.includes(grant)) details.push(`enable the ${grant} grant`)
      if (oidc.accessToken?.type && oidc.accessToken.type !== 'JWT') details.push('issue JWT access tokens (the Choreo gateway validates JWTs)')
      if (details.length > 0 && apply) {
        await asgardeo.putOidc(id!, { ...oidc, grantTypes: [...new Set([...oidc.grantTypes, grant])], accessToken: { ...oidc.accessToken, type: 'JWT' } })
      }
      row('Asgardeo application', config.application, details.length ? 'update' : 'no change', details, id)
    }
    out.asgardeoApplicationId = id
    out.clientId = oidc.clientId
    if (!oidc.clientSecret) {
      throw new Error(`Asgardeo did not return the client secret of application "${config.application}" (secrets may be hashed on this server). Regenerate it in the Console or use a server that returns it.`)
    }
    return { id: id!, clientId: oidc.clientId, clientSecret: oidc.clientSecret, created: !existing }
  })

  // A new application has nothing authorized yet: no need to ask.
  const authorized = graph.add('asgardeo: authorized APIs', [application], async (app) =>
    !app ? undefined : app.created ? [] : asgardeo.listAuthorizedApis(app.id)
  )

  const authorization = graph.add('asgardeo: authorization', [resource, application, authorized], async (res, app, list) => {
    const want = [...out.scopeNames.values()].filter((n): n is string => !!n)
    const identifier = config.apiIdentifier ?? res?.identifier ?? 'the API resource'
    if (!res || !app || !list) {
      row('Asgardeo API authorization', identifier, 'create', [`authorize ${config.scopes.map((s) => s.value).join(', ')} to ${config.application}`])
      return
    }
    const current = list.find((a) => a.id === res.id)
    const { add, remove } = diffAuthorization(current?.authorizedScopes.map((s) => s.name), want)
    if (current && current.policyId && current.policyId.toUpperCase() !== 'RBAC') {
      throw new Error(`The API resource "${res.identifier}" is authorized to "${config.application}" with policy "${current.policyId}", which cannot be changed in place. Remove that authorization in the Asgardeo Console (application > API Authorization) and re-run.`)
    }
    const unknownYet = config.scopes.filter((s) => !out.scopeNames.get(s.value)).map((s) => `${s.value} (name known after apply)`)
    if (!current) {
      if (apply) await asgardeo.authorizeApi(app.id, res.id, want)
      row('Asgardeo API authorization', res.identifier, 'create', [`authorize ${[...want, ...unknownYet].join(', ')}`], res.id)
    } else if (add.length || remove.length || unknownYet.length) {
      if (apply) await asgardeo.patchAuthorizedApi(app.id, res.id, add, remove)
      row('Asgardeo API authorization', res.identifier, 'update', [...[...add, ...unknownYet].map((s) => `authorize ${s}`), ...remove.map((s) => `revoke ${s}`)], res.id)
    } else {
      row('Asgardeo API authorization', res.identifier, 'no change', [`${want.length} scopes`], res.id)
    }
  })

  // Pruned scopes go last: first out of the authorization (above), then off the resource.
  graph.add('asgardeo: prune scopes', [resource, authorization], async (res) => {
    if (!apply || !res) return
    for (const name of staleScopes) await asgardeo.deleteApiResourceScope(res.id, name)
  })

  const user = graph.add('asgardeo: user', [asgAuth], async () => {
    if (config.grant.type !== 'password') return undefined
    const id = await asgardeo.findUserId(config.grant.username)
    if (!id) throw new Error(`Input "username": Asgardeo has no user "${config.grant.username}" in organization "${config.asgardeo.org}".`)
    return id
  })

  const role = graph.add('asgardeo: role', [application, authorization, user], async (app, _authorized, userId) => {
    if (config.grant.type !== 'password' || !userId) return
    const roleName = `${config.application}-api-access`
    const want = [...out.scopeNames.values()].filter((n): n is string => !!n)
    if (!app) {
      row('Asgardeo application role', roleName, 'create', [`permissions ${config.scopes.map((s) => s.value).join(', ')}`, `assign ${config.grant.username}`])
      return
    }
    const existing = app.created ? undefined : await asgardeo.findRole(roleName, app.id)
    if (!existing) {
      const created = apply ? await asgardeo.createRole(roleName, app.id, want, [userId]) : undefined
      row('Asgardeo application role', roleName, 'create', [`permissions ${want.join(', ')}`, `assign ${config.grant.username}`], created?.id)
      return
    }
    const have = (existing.permissions ?? []).map((p) => p.value)
    const addPerms = want.filter((w) => !have.includes(w))
    const addUser = !(existing.users ?? []).some((u) => u.value === userId)
    const ops: Record<string, unknown>[] = []
    if (addPerms.length) ops.push({ op: 'add', path: 'permissions', value: addPerms.map((value) => ({ value })) })
    if (addUser) ops.push({ op: 'add', path: 'users', value: [{ value: userId }] })
    if (ops.length && apply) await asgardeo.patchRole(existing.id, ops)
    const details = [...addPerms.map((p) => `add permission ${p}`), ...(addUser ? [`assign ${config.grant.username}`] : [])]
    row('Asgardeo application role', roleName, ops.length ? 'update' : 'no change', details, existing.id)
  })

  // --- Choreo Developer Portal: application, keys, subscription ----------------------------------
  const devApp = graph.add('choreo: application', [org], async () => {
    const existing = await choreo.findApplication(config.application)
    if (existing) {
      row('Choreo application', config.application, 'no change', [], existing.applicationId)
      out.choreoApplicationId = existing.applicationId
      return { app: existing, created: false }
    }
    const created = apply ? await choreo.createApplication(config.application, `${MARKER}.`, config.throttlingPolicy) : undefined
    out.choreoApplicationId = created?.applicationId
    row('Choreo application', config.application, 'create', [], created?.applicationId)
    return created ? { app: created, created: true } : undefined
  })

  graph.add('choreo: production keys', [devApp, application, keyManager], async (dev, app, km) => {
    const clientId = app?.clientId
    if (!dev || !clientId) {
      row('Choreo production keys', config.application, 'create', [`map ${clientId ?? 'the new client ID'} through ${km.name}`])
      return
    }
    const appId = dev.app.applicationId
    const keys = dev.created ? [] : await choreo.listKeys(appId)
    const production = keys.find((k) => k.keyType === 'PRODUCTION' && (!k.keyManager || k.keyManager === km.name))
    if (production?.consumerKey === clientId) {
      row('Choreo production keys', config.application, 'no change', [`client ID ${clientId}`], production.keyMappingId)
      return
    }
    if (production) {
      throw new Error(`The Choreo application "${config.application}" already has Production keys for "${km.name}" mapped to client ID ${production.consumerKey}, not ${clientId}. Remove those keys in the Developer Portal (Credentials > Production) or choose another "application" name.`)
    }
    let mappingId: string | undefined
    if (apply) {
      const res = await choreo.mapKeys(appId, clientId, km.name)
      mappingId = (res.body as { keyMappingId?: string } | undefined)?.keyMappingId
      if (res.status === 409) {
        const owner = await ownerOfClientId(choreo, clientId, km.name, appId)
        throw new Error(`Choreo refused to map client ID ${clientId}: it is already mapped to ${owner ? `the Developer Portal application "${owner}"` : 'another Developer Portal application'} (a client ID can be used by one application only). Remove it there, or use that application's name as "application".`)
      }
    }
    row('Choreo production keys', config.application, 'create', [`map client ID ${clientId} through ${km.name}`], mappingId)
  })

  graph.add('choreo: subscription', [devApp, api], async (dev, { current }) => {
    const name = `${config.application} → ${current.name}`
    if (!dev) {
      row('Choreo subscription', name, 'create', [`plan ${config.throttlingPolicy}`])
      return
    }
    const appId = dev.app.applicationId
    const existing = dev.created ? undefined : (await choreo.listSubscriptions(appId)).find((s) => s.apiId === current.id)
    if (existing) {
      out.subscriptionId = existing.subscriptionId
      if (existing.status && existing.status !== 'UNBLOCKED') {
        throw new Error(`The subscription of "${config.application}" to "${current.name}" is ${existing.status}; unblock it in the Choreo Console (API > Manage > Subscriptions).`)
      }
      row('Choreo subscription', name, 'no change', [], existing.subscriptionId)
      return
    }
    if (apply) {
      // Only a published API can be subscribed to: wait for the lifecycle branch only when it publishes.
      if (current.lifeCycleStatus !== 'PUBLISHED') await lifecycle.promise
      const created = await choreo.subscribe(appId, current.id, config.throttlingPolicy)
      out.subscriptionId = created?.subscriptionId ?? (await choreo.listSubscriptions(appId)).find((s) => s.apiId === current.id)?.subscriptionId
    }
    row('Choreo subscription', name, 'create', [`plan ${config.throttlingPolicy}`], out.subscriptionId)
  })

  // --- The token: only when applying, after everything it depends on holds ----------------------
  // The token needs Asgardeo only; Choreo's branches finish alongside and the run waits for all.
  graph.add('token', [application, authorization, role, keyManager], async (app) => {
    if (!apply || !app) return
    const requested = config.tokenScopes.map((v) => out.scopeNames.get(v)).filter((n): n is string => !!n)
    const form: Record<string, string> = { grant_type: config.grant.type, scope: requested.join(' ') }
    if (config.grant.type === 'password') Object.assign(form, { username: config.grant.username, password: config.grant.password })
    const token = await asgardeo.requestToken(out.tokenEndpoint!, app.clientId, app.clientSecret, form)
    io.secret(token.access_token)
    if (token.refresh_token) io.secret(token.refresh_token)
    const missing = ungranted(requested, token.scope)
    if (missing.length > 0) {
      throw new Error(
        `Asgardeo issued a token without ${missing.join(', ')}. It drops scopes silently when they are not authorized to the application ("${config.application}", API Authorization)` +
          (config.grant.type === 'password' ? ` or when the user "${config.grant.username}" holds no role carrying them` : '') +
          '. A token cached from before the change can also lack them: re-run in a few minutes, or revoke the old token.'
      )
    }
    out.token = { ...token, requested }
    io.log('Token', `issued a ${token.token_type} token with ${requested.length} scopes, valid ${token.expires_in} s`)
  })

  await graph.settle()
  return out
}

/** Creates a revision, making room under the revision limit by deleting the oldest undeployed one. */
async function createRevision(choreo: Choreo, apiId: string, revisions: Awaited<ReturnType<Choreo['listRevisions']>>) {
  const description = `${MARKER}: scopes and operation bindings.`
  try {
    return await choreo.createRevision(apiId, description)
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 400 && err.code === '900351')) throw err
    const undeployed = revisions.filter((r) => (r.deploymentInfo ?? []).length === 0).sort((a, b) => Number(new Date(a.createdTime ?? 0)) - Number(new Date(b.createdTime ?? 0)))
    if (undeployed.length === 0) {
      throw new Error('The API has reached its revision limit and every revision is deployed; undeploy or delete one in the Choreo Console and re-run.')
    }
    await choreo.deleteRevision(apiId, undeployed[0].id)
    return choreo.createRevision(apiId, description)
  }
}

function vhostOf(environments: Environment[], name: string): string | undefined {
  return environments.find((e) => e.name === name)?.vhosts?.[0]?.host
}

/** The key manager's token endpoint, only when it is on the Asgardeo host the inputs name: the client secret goes there. */
function tokenEndpointOf(km: KeyManager, asgardeo: Asgardeo, config: Config): string {
  const endpoint = km.tokenEndpoint || asgardeo.tokenEndpoint
  assertSecureUrl(new URL(endpoint), `token endpoint of key manager "${km.name}"`)
  if (ORIGIN(endpoint) !== ORIGIN(config.asgardeo.url)) {
    throw new Error(`The key manager "${km.name}" issues tokens at ${ORIGIN(endpoint)}, not at "asgardeo-url" (${ORIGIN(config.asgardeo.url)}). Set "asgardeo-url" to ${ORIGIN(endpoint)} if that is your Asgardeo, or name the right "key-manager".`)
  }
  return endpoint
}

function applicationModel(config: Config): Record<string, unknown> {
  const grant = config.grant.type
  return {
    name: config.application,
    description: `${MARKER}.`,
    templateId: grant === 'password' ? 'b9c5e11e-fc78-484b-9bec-015d247561b8' : 'm2m-application',
    inboundProtocolConfiguration: {
      oidc: {
        grantTypes: grant === 'password' ? ['password', 'refresh_token'] : ['client_credentials'],
        publicClient: false,
        accessToken: { type: 'JWT' }
      }
    },
    authenticationSequence: { type: 'DEFAULT' },
    associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
  }
}

/** Turns the org-wide scope-name clash (409 API-RESOURCE-60004) into advice. */
function scopeClash(err: unknown, names: string[]): never {
  if (err instanceof ApiError && err.status === 409 && err.code === 'API-RESOURCE-60004') {
    throw new Error(`Asgardeo scope names are unique across the organization, and one of ${names.join(', ')} already belongs to another API resource. Remove it there, or point "api-identifier" at the API resource that holds it.`)
  }
  throw err
}

/** Which Developer Portal application holds a client ID (there is no search by client ID: scan). */
async function ownerOfClientId(choreo: Choreo, clientId: string, km: string, except: string): Promise<string | undefined> {
  const apps = (await choreo.listApplications()).filter((a) => a.applicationId !== except).slice(0, 200)
  for (const app of apps) {
    const keys = await choreo.listKeys(app.applicationId)
    if (keys.some((k) => k.consumerKey === clientId && (!k.keyManager || k.keyManager === km))) return app.name
  }
  return undefined
}
