import type { IncomingMessage } from 'node:http'
import { HttpClient } from '@actions/http-client'
import { asgardeoPacer, type Pacer } from './pace.js'
import { scrubber, type Scrubber } from './scrub.js'

/**
 * The one HTTP layer every call goes through: HTTPS enforcement, JSON and form bodies, request
 * accounting, a per-request timeout inside an overall deadline, retries that are safe for the method,
 * and errors that say which service and call failed without ever carrying a secret.
 */

export type Service = 'asgardeo' | 'choreo' | 'github' | 'gateway'

export interface RequestSpec {
  service: Service
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS'
  url: string
  query?: Record<string, string | number | undefined>
  /** Serialised as JSON. */
  json?: unknown
  /** Serialised as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>
  bearer?: string
  basic?: { user: string; password: string }
  headers?: Record<string, string>
  /** Statuses the caller handles itself (returned, not thrown). */
  expect?: number[]
  /** A POST that changes nothing (a token request): not counted as a write, and safe to send again. */
  readOnly?: boolean
  /** Every status is returned, none thrown, and nothing is retried: the caller decides (smoke tests). */
  anyStatus?: boolean
  /** A POST or PATCH whose repetition changes nothing more (a revocation): safe to send again. */
  idempotent?: boolean
  /** Answers that mean "try again later" for this call (`409 902005` on a deploy): retried with backoff within the deadline. */
  retryWhen?: RetryWhen[]
}

export interface RetryWhen {
  status: number
  /** The server's error code, when the status alone says too little. */
  code?: string
  /** First wait, ms (doubled each time, full jitter). */
  baseDelayMs?: number
}

export interface Response<T = unknown> {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: T
}

/** A non-2xx answer (or an unreachable server), phrased for a person reading the job log. */
export class ApiError extends Error {
  /**
   * The request changes something and the answer leaves open whether it was applied (a 5xx, a dropped
   * connection, a cut-off body): look before sending it again (see `createOrAdopt`).
   */
  readonly maybeApplied: boolean

  constructor(
    message: string,
    readonly service: Service,
    readonly status: number,
    /** The server's error code (`API-RESOURCE-60004`, `901409`, `invalid_client`, …) when it sent one. */
    readonly code: string | undefined,
    readonly body: unknown,
    options: { maybeApplied?: boolean } = {}
  ) {
    super(message)
    this.name = 'ApiError'
    this.maybeApplied = options.maybeApplied ?? false
  }
}

export interface HttpStats {
  requests: number
  byService: Record<Service, number>
  writes: number
  retries: number
  /** Time spent waiting for the pacer (rate limits), ms. */
  pacedMs: number
}

export interface HttpOptions {
  /** Overall deadline for the run, ms since the epoch. */
  deadline: number
  /** Per-request socket timeout, ms. */
  requestTimeoutMs?: number
  maxAttempts?: number
  /** Longest single wait honoured from Retry-After, ms. */
  maxRetryDelayMs?: number
  /** First wait after a 429 that names no Retry-After (doubled each time, with jitter), ms. */
  rateLimitWaitMs?: number
  /** Largest response body accepted, bytes; a larger one is an error. */
  maxBodyBytes?: number
  /** Paces requests per host under the services' rate limits; Asgardeo's documented limit by default. */
  pacer?: Pacer
  /** Where secrets are scrubbed from error messages; the process's scrubber by default. */
  scrubber?: Scrubber
  debug?: (message: string) => void
  userAgent?: string
}

/** 5 MB: the largest list this action reads is a few hundred kB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024
/** Statuses that say "not now" rather than "no": 501 and 505 will not change on a retry. */
const isServerTrouble = (status: number) => status >= 500 && status !== 501 && status !== 505
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE'])
const TRANSIENT_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET'])
/** Failures before the request reached the server: nothing was applied, whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND'])

/** A response body that cannot be trusted: cut off, too large, or not the JSON it declares. */
class BodyError extends Error {}

export class Http {
  readonly stats: HttpStats = {
    requests: 0,
    byService: { asgardeo: 0, choreo: 0, github: 0, gateway: 0 },
    writes: 0,
    retries: 0,
    pacedMs: 0
  }
  private readonly client: HttpClient
  private readonly pacer: Pacer
  private readonly scrubber: Scrubber

