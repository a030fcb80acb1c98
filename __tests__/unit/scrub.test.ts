import { describe, expect, test } from '@jest/globals'
import { Scrubber, forLog, forSummary } from '../../src/scrub.js'

const secret = 'Zq9+/s3cr3t=value&x y'

describe('Scrubber', () => {
  const forms: Record<string, (s: string) => string> = {
    raw: (s) => s,
    encodeURIComponent: (s) => encodeURIComponent(s),
    'form encoding': (s) => new URLSearchParams({ v: s }).toString().slice(2),
    'JSON string': (s) => JSON.stringify(s),
    base64: (s) => Buffer.from(s).toString('base64'),
    'base64url, no padding': (s) => Buffer.from(s).toString('base64url'),
    'base64url, padded': (s) => Buffer.from(s).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    'base64 inside a longer text, offset 1': (s) => Buffer.from(`{${s}}`).toString('base64'),
    'base64 inside a longer text, offset 2': (s) => Buffer.from(`{"${s}"}`).toString('base64'),
    'Basic header of id:secret': (s) => `Basic ${Buffer.from(`client-id:${s}`).toString('base64')}`,
    'base64url of id:secret': (s) => Buffer.from(`client-id:${s}`).toString('base64url')
  }
  for (const [name, encode] of Object.entries(forms)) {
    test(`scrubs the ${name} form`, () => {
      const scrubber = new Scrubber()
      scrubber.add(secret)
      const text = `server said: ${encode(secret)} (end)`
      const out = scrubber.scrub(text)
      expect(out).toContain('***')
      expect(out).not.toContain(encode(secret))
      // What is left of an encoded form carries no more than a few bits of the secret.
      expect(out.startsWith('server said: ')).toBe(true)
    })
  }

  test('leaves text without secrets alone, and ignores values too short to mask', () => {
    const scrubber = new Scrubber()
    scrubber.add('abc')
    scrubber.add(secret)
    expect(scrubber.scrub('abc urn:acme:items:read')).toBe('abc urn:acme:items:read')
  })

  test('addBasic registers the header value of user:password', () => {
    const scrubber = new Scrubber()
    scrubber.addBasic('my-client', 'pw-0123456789')
    const header = Buffer.from('my-client:pw-0123456789').toString('base64')
    expect(scrubber.scrub(`Authorization: Basic ${header}`)).toBe('Authorization: Basic ***')
  })
})

describe('forLog', () => {
  test('a newline cannot start a workflow command', () => {
    const line = forLog('API "x\n::add-mask::leak\r\n::set-output name=a::b"')
    expect(line.split(/\r?\n/)).toHaveLength(1)
    expect(line).toBe('API "x\\n::add-mask::leak\\r\\n::set-output name=a::b"')
  })

  test('a line that starts with :: or holds ##[ is defused', () => {
    expect(forLog('::warning::pwned').trimStart().startsWith('::')).toBe(false)
    expect(forLog('  ::stop-commands::x').trimStart().startsWith('::')).toBe(false)
    expect(forLog('text ##[error]legacy')).not.toContain('##[')
  })

  test('Unicode line separators and bidi overrides are escaped; long text is cut', () => {
    expect(forLog('a\u2028b\u202ec')).toBe('a\\u2028b\\u202ec')
    const long = forLog('x'.repeat(150_000))
    expect(long.length).toBeLessThan(600)
    expect(long).toContain('more characters')
  })
})

describe('forSummary', () => {
  test('no markup, link, image, table cell or emphasis can form', () => {
    const out = forSummary(
      '| a | [click](https://evil.example) ![i](https://evil.example/i.png) <img src=x onerror=alert(1)> **b** _e_ `c` @octocat $x$\n\n# h'
    )
    const bare = out.replace(/&(#\d+|amp|lt|gt|quot);/g, ' ') // what is left once the entities are set aside
    for (const raw of ['|', '[', ']', '(', ')', '<', '>', '*', '_', '`', '@', '$', '#', '!', '\n', '&', '"'])
      expect(bare).not.toContain(raw)
    // Entities render as the characters they stand for: the text stays readable.
    expect(out).toContain('click')
    expect(out).toContain('&#124;')
    expect(forSummary('urn:acme:items-api:v1.0 "x"')).toBe('urn:acme:items-api:v1.0 &quot;x&quot;') // ids and names stay legible
  })
})
