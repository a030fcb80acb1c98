import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import { Router } from './core/router.js'
import { json, ReplyError, type Ctx, type Reply } from './core/http.js'
import { FaultTable } from './core/faults.js'
import { RequestLog, redactQuery } from './core/log.js'
import { KeyStore, type StoredKey } from './core/keys.js'
import { DEFAULT_SEED, type SeedDefaults } from './seed.js'
import type { ContractPair } from './contract/recorder.js'
import { registerControl } from './control.js'
import { registerAsgardeo, seedAsgardeo, type AsgardeoState } from './asgardeo/index.js'
import { registerChoreo, seedChoreo, type ChoreoState } from './choreo/index.js'
import { registerGithub, seedGithub, type GithubState } from './github/index.js'

export { DEFAULT_SEED, type SeedDefaults } from './seed.js'
export type { FaultSpec } from './core/faults.js'
export type { LogEntry } from './core/log.js'
export { bulkSeed, type BulkCounts } from './bulk.js'

/** Everything the emulator knows; a dump of it round-trips through PUT /__emulator/state and the state file. */
export interface EmulatorState {
  version: 1
  seed: SeedDefaults
  keys: Record<string, StoredKey>
  asgardeo: AsgardeoState
  choreo: ChoreoState
  github: GithubState
}

export interface EmulatorOptions {
  /** Overrides of the documented defaults (see seed.ts). */
  seed?: Partial<SeedDefaults>
  /** Load state from this JSON file at start (when it exists) and save it after every write. */
  stateFile?: string
  host?: string
  port?: number
  /** Request-log ring size. */
  logCapacity?: number
}

export const CONTROL_PREFIX = '/__emulator'
const MAX_BODY = 1024 * 1024

export function freshState(overrides: Partial<SeedDefaults> = {}): EmulatorState {
  const seed = { ...DEFAULT_SEED, ...overrides }
  return {
    version: 1,
    seed,
    keys: {},
    asgardeo: seedAsgardeo(seed),
    choreo: seedChoreo(seed),
    github: seedGithub(seed)
  }
}

/** One loopback HTTP server emulating Asgardeo, Choreo (API Manager), a gateway and GitHub's OIDC issuer. */
export class Emulator {
  state: EmulatorState
  keys: KeyStore
  readonly faults = new FaultTable()
  readonly log: RequestLog
  /** Added to the wall clock: lets tests expire tokens without waiting. */
  clockOffsetMs = 0
  /** When set (the contract tests), every answered non-control request is recorded here with its answer. */
  contract?: ContractPair[]
  private readonly router = new Router()
  private readonly control = new Router()
  private server?: Server
  private baseUrl = ''
  /** The end of the queue of requests under a `serialize` switch. */
  private serialTail: Promise<void> = Promise.resolve()

  constructor(private readonly options: EmulatorOptions = {}) {
    this.state =
      options.stateFile && existsSync(options.stateFile)
        ? (JSON.parse(readFileSync(options.stateFile, 'utf8')) as EmulatorState)
        : freshState(options.seed)
    this.keys = new KeyStore(this.state.keys, () => this.persist())
    this.log = new RequestLog(options.logCapacity)
    registerControl(this.control, this)
    registerAsgardeo(this.router)
    registerChoreo(this.router)
    registerGithub(this.router, this.control)
  }

  /** Milliseconds since the epoch, as the emulated services see it. */
  now(): number {
    return Date.now() + this.clockOffsetMs
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('emulator not started')
    return this.baseUrl
  }

  /** Base URLs to hand to the action: Asgardeo org base, Choreo hosts, GitHub issuer. */
  get urls(): { base: string; asgardeo: string; choreo: string; choreoApis: string; github: string; control: string } {
    return {
      base: this.url,
      asgardeo: this.url,
      choreo: this.url,
      choreoApis: this.url,
      github: `${this.url}/github`,
      control: `${this.url}${CONTROL_PREFIX}`
    }
  }