  constructor(private readonly options: HttpOptions) {
    // Node turns certificate checks off for the whole process on this variable; the action never runs so.
    if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
      throw new Error(
        'NODE_TLS_REJECT_UNAUTHORIZED=0 turns TLS certificate verification off, so secrets could go to anyone on the network path; remove it from the workflow and, for a private certificate authority, set NODE_EXTRA_CA_CERTS to its PEM file instead.'
      )
    }
    this.client = new HttpClient(options.userAgent ?? 'asgardeo-choreo-secure-api-action', [], {
      allowRetries: false, // retries are decided here, per method and status
      allowRedirects: false, // a redirect on an API call is a misconfigured URL: report it
      keepAlive: true,
      // A hung request must not eat the whole run: at most 30 s, and a third of the overall budget.
      socketTimeout: options.requestTimeoutMs ?? Math.max(1000, Math.min(30_000, (options.deadline - Date.now()) / 3))
    })
    this.pacer = options.pacer ?? asgardeoPacer()
    this.scrubber = options.scrubber ?? scrubber
  }

  /** Registers a value that must never appear in anything this process prints. */
  addSecret(value: string | undefined): void {
    this.scrubber.add(value)
  }

  dispose(): void {
    this.client.dispose()
  }

  async request<T = unknown>(spec: RequestSpec): Promise<Response<T>> {
    const url = buildUrl(spec.url, spec.query)
    assertSecureUrl(url, `${spec.service} endpoint`)
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers }
    let data: string | null = null
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json'
      data = JSON.stringify(spec.json)
    } else if (spec.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      const form = new URLSearchParams()
      for (const [k, v] of Object.entries(spec.form)) if (v !== undefined) form.set(k, v)
      data = form.toString()
    }
    if (spec.bearer) {
      this.scrubber.add(spec.bearer)
      headers.authorization = `Bearer ${spec.bearer}`
    } else if (spec.basic) {
      // WSO2 splits the decoded header on ':' without URL-decoding, so the credentials go in raw.
      const { user, password } = spec.basic
      this.scrubber.addBasic(user, password)
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    }
    const label = `${spec.method} ${redactUrl(url)}`
    const write = spec.method !== 'GET' && spec.method !== 'HEAD' && !spec.readOnly
    const maxAttempts = spec.anyStatus ? 1 : (this.options.maxAttempts ?? 4)
    const resendable = IDEMPOTENT.has(spec.method) || !!spec.readOnly || !!spec.idempotent
    const bucket = this.pacer.bucket(spec.service, url.host)
    const fail = (message: string, status: number, code: string | undefined, body: unknown, maybeApplied = false) =>
      new ApiError(this.scrubber.scrub(message), spec.service, status, code, body, { maybeApplied: maybeApplied && !resendable })

    for (let attempt = 1; ; attempt++) {
      const pace = bucket?.reserve() ?? 0
      if (Date.now() + pace > this.options.deadline) {
        if (pace > 0) bucket?.release()
        throw fail(`Gave up before ${label}: the run took longer than "timeout-seconds" allows.`, 0, 'TIMEOUT', undefined)
      }
      if (pace > 0) {
        this.stats.pacedMs += pace
        await sleep(pace)
      }
      this.stats.requests++
      this.stats.byService[spec.service]++
      if (write) this.stats.writes++
      const started = Date.now()
      let status: number
      let resHeaders: Record<string, string | string[] | undefined>
      let body: unknown
      try {
        const res = await this.client.request(spec.method, url.toString(), data, headers)
        status = res.message.statusCode ?? 0
        resHeaders = res.message.headers
        body = parseBody(
          await readBody(res.message, this.options.maxBodyBytes ?? MAX_BODY_BYTES, this.options.deadline),
          resHeaders['content-type']
        )
      } catch (err) {
        const code = err instanceof BodyError ? 'BAD_BODY' : ((err as NodeJS.ErrnoException).code ?? '')
        const reason = err instanceof BodyError ? err.message : code || (err as Error).message
        const transient =
          err instanceof BodyError || TRANSIENT_ERRORS.has(code) || /timeout|socket hang up/i.test(String((err as Error).message))
        this.options.debug?.(`${label} → ${reason} (${Date.now() - started} ms)`)
        // A POST/PATCH cut off mid-flight may have been applied: never blindly resent. The caller looks first.
        if (transient && (resendable || NOT_SENT.has(code)) && this.mayRetry(attempt, maxAttempts, 0)) {
          await this.backoff(attempt, undefined)
          continue
        }
        const mayHaveActed = !NOT_SENT.has(code)
        if (err instanceof BodyError) {
          throw fail(
            `${serviceName(spec.service)} sent a bad response to ${label}: ${reason}.`,
            0,
            code || undefined,
            undefined,
            mayHaveActed
          )
        }
        throw fail(
          `${serviceName(spec.service)} could not be reached: ${label} failed with ${reason}.`,
          0,
          code || undefined,
          undefined,
          mayHaveActed
        )
      }
      this.options.debug?.(`${label} → ${status} (${Date.now() - started} ms)`)
      if (status >= 200 && status < 300) return { status, headers: resHeaders, body: body as T }
      if (spec.anyStatus || spec.expect?.includes(status)) return { status, headers: resHeaders, body: body as T }
      const { code, detail } = errorDetail(body)
      const retryAfter = retryAfterMs(resHeaders['retry-after'])
      const later = spec.retryWhen?.find((r) => r.status === status && (r.code === undefined || r.code === code))
      let wait: number | undefined
      let retryable = false
      if (status === 429) {
        // The limiter answers before the handler runs: even a POST may be sent again. Asgardeo's limit is
        // per minute and its 429 names no Retry-After: wait seconds, and hold the host's other requests too.
        retryable = true
        wait = retryAfter ?? this.rateLimitWait(attempt)
        bucket?.holdUntil(Date.now() + wait)
      } else if (later) {
        retryable = true
        wait = retryAfter ?? fullJitter(later.baseDelayMs ?? 1000, attempt, this.options.maxRetryDelayMs)
      } else if (isServerTrouble(status) && resendable) {
        retryable = true
        wait = retryAfter
      }
      if (retryable && this.mayRetry(attempt, maxAttempts, wait ?? 0)) {
        await this.backoff(attempt, wait)
        continue
      }
      throw fail(
        `${serviceName(spec.service)} answered ${status} to ${label}${code ? ` (code ${code})` : ''}${detail ? `: ${detail}` : ''}`,
        status,
        code,
        body,
        isServerTrouble(status)
      )
    }
  }

  private mayRetry(attempt: number, maxAttempts: number, waitMs: number): boolean {
    return attempt < maxAttempts && Date.now() + waitMs < this.options.deadline
  }

  private rateLimitWait(attempt: number): number {
    const base = (this.options.rateLimitWaitMs ?? 15_000) * 2 ** (attempt - 1)
    return Math.min(this.options.maxRetryDelayMs ?? 60_000, base / 2 + Math.random() * (base / 2))
  }

  private async backoff(attempt: number, wait: number | undefined): Promise<void> {
    this.stats.retries++
    const cap = this.options.maxRetryDelayMs ?? 60_000
    await sleep(wait !== undefined ? Math.min(wait, cap) : fullJitter(250, attempt, cap))
  }
}

