import { describe, expect, test } from '@jest/globals'
import { bundleBreakdown, dependencyDepth, formatStats, markdownTable, packageOf, stats, verdict } from '../../scripts/bench-lib.js'

const r = (start: number, end: number): { start: number; end: number } => ({ start, end })

describe('dependencyDepth: the longest chain of requests, each starting after the previous one ended', () => {
  test('none → 0; one → 1', () => {
    expect(dependencyDepth([])).toBe(0)
    expect(dependencyDepth([r(0, 50)])).toBe(1)
  })

  test('requests one after another chain; overlapping ones do not', () => {
    expect(dependencyDepth([r(0, 50), r(51, 100), r(101, 150)])).toBe(3)
    expect(dependencyDepth([r(0, 50), r(10, 60), r(20, 70)])).toBe(1)
  })

  test('starting exactly when the previous one ended counts as after it', () => {
    expect(dependencyDepth([r(0, 50), r(50, 100)])).toBe(2)
  })

  test('the longest chain, not the first or the most requests at one level', () => {
    // A fan-out of 5 parallel reads, then two levels; beside it one long request: depth 3.
    const fan = [1, 2, 3, 4, 5].map((i) => r(i, 50 + i))
    expect(dependencyDepth([...fan, r(60, 110), r(111, 160), r(0, 140)])).toBe(3)
    // A long first request hides nothing: the short chain beside it is longer.
    expect(dependencyDepth([r(0, 300), r(0, 50), r(60, 100), r(110, 150), r(160, 200), r(310, 320)])).toBe(5)
  })

  test('independent of the order of the log', () => {
    const log = [r(0, 50), r(60, 110), r(55, 70), r(120, 170), r(75, 118), r(5, 20)]
    const expected = dependencyDepth(log)
    expect(expected).toBe(4) // 5–20 → 55–70 → 75–118 → 120–170
    expect(dependencyDepth([...log].reverse())).toBe(expected)
    expect(dependencyDepth([...log].sort((a, b) => a.end - b.end))).toBe(expected)
  })

  test('matches a brute force over random logs', () => {
    const brute = (xs: { start: number; end: number }[]): number => {
      const memo = new Map<number, number>()
      const from = (i: number): number => {
        if (memo.has(i)) return memo.get(i)!
        let best = 1
        xs.forEach((y, j) => {
          if (j !== i && y.start >= xs[i].end) best = Math.max(best, 1 + from(j))
        })
        memo.set(i, best)
        return best
      }
      return xs.reduce((m, _, i) => Math.max(m, from(i)), 0)
    }
    let seed = 7
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 1000
    for (let t = 0; t < 50; t++) {
      const xs = Array.from({ length: 1 + (t % 20) }, () => {
        const start = Math.round(rand())
        return r(start, start + 1 + Math.round(rand() / 10))
      })
      expect(dependencyDepth(xs)).toBe(brute(xs))
    }
  })
})

describe('stats', () => {
  test('min, median, max; the mean of the middle two for an even count; unsorted input', () => {
    expect(stats([5, 1, 3])).toEqual({ min: 1, median: 3, max: 5 })
    expect(stats([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 })
    expect(stats([7])).toEqual({ min: 7, median: 7, max: 7 })
  })

  test('non-finite values (an unmeasured RSS) are left out; none at all → NaN', () => {
    expect(stats([NaN, 2, Infinity, 4])).toEqual({ min: 2, median: 3, max: 4 })
    expect(stats([])).toEqual({ min: NaN, median: NaN, max: NaN })
  })

  test('formatStats: median (min–max), one value when they agree, a dash for none', () => {
    expect(formatStats(stats([1.234, 2.5, 3.9]), 1, '×')).toBe('2.5× (1.2–3.9)')
    expect(formatStats(stats([19, 19]))).toBe('19')
    expect(formatStats(stats([]))).toBe('–')
  })
})

describe('bundle breakdown', () => {
  test('packageOf: scoped and plain packages, the action, built-in stubs', () => {
    expect(packageOf('./node_modules/@actions/core/lib/core.js')).toBe('@actions/core')
    expect(packageOf('./node_modules/undici/lib/web/fetch/index.js')).toBe('undici')
    expect(packageOf('./node_modules/a/node_modules/b/x.js')).toBe('a')
    expect(packageOf('./src/main.ts')).toBe('the action (src/)')
    expect(packageOf('external "node:http"')).toBe('node built-ins (require stubs)')
  })

  test('numbered modules are named by their EXTERNAL MODULE comment or by the module that requires them', () => {
    const bundle = [
      'import x from "module";',
      '/******/ var __webpack_modules__ = ({',
      '',
      '/***/ 10:',
      '/***/ ((module) => {',
      'module.exports = __nccwpck_require__(11); // tunnel entry',
      '/***/ }),',
      '',
      '/***/ 11:',
      '/***/ ((module) => {',
      `var body = "${'t'.repeat(500)}";`,
      '/***/ }),',
      '',
      '/***/ 12:',
      '/***/ ((module) => {',
      'module.exports = x("net");',
      '/***/ }),',
      '/******/ });',
      ';// CONCATENATED MODULE: ./node_modules/@actions/core/lib/core.js',
      `var core = "${'c'.repeat(300)}";`,
      '// EXTERNAL MODULE: ./node_modules/tunnel/index.js',
      'var tunnel = __nccwpck_require__(10);',
      ';// CONCATENATED MODULE: ./src/main.ts',
      `var main = "${'m'.repeat(200)}";`
    ].join('\n')
    const shares = Object.fromEntries(bundleBreakdown(bundle).map((s) => [s.name, s.bytes]))
    expect(shares.tunnel).toBeGreaterThan(500) // modules 10 and 11 (11 only through 10)
    expect(shares['@actions/core']).toBeGreaterThan(300)
    expect(shares['@actions/core']).toBeLessThan(500)
    expect(shares['the action (src/)']).toBeGreaterThan(200)
    expect(shares['node built-ins and unattributed']).toBeGreaterThan(0) // module 12: required by nobody named
    expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBe(Buffer.byteLength(bundle))
  })
})

describe('report helpers', () => {
  test('markdownTable escapes pipes; verdict says PASS, MISS or n/a', () => {
    expect(markdownTable(['a', 'b'], [['1 | 2', '3']])).toBe('| a | b |\n| --- | --- |\n| 1 \\| 2 | 3 |')
    expect([verdict(true), verdict(false), verdict(undefined)]).toEqual(['PASS', 'MISS', 'n/a'])
  })
})
