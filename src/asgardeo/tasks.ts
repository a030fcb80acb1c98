import { managementTokenAdvice } from '../advice.js'
import {
  filterValue,
  managementScopes,
  type ApiResource,
  type ApiResourceScope,
  type ApplicationSummary,
  type AuthorizedApi,
  type OidcConfig,
  type Role
} from './client.js'
import type { ChoreoApi } from '../choreo/client.js'
import type { Task } from '../graph.js'
import { ApiError } from '../http.js'
import type { Config } from '../inputs.js'
import {
  bareValue,
  defaultApiIdentifier,
  diffAuthorization,
  missingScopes,
  otherOwners,
  adoptedDescription,
  ownedDescription,
  ownership,
  refuseUnowned,
  withOwner,
  type Ownership
} from '../plan.js'
import type { Run } from '../run.js'
import { bindingApplicationModel } from './binding.js'

/**
 * Asgardeo: an API resource carrying the fully qualified scopes, an application of the right kind for
 * the grant, the API authorized to it with exactly those scopes, and for a user-bound grant a role.
 * The read tasks find what exists and refute inputs; the write tasks wait for every read of both services.
 */
export function asgardeoTasks(
  run: Run,
  choreo: {
    apiRef: Task<{ id: string; name?: string; version?: string }>
    api: Task<{ current: ChoreoApi }>
    apiScopes: Task<{ stored: ChoreoApi }>
    deployment: Task<void>
  }
) {
  const { config, apply, asgardeo, graph, out, row, io, shared } = run
  // Password and token exchange issue tokens for a user: application roles carry their scopes.
  const userGrant = config.grant.type !== 'client_credentials'

  // --- read phase ---

  // One management token for the whole run, with the scopes every entry needs.
  const auth = shared.once('asgardeo: management token', () =>
    shared.graph.read('asgardeo: management token', [], async () => {
      const needed = [
        ...new Set(
          run.all.flatMap((c) =>
            managementScopes({
              userGrant: c.grant.type !== 'client_credentials',
              prune: c.prune,
              readOnly: !apply,
              binding: c.grant.type === 'token-exchange'
            })
          )
        )
      ]
      const granted = await asgardeo
        .authenticate(config.asgardeo.clientId, config.asgardeo.clientSecret, needed, io.secret)
        .catch((err: unknown) => {
          throw managementTokenAdvice(err, config.asgardeo.org)
        })
      const lacking = needed.filter((s) => !granted.includes(s))
      if (lacking.length > 0) {
        throw new Error(
          `The Asgardeo application "${config.asgardeo.clientId}" (input "asgardeo-client-id") is not authorized for ${lacking.join(', ')}. ` +
            'In the Asgardeo Console open that application > API Authorization and authorize those scopes of the management APIs.'
        )
      }
    })
  )

  // Starts with the management token, not after Choreo: the identifier is known up front (api-identifier,
  // or the API's name and version); with the name alone the lookup lists the API's identifiers by prefix
  // while Choreo finds the version, then picks the one (asgardeo-api.md §3: `sw` on identifier).
  const resourceLookup = graph.read('asgardeo: find API resource', [auth], async () => {
    const org = config.choreo.org
    const { name, version } = config.api
    let identifier: string
    let existing: ApiResource | undefined
    if (config.apiIdentifier || (name && version)) {
      identifier = config.apiIdentifier ?? defaultApiIdentifier(org, { name: name!, version: version! })
      existing = await asgardeo.findApiResource(identifier)
    } else if (name) {
      const prefix = defaultApiIdentifier(org, { name, version: '' })
      const found = choreo.apiRef.promise.then((ref) => defaultApiIdentifier(org, { name: ref.name ?? name, version: ref.version! }))
      existing = await asgardeo.pickApiResource(`identifier sw ${filterValue(prefix)}`, () => found)
      identifier = await found
      // Choreo's name slugs differently from the input's (its case, say): look the identifier up exactly.
      if (!existing && !identifier.startsWith(prefix)) existing = await asgardeo.findApiResource(identifier)
    } else {
      // api-id alone: the name and version come from the API read.
      identifier = defaultApiIdentifier(org, (await choreo.api.promise).current)
      existing = await asgardeo.findApiResource(identifier)
    }
    if (existing && !existing.requiresAuthorization) {
      throw new Error(
        `The Asgardeo API resource "${identifier}" was created with "Requires authorization" off, which cannot be changed. Delete it in the Asgardeo Console (API Resources) or set "api-identifier" to a new identifier.`
      )
    }
    return { identifier, existing }
  })

  // The application, its lookup and its user are the same for every entry naming this application.
  const app = `asgardeo: application ${config.application}`
  const appLookup = shared.once(`${app} lookup`, () =>
    shared.graph.read('asgardeo: find application', [auth], async () => {
      const existing = await asgardeo.findApplication(config.application)
      if (!existing) return undefined
      const own = ownership(existing.description, config.owner)
      refuseUnowned('Asgardeo application', config, own, existing.description)
      const [oidc, details, authorized] = await Promise.all([
        asgardeo.getOidc(existing.id),
        userGrant ? asgardeo.getApplication(existing.id) : Promise.resolve(undefined),
        asgardeo.listAuthorizedApis(existing.id)
      ])
      if (oidc.clientSecret) io.secret(oidc.clientSecret)
      const role = userGrant ? await asgardeo.findRole(roleName(config), existing.id) : undefined
      return { app: existing, own, oidc, details, authorized, role }
    })
  )

  const user = shared.once(`${app} user`, () =>
    shared.graph.read('asgardeo: user', [auth], async () => {
      if (config.grant.type !== 'password') return undefined
      const id = await asgardeo.findUserId(config.grant.username)
      if (!id)
        throw new Error(
          `Input "username": Asgardeo has no user "${config.grant.username}" in organization "${config.asgardeo.org}". Check the user name (Asgardeo Console > User Management > Users).`
        )
      return id
    })
  )

  // --- write phase ---

  let stale: { name: string; others: string[] }[] = []
  const resource = graph.write(
    'asgardeo: API resource',
    [resourceLookup, choreo.apiScopes],
    async ({ identifier, existing }, { stored }) => {
      const names = [...out.scopeNames.entries()]
      const known = names.filter(([, n]) => n).map(([, n]) => n!)
      const scopeModel = (name: string): ApiResourceScope => ({
        name,
        displayName: bareValue(name),
        description: ownedDescription([config.owner])
      })
      if (!existing) {
        if (!apply) {
          row(
            'Asgardeo API resource',
            identifier,
            'create',
            names.map(([v, n]) => `scope ${n ?? `${v} (name known after apply)`}`)
          )
          return undefined
        }
        try {
          const created = await asgardeo.createApiResource({
            name: `${stored.name} ${stored.version}`,
            identifier,
            description: ownedDescription([config.owner], `Choreo API ${stored.id}`),
            requiresAuthorization: true,
            scopes: known.map(scopeModel)
          })
          out.apiResourceId = created.id
          row(
            'Asgardeo API resource',
            identifier,
            'create',
            known.map((n) => `scope ${n}`),
            created.id
          )
          return created
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 409)) throw err
          // Made meanwhile by a concurrent run (409 60003, or 60004 for the scopes it already holds): use it below.
          existing = await asgardeo.findApiResource(identifier)
          if (!existing) {
            scopeClash(err, known)
            throw err
          }
        }
      }
      out.apiResourceId = existing.id
      const unknownYet = names.filter(([, n]) => !n).map(([v]) => `${v} (name known after apply)`)
      const plan = resourceChanges(existing, known, config)
      stale = plan.stale
      const details = [
        ...[...plan.missing, ...unknownYet].map((m) => `add scope ${m}`),
        ...plan.claim.map((s) => `mark scope ${s.name} as used by ${config.owner}`),
        ...plan.stale.map((s) =>
          s.others.length ? `release scope ${s.name} (prune; still used by ${s.others.join(', ')})` : `remove scope ${s.name} (prune)`
        )
      ]
      if (details.length === 0) {
        row('Asgardeo API resource', identifier, 'no change', [], existing.id)
        return existing
      }
      if (apply) {
        if (plan.missing.length > 0) await addScopes(run, existing, plan.missing.map(scopeModel))
        for (const s of plan.claim) await asgardeo.patchApiResourceScope(existing.id, s.name, withOwner(s.description, config.owner))
      }
      row('Asgardeo API resource', identifier, 'update', details, existing.id)
      return apply ? asgardeo.getApiResource(existing.id) : existing
    }
  )

  const application = shared.once(app, () =>
    shared.graph.write('asgardeo: application', [appLookup], async (found) => {
      const row = shared.row
      const kind =
        config.grant.type === 'token-exchange'
          ? 'public OIDC application with the token-exchange grant'
          : userGrant
            ? 'OIDC application with the password grant'
            : 'M2M application (client credentials)'
      let id = found?.app.id
      let oidc = found?.oidc
      let created = false
      if (!found) {
        if (!apply) {
          row('Asgardeo application', config.application, 'create', [kind])
          return undefined
        }
        // The client looks again when the create failed (a duplicate, or a 5xx that may have been applied).
        const made = await asgardeo.createApplication(applicationModel(config))
        id = made.id
        if (made.existing) {
          // A concurrent run of this owner made it (or this run's own POST did): carry on with it. Anyone else's stays untouched.
          refuseUnowned('Asgardeo application', config, ownership(made.existing.description, config.owner), made.existing.description)
          row('Asgardeo application', config.application, 'no change', ['created meanwhile by a concurrent run of this owner'], id)
        } else {
          created = true
          row('Asgardeo application', config.application, 'create', [kind], id)
        }
        oidc = await asgardeo.getOidc(id!)
        if (oidc.clientSecret) io.secret(oidc.clientSecret)
      } else {
        const details = await updateApplication(run, found.app, found.own, found.oidc, found.details)
        row('Asgardeo application', config.application, details.length ? 'update' : 'no change', details, id)
      }
      if (!oidc!.clientSecret && apply && config.grant.type !== 'token-exchange') {
        throw new Error(
          `Asgardeo did not return the client secret of application "${config.application}" (secrets may be hashed on this server). Regenerate it in the Console or use a server that returns it.`
        )
      }
      // How long the application's tokens live, so a short configured lifetime is not taken for a stale cache.
      const expiry = userGrant
        ? oidc!.accessToken?.userAccessTokenExpiryInSeconds
        : oidc!.accessToken?.applicationAccessTokenExpiryInSeconds
      const tokenLifetime = typeof expiry === 'number' && expiry > 0 ? expiry : 3600
      return { id: id!, clientId: oidc!.clientId, clientSecret: oidc!.clientSecret ?? '', created, tokenLifetime }
    })
  )

  const authorization = graph.write('asgardeo: authorization', [resource, application, appLookup], async (res, app, found) => {
    const want = [...out.scopeNames.values()].filter((n): n is string => !!n)
    if (!res || !app) {
      row('Asgardeo API authorization', config.apiIdentifier ?? res?.identifier ?? 'the API resource', 'create', [
        `authorize ${config.scopes.map((s) => s.value).join(', ')} to ${config.application}`
      ])
      return
    }
    // A new application has nothing authorized yet: no need to ask.
    const list = app.created ? [] : (found?.authorized ?? (await asgardeo.listAuthorizedApis(app.id)))
    let current: AuthorizedApi | undefined = list.find((a) => a.id === res.id)
    if (current?.policyId && current.policyId.toUpperCase() !== 'RBAC') {
      throw new Error(
        `The API resource "${res.identifier}" is authorized to "${config.application}" with policy "${current.policyId}", which cannot be changed in place. Remove that authorization in the Asgardeo Console (application > API Authorization) and re-run.`
      )
    }
    const unknownYet = config.scopes.filter((s) => !out.scopeNames.get(s.value)).map((s) => `${s.value} (name known after apply)`)
    if (!current) {
      if (!apply) {
        row('Asgardeo API authorization', res.identifier, 'create', [`authorize ${[...want, ...unknownYet].join(', ')}`], res.id)
        return
      }
      try {
        await asgardeo.authorizeApi(app.id, res.id, want)
        row('Asgardeo API authorization', res.identifier, 'create', [`authorize ${want.join(', ')}`], res.id)
        return
      } catch (err) {
        // 409 60509: authorized meanwhile (a concurrent run); reconcile its scopes below.
        if (!(err instanceof ApiError && err.status === 409)) throw err
        current = (await asgardeo.listAuthorizedApis(app.id)).find((a) => a.id === res.id)
        if (!current) throw err
      }
    }
    const { add, remove } = diffAuthorization(
      current.authorizedScopes.map((s) => s.name),
      want,
      config.prune
    )
    if (add.length || remove.length || unknownYet.length) {
      if (apply && (add.length || remove.length)) await asgardeo.patchAuthorizedApi(app.id, res.id, add, remove)
      row(
        'Asgardeo API authorization',
        res.identifier,
        'update',
        [...[...add, ...unknownYet].map((s) => `authorize ${s}`), ...remove.map((s) => `revoke ${s} (prune)`)],
        res.id
      )
    } else {
      row('Asgardeo API authorization', res.identifier, 'no change', [`${want.length} scopes`], res.id)
    }
  })

  // Pruned scopes go last: out of the authorization first, and only once the gateway no longer asks for them.
  graph.write('asgardeo: prune scopes', [resource, authorization, choreo.deployment], async (res) => {
    if (!apply || !res) return
    for (const s of stale) {
      if (s.others.length > 0) await asgardeo.patchApiResourceScope(res.id, s.name, ownedDescription(s.others))
      else await asgardeo.deleteApiResourceScope(res.id, s.name)
    }
  })

  const role = graph.write('asgardeo: role', [application, authorization, user, appLookup], async (app, _authorized, userId, found) => {
    if (config.grant.type !== 'password' || !userId) return
    const name = roleName(config)
    const want = [...out.scopeNames.values()].filter((n): n is string => !!n)
    if (!app) {
      row('Asgardeo application role', name, 'create', [
        `permissions ${config.scopes.map((s) => s.value).join(', ')}`,
        `assign ${config.grant.username}`
      ])
      return
    }
    let existing: Role | undefined = app.created ? undefined : found ? found.role : await asgardeo.findRole(name, app.id)
    if (!existing) {
      if (!apply) {
        row('Asgardeo application role', name, 'create', [`permissions ${want.join(', ')}`, `assign ${config.grant.username}`])
        return
      }
      try {
        const created = await asgardeo.createRole(name, app.id, want, [userId])
        row('Asgardeo application role', name, 'create', [`permissions ${want.join(', ')}`, `assign ${config.grant.username}`], created.id)
        return
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err
        existing = await asgardeo.findRole(name, app.id)
        if (!existing) throw err
      }
    }
    const have = (existing.permissions ?? []).map((p) => p.value)
    const addPerms = want.filter((w) => !have.includes(w))
    const addUser = !(existing.users ?? []).some((u) => u.value === userId)
    const ops: Record<string, unknown>[] = []
    if (addPerms.length) ops.push({ op: 'add', path: 'permissions', value: addPerms.map((value) => ({ value })) })
    if (addUser) ops.push({ op: 'add', path: 'users', value: [{ value: userId }] })
    if (ops.length && apply) await asgardeo.patchRole(existing.id, ops)
    const details = [...addPerms.map((p) => `add permission ${p}`), ...(addUser ? [`assign ${config.grant.username}`] : [])]
    row('Asgardeo application role', name, ops.length ? 'update' : 'no change', details, existing.id)
  })

  return { auth, appLookup, application, authorization, role }
}

