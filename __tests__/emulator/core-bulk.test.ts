import { describe, expect, test } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'
import { call, MGMT, mgmtToken } from './asgardeo-mgmt-helpers.js'
import { caller, DEV, PUB } from './choreo-helpers.js'

const emu = useEmulator()
const choreo = caller(() => emu)

const LARGE_ORG = { asgardeoApplications: 10_000, apiResources: 2_000, devportalApplications: 5_000, publisherApis: 500 }

async function bulkSeed(body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${emu.urls.control}/bulk-seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: res.status, body: await res.json() }
}

/** One call's answer and how long it took. */
async function timed<T>(f: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = performance.now()
  const answer = await f()
  return { answer, ms: performance.now() - started }
}

describe('bulk seeding (POST /__emulator/bulk-seed): a large org for the benchmark', () => {
  test('adds the objects and answers the new totals; the lookups the action makes stay exact and fast at that size', async () => {
    const seeded = await timed(() => bulkSeed(LARGE_ORG))
    expect(seeded.answer.status).toBe(200)
    expect(seeded.answer.body).toEqual({
      asgardeoApplications: 10_001, // + the seeded management app
      apiResources: 2_006, // + the six SYSTEM APIs
      devportalApplications: 5_000,
      publisherApis: 501 // + the seeded Items API
    })
    expect(seeded.ms).toBeLessThan(5_000)

    const token = await mgmtToken(emu)
    const someApp = emu.state.asgardeo.orgs.acme.applications[5_000].name
    const app = await timed(() =>
      call(emu, 'GET', `${MGMT}/applications?filter=${encodeURIComponent(`name eq "${someApp}"`)}&limit=100`, { token })
    )
    expect(app.answer.body.totalResults).toBe(1)
    const someResource = emu.state.asgardeo.orgs.acme.apiResources[1_000].identifier
    const resource = await timed(() =>
      call(emu, 'GET', `${MGMT}/api-resources?filter=${encodeURIComponent(`identifier eq "${someResource}"`)}&limit=100`, { token })
    )
    expect(resource.answer.body.apiResources.map((r: { identifier: string }) => r.identifier)).toEqual([someResource])
    const someDevApp = emu.state.choreo.orgs[emu.state.seed.choreoOrgUuid].applications[4_999].name
    const devApp = await timed(() => choreo('GET', `${DEV}/applications?query=${encodeURIComponent(someDevApp)}&limit=100&offset=0`))
    expect(devApp.answer.body.list.map((a: { name: string }) => a.name)).toEqual([someDevApp])
    const api = await timed(() => choreo('GET', `${PUB}/apis?query=${encodeURIComponent('name:"Items API"')}&limit=100&offset=0`))
    expect(api.answer.body.list.map((a: { name: string }) => a.name)).toEqual(['Items API'])
    // Generous: a filtered lookup over the whole large org, on a loaded 2-core machine.
    for (const { ms } of [app, resource, devApp, api]) expect(ms).toBeLessThan(1_000)
  })

  test.each([[{ asgardeoApplications: -1 }], [{ publisherApis: 1.5 }], [{ apiResources: '10' }]])(
    'a bad count %j is 400 and adds nothing',
    async (body) => {
      const before = emu.state.asgardeo.orgs.acme.applications.length
      const res = await bulkSeed(body)
      expect(res.status).toBe(400)
      expect(res.body.error).toMatch(/must be a whole number from 0 to 100000/)
      expect(emu.state.asgardeo.orgs.acme.applications.length).toBe(before)
    }
  )
})
