import { describe, expect, test } from '@jest/globals'
import { emulatorInputs, runSource, writesSince, type Inputs } from '../../scripts/local-runner.js'
import { choreo, gateway } from '../support/services.js'
import { useEmulator } from '../support/emulator.js'

/**
 * Scopes from the API's OpenAPI document (`openapi`), run through src/ as the runner runs it, against the
 * emulator's Items API (GET /items, GET /items/{id}, POST /items, DELETE /items/{id}). The path is relative
 * to GITHUB_WORKSPACE, which the harness sets to this repository.
 */
const emu = useEmulator()

const READ = 'urn:acme:itemsapi:read'
const WRITE = 'urn:acme:itemsapi:write'
const DOCUMENT = '__tests__/fixtures/openapi/items.openapi.yaml'
const withDocument = (over: Inputs = {}, file = DOCUMENT) => emulatorInputs(emu, { scopes: '', openapi: file, ...over })

const apiPath = () => `/publisher/v2/apis/${emu.state.seed.apiId}`
const bindings = async () =>
  Object.fromEntries(((await choreo(emu, 'GET', apiPath())).body.operations as any[]).map((op) => [`${op.verb} ${op.target}`, op.scopes]))
const scopesRow = (plan: string) => (JSON.parse(plan) as any[]).find((c) => c.resource === 'Choreo API scopes')

describe('openapi', () => {
  test('binds per the document; a binding added by hand is drift for check, left alone by "scopes", unbound by apply', async () => {
    const first = await runSource(withDocument())
    expect(first.stdout).not.toContain('::error::')
    expect(first.exitCode).toBe(0)
    expect(JSON.parse(first.outputs.scopes)).toEqual([READ, WRITE])
    expect(await bindings()).toEqual({
      'GET /items': [READ],
      'GET /items/{id}': [READ],
      'POST /items': [WRITE],
      'DELETE /items/{id}': [WRITE]
    })

    // Someone binds read to DELETE /items/{id} in the Console.
    const api = (await choreo(emu, 'GET', apiPath())).body
    api.operations.find((op: any) => op.verb === 'DELETE').scopes = [WRITE, READ]
    expect((await choreo(emu, 'PUT', apiPath(), api)).status).toBe(200)

    const since = emu.log.lastSeq
    const check = await runSource(withDocument({ mode: 'check' }))
    expect(check.exitCode).toBe(1)
    expect(check.stdout).toMatch(/::error::Drift: .*Choreo API scopes "Items API" \(update\)/)
    expect(check.stdout).toContain('unbind read from DELETE /items/{id}')
    expect(scopesRow(check.outputs.plan)).toMatchObject({ action: 'update', details: ['unbind read from DELETE /items/{id}'] })
    expect(await writesSince(emu, since)).toEqual([])

    // The scopes input only adds bindings: the same hand-made one is not its business.
    const additive = await runSource(emulatorInputs(emu, { mode: 'check' }))
    expect(scopesRow(additive.outputs.plan)).toMatchObject({ action: 'no change' })

    const repair = await runSource(withDocument({ 'token-scopes': 'read' }))
    expect(repair.exitCode).toBe(0)
    expect(scopesRow(repair.outputs.plan)).toMatchObject({ action: 'update', details: ['unbind read from DELETE /items/{id}'] })
    expect(JSON.parse(repair.outputs.plan).find((c: any) => c.resource === 'Choreo API deployment').action).toBe('update')
    expect((await bindings())['DELETE /items/{id}']).toEqual([WRITE])
    // The gateway enforces the document again: a read token reads and cannot delete.
    const token = repair.outputs['access-token']
    expect(await gateway(emu, 'GET', '/items/7', token)).toBe(200)
    expect(await gateway(emu, 'DELETE', '/items/7', token)).toBe(403)

    const clean = await runSource(withDocument({ mode: 'check' }))
    expect(clean.exitCode).toBe(0)
    expect(clean.outputs.changed).toBe('false')
  })

  test('a deployed revision carrying a binding the document lacks is replaced, though the stored API matches again', async () => {
    expect((await runSource(withDocument())).exitCode).toBe(0)
    // By hand: bind read to DELETE, deploy that as a revision everywhere, then drop the binding from the API only.
    const api = (await choreo(emu, 'GET', apiPath())).body
    const del = api.operations.find((op: any) => op.verb === 'DELETE')
    del.scopes = [WRITE, READ]
    expect((await choreo(emu, 'PUT', apiPath(), api)).status).toBe(200)
    const manual = (await choreo(emu, 'POST', `${apiPath()}/revisions`, { description: 'by hand' })).body.id
    for (const env of emu.state.seed.environments)
      expect(
        (await choreo(emu, 'POST', `${apiPath()}/deploy-revision?revisionId=${manual}`, [{ name: env, displayOnDevportal: true }])).status
      ).toBe(200)
    del.scopes = [WRITE]
    expect((await choreo(emu, 'PUT', apiPath(), api)).status).toBe(200)

    const deployment = (plan: string) => (JSON.parse(plan) as any[]).find((c) => c.resource === 'Choreo API deployment')
    // The scopes input finds every binding it wants live, and is content.
    const additive = await runSource(emulatorInputs(emu, { mode: 'check' }))
    expect(additive.exitCode).toBe(0)
    const check = await runSource(withDocument({ mode: 'check' }))
    expect(check.exitCode).toBe(1)
    expect(scopesRow(check.outputs.plan).action).toBe('no change')
    expect(deployment(check.outputs.plan).action).toBe('update')

    const repair = await runSource(withDocument({ 'token-scopes': 'read' }))
    expect(repair.exitCode).toBe(0)
    expect(deployment(repair.outputs.plan).action).toBe('update')
    expect(await gateway(emu, 'DELETE', '/items/7', repair.outputs['access-token'])).toBe(403)
  })

  test('an operation in the document that the Choreo API lacks fails pre-flight, naming the input and the file, with zero writes', async () => {
    const file = '__tests__/fixtures/openapi/items-extra-operation.openapi.yaml'
    const since = emu.log.lastSeq
    const run = await runSource(withDocument({}, file))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(
      `::error::Input "openapi" (${file}): the API "Items API" has no operation PUT /items/{id} (permission write). Its operations are: GET /items, GET /items/{id}, POST /items, DELETE /items/{id}.`
    )
    expect(await writesSince(emu, since)).toEqual([])
  })

  test('a missing document fails before any request', async () => {
    const since = emu.log.lastSeq
    const run = await runSource(withDocument({}, 'services/items/openapi.yaml'))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::Input "openapi": cannot read "services/items/openapi.yaml" (no such file')
    expect(emu.log.since(since)).toEqual([])
  })
})
