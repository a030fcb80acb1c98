import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Http } from '../../src/http.js'
import { parseSmokeTest } from '../../src/smoke/parse.js'
import { runSmoke } from '../../src/smoke/run.js'

/** runSmoke over real loopback HTTP, against a server that records what it was sent and answers a script. */

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

let server: Server
let base = ''
let seen: Seen[] = []
let answers: { status: number; body?: string }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString('utf8')))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const answer = answers.shift() ?? { status: 200, body: '{"ok":true}' }
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(answer.body ?? '')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/items/v1`
})
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()))
})
beforeEach(() => {
  seen = []
  answers = []
})

const calls = (text: string) => {
  const problems: string[] = []
  const parsed = parseSmokeTest(text, problems)
  expect(problems).toEqual([])
  return parsed
}
const http = () => new Http({ deadline: Date.now() + 30_000 })
const noWait = async () => undefined

describe('runSmoke', () => {
  test('sends the token, the headers and the JSON body; anonymous sends no token', async () => {
    const h = http()
    const results = await runSmoke(
      calls('POST /items?x=1 -> 2xx\n  X-Request-Id: smoke-1\n  {"name": "widget"}\nGET /items -> 200 anonymous'),
      {
        baseUrl: `${base}/`,
        token: 'tok-123456',
        waitSeconds: 0,
        http: h
      }
    )
    h.dispose()
    expect(results.map((r) => r.ok)).toEqual([true, true])
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/acme/items/v1/items?x=1', body: '{"name":"widget"}' })
    expect(seen[0].headers).toMatchObject({
      authorization: 'Bearer tok-123456',
      'x-request-id': 'smoke-1',
      'content-type': 'application/json'
    })
    expect(seen[1].headers.authorization).toBeUndefined()
  })

  test('retries with a doubling backoff until the expectation holds; counts the attempts', async () => {
    answers = [{ status: 404 }, { status: 401 }, { status: 404 }, { status: 200 }]
    const waits: number[] = []
    const h = http()
    const [r] = await runSmoke(calls('GET /items -> 200'), {
      baseUrl: base,
      token: 't0k3n',
      waitSeconds: 60,
      http: h,
      sleep: async (ms) => void waits.push(ms)
    })
    h.dispose()
    expect(r).toMatchObject({ ok: true, status: 200, attempts: 4 })
    expect(waits).toEqual([500, 1000, 2000])
  })

  test('with no wait left, one attempt: the failure keeps the last status and a body excerpt without the token', async () => {
    answers = [{ status: 500, body: '{"error":"boom","echo":"Bearer t0k3n-secret"}' }]
    const h = http()
    const [r] = await runSmoke(calls('GET /items'), { baseUrl: base, token: 't0k3n-secret', waitSeconds: 0, http: h, sleep: noWait })
    h.dispose()
    expect(r).toMatchObject({ ok: false, status: 500, attempts: 1, expected: '2xx' })
    expect(r.excerpt).toBe('{"error":"boom","echo":"Bearer ***"}')
    expect(seen).toHaveLength(1) // the HTTP layer did not retry the 500 on its own
  })

  test('an unreachable gateway is status 0 with the reason, retried like any other miss', async () => {
    const h = http()
    const [r] = await runSmoke(calls('GET http://127.0.0.1:1/x'), { baseUrl: base, waitSeconds: 0, http: h, sleep: noWait })
    h.dispose()
    expect(r).toMatchObject({ ok: false, status: 0 })
    expect(r.excerpt).toContain('could not be reached')
  })
})
