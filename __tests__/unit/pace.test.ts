import { expect, test } from '@jest/globals'
import { ASGARDEO_PACE, Pacer, RateWindow } from '../../src/pace.js'

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

test('within the budget requests go at once; past it they wait for the window to slide', () => {
  const c = clock()
  const window = new RateWindow({ perWindow: 3, windowMs: 60_000 }, c.now)
  expect([window.reserve(), window.reserve(), window.reserve()]).toEqual([0, 0, 0])
  expect(window.reserve()).toBe(60_000) // the first one leaves the window
  c.advance(1000)
  expect(window.reserve()).toBe(59_000) // queued behind the previous one, at the second's exit
})

test('in any window the requests sent stay within the limit, and a backlog takes the time the limit implies', () => {
  const c = clock()
  const limit = { perWindow: 180, windowMs: 60_000 }
  const window = new RateWindow(limit, c.now)
  // 1000 requests as fast as they are allowed: each sent at now + its wait.
  const sentAt: number[] = []
  for (let i = 0; i < 1000; i++) sentAt.push(c.now() + window.reserve())
  for (let i = 0; i < sentAt.length; i++) {
    const inWindow = sentAt.filter((t) => t >= sentAt[i] && t < sentAt[i] + limit.windowMs).length
    expect(inWindow).toBeLessThanOrEqual(limit.perWindow)
  }
  // 1000 requests at 180 a minute: the last goes out after five full windows.
  expect(Math.max(...sentAt) - sentAt[0]).toBe(5 * 60_000)
})

test("Asgardeo's pace stays under its documented 200 a minute", () => {
  expect(ASGARDEO_PACE.perWindow).toBeLessThan(200)
  expect(ASGARDEO_PACE.windowMs).toBe(60_000)
})

test('a 429 holds every request to the host until the wait is over', () => {
  const c = clock()
  const window = new RateWindow({ perWindow: 200, windowMs: 60_000 }, c.now)
  window.holdUntil(c.now() + 15_000)
  expect(window.reserve()).toBe(15_000)
  c.advance(15_000)
  expect(window.reserve()).toBe(0)
})

test('a released slot goes back to the window', () => {
  const c = clock()
  const window = new RateWindow({ perWindow: 1, windowMs: 60_000 }, c.now)
  expect(window.reserve()).toBe(0)
  expect(window.reserve()).toBe(60_000)
  window.release()
  expect(window.reserve()).toBe(60_000)
})

test('one window per host, only for services with a limit', () => {
  const pacer = new Pacer((service) => (service === 'asgardeo' ? { perWindow: 10 } : undefined))
  expect(pacer.bucket('choreo', 'sts.choreo.dev')).toBeUndefined()
  const a = pacer.bucket('asgardeo', 'api.asgardeo.io')
  expect(pacer.bucket('asgardeo', 'api.asgardeo.io')).toBe(a)
  expect(pacer.bucket('asgardeo', 'api.eu.asgardeo.io')).not.toBe(a)
})
