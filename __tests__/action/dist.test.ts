import { expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { emulatorInputs, runDist, writesSince } from '../../scripts/local-runner.js'
import { gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator({ seed: { deployPropagationMs: 200 } }, { resetEach: false })

test('the committed bundle (dist/) runs end to end, then re-runs with no writes', async () => {
  expect(existsSync('dist/index.js')).toBe(true)
  const first = await runDist(emulatorInputs(emu, { 'token-scopes': 'read' }))
  expect(first.stderr).toBe('')
  expect(first.exitCode).toBe(0)
  expect(first.outputs.changed).toBe('true')
  expect(await gateway(emu, 'GET', '/items', first.outputs['access-token'])).toBe(200)
  expect(await gateway(emu, 'POST', '/items', first.outputs['access-token'])).toBe(403)
  const since = emu.log.lastSeq
  const second = await runDist(emulatorInputs(emu, { 'token-scopes': 'read' }))
  expect(second.exitCode).toBe(0)
  expect(second.outputs.changed).toBe('false')
  expect(await writesSince(emu, since)).toEqual([])
  // The runner protocol: the token is masked before it is set as an output.
  const mask = second.stdout.indexOf(`::add-mask::${second.outputs['access-token']}`)
  expect(mask).toBeGreaterThanOrEqual(0)
})
