import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { occursInSource, sourceMessages } from '../support/source-messages.js'

const doc = readFileSync(join(process.cwd(), 'docs', 'troubleshooting.md'), 'utf8')
const patterns = sourceMessages()

/** Each `## ` section with the messages it quotes: every blockquote paragraph, its lines joined. */
function sections(markdown: string): { heading: string; quotes: string[] }[] {
  return markdown
    .split(/^## /m)
    .slice(1)
    .map((part) => {
      const [heading, ...body] = part.split('\n')
      const quotes = body
        .join('\n')
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter((p) => p.startsWith('>'))
        .map((p) =>
          p
            .split('\n')
            .map((l) => l.replace(/^> ?/, ''))
            .join(' ')
            .trim()
        )
      return { heading, quotes }
    })
}

const all = sections(doc)

test('it covers the errors users meet', () => {
  const topics = [
    /management application not authorized for a scope/,
    /rejected Choreo token/,
    /scope Asgardeo dropped/,
    /client ID mapped to another application/,
    /key manager not found/,
    /revision limit/,
    /Rate limits \(429\)/,
    /Proxies and private certificate authorities/,
    /Secrets missing on pull requests from forks and from Dependabot/,
    /token does not pass between jobs/
  ]
  const headings = all.map((s) => s.heading)
  expect(topics.filter((t) => !headings.some((h) => t.test(h)))).toEqual([])
})

describe.each(all.filter((s) => s.quotes.length > 0))('$heading', ({ quotes }) => {
  test.each(quotes)('"%s" is a message the code prints', (quote) => {
    expect(occursInSource(quote, patterns)).toBe(true)
  })
})

test('every section but the one about jobs quotes the action', () => {
  const silent = all.filter((s) => s.quotes.length === 0).map((s) => s.heading)
  expect(silent).toEqual(['The token does not pass between jobs'])
})

test('the proxy section names the variables @actions/http-client reads, as it reads them', () => {
  const proxy = readFileSync(join(process.cwd(), 'node_modules', '@actions', 'http-client', 'lib', 'proxy.js'), 'utf8')
  const section = doc.slice(doc.indexOf('## Proxies'), doc.indexOf('## Secrets missing'))
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY']) {
    expect(proxy).toContain(`process.env['${name}']`)
    expect(section).toContain(`\`${name}\``)
  }
  // Lower case first: that is the one that wins when both are set.
  expect(proxy).toContain("process.env['https_proxy'] || process.env['HTTPS_PROXY']")
  expect(section).toContain('the lower-case one wins')
  expect(section).toContain('NODE_EXTRA_CA_CERTS')
})

describe('the rule can fail', () => {
  test('a changed word, a message the code never prints, a quote of placeholders only', () => {
    const revision = all.find((s) => /revision limit/.test(s.heading))!.quotes[0]
    expect(occursInSource(revision, patterns)).toBe(true)
    expect(occursInSource(revision.replace('undeploy or delete', 'delete'), patterns)).toBe(false)
    expect(occursInSource('The API is on fire; re-run.', patterns)).toBe(false)
    expect(occursInSource('<anything>', patterns)).toBe(false)
  })

  test('a conditional part is matched both ways, and nothing in between', () => {
    const [plain, password] = all.find((s) => /scope Asgardeo dropped/.test(s.heading))!.quotes
    expect(occursInSource(plain, patterns)).toBe(true)
    expect(occursInSource(password, patterns)).toBe(true)
    expect(occursInSource(password.replace(' or when the user', ' or when user'), patterns)).toBe(false)
  })

  test('placeholders stand only where the code fills in a value', () => {
    const keyManager = all.find((s) => /key manager not found/.test(s.heading))!.quotes[0]
    expect(occursInSource(keyManager.replace('Choreo has no enabled', '<who> has no enabled'), patterns)).toBe(false)
  })
})
