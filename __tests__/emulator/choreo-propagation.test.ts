import { expect, test } from '@jest/globals'
import { useEmulator } from '../support/emulator.js'
import { PUB, SEED, caller } from './choreo-helpers.js'

/**
 * seed.deployPropagationMs (issue 7's implementation): a deployment has no successDeployedTime until it has
 * propagated; meanwhile another deploy answers 409 902005 and the gateway keeps serving the previous revision.
 */
const emu = useEmulator({ seed: { deployPropagationMs: 30_000 } }, { resetEach: false })
const call = caller(() => emu)
const advance = (seconds: number) =>
  fetch(`${emu.url}/__emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds })
  })

test('successDeployedTime appears only after the propagation delay; meanwhile a deploy is refused and the old revision served', async () => {
  const rev = (await call('POST', `${PUB}/apis/${SEED.apiId}/revisions`, { description: 'r' })).body
  expect((await call('POST', `${PUB}/apis/${SEED.apiId}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])).status).toBe(200)
  const production = async () =>
    (await call('GET', `${PUB}/apis/${SEED.apiId}/deployments`)).body.list.find((d: any) => d.name === 'Production')
  const gateway = async () => (await fetch(`${emu.url}/gateway/Production${SEED.apiContext}/${SEED.apiVersion}/items`)).status
  expect(await production()).toMatchObject({ revisionUuid: rev.id, deployedTime: expect.any(String) })
  expect((await production()).successDeployedTime).toBeUndefined()
  const again = await call('POST', `${PUB}/apis/${SEED.apiId}/deploy-revision?revisionId=${rev.id}`, [{ name: 'Production' }])
  expect(again.status).toBe(409)
  expect(again.body.code).toBe(902005)
  // The seeded API was live on Production before: that revision is still served (401 without a token, not 404).
  expect(await gateway()).toBe(401)
  await advance(31)
  const live = await production()
  expect(Date.parse(live.successDeployedTime)).toBeGreaterThanOrEqual(Date.parse(live.deployedTime))
  expect(await gateway()).toBe(401)
})
