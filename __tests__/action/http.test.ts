import { expect, test } from '@jest/globals'
import { ApiError, Http } from '../../src/http.js'
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
