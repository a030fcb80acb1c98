import { expect, test } from '@jest/globals'
import { emulatorInputs, runSource, type ActionRun } from '../../scripts/local-runner.js'
import { asgardeo } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator({ seed: { deployPropagationMs: 200 } }, { resetEach: false })

/** Every appearance of a secret outside its own ::add-mask:: command, and masks that came too late. */
function leaks(run: ActionRun, secrets: Record<string, string>): string[] {
  const found: string[] = []
  const lines = run.everything.split('\n')
  for (const [name, value] of Object.entries(secrets)) {
    const mask = lines.findIndex((l) => l === `::add-mask::${value}`)
    if (mask < 0) found.push(`${name} was never masked`)
    lines.forEach((line, i) => {
      if (line.includes(value) && line !== `::add-mask::${value}`)
        found.push(`${name} appears on line ${i}: ${line.replace(value, '<SECRET>')}`)
      if (i < mask && line.includes(value)) found.push(`${name} printed before its mask`)
    })
  }
  return found
}

test('no secret appears in any output, in debug mode, on success (password grant, every secret in play)', async () => {
  emu.reset()
  const s = emu.state.seed
  const run = await runSource(emulatorInputs(emu, { 'grant-type': 'password', username: s.userName, password: s.userPassword }), {
    debug: true
  })
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toContain('::debug::') // debug logging really was on
  const appId = run.outputs['asgardeo-application-id']
  const clientSecret = (await asgardeo(emu, 'GET', `/api/server/v1/applications/${appId}/inbound-protocols/oidc`)).body.clientSecret
  const secrets = {
    'asgardeo-client-secret': s.mgmtClientSecret,
    'choreo-token': s.choreoPat,
    password: s.userPassword,
    'application client secret': clientSecret,
    'access token': run.outputs['access-token']
  }
  expect(leaks(run, secrets)).toEqual([])
})

test('no secret appears in any output when the run fails', async () => {
  emu.reset()
  const s = emu.state.seed
  const run = await runSource(emulatorInputs(emu, { 'choreo-token': 'chp_wrong_token_value', 'key-manager': 'Okta' }), { debug: true })
  expect(run.exitCode).toBe(1)
  expect(leaks(run, { 'asgardeo-client-secret': s.mgmtClientSecret, 'choreo-token': 'chp_wrong_token_value' })).toEqual([])
})
