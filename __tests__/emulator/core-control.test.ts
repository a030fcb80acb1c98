import { describe, expect, test } from '@jest/globals'
import { DEFAULT_SEED, type EmulatorState } from '../../emulator/index.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${emu.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
}

describe('health', () => {
  test('GET /__emulator/health reports the base URLs and the seed in force', async () => {
    const res = await call('GET', '/__emulator/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      ok: true,
      urls: {
        base: emu.url,
        asgardeo: emu.url,
        choreo: emu.url,
        choreoApis: emu.url,
        github: `${emu.url}/github`,
        control: `${emu.url}/__emulator`
      },
      seed: DEFAULT_SEED
    })
  })

  test('the emulator listens on loopback only', () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})

describe('state dump and replace', () => {
  test('GET /__emulator/state dumps the whole state as JSON', async () => {
    const res = await call('GET', '/__emulator/state')
    expect(res.status).toBe(200)
    const dump = (await res.json()) as EmulatorState
    expect(dump.version).toBe(1)
    expect(dump.seed).toEqual(DEFAULT_SEED)
    expect(Object.keys(dump)).toEqual(expect.arrayContaining(['asgardeo', 'choreo', 'github', 'keys']))
  })

  test('PUT /__emulator/state round-trips a dump: later changes are undone', async () => {
    const before = await (await call('GET', '/__emulator/state')).json()
    const job = (await (await call('POST', '/__emulator/github/request-tokens', { repository: 'octo/app' })).json()) as {
      requestToken: string
      requestUrl: string
    }
    expect(await (await call('GET', '/__emulator/state')).json()).not.toEqual(before)

    const put = await call('PUT', '/__emulator/state', before)
    expect(put.status).toBe(204)
    expect(await put.text()).toBe('')
    expect(await (await call('GET', '/__emulator/state')).json()).toEqual(before)
    // The job created after the dump is gone.
    const res = await fetch(job.requestUrl, { headers: { authorization: `Bearer ${job.requestToken}` } })
    expect(res.status).toBe(401)
  })

  test('PUT of a dump restores its signing keys: old tokens keep verifying', async () => {
    const mint = async (): Promise<string> =>
      ((await (await call('POST', '/__emulator/github/id-token', { repository: 'octo/app' })).json()) as { value: string }).value
    await mint()
    const dump = await (await call('GET', '/__emulator/state')).json()
    emu.reset()
    expect(await (await call('PUT', '/__emulator/state', dump)).status).toBe(204)
    const token = await mint()
    await expect(emu.keys.verify('github', token, { audience: 'https://github.com/octo' })).resolves.toBeTruthy()
    const jwks = (await (await call('GET', '/github/.well-known/jwks')).json()) as { keys: { kid: string }[] }
    expect(jwks.keys[0].kid).toBe((dump as EmulatorState).keys.github.kid)
  })

  test.each([[{}], [{ version: 2, asgardeo: {}, choreo: {} }], [[1, 2]]])(
    'PUT of something that is not a dump (%j) is 400',
    async (body) => {
      const res = await call('PUT', '/__emulator/state', body)
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ error: 'body must be a state dump (version 1)' })
    }
  )
})

