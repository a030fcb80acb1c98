import { describe, expect, test } from '@jest/globals'
import type { ChoreoApi } from '../../src/choreo/client.js'
import {
  MARKER,
  Plan,
  adoptedDescription,
  bareValue,
  contentHash,
  otherOwners,
  ownedDescription,
  ownersOf,
  ownership,
  recordedContent,
  withOwner,
  defaultApiIdentifier,
  diffApiScopes,
  diffAuthorization,
  missingScopes,
  qualifiedNames,
  revisionMatches,
  scopeDiffOptions,
  ungranted,
  urnPrefix
} from '../../src/plan.js'
import { parseScopes } from '../../src/inputs.js'

const OWNER = 'octo-org/items-service/ci-items-client'

const api = (over: Partial<ChoreoApi> = {}): ChoreoApi => ({
  id: 'api-1',
  name: 'Items API',
  version: 'v1.0',
  context: '/items-api',
  operations: [
    { verb: 'GET', target: '/items', scopes: [] },
    { verb: 'GET', target: '/items/{id}', scopes: [] },
    { verb: 'POST', target: '/items', scopes: [] }
  ],
  scopes: [],
  ...over
})
const wanted = parseScopes('read: GET /items, GET /items/{id}\nwrite: POST /items')

describe('diffApiScopes', () => {
  test('adds missing scopes, fully qualified as Choreo names them, and binds them', () => {
    const d = diffApiScopes(api(), wanted, false, 'Acme', OWNER)
    expect(d.changed).toBe(true)
    expect(d.next.scopes!.map((s) => [s.scope.name, s.scope.displayName])).toEqual([
      ['urn:acme:itemsapi:read', 'read'],
      ['urn:acme:itemsapi:write', 'write']
    ])
    expect(d.next.operations!.map((o) => o.scopes)).toEqual([
      ['urn:acme:itemsapi:read'],
      ['urn:acme:itemsapi:read'],
      ['urn:acme:itemsapi:write']
    ])
    expect(d.details).toEqual([
      'add scope read',
      'bind read to GET /items',
      'bind read to GET /items/{id}',
      'add scope write',
      'bind write to POST /items'
    ])
  })
  test('new names take the stored prefix first, then scope-prefix, then the API-name slug', () => {
    const names = (a: ReturnType<typeof api>, prefix?: string) =>
      diffApiScopes(a, wanted, false, 'acme', OWNER, prefix).next.scopes!.map((s) => s.scope.name)
    expect(names(api(), 'urn:acme:itemsservice:')).toEqual(['urn:acme:itemsservice:read', 'urn:acme:itemsservice:write'])
    expect(names(api({ scopes: [{ scope: { name: 'urn:acme:svc:audit' } }] }), 'urn:acme:itemsservice:')).toContain('urn:acme:svc:read')
    expect(names(api())).toEqual(['urn:acme:itemsapi:read', 'urn:acme:itemsapi:write'])
  })
  test('leaves the input object untouched', () => {
    const a = api()
    diffApiScopes(a, wanted, false, 'acme', OWNER)
    expect(a.scopes).toEqual([])
  })
  test('is a no-op when the stored qualified names are already bound', () => {
    const a = api({
      scopes: [{ scope: { name: 'urn:acme:itemsapi:read' } }, { scope: { name: 'urn:acme:itemsapi:write' } }],
      operations: [
        { verb: 'get', target: '/items', scopes: ['urn:acme:itemsapi:read'] },
        { verb: 'GET', target: '/items/{id}', scopes: ['urn:acme:itemsapi:read'] },
        { verb: 'POST', target: '/items', scopes: ['urn:acme:itemsapi:write'] }
      ]
    })
    expect(diffApiScopes(a, wanted, false, 'acme', OWNER)).toMatchObject({ changed: false, details: [] })
  })
  test('repairs a dropped binding only', () => {
    const a = api({
      scopes: [{ scope: { name: 'urn:acme:itemsapi:read' } }, { scope: { name: 'urn:acme:itemsapi:write' } }],
      operations: [
        { verb: 'GET', target: '/items', scopes: ['urn:acme:itemsapi:read'] },
        { verb: 'GET', target: '/items/{id}', scopes: [] },
        { verb: 'POST', target: '/items', scopes: ['urn:acme:itemsapi:write'] }
      ]
    })
    expect(diffApiScopes(a, wanted, false, 'acme', OWNER).details).toEqual(['bind read to GET /items/{id}'])
  })
  test('new scopes follow the URN prefix the API already uses', () => {
    const a = api({ scopes: [{ scope: { name: 'urn:starkindustries:hrapi:read' } }] })
    expect(diffApiScopes(a, wanted, false, 'acme', OWNER).next.scopes!.map((s) => s.scope.name)).toEqual([
      'urn:starkindustries:hrapi:read',
      'urn:starkindustries:hrapi:write'
    ])
    expect(urnPrefix(api())).toBe('')
  })
  test('a bare binding of a qualified scope is not taken for the qualified one', () => {
    const a = api({
      scopes: [{ scope: { name: 'urn:acme:itemsapi:read' } }],
      operations: [{ verb: 'GET', target: '/items', scopes: ['read'] }]
    })
    expect(diffApiScopes(a, parseScopes('read: GET /items'), false, 'acme', OWNER).details).toEqual(['bind read to GET /items'])
  })
  test('an operation the API lacks is an input error listing the ones it has', () => {
    expect(() => diffApiScopes(api(), parseScopes('admin: DELETE /items/{id}'), false, 'acme', OWNER)).toThrow(
      'Input "scopes": the API "Items API" has no operation DELETE /items/{id} (permission admin). Its operations are: GET /items, GET /items/{id}, POST /items. Fix the path or verb in "scopes"'
    )
  })
  test('new scopes carry the owner mark; a marked scope of another owner that is wanted gets ours too; hand-made ones are not marked', () => {
    const a = api({
      scopes: [
        { scope: { name: 'urn:acme:itemsapi:read', description: ownedDescription(['octo/other/app']) } },
        { scope: { name: 'urn:acme:itemsapi:write', description: 'by hand' } }
      ]
    })
    const d = diffApiScopes(a, parseScopes('read: GET /items\nwrite: POST /items\nnew: GET /items/{id}'), false, 'acme', OWNER)
    expect(d.details).toContain(`mark scope read as used by ${OWNER}`)
    expect(d.details).not.toContain(`mark scope write as used by ${OWNER}`)
    expect(ownersOf(d.next.scopes![0].scope.description).owners).toEqual(['octo/other/app', OWNER])
    expect(d.next.scopes![1].scope.description).toBe('by hand')
    expect(ownership(d.next.scopes![2].scope.description, OWNER)).toBe('ours')
  })
  test("prune removes only this owner's scopes that are no longer wanted, with their bindings; a co-owned one is only released", () => {
    const a = api({
      scopes: [
        { scope: { name: 'urn:acme:itemsapi:read', description: ownedDescription([OWNER]) } },
        { scope: { name: 'urn:acme:itemsapi:old', description: ownedDescription([OWNER]) } },
        { scope: { name: 'urn:acme:itemsapi:manual', description: 'made by hand' } },
        { scope: { name: 'urn:acme:itemsapi:theirs', description: ownedDescription(['octo/other/app']) } },
        { scope: { name: 'urn:acme:itemsapi:legacy', description: `${MARKER}.` } },
        { scope: { name: 'urn:acme:itemsapi:shared', description: ownedDescription(['octo/other/app', OWNER]) } }
      ],
      operations: [{ verb: 'GET', target: '/items', scopes: ['urn:acme:itemsapi:read', 'urn:acme:itemsapi:old'] }]
    })
    const only = parseScopes('read: GET /items')
    expect(diffApiScopes(a, only, false, 'acme', OWNER).changed).toBe(false)
    const d = diffApiScopes(a, only, true, 'acme', OWNER)
    expect(d.details).toEqual(['remove scope old (prune)', 'release scope shared (prune; still used by octo/other/app)'])
    expect(d.next.scopes!.map((s) => s.scope.name)).toEqual([
      'urn:acme:itemsapi:read',
      'urn:acme:itemsapi:manual',
      'urn:acme:itemsapi:theirs',
      'urn:acme:itemsapi:legacy',
      'urn:acme:itemsapi:shared'
    ])
    expect(ownersOf(d.next.scopes![4].scope.description).owners).toEqual(['octo/other/app'])
    expect(d.next.operations![0].scopes).toEqual(['urn:acme:itemsapi:read'])
  })
})

