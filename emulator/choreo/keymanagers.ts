import type { Ctx } from '../core/http.js'
import type { KeyManager } from './state.js'

/** Endpoints of an Asgardeo-backed key manager, from the request's host (the emulator serves Asgardeo too). */
export function asgardeoEndpoints(ctx: Ctx, org: string) {
  const base = `${ctx.baseUrl}/t/${org}`
  return {
    token: `${base}/oauth2/token`,
    revoke: `${base}/oauth2/revoke`,
    userInfo: `${base}/oauth2/userinfo`,
    authorize: `${base}/oauth2/authorize`,
    jwks: `${base}/oauth2/jwks`,
    wellKnown: `${base}/oauth2/token/.well-known/openid-configuration`,
    logout: `${base}/oidc/logout`
  }
}

function endpoints(ctx: Ctx, km: KeyManager) {
  if (km.asgardeoOrg) return asgardeoEndpoints(ctx, km.asgardeoOrg)
  // The resident key manager is API Manager's own identity server (not emulated): its URLs on this host.
  const base = `${ctx.baseUrl}/oauth2`
  return {
    token: `${base}/token`,
    revoke: `${base}/revoke`,
    userInfo: `${base}/userinfo`,
    authorize: `${base}/authorize`,
    jwks: `${base}/jwks`,
    wellKnown: `${base}/token/.well-known/openid-configuration`,
    logout: `${ctx.baseUrl}/oidc/logout`
  }
}

/**
 * Devportal `KeyManagerInfo`. The token endpoint is `tokenEndpoint` (reference quirk 10); the JWKS URL is in
 * `additionalProperties.certificate_value` with `certificate_type: "JWKS"`, as API Manager's key manager
 * configuration stores it, and the consumer key / scopes claims say how the gateway reads a token.
 */
export function devportalKeyManagerView(ctx: Ctx, km: KeyManager): Record<string, unknown> {
  const ep = endpoints(ctx, km)
  return {
    id: km.id,
    name: km.name,
    type: km.type,
    displayName: km.displayName,
    description: km.description,
    enabled: km.enabled,
    availableGrantTypes: km.availableGrantTypes,
    tokenEndpoint: ep.token,
    revokeEndpoint: ep.revoke,
    userInfoEndpoint: ep.userInfo,
    enableTokenGeneration: true,
    enableTokenEncryption: false,
    enableTokenHashing: false,
    enableOAuthAppCreation: km.enableOAuthAppCreation,
    enableMapOAuthConsumerApps: km.enableMapOAuthConsumerApps,
    applicationConfiguration: [],
    alias: null,
    additionalProperties: {
      issuer: ep.token,
      authorize_endpoint: ep.authorize,
      well_known_endpoint: ep.wellKnown,
      logout_endpoint: ep.logout,
      certificate_type: 'JWKS',
      certificate_value: ep.jwks,
      self_validate_jwt: true,
      consumer_key_claim: 'azp',
      scopes_claim: 'scope'
    },
    tokenType: km.tokenType
  }
}

/** Publisher `KeyManagerInfo` (its `additionalProperties` is an array in the publisher spec). */
export function publisherKeyManagerView(km: KeyManager): Record<string, unknown> {
  return {
    id: km.id,
    name: km.name,
    displayName: km.displayName,
    type: km.type,
    description: km.description,
    enabled: km.enabled,
    additionalProperties: []
  }
}
