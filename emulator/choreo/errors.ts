import { json, ReplyError, type Ctx } from '../core/http.js'

/**
 * API Manager's error body `{code, message, description, moreInfo, error[]}`. `code` is often the internal
 * number (900351, 901409, …) rather than the HTTP status (reference quirk 2), so callers pass both.
 */
export function apimError(
  status: number,
  code: number,
  message: string,
  description: string,
  errors: { code: string; message: string }[] = []
): ReplyError {
  return new ReplyError(json(status, { code, message, description, moreInfo: '', error: errors }))
}

export const badRequest = (description: string, errors: { code: string; message: string }[] = []): ReplyError =>
  apimError(400, 400, 'Bad Request', description, errors)

export const notFound = (description: string): ReplyError => apimError(404, 404, 'Not Found', description)

/** "Already exists" bodies use `code: 409` (reference §7). */
export const alreadyExists = (description: string): ReplyError => apimError(409, 409, 'Resource Already Exists', description)

export const apiNotFound = (apiId: string): ReplyError =>
  apimError(404, 900308, 'API Not Found', `Requested API with id '${apiId}' not found`)

/**
 * The gateway's error body (Choreo's gateway answers `{code, message, description}` with `code` as a string).
 * 401s carry `WWW-Authenticate` as API Manager's gateway sends it.
 */
export function gatewayError(status: number, code: string, message: string, description: string): ReplyError {
  const headers: Record<string, string> = {}
  if (status === 401)
    headers['www-authenticate'] =
      `OAuth2 realm="Choreo Gateway", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`
  return new ReplyError(json(status, { code, message, description }, headers))
}

/** The JSON request body, or a 400 / 415 the way API Manager answers a body it cannot read. */
export function jsonBody(ctx: Ctx): unknown {
  if (ctx.json !== undefined) return ctx.json
  if (ctx.rawBody.trim() === '') return undefined
  const type = String(ctx.headers['content-type'] ?? '')
  if (!type.toLowerCase().includes('json'))
    throw apimError(415, 415, 'Unsupported Media Type', `Content-Type '${type}' is not supported; send application/json`)
  throw badRequest('Malformed JSON body')
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The JSON body as an object, or 400. */
export function objectBody(ctx: Ctx): Record<string, unknown> {
  const body = jsonBody(ctx)
  if (!isRecord(body)) throw badRequest('Request body must be a JSON object')
  return body
}