test('qualified names are read from the stored API', () => {
  const names = qualifiedNames(api({ scopes: [{ scope: { name: 'urn:acme:itemsapi:read' } }] }), wanted)
  expect([...names.entries()]).toEqual([
    ['read', 'urn:acme:itemsapi:read'],
    ['write', undefined]
  ])
})

test('revisionMatches needs every scope on every operation, and no scope of ours the API dropped', () => {
  const names = new Map<string, string | undefined>([
    ['read', 'urn:a:b:read'],
    ['write', 'urn:a:b:write']
  ])
  const full = api({
    scopes: [{ scope: { name: 'urn:a:b:read' } }, { scope: { name: 'urn:a:b:write' } }],
    operations: [
      { verb: 'GET', target: '/items', scopes: ['urn:a:b:read'] },
      { verb: 'GET', target: '/items/{id}', scopes: ['urn:a:b:read'] },
      { verb: 'POST', target: '/items', scopes: ['urn:a:b:write'] }
    ]
  })
  expect(revisionMatches(full, full, wanted, names)).toBe(true)
  const partial = structuredClone(full)
  partial.operations![1].scopes = []
  expect(revisionMatches(partial, full, wanted, names)).toBe(false)
  expect(revisionMatches(full, full, wanted, new Map([['read', undefined]]))).toBe(false)
  // A pruned scope still live: the revision must be replaced.
  const live = structuredClone(full)
  live.scopes!.push({ scope: { name: 'urn:a:b:old', description: `${MARKER}.` } })
  expect(revisionMatches(live, full, wanted, names)).toBe(false)
  // …but a scope someone else added is not ours to chase.
  live.scopes![2].scope.description = 'by hand'
  expect(revisionMatches(live, full, wanted, names)).toBe(true)
})

