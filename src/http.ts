import { HttpClient } from '@actions/http-client'

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
  /** A POST that changes nothing (a token request): not counted as a write. */
  readOnly?: boolean
  /** Every status is returned, none thrown, and nothing is retried: the caller decides (smoke tests). */
  anyStatus?: boolean
}

export interface Response<T = unknown> {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: T
}

/** A non-2xx answer (or an unreachable server), phrased for a person reading the job log. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly service: Service,
    readonly status: number,
    /** The server's error code (`API-RESOURCE-60004`, `901409`, `invalid_client`, …) when it sent one. */
    readonly code: string | undefined,
    readonly body: unknown
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface HttpStats {
  requests: number
  byService: Record<Service, number>
  writes: number
  retries: number
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
  debug?: (message: string) => void
  userAgent?: string
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504])
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE'])
const TRANSIENT_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET'])

export class Http {
  readonly stats: HttpStats = { requests: 0, byService: { asgardeo: 0, choreo: 0, github: 0, gateway: 0 }, writes: 0, retries: 0 }
  private readonly client: HttpClient
  private readonly secrets = new Set<string>()
  private writeGate: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: HttpOptions) {
    this.client = new HttpClient(options.userAgent ?? 'asgardeo-choreo-secure-api-action', [], {
      allowRetries: false, // retries are decided here, per method and status
      allowRedirects: false, // a redirect on an API call is a misconfigured URL: report it
      keepAlive: true,
      // A hung request must not eat the whole run: at most 30 s, and a third of the overall budget.
      socketTimeout: options.requestTimeoutMs ?? Math.max(1000, Math.min(30_000, (options.deadline - Date.now()) / 3))
    })
  }

  /** Registers a value that must never appear in an error message this layer builds. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.secrets.add(value)
  }

  /**
   * Writes wait until `reads` settle, and are not sent when it fails (they fail with its error): lookups
   * that can refute an input run before the first write even when the task graph overlaps them.
   */
  holdWritesUntil(reads: Promise<unknown>): void {
    const gate = Promise.all([this.writeGate, reads])
    gate.catch(() => undefined) // observed by the writes that wait on it, if any
    this.writeGate = gate
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
    if (spec.bearer) headers.authorization = `Bearer ${spec.bearer}`
    else if (spec.basic) {
      // WSO2 splits the decoded header on ':' without URL-decoding, so the credentials go in raw.
      const { user, password } = spec.basic
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    }
    const label = `${spec.method} ${redactUrl(url)}`
    const write = spec.method !== 'GET' && spec.method !== 'HEAD' && !spec.readOnly
    if (write) await this.writeGate
    const maxAttempts = spec.anyStatus ? 1 : (this.options.maxAttempts ?? 4)

    for (let attempt = 1; ; attempt++) {
      if (Date.now() > this.options.deadline) {
        throw new ApiError(
          `Gave up before ${label}: the run took longer than "timeout-seconds" allows.`,
          spec.service,
          0,
          'TIMEOUT',
          undefined
        )
      }
      this.stats.requests++
      this.stats.byService[spec.service]++
      if (write) this.stats.writes++
      const started = Date.now()
      let status: number
      let resHeaders: Record<string, string | string[] | undefined>
      let text: string
      try {
        const res = await this.client.request(spec.method, url.toString(), data, headers)
        status = res.message.statusCode ?? 0
        resHeaders = res.message.headers
        text = await res.readBody()
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? ''
        const transient = TRANSIENT_ERRORS.has(code) || /timeout|socket hang up/i.test(String((err as Error).message))
        this.options.debug?.(`${label} → ${code || (err as Error).message} (${Date.now() - started} ms)`)
        // A POST/PATCH cut off mid-flight may have been applied: never blindly resent. The caller re-reads.
        if (transient && IDEMPOTENT.has(spec.method) && this.mayRetry(attempt, maxAttempts, 0)) {
          await this.backoff(attempt, undefined)
          continue
        }
        throw new ApiError(
          this.scrub(`${serviceName(spec.service)} could not be reached: ${label} failed with ${code || (err as Error).message}.`),
          spec.service,
          0,
          code || undefined,
          undefined
        )
      }
      this.options.debug?.(`${label} → ${status} (${Date.now() - started} ms)`)
      const body = parseBody(text, resHeaders['content-type'])
      if (status >= 200 && status < 300) return { status, headers: resHeaders, body: body as T }
      if (spec.anyStatus || spec.expect?.includes(status)) return { status, headers: resHeaders, body: body as T }
      // 429 and 503 mean the request was not processed, so even a POST may be sent again.
      const retryable = status === 429 || status === 503 || (RETRYABLE_STATUS.has(status) && IDEMPOTENT.has(spec.method))
      const retryAfter = retryAfterMs(resHeaders['retry-after'])
      // Asgardeo's limit is per minute and its 429 names no Retry-After: wait seconds, not milliseconds.
      const wait = retryAfter ?? (status === 429 ? this.rateLimitWait(attempt) : undefined)
      if (retryable && this.mayRetry(attempt, maxAttempts, wait ?? 0)) {
        await this.backoff(attempt, wait)
        continue
      }
      const { code, detail } = errorDetail(body)
      throw new ApiError(
        this.scrub(
          `${serviceName(spec.service)} answered ${status} to ${label}${code ? ` (code ${code})` : ''}${detail ? `: ${detail}` : ''}`
        ),
        spec.service,
        status,
        code,
        body
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

  private async backoff(attempt: number, retryAfter: number | undefined): Promise<void> {
    this.stats.retries++
    const cap = this.options.maxRetryDelayMs ?? 60_000
    // Full jitter keeps parallel branches from retrying in lockstep.
    const wait = retryAfter !== undefined ? Math.min(retryAfter, cap) : Math.random() * Math.min(cap, 250 * 2 ** attempt)
    await new Promise((r) => setTimeout(r, wait))
  }

  private scrub(message: string): string {
    let out = message
    for (const s of this.secrets) out = out.split(s).join('***')
    return out
  }
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

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (!text) return undefined
  const type = String(contentType ?? '')
  if (type.includes('json') || /^[[{]/.test(text.trim())) {
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
  if (!body || typeof body !== 'object') return { detail: typeof body === 'string' ? body.slice(0, 300) : undefined }
  const b = body as Record<string, unknown>
  if (typeof b.error === 'string') return { code: b.error, detail: str(b.error_description) }
  const code = b.code !== undefined ? String(b.code) : b.scimType !== undefined ? String(b.scimType) : undefined
  const parts = [str(b.message), str(b.description) ?? str(b.detail)].filter((p) => p && p.length > 0)
  return { code, detail: [...new Set(parts)].join(' — ') || undefined }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

/** The last path segment of a Location header: the id of what was just created. */
export function idFromLocation(headers: Record<string, string | string[] | undefined>): string | undefined {
  const loc = headers.location
  const value = Array.isArray(loc) ? loc[0] : loc
  if (!value) return undefined
  const path = value.split('?')[0].replace(/\/+$/, '')
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || undefined
}