describe('reset', () => {
  test('POST /__emulator/reset with overrides reseeds; the rest keeps the defaults', async () => {
    const res = await call('POST', '/__emulator/reset', { asgardeoOrg: 'globex', maxRevisions: 3 })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ seed: { ...DEFAULT_SEED, asgardeoOrg: 'globex', maxRevisions: 3 } })
    const health = (await (await call('GET', '/__emulator/health')).json()) as { seed: typeof DEFAULT_SEED }
    expect(health.seed.asgardeoOrg).toBe('globex')
    expect(health.seed.choreoOrgHandle).toBe(DEFAULT_SEED.choreoOrgHandle)
  })

  test('a reset without a body goes back to the defaults', async () => {
    await call('POST', '/__emulator/reset', { asgardeoOrg: 'globex' })
    const res = await call('POST', '/__emulator/reset')
    expect(((await res.json()) as { seed: unknown }).seed).toEqual(DEFAULT_SEED)
  })

  test('reset clears state changes, faults, the log and the clock', async () => {
    await call('POST', '/__emulator/github/request-tokens', { repository: 'octo/app' })
    await call('POST', '/__emulator/faults', { kind: 'status', status: 500, path: '/nowhere' })
    await call('GET', '/github/.well-known/openid-configuration')
    await call('POST', '/__emulator/clock', { advanceSeconds: 60 })
    expect(emu.log.since(0)).toHaveLength(1)

    await call('POST', '/__emulator/reset')
    expect(emu.state.github.requestTokens).toEqual({})
    expect(await (await call('GET', '/__emulator/faults')).json()).toEqual([])
    expect(await (await call('GET', '/__emulator/log')).json()).toEqual([])
    expect(emu.clockOffsetMs).toBe(0)
  })

  test('emu.reset(overrides) from a test does the same as the control route', () => {
    emu.reset({ choreoOrgHandle: 'initech' })
    expect(emu.state.seed.choreoOrgHandle).toBe('initech')
  })
})

describe('clock', () => {
  test('POST /__emulator/clock moves the emulated clock forward', async () => {
    const before = Date.now()
    const res = await call('POST', '/__emulator/clock', { advanceSeconds: 3600 })
    expect(res.status).toBe(200)
    const { now } = (await res.json()) as { now: string }
    expect(Date.parse(now)).toBeGreaterThanOrEqual(before + 3_600_000)
    expect(emu.now()).toBeGreaterThanOrEqual(before + 3_600_000)
  })

  test('advances add up', async () => {
    await call('POST', '/__emulator/clock', { advanceSeconds: 30 })
    await call('POST', '/__emulator/clock', { advanceSeconds: 30 })
    expect(emu.clockOffsetMs).toBe(60_000)
  })

  test('tokens minted after an advance are issued at the emulated time', async () => {
    const before = Date.now()
    await call('POST', '/__emulator/clock', { advanceSeconds: 7200 })
    const { value } = (await (await call('POST', '/__emulator/github/id-token', { repository: 'octo/app' })).json()) as { value: string }
    const iat = JSON.parse(Buffer.from(value.split('.')[1], 'base64url').toString()).iat as number
    // Bracketed by the wall clock before and after: no assumption on how long the calls took.
    expect(iat).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 7200)
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 7200)
  })

  test.each([[{}], [{ advanceSeconds: 'soon' }]])('a bad body %j is 400', async (body) => {
    const res = await call('POST', '/__emulator/clock', body)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'body must be {"advanceSeconds": number}' })
  })
})

describe('unknown routes and methods', () => {
  test('an unknown path is 404 with a code/message/description body', async () => {
    const res = await call('GET', '/no/such/thing')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(await res.json()).toEqual({ code: 404, message: 'Not Found', description: 'No resource at GET /no/such/thing' })
  })

  test('a known path with another method is 405', async () => {
    const res = await call('POST', '/github/.well-known/jwks', {})
    expect(res.status).toBe(405)
    expect(await res.json()).toEqual({
      code: 405,
      message: 'Method Not Allowed',
      description: 'POST is not allowed on /github/.well-known/jwks'
    })
  })

  test('an unknown control route is 404 too', async () => {
    const res = await call('GET', '/__emulator/nope')
    expect(res.status).toBe(404)
    expect(((await res.json()) as { code: number }).code).toBe(404)
  })

  test('HEAD on a GET route answers the headers without a body', async () => {
    const res = await call('HEAD', '/github/.well-known/openid-configuration')
    expect(res.status).toBe(200)
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0)
    expect(await res.text()).toBe('')
  })

  test('a body over 1 MiB is answered 413', async () => {
    const res = await fetch(`${emu.url}/github/.well-known/jwks`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 10) })
    expect(res.status).toBe(413)
  })
})
