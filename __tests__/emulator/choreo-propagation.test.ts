import { expect, test } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'
import { PUB, SEED, caller } from './choreo-helpers.js'

/** seed.deployPropagationMs: a deployment has no successDeployedTime, and is not served, until it has propagated. */
const emu = useEmulator({ seed: { deployPropagationMs: 30_000 } }, { resetEach: false })
const call = caller(() => emu)
const advance = (seconds: number) =>
  fetch(`${emu.url}/__emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds })
  })

test('successDeployedTime appears, and the gateway serves the revision, only after the propagation delay', async () => {
  const rev = (await call('POST', `${PUB}/apis/${SEED.apiId}/revisions`, { description: 'r' })).body
  expect((await call('POST', `${PUB}/apis/${SEED.apiId}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])).status).toBe(200)
  const production = async () =>
    (await call('GET', `${PUB}/apis/${SEED.apiId}/deployments`)).body.list.find((d: any) => d.name === 'Production')
  const gateway = async () => (await fetch(`${emu.url}/gateway/Production${SEED.apiContext}/${SEED.apiVersion}/items`)).status
  expect(await production()).toMatchObject({ revisionUuid: rev.id, deployedTime: expect.any(String) })
  expect((await production()).successDeployedTime).toBeUndefined()
  expect(await gateway()).toBe(404)
  await advance(31)
  expect((await production()).successDeployedTime).toBe((await production()).deployedTime)
  expect(await gateway()).not.toBe(404)
})
