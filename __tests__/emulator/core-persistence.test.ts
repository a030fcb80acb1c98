import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as jose from 'jose'
import { Emulator, type EmulatorState } from '../../emulator/index.js'
import { json } from '../../emulator/core/http.js'
import type { Router } from '../../emulator/core/router.js'

let dir: string
let stateFile: string
const running: Emulator[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-state-'))
  stateFile = join(dir, 'state.json')
})
afterEach(async () => {
  for (const e of running.splice(0)) await e.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function start(options: ConstructorParameters<typeof Emulator>[0] = {}): Promise<Emulator> {
  const emulator = new Emulator({ stateFile, ...options })
  // A test-only write route on the private router: a non-control POST that changes the state.
  ;(emulator as unknown as { router: Router }).router.post('/test/write', (ctx) => {
    ctx.emulator.state.github.lastRunId = 42
    return json(201, {})
  })
  await emulator.start()
  running.push(emulator)
  return emulator
}

function onDisk(): EmulatorState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EmulatorState
}

async function newJob(emulator: Emulator): Promise<{ requestToken: string }> {
  const res = await fetch(`${emulator.url}/__emulator/github/request-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'octo/app' })
  })
  expect(res.status).toBe(201)
  return (await res.json()) as { requestToken: string }
}

describe('state file', () => {
  test('nothing is written before the first write', async () => {
    await start()
    expect(existsSync(stateFile)).toBe(false)
  })

  test('a non-control write is saved to the file as it happens', async () => {
    const a = await start()
    expect((await fetch(`${a.url}/test/write`, { method: 'POST' })).status).toBe(201)
    expect(onDisk().github.lastRunId).toBe(42)
  })

  test('a control write (a GitHub job) is saved too, as a hash only', async () => {
    const a = await start()
    const { requestToken } = await newJob(a)
    const disk = onDisk()
    expect(Object.keys(disk.github.requestTokens)).toHaveLength(1)
    expect(readFileSync(stateFile, 'utf8')).not.toContain(requestToken)
  })

  test('a signing key created by a GET (JWKS) is saved at once', async () => {
    const a = await start()
    await fetch(`${a.url}/github/.well-known/jwks`)
    expect(onDisk().keys.github.kid).toBeTruthy()
  })

  test('a second emulator on the same file sees the first one’s state and verifies its tokens', async () => {
    const a = await start()
    const { requestToken } = await newJob(a)
    const res = await fetch(`${a.url}/github/_apis/idtoken?api-version=2.0&audience=aud`, {
      headers: { authorization: `Bearer ${requestToken}` }
    })
    const { value } = (await res.json()) as { value: string }

    const b = await start()
    expect(b.url).not.toBe(a.url)
    // The job created on A works on B.
    const again = await fetch(`${b.url}/github/_apis/idtoken?api-version=2.0&audience=aud`, {
      headers: { authorization: `Bearer ${requestToken}` }
    })
    expect(again.status).toBe(200)
    // A's token verifies against B's JWKS (same persisted key).
    const jwks = jose.createRemoteJWKSet(new URL(`${b.url}/github/.well-known/jwks`))
    await expect(jose.jwtVerify(value, jwks, { audience: 'aud' })).resolves.toBeTruthy()
  })

  test('an existing state file wins over seed options', async () => {
    const a = await start({ seed: { asgardeoOrg: 'first' } })
    await newJob(a)
    await a.stop()
    const b = await start({ seed: { asgardeoOrg: 'second' } })
    expect(b.state.seed.asgardeoOrg).toBe('first')
  })

  test('reset rewrites the file with the fresh seed', async () => {
    const a = await start()
    await newJob(a)
    await fetch(`${a.url}/__emulator/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"asgardeoOrg":"globex"}'
    })
    const disk = onDisk()
    expect(disk.github.requestTokens).toEqual({})
    expect(disk.seed.asgardeoOrg).toBe('globex')
  })

  test('stop() saves the state', async () => {
    const a = await start()
    a.state.github.lastRunId = 7
    await a.stop()
    expect(onDisk().github.lastRunId).toBe(7)
  })

  test('the file is replaced atomically (no .tmp left behind)', async () => {
    const a = await start()
    await newJob(a)
    expect(existsSync(`${stateFile}.tmp`)).toBe(false)
  })
})
