import type { AsgardeoOrg, Application, User } from './state.js'

/**
 * Which requested scopes a token gets (shared/reference/asgardeo-api.md §2, §6, §7). Nothing is ever
 * rejected: scopes the subject may not have are silently dropped, and only requested scopes are issued.
 */

/** OIDC scopes: not API-resource scopes, granted to users without authorization, stripped for applications. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'groups'])

/** Granted without any API authorization (docs), but never to a client_credentials token. */
const LOGIN_SCOPE = 'internal_login'

/** The special scope that stands for every internal (system API) scope. */
const SYSTEM_SCOPE = 'SYSTEM'

/** Whom the token is for: the application itself, a local user, or an unlinked federated subject. */
export type TokenSubject = { kind: 'application' } | { kind: 'user'; user: User } | { kind: 'federated'; sub: string }

/** Splits the `scope` form parameter (space-separated), keeping request order, without duplicates. */
export function parseScopeParam(value: string | null | undefined): string[] {
  return [...new Set((value ?? '').split(/\s+/).filter(Boolean))]
}

/** `SYSTEM` expands to every internal_* scope of the org's SYSTEM API resources. */
function expandSystem(org: AsgardeoOrg, requested: string[]): string[] {
  if (!requested.includes(SYSTEM_SCOPE)) return requested
  const internal = org.apiResources
    .filter((r) => r.type === 'SYSTEM')
    .flatMap((r) => r.scopes.map((s) => s.name))
    .filter((n) => n.startsWith('internal_'))
  return [...new Set([...requested.filter((s) => s !== SYSTEM_SCOPE), ...internal])]
}

/** Scope name → policy of every scope authorized to the app, across its authorized API resources. */
export function authorizedScopesOf(org: AsgardeoOrg, app: Application): Map<string, 'RBAC' | 'NO POLICY'> {
  const out = new Map<string, 'RBAC' | 'NO POLICY'>()
  for (const api of app.authorizedApis) {
    if (!org.apiResources.some((r) => r.id === api.id)) continue
    for (const scope of api.scopes) out.set(scope, api.policyId)
  }
  return out
}

/** Permissions of the user's roles that count for this app: its application roles and organization roles. */
export function rolePermissionsOf(org: AsgardeoOrg, app: Application, userId: string): Set<string> {
  const perms = new Set<string>()
  for (const role of org.roles) {
    if (!role.users.includes(userId)) continue
    const counts = role.audience.type === 'organization' || (role.audience.type === 'application' && role.audience.value === app.id)
    if (counts) role.permissions.forEach((p) => perms.add(p))
  }
  return perms
}

/** The granted subset of `requested`, in request order. */
export function grantScopes(org: AsgardeoOrg, app: Application, requested: string[], subject: TokenSubject): string[] {
  const authorized = authorizedScopesOf(org, app)
  const rolePerms = subject.kind === 'user' ? rolePermissionsOf(org, app, subject.user.id) : new Set<string>()
  return expandSystem(org, requested).filter((scope) => {
    if (OIDC_SCOPES.has(scope) || scope === LOGIN_SCOPE) return subject.kind !== 'application'
    const policy = authorized.get(scope)
    if (!policy) return false
    if (subject.kind === 'application' || policy === 'NO POLICY') return true
    // RBAC for a user-bound token: only through a role; a federated subject has none.
    return subject.kind === 'user' && rolePerms.has(scope)
  })
}