test('Asgardeo diffs', () => {
  expect(missingScopes([{ name: 'a' }], ['a', 'b'])).toEqual(['b'])
  expect(diffAuthorization(undefined, ['a'], false)).toEqual({ add: ['a'], remove: [] })
  // A scope authorized by hand is revoked only with prune.
  expect(diffAuthorization(['a', 'x'], ['a', 'b'], false)).toEqual({ add: ['b'], remove: [] })
  expect(diffAuthorization(['a', 'x'], ['a', 'b'], true)).toEqual({ add: ['b'], remove: ['x'] })
  expect(ungranted(['a', 'b', 'c'], 'b  a')).toEqual(['c'])
  expect(ungranted(['a'], undefined)).toEqual(['a'])
  expect(bareValue('urn:acme:itemsapi:read')).toBe('read')
  expect(defaultApiIdentifier('acme', { name: 'Items API', version: 'v1.0' })).toBe('urn:choreo:acme:items-api:v1.0')
})

test('the plan orders rows by the guide and knows when anything changes', () => {
  const plan = new Plan()
  plan.record({ resource: 'Choreo subscription', name: 's', action: 'no change', details: [] })
  expect(plan.changed).toBe(false)
  plan.record({ resource: 'Choreo API scopes', name: 'a', action: 'update', details: [] })
  expect(plan.changes.map((c) => c.resource)).toEqual(['Choreo API scopes', 'Choreo subscription'])
  expect(plan.changed).toBe(true)
})

describe('ownership marks', () => {
  test('ours, legacy, other, unmarked', () => {
    expect(ownership(ownedDescription([OWNER]), OWNER)).toBe('ours')
    expect(ownership(`${MARKER}.`, OWNER)).toBe('legacy')
    expect(ownership(ownedDescription(['someone/else/app']), OWNER)).toBe('other')
    expect(ownership('by hand', OWNER)).toBe('unmarked')
    expect(ownership(undefined, OWNER)).toBe('unmarked')
  })
  test('owners are added and released, never duplicated', () => {
    const both = withOwner(ownedDescription(['a/b/c']), OWNER)
    expect(ownersOf(both).owners).toEqual(['a/b/c', OWNER])
    expect(ownersOf(withOwner(both, OWNER)).owners).toEqual(['a/b/c', OWNER])
    expect(otherOwners(both, OWNER)).toEqual(['a/b/c'])
    expect(ownersOf(withOwner(`${MARKER}.`, OWNER)).owners).toEqual([OWNER])
  })
  test('adopting keeps a hand-written description, replaces another owner, and upgrades a legacy mark', () => {
    expect(adoptedDescription('Made by Ops', 'unmarked', OWNER, 512)).toBe(`Made by Ops ${ownedDescription([OWNER])}`)
    expect(ownersOf(adoptedDescription(ownedDescription(['x/y/z']), 'other', OWNER, 512)).owners).toEqual([OWNER])
    expect(ownership(adoptedDescription(`${MARKER}.`, 'legacy', OWNER, 512), OWNER)).toBe('ours')
  })
  test("a revision's content hash follows its scopes and bindings, not their order", () => {
    const a = api({
      scopes: [{ scope: { name: 'x' } }, { scope: { name: 'y' } }],
      operations: [{ verb: 'GET', target: '/items', scopes: ['x', 'y'] }]
    })
    const b = api({
      scopes: [{ scope: { name: 'y' } }, { scope: { name: 'x' } }],
      operations: [{ verb: 'get', target: '/items', scopes: ['y', 'x'] }]
    })
    expect(contentHash(a)).toBe(contentHash(b))
    b.operations![0].scopes = ['x']
    expect(contentHash(a)).not.toBe(contentHash(b))
    expect(recordedContent(ownedDescription([OWNER], `[content: ${contentHash(a)}]`))).toBe(contentHash(a))
  })
})