/** Full jitter keeps parallel branches from retrying in lockstep. */
function fullJitter(baseMs: number, attempt: number, cap = 60_000): number {
  return Math.random() * Math.min(cap, baseMs * 2 ** attempt)
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/**
 * The whole body or an error: a body cut off (the connection closed early, fewer bytes than
 * Content-Length), larger than `maxBytes`, or still arriving at the deadline is never taken for an answer.
 */
function readBody(message: IncomingMessage, maxBytes: number, deadline: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(message.headers['content-length'])
    const chunks: Buffer[] = []
    let size = 0
    const stop = (reason: string) => {
      clearTimeout(timer)
      reject(new BodyError(reason))
      message.destroy()
    }
    const timer = setTimeout(
      () => stop('the body was still arriving when the run reached "timeout-seconds"'),
      Math.max(0, deadline - Date.now())
    )
    if (Number.isFinite(declared) && declared > maxBytes) return stop(`the body is ${declared} bytes, over the ${maxBytes}-byte bound`)
    message.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) stop(`the body is over the ${maxBytes}-byte bound`)
      else chunks.push(chunk)
    })
    message.on('error', () => stop(`the connection closed after ${size} bytes of the body`))
    message.on('close', () => {
      if (!message.complete) stop(`the connection closed after ${size} bytes of the body`)
    })
    message.on('end', () => {
      clearTimeout(timer)
      if (!message.complete || (Number.isFinite(declared) && size !== declared)) {
        reject(new BodyError(`the body ended after ${size} of ${Number.isFinite(declared) ? declared : '?'} bytes`))
      } else resolve(Buffer.concat(chunks).toString('utf8'))
    })
  })
}

