import { expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

test('the bundle runs a config file of many APIs, with the results output and each token masked', async () => {
  const workspace = mkdtempSync(join(tmpdir(), 'dist-config-'))
  // The seeded API twice over would be refused; one entry plus the defaults layer is enough to prove the bundle's file layer.
  writeFileSync(join(workspace, 'apis.yaml'), 'defaults:\n  token-scopes: read\napis:\n  items:\n    api: ${ITEMS_API}\n')
  const inputs = emulatorInputs(emu, { config: 'apis.yaml' })
  delete inputs.api
  process.env.ITEMS_API = 'Items API'
  try {
    const run = await runDist(inputs, { workspace })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const items = (JSON.parse(run.outputs.results) as Record<string, Record<string, string>>).items
    expect(items['granted-scopes']).toBe('urn:acme:itemsapi:read')
    expect(run.stdout).toContain(`::add-mask::${items['access-token']}`)
    expect(await gateway(emu, 'GET', '/items', items['access-token'])).toBe(200)
  } finally {
    delete process.env.ITEMS_API
  }
})
