import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { expectationHolds, parseSmokeTest, readSmokeInputs } from '../../src/smoke/parse.js'
import { DEFAULTS } from '../../src/inputs.js'
import { chooseGateway, httpsUrlOf } from '../../src/smoke/gateway.js'
import { excerpt, targetUrl } from '../../src/smoke/run.js'
import { escapeHtml, smokeFailure, smokeTable } from '../../src/smoke/report.js'

const parse = (text: string) => {
  const problems: string[] = []
  const calls = parseSmokeTest(text, problems)
  return { calls, problems }
}

describe('parseSmokeTest', () => {
  test('reads VERB TARGET [-> STATUS] [anonymous], 2xx by default, comments and blanks skipped', () => {
    const { calls, problems } = parse(
      '# reads\nGET /items -> 200\n\npost /items -> 403\nGET /items -> 401 anonymous\nDELETE https://api.example.com/x\nGET /items?limit=1 -> 2XX'
    )
    expect(problems).toEqual([])
    expect(calls.map((c) => [c.line, c.verb, c.target, c.expect, c.anonymous])).toEqual([
      [2, 'GET', '/items', '200', false],
      [4, 'POST', '/items', '403', false],
      [5, 'GET', '/items', '401', true],
      [6, 'DELETE', 'https://api.example.com/x', '2xx', false],
      [7, 'GET', '/items?limit=1', '2xx', false]
    ])
  })

  test('indented lines under a call are its headers, then its JSON body', () => {
    const { calls, problems } = parse(
      'POST /items -> 201\n  X-Request-Id: smoke-1\n  Content-Type: application/json\n  {\n    "name": "widget",\n    "tags": ["a"]\n  }\nGET /items'
    )
    expect(problems).toEqual([])
    expect(calls[0]).toMatchObject({
      verb: 'POST',
      headers: { 'x-request-id': 'smoke-1', 'content-type': 'application/json' },
      body: { name: 'widget', tags: ['a'] }
    })
    expect(calls[1]).toMatchObject({ verb: 'GET', target: '/items', headers: {} })
    expect(calls[1].body).toBeUndefined()
  })

  test('all lines indented alike are calls (the shallowest indentation is the call level)', () => {
    const { calls, problems } = parse('  GET /a\n  GET /b\n    accept: text/plain')
    expect(problems).toEqual([])
    expect(calls.map((c) => c.target)).toEqual(['/a', '/b'])
    expect(calls[1].headers).toEqual({ accept: 'text/plain' })
  })

  test.each([
    ['FETCH /items', /line 1 \("FETCH \/items"\): "FETCH" is not an HTTP method; use one of GET, POST/],
    ['GET', /line 1 \("GET"\): write it as "VERB TARGET \[-> STATUS\] \[anonymous\]"/],
    ['GET /items -> ok', /"ok" is not a status; write an exact one such as 200 or 403, or a class such as 2xx/],
    ['GET /items -> 200 anon', /"anon" is not understood/],
    ['GET items', /the target "items" is neither a path on the API's gateway URL \(starting with "\/"/],
    ['GET //evil.example.com/x', /starts with "\/\/"/],
    ['GET http://api.example.com/x', /http:\/\/api.example.com is not HTTPS/],
    ['GET /items -> 600', /"600" is not a status/],
    ['POST /items\n  {"name": ', /line 2 \("\{"name":"\): the body of "POST \/items" is not valid JSON/],
    ['GET /items\n  {"a": 1}', /a GET call carries no body/],
    ['GET /items\n  Authorization: Bearer x', /line 2 .*the action sends the token itself; drop this header \(write "anonymous"/],
    ['  X-Foo: bar\nGET /items', /line 1 \("X-Foo: bar"\): an indented line needs a call above it/],
    ['GET /items\n  not a header', /line 2 \("not a header"\): an indented line under a call is a header/]
  ])('refuses %j, naming the line and the fix', (text, message) => {
    const { problems } = parse(text)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^(smoke-test, line \d|The target of smoke-test, line \d)/)
    expect(problems[0]).toMatch(message)
  })

  test('loopback http is allowed, as everywhere else in the action (the emulator)', () => {
    expect(parse('GET http://127.0.0.1:8080/x -> 200').problems).toEqual([])
  })

  test('every bad line is reported at once', () => {
    expect(parse('GET /ok\nFETCH /a\nGET b\nGET /c -> nope').problems.map((p) => p.slice(0, 19))).toEqual([
      'smoke-test, line 2 ',
      'smoke-test, line 3 ',
      'smoke-test, line 4 '
    ])
  })
})

describe('expectationHolds', () => {
  test('exact statuses and classes', () => {
    expect(expectationHolds('200', 200)).toBe(true)
    expect(expectationHolds('200', 201)).toBe(false)
    expect(expectationHolds('2xx', 204)).toBe(true)
    expect(expectationHolds('4xx', 403)).toBe(true)
    expect(expectationHolds('4xx', 500)).toBe(false)
  })
})

describe('readSmokeInputs', () => {
  const read = (inputs: Record<string, string>) => {
    const problems: string[] = []
    // As readConfig calls it: action.yml's defaults applied to empty inputs.
    const smoke = readSmokeInputs((n) => inputs[n] || (DEFAULTS[n] ?? ''), problems)
    return { smoke, problems }
  }
  test('absent without smoke-test; 120 s wait by default', () => {
    expect(read({}).smoke).toBeUndefined()
    expect(read({ 'smoke-test': 'GET /items' }).smoke).toMatchObject({ waitSeconds: 120, environment: undefined })
    expect(read({ 'smoke-test': 'GET /items', 'smoke-wait-seconds': '0', 'smoke-environment': 'Development' }).smoke).toMatchObject({
      waitSeconds: 0,
      environment: 'Development'
    })
  })
  test('names the input and the fix', () => {
    expect(read({ 'smoke-environment': 'Production' }).problems).toEqual([
      'Input "smoke-environment" is set, but "smoke-test" lists no call; add the calls (e.g. "GET /items -> 200") or remove "smoke-environment".'
    ])
    expect(read({ 'smoke-test': 'GET /x', 'smoke-wait-seconds': '1.5' }).problems).toEqual([
      'Input "smoke-wait-seconds" is "1.5"; use a whole number of seconds from 0 to 3600.'
    ])
    expect(read({ 'smoke-test': '# nothing yet' }).problems).toEqual([
      'Input "smoke-test" lists no call; write one per line, e.g. "GET /items -> 200".'
    ])
  })
})

describe('chooseGateway', () => {
  const prod = { environmentName: 'Production', URLs: { https: 'https://gw.example.com/items/v1', http: 'http://gw.example.com/items/v1' } }
  const dev = { environmentName: 'Development', environmentDisplayName: 'Dev', URLs: { https: 'https://dev.example.com/items/v1' } }

  test('the first environment this run deploys to, by default; its listed HTTPS URL', () => {
    expect(chooseGateway(undefined, { endpointURLs: [prod, dev], deployTargets: ['Development', 'Production'] })).toEqual({
      environment: 'Development',
      url: 'https://dev.example.com/items/v1'
    })
    expect(chooseGateway(undefined, { endpointURLs: [prod, dev] })).toEqual({ environment: 'Production', url: prod.URLs.https })
    expect(chooseGateway('Dev', { endpointURLs: [prod, dev] }).environment).toBe('Development')
    expect(httpsUrlOf([prod, dev], 'Production')).toBe(prod.URLs.https)
  })

  test('by default a target the Developer Portal lists wins over one hidden from it (Choreo shows only Production by default)', () => {
    expect(
      chooseGateway(undefined, { endpointURLs: [prod], deployTargets: ['Development', 'Production'], hidden: ['Development'] })
    ).toEqual({
      environment: 'Production',
      url: prod.URLs.https
    })
    expect(() =>
      chooseGateway('Development', { endpointURLs: [prod], deployTargets: ['Development', 'Production'], hidden: ['Development'] })
    ).toThrow(
      'Input "smoke-environment": the deployment to "Development" is hidden from the Developer Portal, so Choreo lists no gateway URL for it.'
    )
  })

  test('an environment this run deploys to first is known only after the deploy', () => {
    expect(
      chooseGateway('Development', { endpointURLs: [prod], deployTargets: ['Development'], environments: ['Development', 'Production'] })
    ).toEqual({
      environment: 'Development'
    })
  })

  test('refutes an unknown environment, or one the API is not deployed to, naming the input and the fix', () => {
    expect(() =>
      chooseGateway('Staging', { endpointURLs: [prod], deployTargets: ['Production'], environments: ['Development', 'Production'] })
    ).toThrow('Input "smoke-environment": "Staging" is not a gateway environment of this organization; use one of Development, Production.')
    expect(() =>
      chooseGateway('Development', { endpointURLs: [prod], deployTargets: ['Production'], environments: ['Development', 'Production'] })
    ).toThrow(
      'Input "smoke-environment": the API is not deployed to "Development" in the Developer Portal (it is shown on Production, and this run deploys it to Production). Set "smoke-environment" to one of those, or add "Development" to "environments".'
    )
    expect(() => chooseGateway(undefined, { endpointURLs: [] })).toThrow(/Developer Portal lists no gateway URL/)
    expect(() => chooseGateway('Production', { endpointURLs: [{ environmentName: 'Production', URLs: { http: 'http://gw' } }] })).toThrow(
      /no HTTPS gateway URL for "Production" \(only plain HTTP\)/
    )
  })
})

describe('results', () => {
  test('targets join the gateway URL; absolute ones stay', () => {
    expect(targetUrl('https://gw/items/v1/', '/items?x=1')).toBe('https://gw/items/v1/items?x=1')
    expect(targetUrl('https://gw/items/v1', 'https://other/x')).toBe('https://other/x')
  })

  test('a body excerpt never carries the token, any JWT, or a line break a workflow command could start on', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    const body = {
      echo: `Bearer ${token}`,
      b64: Buffer.from(token).toString('base64'),
      other: 'eyJabcd.eyJefgh.ijkl',
      evil: 'x\n::add-mask::y\r\n::error::z\u202e'
    }
    const text = excerpt(body, token)!
    expect(text).not.toContain(token)
    expect(text).not.toContain(Buffer.from(token).toString('base64'))
    expect(text).not.toContain('eyJabcd')
    expect(text).not.toMatch(/[\n\r\u202e]/)
    expect(excerpt('x'.repeat(500), undefined)).toHaveLength(201)
    expect(excerpt(undefined, token)).toBeUndefined()
  })

  test('summary text cannot render markdown, links, mentions or HTML', () => {
    expect(escapeHtml('<img src=x> [a](https://e) @team **b** `c`')).not.toMatch(/[<>[\]()@*`]/)
  })

  test('the failure names every failed call; the table has every call', () => {
    const results = [
      { line: 1, call: 'GET /items', url: 'u', expected: '200', status: 200, ok: true, attempts: 1, ms: 120 },
      {
        line: 2,
        call: 'POST /items',
        url: 'u',
        expected: '200',
        status: 403,
        ok: false,
        attempts: 3,
        ms: 2500,
        excerpt: '{"code":"900910"}'
      }
    ]
    expect(smokeFailure(results, 5)).toBe(
      'Smoke test: 1 of 2 calls did not get the expected status within smoke-wait-seconds (5 s): line 2 POST /items: expected 200, got 403 after 2.5 s. The job summary has the same table.'
    )
    expect(smokeFailure([results[0]], 5)).toBeUndefined()
    const table = smokeTable(results)
    expect(table[0]).toMatch(/^\s+Call\s+Expected\s+Got\s+Time\s+Attempts$/)
    expect(table[2]).toMatch(/^FAIL\s+POST \/items\s+200\s+403\s+2\.5 s\s+3$/)
    expect(table[3]).toBe('  line 2 (POST /items) answered: {"code":"900910"}')
  })
})

describe('the README', () => {
  test('every smoke-test example in it parses without a problem', () => {
    const readme = readFileSync('README.md', 'utf8')
    const examples: string[] = []
    const lines = readme.split('\n')
    lines.forEach((line, i) => {
      const m = /^(\s*)smoke-test: \|\s*$/.exec(line)
      if (!m) return
      const body: string[] = []
      for (let j = i + 1; j < lines.length && (lines[j].startsWith(`${m[1]}  `) || !lines[j].trim()); j++) body.push(lines[j])
      examples.push(body.map((l) => l.slice(m[1].length + 2)).join('\n'))
    })
    expect(examples.length).toBeGreaterThanOrEqual(2)
    for (const text of examples) {
      const { calls, problems } = parse(text.trim())
      expect(problems).toEqual([])
      expect(calls.length).toBeGreaterThanOrEqual(3)
    }
  })
})
