import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApi } from '../../emulator/choreo/state.js'
import { emulatorInputs, runSource, writesSince } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'
import { leaks } from '../support/leaks.js'
import { gateway } from '../support/services.js'

// Several APIs in one step: a `config` file, one graph, shared lookups made once, a `results` output.
const emu = useEmulator()

/** The Orders API next to the seeded Items API, published, with operations of its own. */
function addOrdersApi(): string {
  const org = Object.values(emu.state.choreo.orgs)[0]
  const api = createApi(org, {
    name: 'Orders API',
    version: 'v1',
    context: '/orders-api',
    lifeCycleStatus: 'PUBLISHED',
    operations: [
      { verb: 'GET', target: '/orders' },
      { verb: 'POST', target: '/orders' }
    ]
  })
  return api.id
}

/** The step's inputs: the connection as inputs (the outermost defaults), the APIs in a file in the workspace. */
function step(file: string) {
  const workspace = mkdtempSync(join(tmpdir(), 'many-'))
  writeFileSync(join(workspace, 'apis.yaml'), file)
  const inputs = emulatorInputs(emu, { config: 'apis.yaml' })
  delete inputs.api
  delete inputs.scopes
  return { inputs, workspace }
}

const TWO = `
apis:
  items:
    api: Items API
    scopes: |
      read: GET /items, GET /items/{id}
      write: POST /items
    token-scopes: read
  orders:
    api: Orders API
    scopes: |
      orders_read: GET /orders
`

type Results = Record<string, Record<string, unknown>>
const results = (run: { outputs: Record<string, string> }): Results => JSON.parse(run.outputs.results) as Results

