import { managementTokenAdvice } from '../advice.js'
import { managementScopes, type AuthorizedApi } from './client.js'
import type { ChoreoApi } from '../choreo/client.js'
import type { Task } from '../graph.js'
import { ApiError } from '../http.js'
import type { Config } from '../inputs.js'
import { MARKER, bareValue, defaultApiIdentifier, diffAuthorization, missingScopes } from '../plan.js'
import type { Run } from '../run.js'
import { bindingApplicationModel } from './binding.js'

/**
 * Asgardeo: an API resource carrying the fully qualified scopes, an application of the right kind for
 * the grant, the API authorized to it with exactly those scopes, and for a user-bound grant a role.
 */
export function asgardeoTasks(
  run: Run,
  choreo: { api: Task<{ current: ChoreoApi }>; apiScopes: Task<{ stored: ChoreoApi }>; deployment: Task<void> }
) {
  const { config, apply, asgardeo, graph, out, row, io } = run
  // Password and token exchange issue tokens for a user: application roles carry their scopes.
  const userGrant = config.grant.type !== 'client_credentials'

  const auth = graph.add('asgardeo: management token', [], async () => {
    const needed = managementScopes({ userGrant, prune: config.prune, readOnly: !apply, binding: config.grant.type === 'token-exchange' })
    // A cached management token must outlive the run (capped: a long timeout must not refuse every token).
    const lifetime = Math.min(900, Math.ceil((run.deadline - Date.now()) / 1000) + 60)
    const granted = await asgardeo
      .authenticate(config.asgardeo.clientId, config.asgardeo.clientSecret, needed, lifetime, io.secret)
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

  // The lookup needs only the identifier, so it overlaps the Choreo write; the diff waits for the names.
  const resourceLookup = graph.add('asgardeo: find API resource', [auth, choreo.api], async (_auth, { current }) => {
    const identifier = config.apiIdentifier ?? defaultApiIdentifier(config.choreo.org, current)
    return { identifier, existing: await asgardeo.findApiResource(identifier) }
  })

  let staleScopes: string[] = []
  const resource = graph.add('asgardeo: API resource', [resourceLookup, choreo.apiScopes], async ({ identifier, existing }, { stored }) => {
    const names = [...out.scopeNames.entries()]
    const known = names.filter(([, n]) => n).map(([, n]) => n!)
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
          description: `${MARKER}. Choreo API ${stored.id}.`,
          requiresAuthorization: true,
          scopes: known.map((name) => ({ name, displayName: bareValue(name), description: `${MARKER}.` }))
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
        scopeClash(err, known)
        // Made meanwhile (a concurrent run): adopt it below.
        if (!(err instanceof ApiError && err.status === 409)) throw err
        existing = await asgardeo.findApiResource(identifier)
        if (!existing) throw err
      }
    }
    out.apiResourceId = existing.id
    if (!existing.requiresAuthorization) {
      throw new Error(
        `The Asgardeo API resource "${identifier}" was created with "Requires authorization" off, which cannot be changed. Delete it in the Asgardeo Console (API Resources) or set "api-identifier" to a new identifier.`
      )
    }
    const missing = missingScopes(existing.scopes ?? [], known)
    const unknownYet = names.filter(([, n]) => !n).map(([v]) => `${v} (name known after apply)`)
    // With prune: scopes this action created (marked) for permissions no longer listed.
    const wantedValues = new Set(config.scopes.map((s) => s.value))
    staleScopes = config.prune
      ? (existing.scopes ?? [])
          .filter((s) => (s.description ?? '').includes(MARKER) && !wantedValues.has(bareValue(s.name)))
          .map((s) => s.name)
      : []
    const details = [...[...missing, ...unknownYet].map((m) => `add scope ${m}`), ...staleScopes.map((m) => `remove scope ${m} (prune)`)]
    if (details.length === 0) {
      row('Asgardeo API resource', identifier, 'no change', [], existing.id)
      return existing
    }
    if (apply && missing.length > 0) {
      await asgardeo
        .addApiResourceScopes(
          existing.id,
          missing.map((name) => ({ name, displayName: bareValue(name), description: `${MARKER}.` }))
        )
        .catch((err: unknown) => scopeClash(err, missing, true))
    }
    row('Asgardeo API resource', identifier, 'update', details, existing.id)
    return apply ? asgardeo.getApiResource(existing.id) : existing
  })

  const application = graph.add('asgardeo: application', [auth], async () => {
    let existing = await asgardeo.findApplication(config.application)
    let id = existing?.id
    if (!existing) {
      const kind =
        config.grant.type === 'token-exchange'
          ? 'public OIDC application with the token-exchange grant'
          : userGrant
            ? 'OIDC application with the password grant'
            : 'M2M application (client credentials)'
      if (!apply) {
        row('Asgardeo application', config.application, 'create', [kind])
        return undefined
      }
      try {
        id = await asgardeo.createApplication(applicationModel(config))
        row('Asgardeo application', config.application, 'create', [kind], id)
      } catch (err) {
        // A duplicate name answers 400, 409 or 500 depending on the server: look again before failing.
        existing = await asgardeo.findApplication(config.application)
        if (!existing) throw err
        id = existing.id
      }
    }
    const oidc = await asgardeo.getOidc(id!)
    if (oidc.clientSecret) io.secret(oidc.clientSecret)
    if (existing) {
      const details: string[] = []
      // The token-exchange grant is the binding's to enable, once linked accounts are required (binding.ts).
      const grants = config.grant.type === 'token-exchange' ? [] : [config.grant.type]
      for (const grant of grants) if (!oidc.grantTypes.includes(grant)) details.push(`enable the ${grant} grant`)
      if (oidc.accessToken?.type && oidc.accessToken.type !== 'JWT')
        details.push('issue JWT access tokens (the Choreo gateway validates JWTs)')
      if (details.length > 0 && apply) {
        await asgardeo.putOidc(id!, {
          ...oidc,
          grantTypes: [...new Set([...oidc.grantTypes, ...grants])],
          accessToken: { ...oidc.accessToken, type: 'JWT' }
        })
      }
      // Application roles (the password grant's) need the application audience.
      if (userGrant) {
        const app = await asgardeo.getApplication(id!)
        const audience = (app.associatedRoles as { allowedAudience?: string } | undefined)?.allowedAudience
        if (audience && audience.toUpperCase() !== 'APPLICATION') {
          details.push(`role audience ${audience} → APPLICATION`)
          if (apply) await asgardeo.patchApplication(id!, { associatedRoles: { allowedAudience: 'APPLICATION', roles: [] } })
        }
      }
      row('Asgardeo application', config.application, details.length ? 'update' : 'no change', details, id)
    }
    out.asgardeoApplicationId = id
    out.clientId = oidc.clientId
    if (!oidc.clientSecret && apply && config.grant.type !== 'token-exchange') {
      throw new Error(
        `Asgardeo did not return the client secret of application "${config.application}" (secrets may be hashed on this server). Regenerate it in the Console or use a server that returns it.`
      )
    }
    // How long the application's tokens live, so a short configured lifetime is not taken for a stale cache.
    const expiry = userGrant ? oidc.accessToken?.userAccessTokenExpiryInSeconds : oidc.accessToken?.applicationAccessTokenExpiryInSeconds
    const tokenLifetime = typeof expiry === 'number' && expiry > 0 ? expiry : 3600
    return { id: id!, clientId: oidc.clientId, clientSecret: oidc.clientSecret ?? '', created: !existing, tokenLifetime }
  })

  // A new application has nothing authorized yet: no need to ask.
  const authorized = graph.add('asgardeo: authorized APIs', [application], async (app) =>
    !app ? undefined : app.created ? [] : asgardeo.listAuthorizedApis(app.id)
  )

  const authorization = graph.add('asgardeo: authorization', [resource, application, authorized], async (res, app, list) => {
    const want = [...out.scopeNames.values()].filter((n): n is string => !!n)
    if (!res || !app || !list) {
      row('Asgardeo API authorization', config.apiIdentifier ?? res?.identifier ?? 'the API resource', 'create', [
        `authorize ${config.scopes.map((s) => s.value).join(', ')} to ${config.application}`
      ])
      return
    }
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
        // 409 60509: authorized meanwhile; reconcile its scopes below.
        if (!(err instanceof ApiError && err.status === 409)) throw err
        current = (await asgardeo.listAuthorizedApis(app.id)).find((a) => a.id === res.id)
        if (!current) throw err
      }
    }
    const { add, remove } = diffAuthorization(
      current.authorizedScopes.map((s) => s.name),
      want
    )
    if (add.length || remove.length || unknownYet.length) {
      if (apply) await asgardeo.patchAuthorizedApi(app.id, res.id, add, remove)
      row(
        'Asgardeo API authorization',
        res.identifier,
        'update',
        [...[...add, ...unknownYet].map((s) => `authorize ${s}`), ...remove.map((s) => `revoke ${s}`)],
        res.id
      )
    } else {
      row('Asgardeo API authorization', res.identifier, 'no change', [`${want.length} scopes`], res.id)
    }
  })

  // Pruned scopes go last: out of the authorization first, and only once the gateway no longer asks for them.
  graph.add('asgardeo: prune scopes', [resource, authorization, choreo.deployment], async (res) => {
    if (!apply || !res) return
    for (const name of staleScopes) await asgardeo.deleteApiResourceScope(res.id, name)
  })

  const user = graph.add('asgardeo: user', [auth], async () => {
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
      row('Asgardeo application role', roleName, 'create', [
        `permissions ${config.scopes.map((s) => s.value).join(', ')}`,
        `assign ${config.grant.username}`
      ])
      return
    }
    let existing = app.created ? undefined : await asgardeo.findRole(roleName, app.id)
    if (!existing) {
      if (!apply) {
        row('Asgardeo application role', roleName, 'create', [`permissions ${want.join(', ')}`, `assign ${config.grant.username}`])
        return
      }
      try {
        const created = await asgardeo.createRole(roleName, app.id, want, [userId])
        row(
          'Asgardeo application role',
          roleName,
          'create',
          [`permissions ${want.join(', ')}`, `assign ${config.grant.username}`],
          created.id
        )
        return
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err
        existing = await asgardeo.findRole(roleName, app.id)
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
    row('Asgardeo application role', roleName, ops.length ? 'update' : 'no change', details, existing.id)
  })

  return { auth, application, authorization, role }
}

function applicationModel(config: Config): Record<string, unknown> {
  if (config.grant.type === 'token-exchange') return bindingApplicationModel(config)
  const password = config.grant.type === 'password'
  return {
    name: config.application,
    description: `${MARKER}.`,
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
