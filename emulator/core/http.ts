import type { IncomingHttpHeaders } from 'node:http'
import type { Emulator } from '../index.js'

/** What a route handler sees: the parsed request plus the emulator it runs in. */
export interface Ctx {
  method: string
  /** Path without the query string, percent-decoding left to the router's params. */
  path: string
  query: URLSearchParams
  params: Record<string, string>
  headers: IncomingHttpHeaders
  rawBody: string
  /** JSON body when the request was JSON, otherwise undefined. */
  json: unknown
  /** Form body when the request was application/x-www-form-urlencoded, otherwise undefined. */
  form: URLSearchParams | undefined
  /** Scheme, host and port this request reached, e.g. http://127.0.0.1:4010 (no trailing slash). */
  baseUrl: string
  emulator: Emulator
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  /** Serialised as JSON unless `raw` is set. */
  body?: unknown
  raw?: string
  /** Set on the router's own 404 / 405 (no route): the contract tests skip those. */
  unrouted?: boolean
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'content-type': 'application/json', ...headers } }
}

export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers }
}

/** Bearer token of the request, or undefined. */
export function bearer(ctx: Ctx): string | undefined {
  const h = ctx.headers.authorization
  if (!h) return undefined
  const m = /^Bearer\s+(.+)$/i.exec(h)
  return m ? m[1].trim() : undefined
}

/** Basic credentials of the request, or undefined. */
export function basic(ctx: Ctx): { user: string; password: string } | undefined {
  const h = ctx.headers.authorization
  if (!h) return undefined
  const m = /^Basic\s+(.+)$/i.exec(h)
  if (!m) return undefined
  const decoded = Buffer.from(m[1].trim(), 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return undefined
  return { user: decodeURIComponent(decoded.slice(0, i)), password: decodeURIComponent(decoded.slice(i + 1)) }
}

/** Thrown by handlers to answer with a prepared reply from deep inside helpers. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`reply ${reply.status}`)
  }
}
