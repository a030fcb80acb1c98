import { basic, json, ReplyError, type Ctx, type Reply } from '../core/http.js'
import type { AsgardeoOrg, Application } from './state.js'

/** An OAuth2 error reply: `{"error","error_description"}` (RFC 6749 §5.2, as WSO2 IS sends it). */
export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error_description: description, error }, { 'cache-control': 'no-store', pragma: 'no-cache', ...headers })
}

export function oauthFail(status: number, error: string, description: string): ReplyError {
  return new ReplyError(oauthError(status, error, description))
}

/** 401 invalid_client with the challenge WSO2 sends (`Basic realm=<server host name>`). */
export function invalidClient(ctx: Ctx, description: string): ReplyError {
  const host = new URL(ctx.baseUrl).hostname
  return new ReplyError(oauthError(401, 'invalid_client', description, { 'www-authenticate': `Basic realm=${host}` }))
}

/** The form body of an OAuth2 endpoint; anything but form encoding is an invalid request. */
export function formOf(ctx: Ctx): URLSearchParams {
  if (!ctx.form) {
    throw oauthFail(400, 'invalid_request', 'Bad request content type. Expecting: application/x-www-form-urlencoded')
  }
  return ctx.form
}

export interface ClientAuth {
  app: Application
  /** True when the client authenticated with its id alone (a public client). */
  publicClient: boolean
}

/**
 * Authenticates the calling client by HTTP Basic or `client_id`/`client_secret` form fields; a public
 * client (`publicClient:true`) may send `client_id` alone when `allowPublic` is set. Every failure is a
 * 401 invalid_client with WWW-Authenticate, as the token endpoint answers.
 */
export function authenticateClient(ctx: Ctx, org: AsgardeoOrg, form: URLSearchParams, allowPublic: boolean): ClientAuth {
  const fromHeader = basic(ctx)
  const formId = form.get('client_id') ?? undefined
  const formSecret = form.get('client_secret') ?? undefined
  if (fromHeader && formSecret !== undefined) {
    throw oauthFail(400, 'invalid_request', 'The client MUST NOT use more than one authentication method in each request.')
  }
  if (fromHeader && formId !== undefined && formId !== fromHeader.user) {
    throw invalidClient(ctx, 'Client Authentication failed.')
  }
  const clientId = fromHeader?.user ?? formId
  const secret = fromHeader?.password ?? formSecret
  if (!clientId) throw invalidClient(ctx, 'Client Authentication failed.')

  const app = org.applications.find((a) => a.oidc.clientId === clientId)
  if (!app) throw invalidClient(ctx, `A valid OAuth client could not be found for client_id: ${clientId}`)
  if (app.oidc.state !== 'ACTIVE') throw invalidClient(ctx, 'Oauth application is not in active state.')

  if (secret === undefined) {
    if (allowPublic && app.oidc.publicClient) return { app, publicClient: true }
    throw invalidClient(ctx, 'Client Authentication failed.')
  }
  if (secret !== app.oidc.clientSecret) throw invalidClient(ctx, 'Client Authentication failed.')
  return { app, publicClient: false }
}