describe('exact bindings: the scopes of an OpenAPI document', () => {
  const READ = 'urn:acme:itemsapi:read'
  const WRITE = 'urn:acme:itemsapi:write'
  const OTHER = 'urn:acme:itemsapi:audit'
  const bound = () =>
    api({
      scopes: [{ scope: { name: READ } }, { scope: { name: WRITE } }, { scope: { name: OTHER } }],
      operations: [
        { verb: 'GET', target: '/items', scopes: [READ, OTHER] },
        { verb: 'GET', target: '/items/{id}', scopes: [READ] },
        { verb: 'post', target: '/items', scopes: [WRITE, READ] },
        { verb: 'DELETE', target: '/items/{id}', scopes: [READ] }
      ]
    })
  const source = { input: 'openapi', file: 'api/openapi.yaml' } as const

  test('a listed scope bound to an operation the document does not guard with it is unbound; scopes not listed keep theirs', () => {
    const d = diffApiScopes(bound(), wanted, false, 'acme', OWNER, undefined, { exact: true, source })
    expect(d.details).toEqual(['unbind read from POST /items', 'unbind read from DELETE /items/{id}'])
    expect(d.next.operations!.map((o) => o.scopes)).toEqual([[READ, OTHER], [READ], [WRITE], []])
    // Applied, it holds: no further change.
    expect(diffApiScopes(d.next, wanted, false, 'acme', OWNER, undefined, { exact: true, source }).changed).toBe(false)
  })

  test('the scopes input stays additive: the same extra bindings are left alone', () => {
    const d = diffApiScopes(bound(), wanted, false, 'acme', OWNER)
    expect(d).toMatchObject({ changed: false, details: [] })
  })

  test('binds and unbinds in one diff', () => {
    const a = bound()
    a.operations![1].scopes = []
    const d = diffApiScopes(a, wanted, false, 'acme', OWNER, undefined, { exact: true, source })
    expect(d.details).toEqual(['bind read to GET /items/{id}', 'unbind read from POST /items', 'unbind read from DELETE /items/{id}'])
  })

  test('an operation the API lacks names "openapi" and the file', () => {
    const doc = parseScopes('read: GET /items, PUT /items/{id}')
    expect(() => diffApiScopes(api(), doc, false, 'acme', OWNER, undefined, { source })).toThrow(
      'Input "openapi" (api/openapi.yaml): the API "Items API" has no operation PUT /items/{id} (permission read). Its operations are: GET /items, GET /items/{id}, POST /items.'
    )
  })

  test('scopeDiffOptions: exact only for the openapi input', () => {
    expect(scopeDiffOptions({ scopeSource: source })).toEqual({ exact: true, source })
    expect(scopeDiffOptions({ scopeSource: { input: 'scopes' } })).toEqual({ exact: false, source: { input: 'scopes' } })
  })

  test('revisionMatches with exact: a stale extra binding of a listed scope does not match', () => {
    const names = new Map<string, string | undefined>([
      ['read', READ],
      ['write', WRITE]
    ])
    const revision = bound()
    expect(revisionMatches(revision, revision, wanted, names)).toBe(true)
    expect(revisionMatches(revision, revision, wanted, names, true)).toBe(false)
    const exact = diffApiScopes(revision, wanted, false, 'acme', OWNER, undefined, { exact: true, source }).next
    // The extra binding of a scope the document does not list (audit) is not the document's to judge.
    expect(revisionMatches(exact, exact, wanted, names, true)).toBe(true)
  })
})
