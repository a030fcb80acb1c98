import { expect, test } from '@jest/globals'
import { dependencyDepth } from '../../scripts/bench-lib.js'
import { emulatorInputs, runSource } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'

// How many round trips a run waits for one after another: the requests' own start and end times in the
// emulator's log, with a latency on every request so that a request that waits for another cannot overlap it.
const emu = useEmulator()

test('the no-op re-run is 4 requests deep: the API-resource lookup does not wait for Choreo', async () => {
  expect((await runSource(emulatorInputs(emu))).exitCode).toBe(0)
  emu.faults.add({ kind: 'latency', latencyMs: 40, path: '/**' })
  const since = emu.log.lastSeq
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(0)
  const log = emu.log.since(since)
  // Level 1: the org and the management token; 2: the API search and the Asgardeo lookups, the resource
  // lookup among them; 3: the reads that need an id; 4: the token.
  expect(dependencyDepth(log)).toBe(4)
  const search = log.find((e) => e.method === 'GET' && /\/publisher\/v2\/apis$/.test(e.path.split('?')[0]))!
  const lookup = log.find((e) => e.method === 'GET' && /\/api-resources$/.test(e.path.split('?')[0]))!
  expect(lookup.start).toBeLessThan(search.end)
})
