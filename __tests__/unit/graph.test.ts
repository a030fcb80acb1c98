import { expect, test } from '@jest/globals'
import { GraphFailure, SkippedError, TaskGraph } from '../../src/graph.js'

const delay = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms))

test('independent tasks overlap and dependents get their values', async () => {
  const g = new TaskGraph()
  const order: string[] = []
  // "a" is released only once "b" has finished, so "a" is the dependency that holds "c" back.
  let releaseA!: () => void
  const aMayFinish = new Promise<void>((r) => (releaseA = r))
  const a = g.add('a', [], async () => {
    order.push('a start')
    await aMayFinish
    await delay(20, 0)
    return 1
  })
  const b = g.add('b', [], async () => {
    order.push('b start')
    await delay(5, 0)
    releaseA()
    return 2
  })
  const c = g.add('c', [a, b], async (x, y) => x + y)
  await g.settle()
  expect(await c.promise).toBe(3)
  expect(order.sort()).toEqual(['a start', 'b start']) // both started before either finished
  const path = g.criticalPath()
  expect(path.chain).toEqual(['a', 'c'])
  expect(path.ms).toBeGreaterThanOrEqual(20)
})

test('a failure skips dependents, lets others finish, and settle reports the real error', async () => {
  const g = new TaskGraph()
  let otherFinished = false
  const bad = g.add('bad', [], async () => {
    throw new Error('boom')
  })
  const dependent = g.add('dependent', [bad], async () => 'never')
  g.add('other', [], async () => {
    await delay(20, 0)
    otherFinished = true
  })
  await expect(g.settle()).rejects.toThrow('boom')
  expect(otherFinished).toBe(true)
  await expect(dependent.promise).rejects.toBeInstanceOf(SkippedError)
})

test('reads, then writes: no write task starts before every read succeeded; a failed read skips every write', async () => {
  const g = new TaskGraph()
  const order: string[] = []
  const r1 = g.read('r1', [], async () => {
    await delay(20, 0)
    order.push('r1')
    return 1
  })
  g.read('r2', [], async () => {
    await delay(5, 0)
    order.push('r2')
  })
  // Depends only on r1, yet waits for r2 too.
  g.write('w', [r1], async (v) => {
    order.push(`w${v}`)
    expect(g.writesOpen).toBe(true)
  })
  expect(g.writesOpen).toBe(false)
  await g.settle()
  expect(order).toEqual(['r2', 'r1', 'w1'])
  expect(g.criticalPath().chain).toEqual(['r1', 'pre-flight', 'w'])

  const h = new TaskGraph()
  let wrote = false
  h.read('ok', [], async () => undefined)
  h.read('refuted', [], async () => {
    throw new Error('Input "api": no such API')
  })
  h.write('w', [], async () => {
    wrote = true
  })
  await expect(h.settle()).rejects.toThrow('Input "api": no such API')
  expect(wrote).toBe(false)
  expect(h.writesOpen).toBe(false)
  expect(() => h.read('late', [], async () => undefined)).toThrow('after the read phase was sealed')
})

test('groups: a refuted entry writes nothing, the others and the shared writes go on; failures carry their entry', async () => {
  const g = new TaskGraph()
  const wrote: string[] = []
  const shared = g.read('org', [], async () => 'org')
  const a = g.scope('a')
  const b = g.scope('b')
  a.read('find API', [shared], async () => {
    throw new Error('Input "api": no API "A"')
  })
  const bApi = b.read('find API', [shared], async () => new Promise((r) => setTimeout(() => r('B'), 20)))
  const app = g.write('application', [], async () => {
    wrote.push('application')
    return 'app'
  })
  a.write('scopes', [], async () => void wrote.push('a scopes'))
  b.write('scopes', [bApi, app], async (api, made) => void wrote.push(`b scopes ${api} ${made}`))
  const failure = await g.settle().then(
    () => undefined,
    (err: unknown) => err as GraphFailure
  )
  expect(failure).toBeInstanceOf(GraphFailure)
  expect(failure!.message).toBe('Input "api": no API "A"')
  expect(failure!.groups).toEqual(['a'])
  expect(wrote).toEqual(['application', 'b scopes B app'])
  // Names in a group say it, so the critical path stays readable with many entries.
  expect(g.timings.map((t) => t.name)).toContain('find API [b]')
  // Shared writes waited for every entry's reads (b's took 20 ms).
  const timing = (name: string) => g.timings.find((t) => t.name === name)!
  expect(timing('application').start).toBeGreaterThanOrEqual(timing('find API [b]').end)
})

test('groups: when every entry is refuted, the shared writes do not run either', async () => {
  const g = new TaskGraph()
  let wrote = false
  g.read('org', [], async () => 'org')
  g.scope('a').read('find API', [], async () => {
    throw new Error('refuted a')
  })
  g.scope('b').read('find API', [], async () => {
    throw new Error('refuted b')
  })
  g.write('application', [], async () => {
    wrote = true
  })
  const failure = (await g.settle().catch((err: unknown) => err)) as GraphFailure
  expect(failure.failures.map((f) => (f as Error).message).sort()).toEqual(['refuted a', 'refuted b'])
  expect(wrote).toBe(false)
  expect(g.writesOpen).toBe(false)
})

test('groups: a shared read that fails holds back every entry', async () => {
  const g = new TaskGraph()
  const wrote: string[] = []
  g.read('management token', [], async () => {
    throw new Error('no token')
  })
  g.scope('a').read('find API', [], async () => 'A')
  g.scope('a').write('scopes', [], async () => void wrote.push('a'))
  const failure = (await g.settle().catch((err: unknown) => err)) as GraphFailure
  expect(failure.groups).toEqual([undefined])
  expect(wrote).toEqual([])
})
