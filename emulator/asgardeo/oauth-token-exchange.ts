import * as jose from 'jose'
import type { Ctx } from '../core/http.js'
import { issuerOf } from './auth.js'
import { oauthFail } from './oauth-client.js'
import type { TokenSubject } from './oauth-scopes.js'
import type { AsgardeoOrg, Application, IdentityProvider, User } from './state.js'

/**
 * Validation of an RFC 8693 token exchange with an external JWT as subject token, in the order of
 * WSO2's TokenExchangeGrantHandler (shared/reference/asgardeo-api.md §7, oidc-binding.md §1, §6):
 * parameters → token types → parse → mandatory claims → trusted issuer → signature → exp/nbf/iat →
 * audience → linked local user. Claims such as repository or ref are never looked at.
 */

export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/**
 * WSO2's time-stamp skew, in seconds: added to *now* in all three checks (TokenExchangeUtils.checkExpirationTime,
 * checkNotBeforeTime, validateIssuedAtTime), so a larger skew is stricter for exp and iat. The server default is
 * `oauth.timestamp_skew = "0m"` (carbon-identity-framework identity-core default.json); Asgardeo's is unpublished.
 */
const CLOCK_SKEW_SECONDS = 0
/** WSO2's default IATValidityPeriod: subject tokens issued more than 60 minutes ago are refused. */
const IAT_VALIDITY_SECONDS = 60 * 60

/** Local claim (implicit-association lookup attribute) → claim of the subject token, by the org's OIDC dialect. */
const LOOKUP_CLAIMS: Record<string, string> = {
  'http://wso2.org/claims/username': 'username',
  'http://wso2.org/claims/emailaddress': 'email',
  'http://wso2.org/claims/mobile': 'phone_number'
}

// One remote key set per JWKS URI, as the server caches JWKS. Cool-down 0: an unknown kid refetches at
// once (tests reset keys often).
const remoteKeySets = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>()

function remoteKeySet(uri: string): ReturnType<typeof jose.createRemoteJWKSet> {
  let set = remoteKeySets.get(uri)
  if (!set) {
    set = jose.createRemoteJWKSet(new URL(uri), { cooldownDuration: 0, timeoutDuration: 5000 })
    remoteKeySets.set(uri, set)
  }
  return set
}

const invalidRequest = (description: string) => oauthFail(400, 'invalid_request', description)

export interface ExchangeResult {
  subject: TokenSubject
  issuedTokenType: string
}

function findIdp(org: AsgardeoOrg, iss: string): IdentityProvider | undefined {
  return org.identityProviders.find((p) => p.idpIssuerName === iss) ?? org.identityProviders.find((p) => p.name === iss)
}

async function verifySignature(token: string, idp: IdentityProvider): Promise<void> {
  try {
    if (idp.jwksUri) {
      await jose.compactVerify(token, remoteKeySet(idp.jwksUri))
      return
    }
    const cert = idp.certificates.find((c) => c.trim().length > 0)
    if (!cert) throw new Error('no certificate')
    const pem = cert.includes('-----BEGIN') ? cert : Buffer.from(cert, 'base64').toString('utf8')
    const alg = jose.decodeProtectedHeader(token).alg ?? 'RS256'
    await jose.compactVerify(token, await jose.importX509(pem, alg))
  } catch {
    throw invalidRequest('Signature or Message Authentication invalid')
  }
}

function checkTimes(claims: jose.JWTPayload, nowSeconds: number): void {
  const exp = Number(claims.exp)
  if (nowSeconds + CLOCK_SKEW_SECONDS > exp) {
    throw invalidRequest(
      `JSON Web Token is expired., Expiration Time(ms) : ${exp * 1000}, TimeStamp Skew : ${CLOCK_SKEW_SECONDS * 1000}, Current Time : ${nowSeconds * 1000}. JWT Rejected and validation terminated`
    )
  }
  if (claims.nbf !== undefined && nowSeconds + CLOCK_SKEW_SECONDS < Number(claims.nbf)) {
    throw invalidRequest(
      `JSON Web Token is used before Not_Before_Time., Not Before Time(ms) : ${Number(claims.nbf) * 1000}, TimeStamp Skew : ${CLOCK_SKEW_SECONDS * 1000}, Current Time : ${nowSeconds * 1000}. JWT Rejected and validation terminated`
    )
  }
  if (claims.iat !== undefined && nowSeconds + CLOCK_SKEW_SECONDS - Number(claims.iat) > IAT_VALIDITY_SECONDS) {
    throw invalidRequest(
      `JSON Web Token is issued before the allowed time., Issued At Time(ms) : ${Number(claims.iat) * 1000}, Reject before limit(ms) : ${IAT_VALIDITY_SECONDS * 1000}, TimeStamp Skew : ${CLOCK_SKEW_SECONDS * 1000}, Current Time : ${nowSeconds * 1000}. JWT Rejected and validation terminated`
    )
  }
}

/**
 * The org issuer (`{base}/oauth2/token`) or the IdP alias must be among the audiences; otherwise 400
 * `invalid_target` "Invalid audience values provided", with or without an alias configured
 * (shared/reference/asgardeo-api.md quirk 9 and §7 step 5).
 */