function serviceName(s: Service): string {
  return s === 'asgardeo' ? 'Asgardeo' : s === 'choreo' ? 'Choreo' : s === 'github' ? 'GitHub' : 'The API gateway'
}

export function buildUrl(base: string, query?: Record<string, string | number | undefined>): URL {
  const url = new URL(base)
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
  return url
}

/** HTTPS only; plain HTTP is accepted for loopback hosts so the action can run against the local emulator. */
export function assertSecureUrl(url: URL, what: string): void {
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return
  throw new Error(`The ${what} ${url.origin} is not HTTPS. Only https:// URLs are accepted (plain http only for localhost).`)
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}

function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search}`
}

/** JSON when the server declares JSON (invalid JSON then is a bad body, never a string answer); text otherwise. */
function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (!text) return undefined
  const type = String(contentType ?? '').toLowerCase()
  if (type.includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      throw new BodyError(`the body is declared ${type.split(';')[0]} but is not valid JSON (${text.length} characters)`)
    }
  }
  const first = text.trimStart()[0]
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value
  if (!v) return undefined
  const seconds = Number(v)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(v)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** The code and human text of the error bodies these services send (management, SCIM, API-M, OAuth). */
function errorDetail(body: unknown): { code?: string; detail?: string } {
  if (!body || typeof body !== 'object') return { detail: typeof body === 'string' ? short(body) : undefined }
  const b = body as Record<string, unknown>
  if (typeof b.error === 'string') return { code: b.error, detail: str(b.error_description) }
  const code = b.code !== undefined ? String(b.code) : b.scimType !== undefined ? String(b.scimType) : undefined
  const parts = [str(b.message), str(b.description) ?? str(b.detail)].filter((p) => p && p.length > 0)
  return { code: code === undefined ? undefined : short(code, 80), detail: short([...new Set(parts)].join(' — ')) || undefined }
}

/** A server's words, cut to a length a log line can hold. */
function short(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

/** The last path segment of a Location header: the id of what was just created. */
export function idFromLocation(headers: Record<string, string | string[] | undefined>): string | undefined {
  const loc = headers.location
  const value = Array.isArray(loc) ? loc[0] : loc
  if (!value) return undefined
  const path = trimEnd(value.split('?')[0], '/')
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || undefined
  } catch {
    return undefined
  }
}

/** `text` without its trailing run of `char`, in linear time (`/\/+$/` is quadratic on a long run that does not end the text). */
export function trimEnd(text: string, char: string): string {
  let end = text.length
  while (end > 0 && text[end - 1] === char) end--
  return text.slice(0, end)
}

/** Pages a listing may take (100 items each): past this it is an error, never "not found". */
export const MAX_PAGES = 100

/** A listing cut short by a bound: reporting "not found" instead would create a duplicate. */
export function listingTooLong(service: Service, what: string): ApiError {
  return new ApiError(
    `${serviceName(service)}'s listing of ${what} ran past ${MAX_PAGES} pages; stopped there rather than report it missing (which would create a duplicate). Narrow the listing or remove stale entries.`,
    service,
    0,
    'LISTING_TOO_LONG',
    undefined
  )
}

/**
 * A create that is safe whatever the server did. When the answer leaves open whether it was applied
 * (a 5xx, a dropped connection, a cut-off body), look it up first: found means it was made; not found
 * means it was not, and it is sent once more. Any other error passes through.
 */
export async function createOrAdopt<T>(create: () => Promise<T>, lookup: () => Promise<T | undefined>, resends = 1): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await create()
    } catch (err) {
      if (!(err instanceof ApiError && err.maybeApplied)) throw err
      const found = await lookup()
      if (found !== undefined) return found
      if (attempt >= resends) throw err
    }
  }
}
