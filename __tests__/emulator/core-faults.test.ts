import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { Emulator, type FaultSpec } from '../../emulator/index.js'
import { json } from '../../emulator/core/http.js'
import type { Router } from '../../emulator/core/router.js'

/** A route that mutates something we can observe, registered on the emulator's private router (test-only). */
let writes = 0
function withWriteRoute(emulator: Emulator): Emulator {
  const router = (emulator as unknown as { router: Router }).router
  router.post('/test/write', () => {
    writes++
    return json(201, { writes })
  })
  return emulator
}

let emu: Emulator
beforeAll(async () => {
  emu = withWriteRoute(new Emulator())
  await emu.start()
})
afterAll(async () => {
  await emu.stop()
})
beforeEach(() => {
  emu.reset()
  writes = 0
})

/** What fetch rejects with when the socket closes unanswered (a TypeError from another realm under jest). */
const FETCH_FAILED = { name: 'TypeError', message: 'fetch failed' }
const DISCOVERY = '/github/.well-known/openid-configuration'

async function arm(spec: FaultSpec | FaultSpec[]): Promise<void> {
  const res = await fetch(`${emu.url}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec)
  })
  expect(res.status).toBe(201)
}

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emu.url}${path}`, init)
}

function write(): Promise<Response> {
  return fetch(`${emu.url}/test/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
}

describe('arming faults', () => {
  test('POST one spec answers 201 with the armed fault; GET lists it; DELETE disarms all', async () => {
    const res = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'status', status: 503, path: DISCOVERY, method: 'get' })
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual([{ kind: 'status', status: 503, path: DISCOVERY, method: 'GET', id: 1, remaining: 1, hits: 0 }])
    await arm([{ kind: 'latency', latencyMs: 1, path: '/x' }])
    const list = (await (await get('/__emulator/faults')).json()) as { kind: string; remaining: number }[]
    expect(list.map((f) => [f.kind, f.remaining])).toEqual([
      ['status', 1],
      ['latency', -1]
    ]) // -1: unlimited
    expect((await fetch(`${emu.url}/__emulator/faults`, { method: 'DELETE' })).status).toBe(204)
    expect(await (await get('/__emulator/faults')).json()).toEqual([])
    expect((await get(DISCOVERY)).status).toBe(200)
  })

  test.each([
    [{ path: '/x' }, 'a fault needs "kind" and "path"'],
    [{ kind: 'status', path: '/x' }, 'a "status" fault needs "status"'],
    [{ kind: 'latency', path: '/x' }, 'a "latency" fault needs "latencyMs"'],
    [
      { kind: 'explode', path: '/x' },
      'unknown fault kind "explode"; one of latency, status, reset-before, reset-after, hang, status-after, truncate, corrupt, echo, inject, rate-limit, serialize'
    ]
  ])('a bad spec %j is 400', async (spec, error) => {
    const res = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec)
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error })
  })

  test('control routes are never faulted', async () => {
    await arm({ kind: 'status', status: 500, path: '/**', times: 100 })
    expect((await get('/__emulator/health')).status).toBe(200)
    expect((await get(DISCOVERY)).status).toBe(500)
  })
})

describe('status faults', () => {
  test('429 with Retry-After in seconds', async () => {
    await arm({ kind: 'status', status: 429, retryAfter: 7, path: DISCOVERY })
    const res = await get(DISCOVERY)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(await res.json()).toEqual({ error: 'injected fault', status: 429 })
  })

  test('429 with Retry-After as an HTTP date', async () => {
    const date = 'Wed, 21 Oct 2037 07:28:00 GMT'
    await arm({ kind: 'status', status: 429, retryAfter: date, path: DISCOVERY })
    expect((await get(DISCOVERY)).headers.get('retry-after')).toBe(date)
  })

  test('429 without Retry-After has no such header', async () => {
    await arm({ kind: 'status', status: 429, path: DISCOVERY })
    const res = await get(DISCOVERY)
    expect(res.status).toBe(429)
    expect(res.headers.has('retry-after')).toBe(false)
  })

  test.each([
    ['with', 3],
    ['without', undefined]
  ])('N failures: times 3 of 429 %s Retry-After, then the real answer', async (_, retryAfter) => {
    await arm({ kind: 'status', status: 429, path: DISCOVERY, times: 3, ...(retryAfter === undefined ? {} : { retryAfter }) })
    for (let i = 0; i < 3; i++) {
      const res = await get(DISCOVERY)
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe(retryAfter === undefined ? null : String(retryAfter))
      expect(await res.json()).toEqual({ error: 'injected fault', status: 429 })
    }
    expect((await get(DISCOVERY)).status).toBe(200)
    expect(emu.log.since(0).map((e) => e.status)).toEqual([429, 429, 429, 200])
  })

  test.each([500, 502, 503])('%i, then the real answer once the fault is used up', async (status) => {
    await arm({ kind: 'status', status, path: DISCOVERY })
    const res = await get(DISCOVERY)
    expect(res.status).toBe(status)
    expect(await res.json()).toEqual({ error: 'injected fault', status })
    expect((await get(DISCOVERY)).status).toBe(200)
  })

  test('a custom body replaces the default one', async () => {
    await arm({ kind: 'status', status: 500, path: DISCOVERY, body: { code: '900967', message: 'General Error' } })
    expect(await (await get(DISCOVERY)).json()).toEqual({ code: '900967', message: 'General Error' })
  })

  test('a status fault does not run the handler', async () => {
    await arm({ kind: 'status', status: 503, path: '/test/write' })
    expect((await write()).status).toBe(503)
    expect(writes).toBe(0)
  })

  test('times counts matching requests; hits and remaining are reported', async () => {
    await arm({ kind: 'status', status: 503, path: DISCOVERY, times: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await get(DISCOVERY)).status)
    expect(statuses).toEqual([503, 503, 503, 200])
    const [fault] = (await (await get('/__emulator/faults')).json()) as { hits: number; remaining: number }[]
    expect(fault).toMatchObject({ hits: 3, remaining: 0 })
  })

  test('the first armed fault wins; the next takes over when it runs out', async () => {
    await arm([
      { kind: 'status', status: 502, path: DISCOVERY },
      { kind: 'status', status: 503, path: DISCOVERY }
    ])
    expect((await get(DISCOVERY)).status).toBe(502)
    expect((await get(DISCOVERY)).status).toBe(503)
    expect((await get(DISCOVERY)).status).toBe(200)
  })

  test('the method filter leaves other methods alone (and is case-insensitive)', async () => {
    await arm({ kind: 'status', status: 500, path: '/test/write', method: 'post' })
    expect((await get('/test/write')).status).toBe(405) // GET: not faulted, the route has no GET
    expect((await write()).status).toBe(500)
    expect((await write()).status).toBe(201)
  })

  test('a fault on a path matches requests whatever their query string', async () => {
    await arm({ kind: 'status', status: 500, path: DISCOVERY })
    expect((await get(`${DISCOVERY}?x=1`)).status).toBe(500)
  })
})

describe('glob paths', () => {
  test('* matches within one segment only', async () => {
    await arm({ kind: 'status', status: 500, path: '/github/.well-known/*', times: 10 })
    expect((await get('/github/.well-known/jwks')).status).toBe(500)
    expect((await get(DISCOVERY)).status).toBe(500)
    expect((await get('/github/_apis/idtoken?api-version=2.0')).status).toBe(401) // other segment: untouched
  })

  test('* does not cross a /', async () => {
    await arm({ kind: 'status', status: 500, path: '/github/*', times: 10 })
    expect((await get(DISCOVERY)).status).toBe(200)
  })

  test('** matches across segments', async () => {
    await arm({ kind: 'status', status: 500, path: '/github/**', times: 10 })
    expect((await get(DISCOVERY)).status).toBe(500)
    expect((await get('/github/_apis/idtoken')).status).toBe(500)
    expect((await write()).status).toBe(201)
  })

  test('* inside a segment matches a part of it', async () => {
    await arm({ kind: 'status', status: 500, path: '/github/.well-known/openid-*', times: 10 })
    expect((await get(DISCOVERY)).status).toBe(500)
    expect((await get('/github/.well-known/jwks')).status).toBe(200)
  })
})

describe('latency', () => {
  test('delays the answer by at least latencyMs and then answers normally', async () => {
    await arm({ kind: 'latency', latencyMs: 250, path: DISCOVERY })
    const started = performance.now()
    const res = await get(DISCOVERY)
    expect(res.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(245)
    expect(emu.log.since(0)[0].ms).toBeGreaterThanOrEqual(245)
  })

  test('latency faults add up and never run out unless times is given', async () => {
    await arm([
      { kind: 'latency', latencyMs: 100, path: DISCOVERY },
      { kind: 'latency', latencyMs: 100, path: DISCOVERY, times: 1 }
    ])
    let started = performance.now()
    await get(DISCOVERY)
    expect(performance.now() - started).toBeGreaterThanOrEqual(195)
    started = performance.now()
    await get(DISCOVERY)
    expect(performance.now() - started).toBeGreaterThanOrEqual(95)
    const faults = (await (await get('/__emulator/faults')).json()) as { hits: number; remaining: number }[]
    expect(faults.map((f) => [f.hits, f.remaining])).toEqual([
      [2, -1],
      [1, 0]
    ])
  })

  test('latency combines with a status fault', async () => {
    await arm([
      { kind: 'latency', latencyMs: 100, path: DISCOVERY },
      { kind: 'status', status: 503, path: DISCOVERY }
    ])
    const started = performance.now()
    expect((await get(DISCOVERY)).status).toBe(503)
    expect(performance.now() - started).toBeGreaterThanOrEqual(95)
  })
})

describe('serialize', () => {
  // Four requests sent at once, 100 ms of latency each: together ~100 ms, one at a time ≥ 400 ms.
  async function fourAtOnce(): Promise<number> {
    const started = performance.now()
    const answers = await Promise.all([1, 2, 3, 4].map((i) => get(`${DISCOVERY}?i=${i}`)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    return performance.now() - started
  }

  test('without it, concurrent requests overlap; with it, one is served at a time, latency included, in arrival order', async () => {
    await arm({ kind: 'latency', latencyMs: 100, path: DISCOVERY })
    expect(await fourAtOnce()).toBeLessThan(300)
    emu.log.clear()
    await arm({ kind: 'serialize', path: '/**' })
    expect(await fourAtOnce()).toBeGreaterThanOrEqual(395)
    const ends = emu.log.since(0).map((e) => e.end)
    for (let i = 1; i < ends.length; i++) expect(ends[i] - ends[i - 1]).toBeGreaterThanOrEqual(95)
  })

  test('it never runs out, leaves other paths concurrent, and is not the one fault that decides an answer', async () => {
    await arm([
      { kind: 'serialize', path: '/github/**' },
      { kind: 'status', status: 503, path: DISCOVERY, times: 1 },
      { kind: 'latency', latencyMs: 100, path: '/**' }
    ])
    expect((await get(DISCOVERY)).status).toBe(503)
    expect(await fourAtOnce()).toBeGreaterThanOrEqual(395)
    const started = performance.now()
    await Promise.all([1, 2, 3, 4].map((i) => get(`/not-serialized/${i}`)))
    expect(performance.now() - started).toBeLessThan(300)
    const faults = (await (await get('/__emulator/faults')).json()) as { kind: string; remaining: number }[]
    expect(faults.find((f) => f.kind === 'serialize')?.remaining).toBe(-1)
  })
})

describe('connection resets', () => {
  test('reset-before: the client sees a socket error and the write did NOT happen', async () => {
    await arm({ kind: 'reset-before', path: '/test/write' })
    await expect(write()).rejects.toMatchObject(FETCH_FAILED)
    expect(writes).toBe(0)
    expect(emu.log.since(0).at(-1)).toMatchObject({ method: 'POST', path: '/test/write', status: 0, fault: 'reset-before' })
    // Next request is served normally.
    expect((await write()).status).toBe(201)
    expect(writes).toBe(1)
  })

  test('reset-before on the GitHub id-token endpoint: no token, a socket error', async () => {
    await arm({ kind: 'reset-before', path: '/github/_apis/idtoken', method: 'GET' })
    const err = await get('/github/_apis/idtoken?api-version=2.0').then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toMatchObject(FETCH_FAILED)
    expect(String((err as { cause?: unknown }).cause)).toMatch(/other side closed|ECONNRESET|socket/i)
  })

  test('reset-after: the write WAS applied, but the client sees a socket error', async () => {
    await arm({ kind: 'reset-after', path: '/test/write' })
    await expect(write()).rejects.toMatchObject(FETCH_FAILED)
    expect(writes).toBe(1)
    expect(emu.log.since(0).at(-1)).toMatchObject({ path: '/test/write', status: 0, fault: 'reset-after' })
    expect(await (await write()).json()).toEqual({ writes: 2 })
  })
})

describe('hang', () => {
  test('the client gives up, the emulator keeps serving others, and stop() still completes', async () => {
    const other = withWriteRoute(new Emulator())
    await other.start()
    other.faults.add({ kind: 'hang', path: DISCOVERY })
    const hung = fetch(`${other.url}${DISCOVERY}`, { signal: AbortSignal.timeout(300) })
    // While that request hangs, other requests are answered.
    const res = await fetch(`${other.url}/github/.well-known/jwks`)
    expect(res.status).toBe(200)
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' })
    expect((await fetch(`${other.url}${DISCOVERY}`)).status).toBe(200) // times defaulted to 1
    expect(other.log.since(0)[0]).toMatchObject({ path: DISCOVERY, status: 0, fault: 'hang' })
    await other.stop()
  })

  test('stop() completes while a request is still hanging', async () => {
    const other = new Emulator()
    await other.start()
    other.faults.add({ kind: 'hang', path: DISCOVERY })
    const hung = fetch(`${other.url}${DISCOVERY}`).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 100))
    await other.stop()
    expect(await hung).toMatchObject(FETCH_FAILED) // the connection was closed under it
  })
})

describe('hostile-server faults', () => {
  /** The raw answer, read off the socket: fetch would hide a short body behind an error. */
  async function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    const { request } = await import('node:http')
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string; complete: boolean }>((resolve, reject) => {
      const req = request(`${emu.url}${path}`, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString('utf8')))
        const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete })
        res.on('end', done)
        res.on('error', done)
        res.on('close', done)
      })
      req.on('error', reject)
      req.end(init.body)
    })
  }

  test('status-after: the write is applied, the answer is the status', async () => {
    await arm({ kind: 'status-after', status: 503, path: '/test/write', method: 'POST' })
    expect((await write()).status).toBe(503)
    expect(writes).toBe(1)
  })

  test('truncate: the whole Content-Length is announced, part of the body is sent, the connection closes', async () => {
    await arm({ kind: 'truncate', path: DISCOVERY })
    const res = await raw(DISCOVERY)
    expect(res.status).toBe(200)
    expect(res.complete).toBe(false)
    expect(Buffer.byteLength(res.body)).toBeLessThan(Number(res.headers['content-length']))
  })

  test('corrupt: a complete answer declared JSON that is not JSON', async () => {
    await arm({ kind: 'corrupt', path: DISCOVERY })
    const res = await raw(DISCOVERY)
    expect(res.complete).toBe(true)
    expect(res.headers['content-type']).toContain('application/json')
    expect(() => JSON.parse(res.body)).toThrow()
  })

  test('echo: the credentials come back in several encodings, and the fault records what it echoed', async () => {
    await arm({ kind: 'echo', path: '/t/acme/oauth2/token', method: 'POST' })
    const authorization = `Basic ${Buffer.from('id:s3cret').toString('base64')}`
    const res = await raw('/t/acme/oauth2/token', {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&password=a+b%26c'
    })
    expect(res.status).toBe(400)
    const body = JSON.parse(res.body) as { error: string; error_description: string }
    expect(body.error).toBe('invalid_request')
    for (const form of [
      authorization,
      'id:s3cret',
      Buffer.from('id:s3cret').toString('base64url'),
      encodeURIComponent('id:s3cret'),
      'password=a+b%26c'
    ])
      expect(body.error_description).toContain(form)
    const [fault] = (await (await get('/__emulator/faults')).json()) as { echoed: string[] }[]
    expect(fault.echoed).toEqual([authorization])
  })

  test('inject: fields of the named keys are set or appended to at any depth', async () => {
    await arm({ kind: 'inject', path: DISCOVERY, set: { issuer: 'x' }, append: { jwks_uri: '\n::warning::y' } })
    const body = JSON.parse((await raw(DISCOVERY)).body) as { issuer: string; jwks_uri: string }
    expect(body.issuer).toBe('x')
    expect(body.jwks_uri.endsWith('\n::warning::y')).toBe(true)
  })

  test('rate-limit: past the limit in a window, 429 without Retry-After; a new window lets requests through again', async () => {
    await arm({ kind: 'rate-limit', limit: 2, windowMs: 300, path: DISCOVERY })
    const statuses = [(await get(DISCOVERY)).status, (await get(DISCOVERY)).status]
    const third = await get(DISCOVERY)
    expect([...statuses, third.status]).toEqual([200, 200, 429])
    expect(third.headers.get('retry-after')).toBeNull()
    await new Promise((r) => setTimeout(r, 350))
    expect((await get(DISCOVERY)).status).toBe(200)
  })

  test('skip: the first matching requests go through untouched', async () => {
    await arm({ kind: 'status', status: 500, path: DISCOVERY, skip: 1 })
    expect([(await get(DISCOVERY)).status, (await get(DISCOVERY)).status, (await get(DISCOVERY)).status]).toEqual([200, 500, 200])
  })
})
