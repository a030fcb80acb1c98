import { createHash } from 'node:crypto'
import { json, ReplyError, bearer, type Ctx } from '../core/http.js'
import type { AsgardeoOrg, IssuedToken } from './state.js'

/** The organization named by /t/{org}, or a 404 as Asgardeo answers for an unknown tenant. */
export function orgOf(ctx: Ctx): AsgardeoOrg {
  const org = ctx.emulator.state.asgardeo.orgs[ctx.params.org]
  if (!org) {
    throw new ReplyError(
      json(404, {
        code: 'ORG-60001',
        message: 'Organization not found',
        description: `No organization "${ctx.params.org}"`,
        traceId: traceId()
      })
    )
  }
  return org
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function traceId(): string {
  return crypto.randomUUID()
}

/** The issuer (and token endpoint) of an organization, as seen from this request. */
export function issuerOf(ctx: Ctx, org: string): string {
  return `${ctx.baseUrl}/t/${org}/oauth2/token`
}

/** Key-store name of an organization's signing key (its JWKS is /t/{org}/oauth2/jwks). */
export function keyNameOf(org: string): string {
  return `asgardeo:${org}`
}

/**
 * Checks the Bearer access token of a management (or SCIM) call: a JWT this organization issued, not
 * expired or revoked, carrying `scope`. 401 without a valid token, 403 (empty body, as Asgardeo often
 * answers) without the scope. Returns the token record.
 */
export async function requireScope(
  ctx: Ctx,
  org: AsgardeoOrg,
  scope: string,
  shape: 'management' | 'scim' = 'management'
): Promise<IssuedToken> {
  const token = bearer(ctx)
  const unauthorized = (): ReplyError =>
    shape === 'scim'
      ? scimUnauthorized()
      : new ReplyError(
          json(
            401,
            {
              code: 'AUT-10001',
              message: 'Unauthorized',
              description: 'Authentication failed: a valid access token is required.',
              traceId: traceId()
            },
            { 'www-authenticate': 'Bearer realm="Asgardeo", error="invalid_token"' }
          )
        )
  if (!token) throw unauthorized()
  const hash = tokenHash(token)
  const record = org.tokens.find((t) => t.tokenHash === hash)
  if (!record || record.revoked || record.exp * 1000 <= ctx.emulator.now()) throw unauthorized()
  if (!record.scopes.includes(scope)) throw new ReplyError({ status: 403, headers: { 'content-length': '0' } })
  return record
}

/**
 * SCIM's 401 (RFC 7644 §3.12 error shape, `application/scim+json`, `status` a string): WSO2's SCIM
 * endpoint (Charon) answers authentication failures itself, not in the management error shape.
 */
function scimUnauthorized(): ReplyError {
  return new ReplyError(
    json(
      401,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        detail: 'Authorization failure. Authorization information was invalid or missing from your request.',
        status: '401'
      },
      { 'content-type': 'application/scim+json', 'www-authenticate': 'Bearer realm="Asgardeo", error="invalid_token"' }
    )
  )
}