function checkAudience(ctx: Ctx, org: AsgardeoOrg, idp: IdentityProvider, aud: string[]): void {
  if (aud.includes(issuerOf(ctx, org.handle))) return
  if (idp.alias && aud.includes(idp.alias)) return
  throw oauthFail(400, 'invalid_target', 'Invalid audience values provided')
}

type LinkStrategy = 'MANDATORY' | 'OPTIONAL' | 'DISABLED'

/** From the app's claimConfiguration.subject: mappedLocalSubjectMandatory → MANDATORY, useMappedLocalSubject → OPTIONAL. */
function linkStrategyOf(app: Application): LinkStrategy {
  const subject = (app.extra.claimConfiguration as { subject?: Record<string, unknown> } | undefined)?.subject
  if (subject?.mappedLocalSubjectMandatory === true) return 'MANDATORY'
  if (subject?.useMappedLocalSubject === true) return 'OPTIONAL'
  return 'DISABLED'
}

/** Implicit association: the first lookup attribute whose token claim matches exactly one user; the link is persisted. */
function implicitlyLinkedUser(org: AsgardeoOrg, idp: IdentityProvider, sub: string, claims: jose.JWTPayload): User | undefined {
  const values = idp.implicitAssociation.lookupAttribute
    .map((attr) => ({ attr, value: claims[LOOKUP_CLAIMS[attr] ?? attr] }))
    .filter((x) => typeof x.value === 'string' && x.value.length > 0)
  if (values.length === 0) throw invalidRequest('Configured lookup attributes not found in the subject token.')
  for (const { attr, value } of values) {
    const matches = org.users.filter((u) => (attr.endsWith('/emailaddress') ? u.emails.includes(String(value)) : u.userName === value))
    if (matches.length === 1) {
      const user = matches[0]
      if (!user.federatedAssociations.some((a) => a.idp === idp.name && a.federatedUserId === sub)) {
        user.federatedAssociations.push({ idp: idp.name, federatedUserId: sub })
      }
      return user
    }
  }
  return undefined
}

/** Validates the subject token of a token-exchange request and resolves whom the new token is for. */
export async function validateTokenExchange(ctx: Ctx, org: AsgardeoOrg, app: Application, form: URLSearchParams): Promise<ExchangeResult> {
  const subjectToken = form.get('subject_token')
  const subjectTokenType = form.get('subject_token_type')
  const missing = [subjectToken ? '' : 'subject_token', subjectTokenType ? '' : 'subject_token_type'].filter(Boolean)
  if (missing.length > 0) throw invalidRequest(`Missing parameters: ${missing.join(' ')}`)

  const requested = form.get('requested_token_type') || JWT_TOKEN_TYPE
  if (requested !== JWT_TOKEN_TYPE && requested !== ACCESS_TOKEN_TYPE) {
    throw invalidRequest(`Unsupported requested token type : ${requested} provided`)
  }
  if (subjectTokenType !== JWT_TOKEN_TYPE && subjectTokenType !== ACCESS_TOKEN_TYPE) {
    throw invalidRequest(`Unsupported subject token type : ${subjectTokenType} provided`)
  }

  let claims: jose.JWTPayload
  try {
    claims = jose.decodeJwt(subjectToken as string)
  } catch {
    if (subjectTokenType === ACCESS_TOKEN_TYPE) throw invalidRequest(`Unsupported subject token type : ${subjectTokenType} provided`)
    throw invalidRequest('Error while parsing the JWT')
  }
  if (!claims.iss) throw invalidRequest('Mandatory field - Issuer is empty in the given JWT')
  if (claims.exp === undefined) throw invalidRequest('Mandatory field - Expiration time is empty in the given JWT')
  if (!claims.sub) throw invalidRequest('Mandatory field - Subject is empty in the given JWT')
  if (claims.aud === undefined) throw invalidRequest('Mandatory field - Audience is empty in the given JWT')

  const idp = findIdp(org, claims.iss)
  if (!idp) throw invalidRequest(`No Registered IDP found for the JWT with issuer name : ${claims.iss}`)
  if (!idp.isEnabled) throw invalidRequest(`No active IDP found for the JWT with issuer name : ${claims.iss}`)

  await verifySignature(subjectToken as string, idp)
  checkTimes(claims, Math.floor(ctx.emulator.now() / 1000))
  checkAudience(ctx, org, idp, Array.isArray(claims.aud) ? claims.aud : [claims.aud])

  const sub = claims.sub
  const strategy = linkStrategyOf(app)
  let user: User | undefined
  if (strategy !== 'DISABLED') {
    user = org.users.find((u) => u.federatedAssociations.some((a) => a.idp === idp.name && a.federatedUserId === sub))
  }
  if (!user && idp.implicitAssociation?.isEnabled) {
    const found = implicitlyLinkedUser(org, idp, sub, claims)
    if (strategy !== 'DISABLED') user = found
  }
  if (!user && strategy === 'MANDATORY') throw invalidRequest("Use mapped local subject is mandatory but a local user couldn't be found")
  if (user?.locked) {
    throw oauthFail(400, 'access_denied', `Local user authorization failed: linked local account with id ${user.id} is locked`)
  }
  return { subject: user ? { kind: 'user', user } : { kind: 'federated', sub }, issuedTokenType: requested }
}
