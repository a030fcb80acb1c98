import { defaultOidc, type Application, type AsgardeoOrg, type OidcConfig } from './state.js'
import { clone, isRecord, mgmtError, optString, randomToken, stringArray } from './mgmt-common.js'

/*
 * The OpenIDConnectConfiguration of an application (inbound-protocols/oidc): validation and the
 * merge of a request body over the server defaults. An app without an OIDC inbound keeps
 * `oidc.clientId === ''`.
 */

export const KNOWN_GRANT_TYPES = new Set([
  'authorization_code',
  'implicit',
  'password',
  'client_credentials',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:saml2-bearer',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:uma-ticket',
  'urn:openid:params:grant-type:ciba',
  'organization_switch',
  'iwa:ntlm'
])

/** Sub-objects merged key by key over the defaults; everything else replaces. */
const NESTED = ['accessToken', 'refreshToken', 'idToken', 'pkce', 'subjectToken']

function invalid(description: string): never {
  throw mgmtError(400, 'APP-60001', 'Invalid OIDC configuration.', description)
}

export function hasOidc(app: Application): boolean {
  return app.oidc.clientId !== ''
}

/** Validates a body OpenIDConnectConfiguration: grantTypes required, known, callback URLs for redirect grants. */
export function validateOidcBody(body: Record<string, unknown>): string[] {
  const grantTypes = stringArray(body.grantTypes)
  if (!grantTypes || grantTypes.length === 0) invalid('grantTypes is required and must not be empty.')
  for (const g of grantTypes) if (!KNOWN_GRANT_TYPES.has(g)) invalid(`Invalid grant type: ${g}.`)
  const callbacks = body.callbackURLs === undefined ? [] : stringArray(body.callbackURLs)
  if (!callbacks) invalid('callbackURLs must be an array of strings.')
  if ((grantTypes.includes('authorization_code') || grantTypes.includes('implicit')) && callbacks.length === 0) {
    invalid('Callback URL is mandatory for the authorization_code and implicit grant types.')
  }
  for (const key of ['allowedOrigins', 'scopeValidators']) {
    if (body[key] !== undefined && !stringArray(body[key])) invalid(`${key} must be an array of strings.`)
  }
  if (body.publicClient !== undefined && typeof body.publicClient !== 'boolean') invalid('publicClient must be a boolean.')
  return grantTypes
}

/**
 * The stored config for a body: server defaults, then the body on top (nested token settings merged).
 * clientId, clientSecret and state come from the arguments, never from the body.
 */
export function buildOidc(body: Record<string, unknown>, clientId: string, clientSecret: string, state: OidcConfig['state']): OidcConfig {
  const grantTypes = validateOidcBody(body)
  const config = defaultOidc(clientId, clientSecret, grantTypes) as Record<string, unknown>
  for (const [key, value] of Object.entries(clone(body))) {
    if (key === 'clientId' || key === 'clientSecret' || key === 'state' || value === null) continue
    if (NESTED.includes(key) && isRecord(value) && isRecord(config[key])) config[key] = { ...(config[key] as object), ...value }
    else config[key] = value
  }
  config.clientId = clientId
  config.clientSecret = clientSecret
  config.state = state
  const tokenType = (config.accessToken as Record<string, unknown>).type
  if (tokenType !== 'JWT' && tokenType !== 'Default') invalid(`Invalid access token type: ${String(tokenType)}.`)
  return config as OidcConfig
}

/** A client id for a new OIDC inbound: the requested one (must be free in the org) or a random one. */
export function newClientId(org: AsgardeoOrg, requested: unknown): string {
  const wanted = optString(requested)
  if (wanted !== undefined && wanted.trim() !== '') {
    if (org.applications.some((a) => a.oidc.clientId === wanted)) invalid(`Client ID ${wanted} is already registered.`)
    return wanted
  }
  let id: string
  do id = randomToken(28)
  while (org.applications.some((a) => a.oidc.clientId === id))
  return id
}

/** A client secret for a new OIDC inbound: the requested one or a random one. */
export function newClientSecret(requested: unknown): string {
  const wanted = optString(requested)
  return wanted !== undefined && wanted.trim() !== '' ? wanted : randomToken(32)
}

/** The config as GET …/inbound-protocols/oidc returns it (a copy; the secret included, as on Asgardeo). */
export function oidcView(app: Application): OidcConfig {
  return clone(app.oidc)
}

/** The placeholder config of an app created without an OIDC inbound. */
export function noOidc(): OidcConfig {
  return defaultOidc('', '', [])
}
