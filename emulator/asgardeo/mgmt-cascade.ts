import type { AsgardeoOrg } from './state.js'

/*
 * Side effects one management change has on other parts of the organization. IS keeps these
 * consistent through foreign keys and listeners; the emulator does it here, in one place.
 */

/** Scopes that left an API resource are no longer authorized to any app, nor carried by any role. */
export function forgetScopes(org: AsgardeoOrg, apiId: string, scopeNames: string[]): void {
  if (scopeNames.length === 0) return
  const gone = new Set(scopeNames)
  for (const app of org.applications) {
    for (const auth of app.authorizedApis) {
      if (auth.id === apiId) auth.scopes = auth.scopes.filter((s) => !gone.has(s))
    }
  }
  for (const role of org.roles) role.permissions = role.permissions.filter((p) => !gone.has(p))
}

/** A deleted API resource disappears from every app's authorized APIs, its scopes from every role. */
export function forgetApiResource(org: AsgardeoOrg, apiId: string, scopeNames: string[]): void {
  forgetScopes(org, apiId, scopeNames)
  for (const app of org.applications) app.authorizedApis = app.authorizedApis.filter((a) => a.id !== apiId)
}

/** Scopes no longer authorized to an app are dropped from that app's application roles. */
export function forgetAppScopes(org: AsgardeoOrg, appId: string, scopeNames: string[]): void {
  if (scopeNames.length === 0) return
  const gone = new Set(scopeNames)
  for (const role of appRoles(org, appId)) role.permissions = role.permissions.filter((p) => !gone.has(p))
}

/** The roles whose audience is this application. */
export function appRoles(org: AsgardeoOrg, appId: string): AsgardeoOrg['roles'] {
  return org.roles.filter((r) => r.audience.type === 'application' && r.audience.value === appId)
}

/** Deletes the application-audience roles of an app (audience switched to ORGANIZATION, or app deleted). */
export function deleteAppRoles(org: AsgardeoOrg, appId: string): void {
  org.roles = org.roles.filter((r) => !(r.audience.type === 'application' && r.audience.value === appId))
}

/** Marks every token issued to a client revoked (secret regenerated, app deleted). */
export function revokeClientTokens(org: AsgardeoOrg, clientId: string): void {
  for (const t of org.tokens) if (t.clientId === clientId) t.revoked = true
}
