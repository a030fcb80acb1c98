import { expect, test } from '@jest/globals'
import { Asgardeo } from '../../src/asgardeo/client.js'
import { ApiError, Http, MAX_BODY_BYTES, MAX_PAGES } from '../../src/http.js'
import { Pacer } from '../../src/pace.js'
import { useEmulator } from '../support/emulator.js'

/** The one HTTP layer against the emulator's faults: what it retries, how long it waits, what it never resends. */
const emu = useEmulator()

const http = (over: Partial<ConstructorParameters<typeof Http>[0]> = {}) =>
  new Http({ deadline: Date.now() + 20_000, rateLimitWaitMs: 200, ...over })
const jwks = () => `${emu.url}/t/acme/oauth2/jwks`

test('a 429 without Retry-After waits (rate limits are per minute), then retries', async () => {
  emu.faults.add({ kind: 'status', status: 429, method: 'GET', path: '/t/acme/oauth2/jwks', times: 2 })
  const client = http()
  const started = Date.now()
  const res = await client.request({ service: 'asgardeo', method: 'GET', url: jwks() })
  expect(res.status).toBe(200)
  expect(client.stats.retries).toBe(2)
  // First wait 100-200 ms, second 200-400 ms (half fixed, half jitter): at least 300 ms in all.
  expect(Date.now() - started).toBeGreaterThanOrEqual(300)
  client.dispose()
})

test('a wait that would pass the deadline is not started: the error comes at once', async () => {
  emu.faults.add({ kind: 'status', status: 429, retryAfter: 60, method: 'GET', path: '/t/acme/oauth2/jwks' })
  const client = http({ deadline: Date.now() + 5_000 })
  await expect(client.request({ service: 'asgardeo', method: 'GET', url: jwks() })).rejects.toMatchObject({ status: 429 })
  client.dispose()
})

test('a 502 on a POST is not resent (it may have been applied); on a GET it is', async () => {
  emu.faults.add({ kind: 'status', status: 502, path: '/t/acme/oauth2/token' })
  const client = http()
  const err = await client
    .request({ service: 'asgardeo', method: 'POST', url: `${emu.url}/t/acme/oauth2/token`, form: { grant_type: 'client_credentials' } })
    .catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ApiError)
  expect((err as ApiError).status).toBe(502)
  expect(client.stats.retries).toBe(0)
  emu.faults.add({ kind: 'status', status: 502, method: 'GET', path: '/t/acme/oauth2/jwks' })
  expect((await client.request({ service: 'asgardeo', method: 'GET', url: jwks() })).status).toBe(200)
  expect(client.stats.retries).toBe(1)
  client.dispose()
})

test('errors never carry a registered secret, even when the server echoes it', async () => {
  emu.faults.add({
    kind: 'status',
    status: 400,
    path: '/t/acme/oauth2/token',
    body: { error: 'invalid_request', error_description: 'bad value s3cr3t-value-here' }
  })
  const client = http()
  client.addSecret('s3cr3t-value-here')
  const err = (await client
    .request({ service: 'asgardeo', method: 'POST', url: `${emu.url}/t/acme/oauth2/token`, form: {} })
    .catch((e: unknown) => e)) as Error
  expect(err.message).toContain('bad value ***')
  expect(err.message).not.toContain('s3cr3t')
  client.dispose()
})

test('plain http is refused for anything but loopback, before any request', async () => {
  const client = http()
  await expect(client.request({ service: 'choreo', method: 'GET', url: 'http://sts.choreo.dev/api/am/publisher/v2/apis' })).rejects.toThrow(
    'is not HTTPS'
  )
  expect(client.stats.requests).toBe(0)
  client.dispose()
})