  async start(port = this.options.port ?? 0, host = this.options.host ?? '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res))
    server.keepAliveTimeout = 5000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    this.server = server
    const addr = server.address() as AddressInfo
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`
    return this.baseUrl
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    this.persist()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  /** Back to the seeded state (with optional overrides); faults, log and clock are cleared too. */
  reset(overrides: Partial<SeedDefaults> = {}): void {
    this.replaceState(freshState({ ...this.options.seed, ...overrides }))
    this.faults.clear()
    this.log.clear()
    this.clockOffsetMs = 0
  }

  replaceState(state: EmulatorState): void {
    this.state = state
    this.keys = new KeyStore(this.state.keys, () => this.persist())
    this.persist()
  }

  persist(): void {
    const file = this.options.stateFile
    if (!file) return
    writeFileSync(`${file}.tmp`, JSON.stringify(this.state, null, 2))
    renameSync(`${file}.tmp`, file)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    const method = (req.method ?? 'GET').toUpperCase()
    const rawUrl = req.url ?? '/'
    const qi = rawUrl.indexOf('?')
    const path = qi < 0 ? rawUrl : rawUrl.slice(0, qi)
    const isControl = path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)
    if (isControl || !this.faults.serializes(method, path)) return this.serve(req, res, started)
    const release = await this.serialTurn()
    try {
      await this.serve(req, res, started)
    } finally {
      release()
    }
  }

  /** Waits until every earlier serialized request is done; the caller releases the next one. */
  private async serialTurn(): Promise<() => void> {
    let release!: () => void
    const turn = new Promise<void>((resolve) => (release = resolve))
    const previous = this.serialTail
    this.serialTail = previous.then(() => turn)
    await previous
    return release
  }

  private async serve(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const rawUrl = req.url ?? '/'
    const qi = rawUrl.indexOf('?')
    const path = qi < 0 ? rawUrl : rawUrl.slice(0, qi)
    const isControl = path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)
    let faultName: string | undefined
    const finish = (status: number): void => {
      if (!isControl) {
        const ended = performance.now()
        this.log.add({
          method,
          path: redactQuery(rawUrl),
          status,
          ms: Math.round((ended - started) * 10) / 10,
          start: epochMs(started),
          end: epochMs(ended),
          fault: faultName
        })
      }
    }

    let rawBody: string
    try {
      rawBody = await readBody(req)
    } catch {
      send(res, json(413, { error: 'request body too large' }))
      finish(413)
      return
    }

    if (!isControl) {
      const { latencyMs, fault } = this.faults.take(method, path)
      if (latencyMs > 0) await sleep(latencyMs)
      if (fault) {
        faultName = fault.kind === 'status' ? `status ${fault.status}` : fault.kind
        if (fault.kind === 'hang') {
          finish(0) // never answered; the socket closes when the client gives up or the emulator stops
          return
        }
        if (fault.kind === 'reset-before') {
          req.socket.destroy()
          finish(0)
          return
        }
        if (fault.kind === 'rate-limit') {
          send(res, json(429, { code: '429', message: 'Too Many Requests', description: 'Rate limit exceeded (injected fault).' }))
          finish(429)
          return
        }
        if (fault.kind === 'echo') {
          const status = Number(fault.status ?? 400)
          fault.echoed = [...(fault.echoed ?? []), req.headers.authorization ?? '']
          send(res, json(status, echoBody(req.headers.authorization, rawBody)))
          finish(status)
          return
        }
        if (fault.kind === 'status') {
          const headers: Record<string, string> = {}
          if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
          const body = fault.body ?? { error: 'injected fault', status: fault.status }
          send(res, json(Number(fault.status), body, headers))
          finish(Number(fault.status))
          return
        }
      }
      const reply = await this.dispatch(this.router, method, path, rawUrl, req, rawBody)
      if (method !== 'GET' && method !== 'HEAD') this.persist()
      if (fault?.kind === 'reset-after') {
        req.socket.destroy()
        finish(0)
        return
      }
      if (fault?.kind === 'status-after') {
        send(res, json(Number(fault.status), fault.body ?? { error: 'injected fault', status: fault.status }))
        finish(Number(fault.status))
        return
      }
      if (fault?.kind === 'truncate') {
        sendTruncated(res, reply, fault.bytes)
        finish(0)
        return
      }
      if (fault?.kind === 'corrupt') {
        const whole = reply.raw ?? JSON.stringify(reply.body ?? {})
        send(res, {
          status: reply.status,
          headers: { ...reply.headers, 'content-type': 'application/json' },
          raw: whole.slice(0, Math.ceil(whole.length / 2))
        })
        finish(reply.status)
        return
      }
      if (fault?.kind === 'inject') {
        send(res, { ...reply, body: inject(reply.body, fault.set ?? {}, fault.append ?? {}) })
        finish(reply.status)
        return
      }
      if (this.contract) this.contract.push(contractPair(req, method, path, rawUrl, rawBody, reply))
      send(res, reply, method === 'HEAD')
      finish(reply.status)
      return
    }
    const reply = await this.dispatch(this.control, method, path, rawUrl, req, rawBody)
    if (method !== 'GET' && method !== 'HEAD') this.persist() // control writes (e.g. GitHub jobs) change state too
    send(res, reply)
  }

  private async dispatch(
    router: Router,
    method: string,
    path: string,
    rawUrl: string,
    req: IncomingMessage,
    rawBody: string
  ): Promise<Reply> {
    const match = router.match(method, path)
    if (!match)
      return { ...json(404, { code: 404, message: 'Not Found', description: `No resource at ${method} ${path}` }), unrouted: true }
    if (match === 'method')
      return {
        ...json(405, { code: 405, message: 'Method Not Allowed', description: `${method} is not allowed on ${path}` }),
        unrouted: true
      }
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase()
    let parsedJson: unknown
    if (contentType.includes('json') && rawBody.length > 0) {
      try {
        parsedJson = JSON.parse(rawBody)
      } catch {
        parsedJson = undefined
      }
    }
    const host = req.headers.host ?? this.url.replace(/^https?:\/\//, '')
    const ctx: Ctx = {
      method,
      path,
      query: new URL(rawUrl, 'http://x').searchParams,
      params: match.params,
      headers: req.headers,
      rawBody,
      json: parsedJson,
      form: contentType.includes('application/x-www-form-urlencoded') ? new URLSearchParams(rawBody) : undefined,
      baseUrl: `http://${host}`,
      emulator: this
    }
    try {
      return await match.handler(ctx)
    } catch (err) {
      if (err instanceof ReplyError) return err.reply
      return json(500, { code: 500, message: 'Internal Server Error', description: err instanceof Error ? err.message : String(err) })
    }
  }
}

