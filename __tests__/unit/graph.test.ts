import { expect, test } from '@jest/globals'
import { SkippedError, TaskGraph } from '../../src/graph.js'

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