const roleName = (config: Config): string => `${config.application}-api-access`

/** Grant type, token type and role audience brought in line; an adopted (or legacy) application gets this owner's mark. */
async function updateApplication(
  run: Run,
  app: ApplicationSummary,
  own: Ownership,
  oidc: OidcConfig,
  details: (ApplicationSummary & Record<string, unknown>) | undefined
): Promise<string[]> {
  const { config, apply, asgardeo } = run
  const changes: string[] = []
  // The token-exchange grant is the binding's to enable, once linked accounts are required (binding.ts).
  const grants = config.grant.type === 'token-exchange' ? [] : [config.grant.type]
  const patch: Record<string, unknown> = {}
  for (const grant of grants) if (!oidc.grantTypes.includes(grant)) changes.push(`enable the ${grant} grant`)
  if (oidc.accessToken?.type && oidc.accessToken.type !== 'JWT') changes.push('issue JWT access tokens (the Choreo gateway validates JWTs)')
  if (changes.length > 0 && apply) {
    await asgardeo.putOidc(app.id, {
      ...oidc,
      grantTypes: [...new Set([...oidc.grantTypes, ...grants])],
      accessToken: { ...oidc.accessToken, type: 'JWT' }
    })
  }
  // Application roles (the password grant's) need the application audience.
  const audience = (details?.associatedRoles as { allowedAudience?: string } | undefined)?.allowedAudience
  if (details && audience && audience.toUpperCase() !== 'APPLICATION') {
    changes.push(`role audience ${audience} → APPLICATION`)
    patch.associatedRoles = { allowedAudience: 'APPLICATION', roles: [] }
  }
  if (own !== 'ours') {
    changes.push(own === 'legacy' ? `mark as owned by ${config.owner}` : `adopt for ${config.owner} (adopt: true)`)
    patch.description = adoptedDescription(app.description, own, config.owner, 1000)
  }
  if (Object.keys(patch).length > 0 && apply) await asgardeo.patchApplication(app.id, patch)
  return changes
}