/** Starts an emulator on an ephemeral loopback port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = new Emulator(options)
  await emulator.start()
  return emulator
}

function contractPair(req: IncomingMessage, method: string, path: string, rawUrl: string, rawBody: string, reply: Reply): ContractPair {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(reply.headers ?? {})) headers[k.toLowerCase()] = String(v)
  const body = reply.raw ?? (reply.body !== undefined ? JSON.stringify(reply.body) : '')
  if (body && !headers['content-type'] && reply.raw === undefined) headers['content-type'] = 'application/json'
  const qi = rawUrl.indexOf('?')
  return {
    method,
    path,
    query: qi < 0 ? '' : rawUrl.slice(qi + 1),
    fromAction: String(req.headers['user-agent'] ?? '').startsWith('asgardeo-choreo-secure-api-action'),
    requestContentType: String(req.headers['content-type'] ?? ''),
    requestBody: rawBody,
    status: reply.status,
    responseHeaders: headers,
    responseBody: body,
    routed: !reply.unrouted
  }
}

function send(res: ServerResponse, reply: Reply, headOnly = false): void {
  if (res.destroyed) return
  const headers = { ...(reply.headers ?? {}) }
  let payload: string | undefined
  if (reply.raw !== undefined) payload = reply.raw
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload))
  else headers['content-length'] = '0'
  res.writeHead(reply.status, headers)
  res.end(headOnly ? undefined : payload)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      // Past the limit, drop what arrives but keep reading: destroying the socket here would hide the 413.
      if (size > MAX_BODY) chunks = []
      else chunks.push(c)
    })
    req.on('end', () => (size > MAX_BODY ? reject(new Error('too large')) : resolve(Buffer.concat(chunks).toString('utf8'))))
    req.on('error', reject)
  })
}

/** A performance.now() reading as epoch ms, kept to 0.01 ms. */
function epochMs(reading: number): number {
  return Math.round((performance.timeOrigin + reading) * 100) / 100
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Headers with the whole body's Content-Length, then part of the body, then the connection closed. */
function sendTruncated(res: ServerResponse, reply: Reply, bytes?: number): void {
  const payload = Buffer.from(reply.raw ?? JSON.stringify(reply.body ?? {}))
  res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}), 'content-length': String(payload.length) })
  res.write(payload.subarray(0, bytes ?? Math.floor(payload.length / 2)), () => res.destroy())
}

/** A hostile error body: the request's credentials echoed raw, decoded, base64url- and URL-encoded, and the raw body. */
function echoBody(authorization: string | undefined, rawBody: string): unknown {
  const credential = (authorization ?? '').replace(/^\S+\s+/, '')
  const decoded = /^basic /i.test(authorization ?? '') ? Buffer.from(credential, 'base64').toString('utf8') : credential
  const forms = [
    authorization ?? '',
    decoded,
    Buffer.from(decoded).toString('base64'),
    Buffer.from(decoded).toString('base64url'),
    Buffer.from(decoded).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    encodeURIComponent(decoded),
    rawBody,
    Buffer.from(rawBody).toString('base64')
  ]
  return {
    error: 'invalid_request',
    code: 'ECHO',
    message: `Rejected credentials ${forms.join(' | ')}`,
    error_description: `Rejected credentials ${forms.join(' | ')}`
  }
}

/** The reply body with `set` values put in and `append` text added, at every depth. */
function inject(body: unknown, set: Record<string, unknown>, append: Record<string, string>): unknown {
  if (Array.isArray(body)) return body.map((b) => inject(b, set, append))
  if (!body || typeof body !== 'object') return body
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) {
    if (k in set) out[k] = set[k]
    else if (k in append && typeof v === 'string') out[k] = v + append[k]
    else out[k] = inject(v, set, append)
  }
  return out
}
