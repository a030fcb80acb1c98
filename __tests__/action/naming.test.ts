import { describe, expect, test } from '@jest/globals'
import type { SeedDefaults } from '../../emulator/index.js'
import { emulatorInputs, runSource, writesSince, type Inputs } from '../../scripts/local-runner.js'
import { choreo, gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

/**
 * The action converges under every scope-naming hypothesis the references leave open (choreo-api.md §4),
 * with the API-name slug and with a slug Choreo takes from elsewhere (the component's name), while
 * deploys take a moment to go live: it secures the API, then a re-run makes no write at all.
 */
const emu = useEmulator({ seed: { deployPropagationMs: 200 } })
const apiId = () => emu.state.seed.apiId

interface Case {
  title: string
  seed: Partial<SeedDefaults>
  /** A Console-made scope the API already has (its prefix is Choreo's). */
  existing?: string
  inputs?: Inputs
  /** The names Choreo ends up storing. */
  prefix: string
}

const COMPONENT = 'itemsservice'
const cases: Case[] = [
  { title: 'qualify, API-name slug', seed: { scopeNaming: 'qualify' }, prefix: 'urn:acme:itemsapi:' },
  { title: 'qualify, component slug', seed: { scopeNaming: 'qualify', scopeSlug: COMPONENT }, prefix: 'urn:acme:itemsapi:' },
  {
    title: 'qualify, component slug, a Console-made scope exists',
    seed: { scopeNaming: 'qualify', scopeSlug: COMPONENT },
    existing: 'audit',
    prefix: `urn:acme:${COMPONENT}:`
  },
  { title: 'verbatim, API-name slug', seed: { scopeNaming: 'verbatim' }, prefix: 'urn:acme:itemsapi:' },
  { title: 'verbatim, component slug', seed: { scopeNaming: 'verbatim', scopeSlug: COMPONENT }, prefix: 'urn:acme:itemsapi:' },
  { title: 'strict, API-name slug', seed: { scopeNaming: 'strict' }, prefix: 'urn:acme:itemsapi:' },
  {
    title: 'strict, component slug, a Console-made scope exists',
    seed: { scopeNaming: 'strict', scopeSlug: COMPONENT },
    existing: 'audit',
    prefix: `urn:acme:${COMPONENT}:`
  },
  {
    title: 'strict, component slug, scope-prefix given',
    seed: { scopeNaming: 'strict', scopeSlug: COMPONENT },
    inputs: { 'scope-prefix': `urn:acme:${COMPONENT}:` },
    prefix: `urn:acme:${COMPONENT}:`
  }
]

/** A scope made in the Console: under every hypothesis it carries Choreo's own qualified name. */
async function consoleScope(value: string): Promise<void> {
  const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
  const slug = emu.state.seed.scopeSlug ?? 'itemsapi'
  api.scopes.push({
    scope: { name: `urn:acme:${slug}:${value}`, displayName: value, description: 'made by hand', bindings: [] },
    shared: false
  })
  expect((await choreo(emu, 'PUT', `/publisher/v2/apis/${apiId()}`, api)).status).toBe(200)
}

describe.each(cases)('$title', ({ seed, existing, inputs, prefix }) => {
  test('converges: scopes stored, bound, deployed and granted; a re-run makes no write', async () => {
    emu.reset(seed)
    if (existing) await consoleScope(existing)
    const read = `${prefix}read`
    const write = `${prefix}write`
    const first = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', ...inputs }))
    expect(first.stdout).not.toContain('::error::')
    expect(first.exitCode).toBe(0)
    expect(JSON.parse(first.outputs.scopes)).toEqual([read, write])
    expect(first.outputs['granted-scopes']).toBe(read)

    const api = (await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body
    expect(api.scopes.map((s: any) => s.scope.name)).toEqual(expect.arrayContaining([read, write]))
    const bound = Object.fromEntries(api.operations.map((op: any) => [`${op.verb} ${op.target}`, op.scopes]))
    expect(bound).toEqual({ 'GET /items': [read], 'GET /items/{id}': [read], 'POST /items': [write], 'DELETE /items/{id}': [write] })
    // The whole object went back: what the action does not manage is still there.
    expect(api.policies).toEqual(['Unlimited'])
    expect(api.endpointConfig).toBeTruthy()

    const token = first.outputs['access-token']
    expect(await gateway(emu, 'GET', '/items', token)).toBe(200)
    expect(await gateway(emu, 'POST', '/items', token)).toBe(403)

    const since = emu.log.lastSeq
    const again = await runSource(emulatorInputs(emu, { 'token-scopes': 'read', ...inputs }))
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(again.outputs.changed).toBe('false')
  })
})

test('strict with a slug the action cannot know: a clear error naming scope-prefix, and nothing half-written on Choreo', async () => {
  emu.reset({ scopeNaming: 'strict', scopeSlug: COMPONENT })
  const run = await runSource(emulatorInputs(emu))
  expect(run.exitCode).toBe(1)
  expect(run.stdout).toMatch(/::error::.*Choreo refused the new scope names of the API "Items API".*set input "scope-prefix"/)
  expect((await choreo(emu, 'GET', `/publisher/v2/apis/${apiId()}`)).body.scopes).toEqual([])
})

test('a change while the last deploy is still propagating waits for it (409 902005), deploys, then waits for its own', async () => {
  // Five emulated minutes of propagation: the re-run surely meets it; the clock moves on once it has.
  emu.reset({ deployPropagationMs: 300_000 })
  expect((await runSource(emulatorInputs(emu, { scopes: 'read: GET /items', 'deploy-wait-seconds': '0' }))).exitCode).toBe(0)
  const since = emu.log.lastSeq
  const deploys = () => emu.log.since(since).filter((e) => e.method === 'POST' && e.path.includes('/deploy-revision'))
  const until = async (seen: () => boolean) => {
    while (!seen()) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const running = runSource(emulatorInputs(emu))
  await until(() => deploys().some((e) => e.status === 409))
  emu.clockOffsetMs += 301_000
  // Its own deployment propagates too (deploy-wait-seconds): the run waits until it is live.
  await until(() => deploys().some((e) => e.status === 200))
  emu.clockOffsetMs += 301_000
  const run = await running
  expect(run.stdout).not.toContain('::error::')
  expect(run.exitCode).toBe(0)
  expect(deploys().map((e) => e.status)).toEqual([409, 200])
  expect(await gateway(emu, 'POST', '/items', run.outputs['access-token'])).toBe(200)
})
