import { bearer, json, ReplyError, type Ctx } from '../core/http.js'
import { apimError } from './errors.js'
import { sha256, type ChoreoOrg, type ChoreoUser, type PatRecord } from './state.js'

/** Who is calling a publisher / devportal operation, and in which organization. */
export interface Caller {
  org: ChoreoOrg
  /** Absent for anonymous devportal reads. */
  pat?: PatRecord
  user?: ChoreoUser
}

/** The active PAT the request carries, or undefined (unknown, revoked or past `validUntil`). */
export function activePat(ctx: Ctx): PatRecord | undefined {
  const token = bearer(ctx)
  if (!token) return undefined
  const hash = sha256(token)
  const pat = ctx.emulator.state.choreo.pats.find((p) => p.tokenHash === hash)
  if (!pat || pat.status !== 'ACTIVE' || pat.validUntil <= ctx.emulator.now()) return undefined
  return pat
}

const REST_CHALLENGE = { 'www-authenticate': 'OAuth2 realm="WSO2 API Manager", error="invalid_token"' }

/** 401 with API Manager's codes: 900902 without a token, 900903 expired, 900901 otherwise. */
function requirePat(ctx: Ctx): PatRecord {
  const token = bearer(ctx)
  const fail = (code: number, message: string, description: string): ReplyError =>
    new ReplyError(json(401, { code, message, description, moreInfo: '', error: [] }, REST_CHALLENGE))
  if (!token) throw fail(900902, 'Missing Credentials', 'Please provide an active access token to proceed')
  const hash = sha256(token)
  const pat = ctx.emulator.state.choreo.pats.find((p) => p.tokenHash === hash)
  if (pat && pat.status === 'ACTIVE' && pat.validUntil <= ctx.emulator.now())
    throw fail(900903, 'Invalid Credentials', 'Access token is expired.')
  if (!pat || pat.status !== 'ACTIVE')
    throw fail(900901, 'Invalid Credentials', 'Invalid Credentials. Make sure you have provided the correct security credentials')
  return pat
}

/**
 * Authenticates a publisher / devportal call (reference quirk 1 and §3.1):
 * - a valid Bearer PAT (401 otherwise); anonymous only where the spec has no security (`scopes` null);
 * - `?organizationId=` present (400 `900357`) and the PAT's own organization (403 `900900`);
 * - one of the operation's upstream scopes among the PAT's `allowedScopes` (403 `900910`).
 */
export function authorize(ctx: Ctx, scopes: string[] | null): Caller {
  const anonymous = scopes === null && !ctx.headers.authorization
  const pat = anonymous ? undefined : requirePat(ctx)
  const orgId = ctx.query.get('organizationId')
  if (!orgId) throw apimError(400, 900357, 'Organization Not Found', 'Organization is not found in the request')
  const org = ctx.emulator.state.choreo.orgs[orgId]
  if (!pat) {
    if (!org) throw apimError(404, 901301, 'Organization Not Found', `Organization ${orgId} not found`)
    return { org }
  }
  if (!org || pat.organizationUuid !== orgId) {
    throw apimError(403, 900900, 'Authorization Error', `The access token is not valid for organization ${orgId}`)
  }
  if (scopes && !scopes.some((s) => pat.allowedScopes.includes(s))) {
    throw apimError(
      403,
      900910,
      'Invalid Scope',
      `You are not authorized to access the resource. Required scope: one of ${scopes.join(', ')}`
    )
  }
  const user = ctx.emulator.state.choreo.users.find((u) => u.idpId === pat.userIdpId)
  return { org, pat, user }
}

/** The upstream scopes of each operation served (from the spec's `security` blocks). */
export const SCOPES = {
  apiList: ['apim:api_view', 'apim:api_manage', 'apim:api_import_export', 'apim:api_list_view'],
  apiGet: ['apim:api_view', 'apim:api_manage', 'apim:api_import_export', 'apim:api_product_import_export'],
  apiUpdate: ['apim:api_create', 'apim:api_manage', 'apim:api_publish'],
  revisionList: ['apim:api_view', 'apim:api_create', 'apim:api_manage', 'apim:api_publish', 'apim:api_import_export'],
  revisionGet: ['apim:api_view', 'apim:api_create', 'apim:api_manage', 'apim:api_publish'],
  revisionWrite: ['apim:api_create', 'apim:api_manage', 'apim:api_publish', 'apim:api_import_export'],
  deploy: ['apim:api_create', 'apim:api_manage', 'apim:api_publish'],
  deployments: ['apim:api_view', 'apim:api_create', 'apim:api_manage', 'apim:api_publish'],
  revisionRestore: ['apim:api_create', 'apim:api_manage', 'apim:api_publish'],
  sharedScopeView: ['apim:api_view', 'apim:shared_scope_manage'],
  sharedScopeManage: ['apim:shared_scope_manage'],
  lifecycle: ['apim:api_publish', 'apim:api_manage', 'apim:api_import_export'],
  lifecycleState: ['apim:api_view', 'apim:api_publish', 'apim:api_create', 'apim:api_manage'],
  publisherSettings: ['apim:api_view', 'apim:publisher_settings'],
  publisherKeyManagers: ['apim:api_view', 'apim:api_create', 'apim:api_manage'],
  appList: ['apim:subscribe', 'apim:app_manage', 'apim:app_import_export'],
  app: ['apim:subscribe', 'apim:app_manage'],
  appDelete: ['apim:subscribe', 'apim:app_manage', 'apim:app_import_export'],
  subscriptions: ['apim:subscribe', 'apim:sub_manage'],
  devKeyManagers: ['apim:subscribe']
} as const satisfies Record<string, readonly string[]>

/** `authorize` with one of the named scope sets. */
export function authorizeFor(ctx: Ctx, op: keyof typeof SCOPES): Caller {
  return authorize(ctx, [...SCOPES[op]])
}