describe('config: many APIs in one run', () => {
  test('first run secures every API with one shared application; each entry gets its own token; the re-run changes nothing', async () => {
    addOrdersApi()
    const { inputs, workspace } = step(TWO)
    const since = emu.log.lastSeq
    const run = await runSource(inputs, { workspace })
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    const r = results(run)
    expect(Object.keys(r)).toEqual(['items', 'orders'])
    expect(r.items.scopes).toEqual(['urn:acme:itemsapi:read', 'urn:acme:itemsapi:write'])
    expect(r.orders.scopes).toEqual(['urn:acme:ordersapi:orders_read'])
    expect(r.items['granted-scopes']).toBe('urn:acme:itemsapi:read')
    expect(r.orders['granted-scopes']).toBe('urn:acme:ordersapi:orders_read')
    // One application on each service serves both APIs.
    expect(r.items['client-id']).toBe(r.orders['client-id'])
    expect(r.items['choreo-application-id']).toBe(r.orders['choreo-application-id'])
    expect(r.items['api-resource-id']).not.toBe(r.orders['api-resource-id'])
    expect(r.items.changed).toBe(true)

    // Shared lookups happen once: the management token, the key managers, the application lookups.
    const log = emu.log.since(since).map((e) => `${e.method} ${e.path}`)
    const count = (re: RegExp) => log.filter((l) => re.test(l)).length
    expect(count(/^POST \/t\/acme\/oauth2\/token/)).toBe(3) // management + one token per entry
    expect(count(/^GET .*\/key-managers/)).toBe(1)
    expect(count(/^GET \/t\/acme\/api\/server\/v1\/applications\?/)).toBe(1)
    expect(count(/^POST \/t\/acme\/api\/server\/v1\/applications$/)).toBe(1)
    expect(count(/^POST .*\/devportal\/v2\/applications\?/)).toBe(1)
    expect(count(/^GET .*\/publisher\/v2\/settings/)).toBe(1)

    // One plan: shared rows have no entry, the others say theirs.
    const plan = JSON.parse(run.outputs.plan) as { entry?: string; resource: string; action: string }[]
    expect(plan.filter((c) => c.resource === 'Asgardeo application')).toEqual([expect.not.objectContaining({ entry: expect.anything() })])
    expect(plan.filter((c) => c.resource === 'Choreo subscription').map((c) => c.entry)).toEqual(['items', 'orders'])
    expect(run.outputs.changed).toBe('true')
    // One summary, with the API of each row.
    expect(run.summary).toContain('<th>API</th>')

    // Each token works at the gateway for its own API only as far as its scopes go.
    const items = String(r.items['access-token'])
    expect(await gateway(emu, 'GET', '/items', items)).toBe(200)
    expect(await gateway(emu, 'POST', '/items', items)).toBe(403)
    // Tokens are masked, each on its own, and never printed.
    expect(leaks(run, { items, orders: String(r.orders['access-token']), secret: inputs['asgardeo-client-secret'] })).toEqual([])
    expect(run.stdout).toContain(`::add-mask::${items}`)

    const again = emu.log.lastSeq
    const second = await runSource(inputs, { workspace })
    expect(second.exitCode).toBe(0)
    expect(second.outputs.changed).toBe('false')
    expect(results(second).orders.changed).toBe(false)
    expect(await writesSince(emu, again)).toEqual([])
  })

  test("one API's failure does not stop the others: the step fails naming it, the others are done", async () => {
    addOrdersApi()
    const { inputs, workspace } = step(`${TWO}
  missing:
    api: No Such API
    scopes: "read: GET /x"
`)
    const run = await runSource(inputs, { workspace })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::missing: Input "api": no Choreo API is named "No Such API"')
    expect(run.stdout).toMatch(/::error::1 of 3 APIs failed \(missing\)/)
    const r = results(run)
    expect(r.missing.error).toMatch(/no Choreo API is named "No Such API"/)
    expect(r.missing['access-token']).toBeUndefined()
    expect(r.items.error).toBeUndefined()
    expect(r.items['access-token']).toEqual(expect.any(String))
    expect(r.orders['access-token']).toEqual(expect.any(String))
    expect(run.summary).toContain('missing: Input &quot;api&quot;')
  })

  test('plan mode writes nothing and plans every entry; check mode fails on the drift of one entry, naming it', async () => {
    const ordersId = addOrdersApi()
    const { inputs, workspace } = step(TWO)
    const since = emu.log.lastSeq
    const planned = await runSource({ ...inputs, mode: 'plan' }, { workspace })
    expect(planned.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    const rows = JSON.parse(planned.outputs.plan) as { entry?: string; resource: string; action: string }[]
    expect(rows.filter((c) => c.resource === 'Asgardeo API resource').map((c) => [c.entry, c.action])).toEqual([
      ['items', 'create'],
      ['orders', 'create']
    ])

    expect((await runSource(inputs, { workspace })).exitCode).toBe(0)
    // By hand: the Orders API's operation loses its scope.
    const org = Object.values(emu.state.choreo.orgs)[0]
    const orders = org.apis.find((a) => a.id === ordersId)!
    for (const op of orders.operations) op.scopes = []
    const before = emu.log.lastSeq
    const checked = await runSource({ ...inputs, mode: 'check' }, { workspace })
    expect(checked.exitCode).toBe(1)
    expect(checked.stdout).toMatch(/::error::Drift: \[orders\] Choreo API scopes "Orders API" \(update\)/)
    expect(checked.stdout).not.toMatch(/Drift: .*\[items\]/)
    expect(await writesSince(emu, before)).toEqual([])
  })

  test("password grant: one application role carries every entry's scopes, and each token holds its own", async () => {
    addOrdersApi()
    const { inputs, workspace } = step(`
defaults:
  grant-type: password
  username: ${'${USER_NAME}'}
apis:
  items:
    api: Items API
    scopes: "read: GET /items"
  orders:
    api: Orders API
    scopes: "orders_read: GET /orders"
`)
    process.env.USER_NAME = emu.state.seed.userName
    try {
      const run = await runSource({ ...inputs, password: emu.state.seed.userPassword }, { workspace })
      expect(run.stdout).not.toContain('::error::')
      expect(run.exitCode).toBe(0)
      const r = results(run)
      expect(r.items['granted-scopes']).toBe('urn:acme:itemsapi:read')
      expect(r.orders['granted-scopes']).toBe('urn:acme:ordersapi:orders_read')
      expect(leaks(run, { password: emu.state.seed.userPassword })).toEqual([])
      const again = emu.log.lastSeq
      const second = await runSource({ ...inputs, password: emu.state.seed.userPassword }, { workspace })
      expect(second.exitCode).toBe(0)
      expect(second.outputs.changed).toBe('false')
      expect(await writesSince(emu, again)).toEqual([])
    } finally {
      delete process.env.USER_NAME
    }
  })

  const ITEMS_AND = (orders: string) => `
apis:
  items:
    api: Items API
    scopes: "read: GET /items"
${orders}`
  test.each([
    [
      'entries that cannot share an application',
      ITEMS_AND('  orders:\n    api: Orders API\n    scopes: "read: GET /orders"\n    grant-type: password\n    username: alice\n'),
      /config entries "items" and "orders" share the application "ci-items-client" but differ in grant-type, username/
    ],
    [
      'the GitHub OIDC binding, which stays one API per step',
      ITEMS_AND('    grant-type: token-exchange\n'),
      /config entry "items": grant-type token-exchange is not supported in a config file yet/
    ]
  ])('%s: refused before any request', async (_what, file, message) => {
    const { inputs, workspace } = step(file)
    const since = emu.log.lastSeq
    const run = await runSource({ ...inputs, password: 'secret-pw' }, { workspace })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(message)
    expect(emu.log.since(since)).toEqual([])
  })
})
