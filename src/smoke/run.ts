import { trimEnd } from '../http.js'
import type { Http } from '../http.js'
import { expectationHolds, type SmokeCall } from './parse.js'

/**
 * Runs the smoke calls against the gateway, one after the other (a line may rely on the one before),
 * each retried with backoff until its expectation holds or the shared wait runs out: right after a
 * deploy the gateway answers 404 (or 401) until the new revision has propagated.
 */

export interface SmokeResult {
  line: number
  /** `GET /items`, with ` (anonymous)` when no token was sent. */
  call: string
  url: string
  expected: string
  /** The last status the gateway answered; 0 when it could not be reached. */
  status: number
  ok: boolean
  attempts: number
  /** From the first attempt until the expectation held (or the last attempt ended). */
  ms: number
  /** On a failure: a short, scrubbed excerpt of the last answer's body, or why the call could not be made. */
  excerpt?: string
}

export interface SmokeOptions {
  /** The API's gateway URL for the environment (the Developer Portal's endpointURLs). */
  baseUrl: string
  /** The access token; undefined sends none, whatever the lines say. */
  token?: string
  /** How long the calls may keep retrying, in total. 0 = one attempt each. */
  waitSeconds: number
  http: Http
  /** Waits between attempts (tests may speed this up). */
  sleep?: (ms: number) => Promise<void>
}

const FIRST_DELAY_MS = 500
const MAX_DELAY_MS = 10_000
const EXCERPT_CHARS = 200

export async function runSmoke(calls: SmokeCall[], options: SmokeOptions): Promise<SmokeResult[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const deadline = Date.now() + options.waitSeconds * 1000
  const results: SmokeResult[] = []
  for (const call of calls) {
    const url = targetUrl(options.baseUrl, call.target)
    const started = Date.now()
    let attempts = 0
    for (;;) {
      attempts++
      const answer = await attempt(call, url, options)
      const ok = answer.status > 0 && expectationHolds(call.expect, answer.status)
      const now = Date.now()
      if (ok || now >= deadline) {
        results.push({
          line: call.line,
          call: `${call.verb} ${call.target}${call.anonymous ? ' (anonymous)' : ''}`,
          url,
          expected: call.expect,
          status: answer.status,
          ok,
          attempts,
          ms: now - started,
          excerpt: ok ? undefined : excerpt(answer.body, options.token)
        })
        break
      }
      // Full jitter would make the reported times noisy; a doubling delay, cut at the deadline, is enough here.
      await sleep(Math.min(FIRST_DELAY_MS * 2 ** (attempts - 1), MAX_DELAY_MS, deadline - now))
    }
  }
  return results
}

/** The gateway URL joined with a path target; an absolute target as it is. */
export function targetUrl(baseUrl: string, target: string): string {
  return target.startsWith('/') ? `${trimEnd(baseUrl, '/')}${target}` : target
}

async function attempt(call: SmokeCall, url: string, options: SmokeOptions): Promise<{ status: number; body: unknown }> {
  try {
    const res = await options.http.request({
      service: 'gateway',
      method: call.verb,
      url,
      headers: call.headers,
      json: call.body,
      bearer: call.anonymous ? undefined : options.token,
      readOnly: true, // the API's own data, not the configuration this action reconciles
      anyStatus: true
    })
    return { status: res.status, body: res.body }
  } catch (err) {
    // Unreachable (connection refused, reset, timeout): worth another try within the wait.
    return { status: 0, body: err instanceof Error ? err.message : String(err) }
  }
}

/**
 * A short excerpt safe to print anywhere: the token (raw, base64 or any JWT) removed, control and
 * bidi characters flattened to spaces so a server cannot start a workflow command or fake a line.
 */
export function excerpt(body: unknown, token: string | undefined): string | undefined {
  if (body === undefined || body === null || body === '') return undefined
  let text = typeof body === 'string' ? body : JSON.stringify(body)
  if (token) {
    for (const form of [token, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url')])
      text = text.split(form).join('***')
  }
  text = text
    .replace(/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '***') // any JWT, whoever's
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text
}
