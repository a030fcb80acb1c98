import { expect, test } from '@jest/globals'
import { Pacer, TokenBucket } from '../../src/pace.js'

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

test('the burst goes at once, then requests wait their turn at the refill rate', () => {
  const c = clock()
  const bucket = new TokenBucket({ perWindow: 60, burst: 3, windowMs: 60_000 }, c.now) // one a second after the burst
  expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0])
  expect(bucket.reserve()).toBe(1000)
  expect(bucket.reserve()).toBe(2000) // queued behind the previous one
  c.advance(2000)
  expect(bucket.reserve()).toBe(1000)
})

test('in any window the requests sent stay within burst + rate', () => {
  const c = clock()
  const limit = { perWindow: 150, burst: 30, windowMs: 60_000 }
  const bucket = new TokenBucket(limit, c.now)
  // 1000 requests as fast as they are allowed: each sent at now + its wait.
  const sentAt: number[] = []
  for (let i = 0; i < 1000; i++) sentAt.push(c.now() + bucket.reserve())
  for (let i = 0; i < sentAt.length; i++) {
    const inWindow = sentAt.filter((t) => t >= sentAt[i] && t < sentAt[i] + limit.windowMs).length
    expect(inWindow).toBeLessThanOrEqual(limit.burst + limit.perWindow)
  }
  expect(Math.max(...sentAt) - sentAt[0]).toBeGreaterThan(5 * 60_000) // 1000 requests take minutes, not an instant
})

test('a 429 holds every request to the host until the wait is over', () => {
  const c = clock()
  const bucket = new TokenBucket({ perWindow: 200, burst: 50, windowMs: 60_000 }, c.now)
  bucket.holdUntil(c.now() + 15_000)
  expect(bucket.reserve()).toBe(15_000)
  c.advance(15_000)
  expect(bucket.reserve()).toBe(0)
})

test('a released token goes back to the bucket', () => {
  const c = clock()
  const bucket = new TokenBucket({ perWindow: 60, burst: 1, windowMs: 60_000 }, c.now)
  expect(bucket.reserve()).toBe(0)
  expect(bucket.reserve()).toBe(1000)
  bucket.release()
  expect(bucket.reserve()).toBe(1000)
})

test('one bucket per host, only for services with a limit', () => {
  const pacer = new Pacer((service) => (service === 'asgardeo' ? { perWindow: 10, burst: 1 } : undefined))
  expect(pacer.bucket('choreo', 'sts.choreo.dev')).toBeUndefined()
  const a = pacer.bucket('asgardeo', 'api.asgardeo.io')
  expect(pacer.bucket('asgardeo', 'api.asgardeo.io')).toBe(a)
  expect(pacer.bucket('asgardeo', 'api.eu.asgardeo.io')).not.toBe(a)
})
