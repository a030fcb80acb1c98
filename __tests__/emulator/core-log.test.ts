import { describe, expect, test } from '@jest/globals'
import { Emulator, type LogEntry } from '../../emulator/index.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

const DISCOVERY = '/github/.well-known/openid-configuration'

async function log(since?: number): Promise<LogEntry[]> {
  const res = await fetch(`${emu.url}/__emulator/log${since === undefined ? '' : `?since=${since}`}`)
  expect(res.status).toBe(200)
  return (await res.json()) as LogEntry[]
}

describe('request log', () => {
  test('records method, path with query, status, ms, start and end, and an increasing seq', async () => {
    await fetch(`${emu.url}${DISCOVERY}`)
    await fetch(`${emu.url}/github/_apis/idtoken?api-version=2.0`)
    await fetch(`${emu.url}/nope`, { method: 'DELETE' })
    const entries = await log()
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', DISCOVERY, 200],
      ['GET', '/github/_apis/idtoken?api-version=2.0', 401],
      ['DELETE', '/nope', 404]
    ])
    for (const e of entries) {
      expect(typeof e.ms).toBe('number')
      expect(e.ms).toBeGreaterThanOrEqual(0)
      expect(e.fault).toBeUndefined()
    }
    // start / end: epoch ms of arrival and answer; requests made one after another do not overlap.
    for (const e of entries) expect(Math.abs(e.end - e.start - e.ms)).toBeLessThan(0.2)
    expect(Math.abs(entries[0].start - Date.now())).toBeLessThan(60_000)
    for (let i = 1; i < entries.length; i++) expect(entries[i].start).toBeGreaterThanOrEqual(entries[i - 1].end)
    expect(entries[1].seq).toBe(entries[0].seq + 1)
    expect(entries[2].seq).toBe(entries[1].seq + 1)
  })

  test('since=N returns only the entries after seq N', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${emu.url}${DISCOVERY}?i=${i}`)
    const all = await log()
    const later = await log(all[0].seq)
    expect(later.map((e) => e.path)).toEqual([`${DISCOVERY}?i=1`, `${DISCOVERY}?i=2`])
    expect(await log(all[2].seq)).toEqual([])
  })

  test('control requests are not logged', async () => {
    await fetch(`${emu.url}/__emulator/health`)
    await fetch(`${emu.url}/__emulator/state`)
    expect(await log()).toEqual([])
  })

  test('secret-bearing query parameters are redacted; others are kept', async () => {
    await fetch(`${emu.url}${DISCOVERY}?client_secret=s3cr3t&code=abc&token=t0k&password=pw&access_token=at&keep=visible`)
    const [entry] = await log()
    expect(entry.path).toBe(
      `${DISCOVERY}?client_secret=REDACTED&code=REDACTED&token=REDACTED&password=REDACTED&access_token=REDACTED&keep=visible`
    )
    const dump = JSON.stringify(await log())
    for (const secret of ['s3cr3t', 'abc', 't0k', '=pw', '=at&']) expect(dump).not.toContain(secret)
  })

  test('no header or body ever reaches the log', async () => {
    await fetch(`${emu.url}/__emulator/github/id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"repository":"o/r"}'
    })
    await fetch(`${emu.url}/github/_apis/idtoken?api-version=2.0`, { headers: { authorization: 'Bearer very-secret-request-token' } })
    const entries = await log()
    expect(JSON.stringify(entries)).not.toContain('very-secret-request-token')
    expect(Object.keys(entries[0]).sort()).toEqual(['end', 'method', 'ms', 'path', 'seq', 'start', 'status'])
  })

  test('an injected fault is named in its entry', async () => {
    emu.faults.add({ kind: 'status', status: 503, path: DISCOVERY })
    await fetch(`${emu.url}${DISCOVERY}`)
    expect((await log())[0]).toMatchObject({ status: 503, fault: 'status 503' })
  })

  test('DELETE /__emulator/log clears it; seq keeps counting', async () => {
    await fetch(`${emu.url}${DISCOVERY}`)
    const [first] = await log()
    expect((await fetch(`${emu.url}/__emulator/log`, { method: 'DELETE' })).status).toBe(204)
    expect(await log()).toEqual([])
    await fetch(`${emu.url}${DISCOVERY}`)
    const [next] = await log()
    expect(next.seq).toBeGreaterThan(first.seq)
  })

  test('the log is a bounded ring: only the newest logCapacity entries are kept', async () => {
    const small = new Emulator({ logCapacity: 50 })
    await small.start()
    try {
      for (let i = 1; i <= 60; i++) await fetch(`${small.url}${DISCOVERY}?i=${i}`)
      const entries = (await (await fetch(`${small.url}/__emulator/log`)).json()) as LogEntry[]
      expect(entries).toHaveLength(50)
      expect(entries[0].path).toBe(`${DISCOVERY}?i=11`)
      expect(entries[49].path).toBe(`${DISCOVERY}?i=60`)
      expect(entries[49].seq - entries[0].seq).toBe(49)
    } finally {
      await small.stop()
    }
  })
})