test('a body over the size bound is an error, retried for a read, never taken for an answer', async () => {
  emu.faults.add({
    kind: 'status',
    status: 200,
    method: 'GET',
    path: '/t/acme/oauth2/jwks',
    times: 10,
    body: { keys: 'x'.repeat(MAX_BODY_BYTES) }
  })
  const client = http()
  const err = (await client.request({ service: 'asgardeo', method: 'GET', url: jwks() }).catch((e: unknown) => e)) as ApiError
  expect(err).toBeInstanceOf(ApiError)
  expect(err.message).toMatch(/sent a bad response to GET .*jwks: the body is \d+ bytes, over the 5242880-byte bound/)
  expect(client.stats.requests).toBe(4)
  client.dispose()
})

test('requests to a rate-limited host are paced: a burst degrades to waiting, not to 429s', async () => {
  // The server allows 20 per 500 ms; the pacer sends at most 4 at once and 4 more per 500 ms (room for a stalled event loop).
  const limited = () => emu.faults.add({ kind: 'rate-limit', limit: 20, windowMs: 500, method: 'GET', path: '/t/acme/oauth2/jwks' })
  const burst = (client: Http) =>
    Promise.all(
      Array.from({ length: 30 }, () =>
        client.request({ service: 'asgardeo', method: 'GET', url: jwks() }).then(
          () => 'ok',
          (e: ApiError) => String(e.status)
        )
      )
    )
  // Unpaced and without retries, the same burst is refused: the test can tell the difference.
  limited()
  const unpaced = http({ pacer: new Pacer(() => undefined), maxAttempts: 1 })
  expect((await burst(unpaced)).filter((r) => r === '429').length).toBeGreaterThan(0)
  unpaced.dispose()

  emu.reset()
  limited()
  const paced = http({ pacer: new Pacer(() => ({ perWindow: 4, windowMs: 500 })), maxAttempts: 1 })
  expect(await burst(paced)).toEqual(Array(30).fill('ok'))
  expect(emu.log.since(0).filter((e) => e.status === 429)).toEqual([])
  expect(paced.stats.pacedMs).toBeGreaterThan(0)
  paced.dispose()
})

test('a pacing wait that would pass the deadline is not started', async () => {
  const client = http({ deadline: Date.now() + 10_000, pacer: new Pacer(() => ({ perWindow: 1, windowMs: 60_000 })) })
  expect((await client.request({ service: 'asgardeo', method: 'GET', url: jwks() })).status).toBe(200)
  await expect(client.request({ service: 'asgardeo', method: 'GET', url: jwks() })).rejects.toMatchObject({ code: 'TIMEOUT' })
  expect(client.stats.requests).toBe(1)
  client.dispose()
})

test("Asgardeo's listings are bounded: an endless next link is an error, a next link off the listing is not followed", async () => {
  const client = http({ pacer: new Pacer(() => undefined) })
  const api = new Asgardeo(client, emu.url, 'acme')
  const page = (href: string) => ({ apiResources: [], links: [{ rel: 'next', href }] })
  emu.faults.add({
    kind: 'status',
    status: 200,
    method: 'GET',
    path: '/t/acme/api/server/v1/api-resources',
    times: 1000,
    body: page(`${emu.url}/t/acme/api/server/v1/api-resources?after=x`)
  })
  await expect(api.findApiResource('urn:x')).rejects.toMatchObject({ code: 'LISTING_TOO_LONG' })
  expect(client.stats.requests).toBe(MAX_PAGES)
  emu.reset()
  emu.faults.add({
    kind: 'status',
    status: 200,
    method: 'GET',
    path: '/t/acme/api/server/v1/api-resources',
    body: page('https://evil.example/t/acme/api/server/v1/api-resources?after=x')
  })
  await expect(api.findApiResource('urn:x')).rejects.toMatchObject({ code: 'BAD_NEXT_LINK' })
  client.dispose()
})

test('refuses to run with TLS verification switched off for the process, naming the fix', () => {
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
  try {
    expect(() => new Http({ deadline: Date.now() + 1000 })).toThrow(/NODE_TLS_REJECT_UNAUTHORIZED=0 .* NODE_EXTRA_CA_CERTS/)
  } finally {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved
  }
})