/** What the API resource needs: scopes to add, marked scopes to co-own, and with prune this owner's stale ones. */
function resourceChanges(existing: ApiResource, known: string[], config: Config) {
  const scopes = existing.scopes ?? []
  const missing = missingScopes(scopes, known)
  const claim = scopes.filter((s) => known.includes(s.name) && ['legacy', 'other'].includes(ownership(s.description, config.owner)))
  const wantedValues = new Set(config.scopes.map((s) => s.value))
  const stale = config.prune
    ? scopes
        .filter((s) => ownership(s.description, config.owner) === 'ours' && !wantedValues.has(bareValue(s.name)))
        .map((s) => ({ name: s.name, others: otherOwners(s.description, config.owner) }))
    : []
  return { missing, claim, stale }
}

/**
 * Adds scopes; a 409 60004 can be a concurrent run of the same owner adding the same scope to this very
 * resource: read it again and add only what is still missing, and report a clash only if one remains.
 */
async function addScopes(run: Run, resource: ApiResource, scopes: ApiResourceScope[]): Promise<void> {
  const { asgardeo } = run
  try {
    await asgardeo.addApiResourceScopes(resource.id, scopes)
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) throw err
    const have = (await asgardeo.getApiResource(resource.id)).scopes ?? []
    const still = scopes.filter((s) => !have.some((h) => h.name === s.name))
    if (still.length === 0) return
    await asgardeo.addApiResourceScopes(resource.id, still).catch((e: unknown) =>
      scopeClash(
        e,
        still.map((s) => s.name),
        true
      )
    )
  }
}

function applicationModel(config: Config): Record<string, unknown> {
  if (config.grant.type === 'token-exchange') return bindingApplicationModel(config)
  const password = config.grant.type === 'password'
  return {
    name: config.application,
    description: ownedDescription([config.owner]),
    templateId: password ? 'b9c5e11e-fc78-484b-9bec-015d247561b8' : 'm2m-application',
    inboundProtocolConfiguration: {
      oidc: {
        grantTypes: password ? ['password', 'refresh_token'] : ['client_credentials'],
        publicClient: false,
        accessToken: { type: 'JWT' }
      }
    },
    authenticationSequence: { type: 'DEFAULT' },
    associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
  }
}

/** The org-wide scope-name clash (409 API-RESOURCE-60004), as advice; other errors pass through (or are rethrown). */
function scopeClash(err: unknown, names: string[], rethrow = false): void {
  if (err instanceof ApiError && err.status === 409 && err.code === 'API-RESOURCE-60004') {
    throw new Error(
      `Asgardeo scope names are unique across the organization, and one of ${names.join(', ')} already belongs to another API resource. Remove it there, or point "api-identifier" at the API resource that holds it.`
    )
  }
  if (rethrow) throw err
}
