import { describe, expect, test } from '@jest/globals'
import { InputError, parseScopes, readConfig, defaultApplicationName } from '../../src/inputs.js'

const base: Record<string, string> = {
  'asgardeo-org': 'acme',
  'asgardeo-client-id': 'id',
  'asgardeo-client-secret': 'secret',
  'choreo-org': 'acme',
  'choreo-token': 'pat',
  api: 'Items API',
  scopes: 'read: GET /items, GET /items/{id}\nwrite: POST /items'
}
const read = (over: Record<string, string | undefined>) => {
  const inputs = { ...base, ...over }
  return readConfig((name) => inputs[name] ?? '', { GITHUB_REPOSITORY: 'Octo-Org/Items.Service' })
}
const problems = (over: Record<string, string | undefined>): string[] => {
  try {
    read(over)
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as InputError).problems
  }
  throw new Error('expected an InputError')
}

describe('parseScopes', () => {
  test('reads values with their operations, verbs upper-cased, comments and blanks skipped', () => {
    expect(parseScopes('# permissions\nread: get /items, GET /items/{id}\n\nadmin:\nwrite: POST /items # creates')).toEqual([
      {
        value: 'read',
        operations: [
          { verb: 'GET', target: '/items' },
          { verb: 'GET', target: '/items/{id}' }
        ]
      },
      { value: 'admin', operations: [] },
      { value: 'write', operations: [{ verb: 'POST', target: '/items' }] }
    ])
  })
  test('accepts YAML list dashes and drops a repeated operation', () => {
    expect(parseScopes('- read: GET /a, GET /a')).toEqual([{ value: 'read', operations: [{ verb: 'GET', target: '/a' }] }])
  })
  test.each([
    ['read GET /items', /expected "value: VERB \/path/],
    ['re ad: GET /items', /permission value "re ad"/],
    ['read: FETCH /items', /"FETCH \/items" is not an operation/],
    ['read: GET items', /"GET items" is not an operation/],
    ['read: GET /a\nread: POST /a', /listed twice/]
  ])('%j is refused with a reason', (text, message) => {
    const found: string[] = []
    parseScopes(text, found)
    expect(found.join('\n')).toMatch(message)
  })
})

describe('readConfig', () => {
  test('defaults', () => {
    const c = read({})
    expect(c.mode).toBe('apply')
    expect(c.asgardeo.url).toBe('https://api.asgardeo.io')
    expect(c.choreo.url).toBe('https://sts.choreo.dev')
    expect(c.choreo.consoleUrl).toBe('https://apis.choreo.dev')
    expect(c.application).toMatch(/^github-octo-org-items-service-[0-9a-f]{6}$/)
    expect(c.tokenScopes).toEqual(['read', 'write'])
    expect(c.grant).toEqual({ type: 'client_credentials' })
    expect(c.keyManager).toBe('Asgardeo')
    expect(c.deploy).toBe(true)
    expect(c.prune).toBe(false)
    expect(c.timeoutSeconds).toBe(300)
  })
  test('the password grant takes username and password', () => {
    expect(read({ 'grant-type': 'password', username: 'alice', password: 'pw' }).grant).toEqual({
      type: 'password',
      username: 'alice',
      password: 'pw'
    })
  })
  test.each([
    [{ 'asgardeo-org': '' }, 'Input "asgardeo-org" is required'],
    [{ 'asgardeo-org': 'https://api.asgardeo.io/t/acme' }, 'must be an organization handle'],
    [{ 'choreo-org': '' }, 'Input "choreo-org" is required'],
    [{ 'asgardeo-client-id': '' }, 'Input "asgardeo-client-id" is required'],
    [{ 'asgardeo-client-secret': '' }, 'Input "asgardeo-client-secret" is required'],
    [{ 'choreo-token': '' }, 'Input "choreo-token" is required'],
    [{ scopes: '' }, 'Input "scopes" or "openapi" is required'],
    [{ scopes: '# nothing' }, 'Input "scopes" lists no permission'],
    [{ api: '' }, 'Input "api" (the Choreo API name) or "api-id"'],
    [{ 'api-id': 'x' }, 'Give either "api" or "api-id", not both'],
    [{ 'token-scopes': 'read admin' }, 'Input "token-scopes" names "admin"'],
    [{ mode: 'dry-run' }, 'Input "mode" is "dry-run"; use apply, plan, check or token'],
    [{ 'grant-type': 'implicit' }, 'Input "grant-type" is "implicit"'],
    [{ 'grant-type': 'password' }, 'Input "username" is required'],
    [{ 'grant-type': 'password', username: 'a' }, 'Input "password" is required'],
    [{ 'asgardeo-url': 'http://api.asgardeo.io' }, 'Input "asgardeo-url" http://api.asgardeo.io is not HTTPS'],
    [{ 'choreo-url': 'http://10.0.0.1' }, 'is not HTTPS'],
    [{ 'asgardeo-url': 'not a url' }, 'Input "asgardeo-url" ("not a url") is not a URL'],
    [{ 'asgardeo-url': 'https://api.asgardeo.io/t/acme' }, 'includes the organization path'],
    [{ 'timeout-seconds': '5' }, 'Input "timeout-seconds" is "5"'],
    [{ deploy: 'maybe' }, 'Input "deploy" is "maybe"; use true or false'],
    [{ application: ' bad/name' }, 'Input "application"'],
    [{ 'asgardeo-client-id': 'id:secret' }, 'Input "asgardeo-client-id" contains ":"'],
    [{ 'scope-prefix': 'urn:acme:itemsservice' }, 'Input "scope-prefix" ("urn:acme:itemsservice") must look like urn:<org>:<slug>:']
  ])('%j → %s', (over, message) => {
    expect(problems(over).join('\n')).toContain(message)
  })
  test('scope-prefix: optional, kept as given', () => {
    expect(read({}).scopePrefix).toBeUndefined()
    expect(read({ 'scope-prefix': 'urn:acme:itemsservice:' }).scopePrefix).toBe('urn:acme:itemsservice:')
  })
  test('every problem is reported at once', () => {
    expect(problems({ 'asgardeo-org': '', 'choreo-token': '', mode: 'x' })).toHaveLength(3)
  })
  test('plain http is accepted for loopback only', () => {
    expect(read({ 'asgardeo-url': 'http://127.0.0.1:4010', 'choreo-url': 'http://localhost:1' }).asgardeo.url).toBe('http://127.0.0.1:4010')
  })
})

test('default application names differ for repositories whose slugs collide', () => {
  expect(defaultApplicationName({})).toBe('github-actions-client')
  const a = defaultApplicationName({ GITHUB_REPOSITORY: 'octo-org/items' })
  const b = defaultApplicationName({ GITHUB_REPOSITORY: 'octo/org-items' })
  expect(a.slice(0, -7)).toBe(b.slice(0, -7))
  expect(a).not.toBe(b)
})

describe('ownership and deployment inputs', () => {
  test('owner defaults to the repository and the application; adopt is off; deploy-wait-seconds is 180', () => {
    const c = read({ application: 'ci-client' })
    expect(c.owner).toBe('Octo-Org/Items.Service/ci-client')
    expect(c.adopt).toBe(false)
    expect(c.deployWaitSeconds).toBe(180)
    expect(read({ owner: 'platform team', adopt: 'true', 'deploy-wait-seconds': '0' })).toMatchObject({
      owner: 'platform team',
      adopt: true,
      deployWaitSeconds: 0
    })
  })
  test('bad values name the input', () => {
    expect(problems({ owner: 'x]y' })[0]).toMatch(/^Input "owner" \("x\]y"\) may hold/)
    expect(problems({ owner: 'a'.repeat(151) })[0]).toMatch(/^Input "owner"/)
    expect(problems({ adopt: 'maybe' })).toEqual(['Input "adopt" is "maybe"; use true or false.'])
    expect(problems({ 'deploy-wait-seconds': '-1' })[0]).toMatch(
      /^Input "deploy-wait-seconds" is "-1"; use a whole number of seconds from 0/
    )
  })
})
