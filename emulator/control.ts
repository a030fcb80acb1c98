import type { Router } from './core/router.js'
import { empty, json } from './core/http.js'
import type { FaultSpec } from './core/faults.js'
import type { Emulator, EmulatorState } from './index.js'
import type { SeedDefaults } from './seed.js'
import { bulkSeed, type BulkCounts } from './bulk.js'

/**
 * Test-only control surface under /__emulator: never subject to faults, never in the request log.
 *
 *   GET    /__emulator/health           base URLs and the seed in force
 *   GET    /__emulator/state            dump the whole state (JSON)
 *   PUT    /__emulator/state            replace the whole state with a dump
 *   POST   /__emulator/reset            back to the seed; body: optional seed overrides
 *   GET    /__emulator/log?since=N      request log entries after seq N
 *   DELETE /__emulator/log              clear the request log
 *   GET    /__emulator/faults           armed faults
 *   POST   /__emulator/faults           arm one fault (FaultSpec) or several (FaultSpec[])
 *   DELETE /__emulator/faults           disarm all faults
 *   POST   /__emulator/clock            {"advanceSeconds": n}: move the emulated clock forward
 *   POST   /__emulator/bulk-seed        {"asgardeoApplications", "apiResources", "devportalApplications", "publisherApis"}:
 *                                       add that many unrelated objects (a large org) → the new totals
 */
export function registerControl(router: Router, emulator: Emulator): void {
  const p = '/__emulator'
  router.get(`${p}/health`, () => json(200, { ok: true, urls: emulator.urls, seed: emulator.state.seed }))
  router.get(`${p}/state`, () => json(200, emulator.state))
  router.put(`${p}/state`, (ctx) => {
    const s = ctx.json as EmulatorState | undefined
    if (!s || s.version !== 1 || !s.asgardeo || !s.choreo) return json(400, { error: 'body must be a state dump (version 1)' })
    emulator.replaceState(s)
    return empty(204)
  })
  router.post(`${p}/reset`, (ctx) => {
    emulator.reset((ctx.json as Partial<SeedDefaults> | undefined) ?? {})
    return json(200, { seed: emulator.state.seed })
  })
  router.get(`${p}/log`, (ctx) => json(200, emulator.log.since(Number(ctx.query.get('since') ?? 0))))
  router.delete(`${p}/log`, () => {
    emulator.log.clear()
    return empty(204)
  })
  router.get(`${p}/faults`, () => json(200, emulator.faults.list()))
  router.post(`${p}/faults`, (ctx) => {
    const specs = Array.isArray(ctx.json) ? (ctx.json as FaultSpec[]) : [ctx.json as FaultSpec]
    try {
      return json(
        201,
        specs.map((s) => emulator.faults.add(s))
      )
    } catch (err) {
      return json(400, { error: (err as Error).message })
    }
  })
  router.delete(`${p}/faults`, () => {
    emulator.faults.clear()
    return empty(204)
  })
  router.post(`${p}/bulk-seed`, (ctx) => {
    try {
      const totals = bulkSeed(emulator.state, (ctx.json as BulkCounts | undefined) ?? {})
      return json(200, totals)
    } catch (err) {
      return json(400, { error: (err as Error).message })
    }
  })
  router.post(`${p}/clock`, (ctx) => {
    const n = Number((ctx.json as { advanceSeconds?: number } | undefined)?.advanceSeconds)
    if (!Number.isFinite(n)) return json(400, { error: 'body must be {"advanceSeconds": number}' })
    emulator.clockOffsetMs += n * 1000
    return json(200, { now: new Date(emulator.now()).toISOString() })
  })
}
