import { expect, test } from '@jest/globals'
import { SkippedError, TaskGraph } from '../../src/graph.js'

const delay = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms))

test('independent tasks overlap and dependents get their values', async () => {
  const g = new TaskGraph()
  const order: string[] = []
  const a = g.add('a', [], async () => {
    order.push('a start')
    await delay(30, 1)
    order.push('a end')
    return 1
  })
  const b = g.add('b', [], async () => {
    order.push('b start')
    await delay(10, 2)
    order.push('b end')
    return 2
  })
  const c = g.add('c', [a, b], async (x, y) => x + y)
  await g.settle()
  expect(await c.promise).toBe(3)
  expect(order.slice(0, 2).sort()).toEqual(['a start', 'b start'])
  const path = g.criticalPath()
  expect(path.chain).toEqual(['a', 'c'])
  expect(path.ms).toBeGreaterThanOrEqual(25)
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
