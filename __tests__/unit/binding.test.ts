import { describe, expect, test } from '@jest/globals'
import { GITHUB_ISSUER, issuerName, parseSubjects, serviceUserName, TOKEN_EXCHANGE_GRANT } from '../../src/asgardeo/binding-config.js'
import { diffGrant } from '../../src/asgardeo/binding.js'
import type { OidcConfig } from '../../src/asgardeo/client.js'
import { InputError, readConfig } from '../../src/inputs.js'
import { idTokenPreflight, parseTokenScopes, readTokenConfig } from '../../src/token/inputs.js'
import { claimsOf, describeClaims } from '../../src/token/refusal.js'

const provisioning: Record<string, string> = {
  'asgardeo-org': 'acme',
  'asgardeo-client-id': 'id',
  'asgardeo-client-secret': 'secret',
  'choreo-org': 'acme',
  'choreo-token': 'pat',
  api: 'Items API',
  scopes: 'read: GET /items',
  'grant-type': 'token-exchange'
}
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as InputError).problems
  }
  throw new Error('expected an InputError')
}

describe('github-subjects', () => {
  test('one exact sub per line; comments and blanks skipped', () => {
    expect(parseSubjects('# deploys\nrepo:acme/items:ref:refs/heads/main\n\nrepo:acme/items:environment:prod # prod')).toEqual([
      'repo:acme/items:ref:refs/heads/main',
      'repo:acme/items:environment:prod'
    ])
  })

  test.each([
    ['repo:acme/items:ref:refs/heads/*', 'wildcard'],
    ['repo:acme/items:pull_request', 'pull-request'],
    ['acme/items', 'exact "sub"'],
    ['repo:acme/items ref:main', 'exact "sub"']
  ])('%s is refused (%s)', (line, words) => {
    const problems: string[] = []
    expect(parseSubjects(line, problems)).toEqual([])
    expect(problems.join(' ')).toContain(words)
    expect(problems[0]).toContain('github-subjects, line 1')
  })

  test('a duplicate is refused, and none at all is required', () => {
    const problems: string[] = []
    parseSubjects('repo:a/b:environment:prod\nrepo:a/b:environment:prod', problems)
    expect(problems).toEqual([expect.stringContaining('listed twice')])
    const none: string[] = []
    parseSubjects('', none)
    expect(none).toEqual([expect.stringContaining('Input "github-subjects" is required')])
  })
})

describe('readConfig with grant-type token-exchange', () => {
  test('GitHub is the default issuer; subjects, audience and grant are read', () => {
    const inputs: Record<string, string> = {
      ...provisioning,
      'github-subjects': 'repo:acme/items:environment:prod',
      'oidc-audience': 'aud-x'
    }
    const config = readConfig((n) => inputs[n] ?? '', {})
    expect(config.grant).toEqual({
      type: 'token-exchange',
      subjects: ['repo:acme/items:environment:prod'],
      issuer: GITHUB_ISSUER,
      audience: 'aud-x'
    })
  })

  test('a custom issuer must be HTTPS, exact (no trailing slash)', () => {
    const inputs = { ...provisioning, 'github-subjects': 'repo:a/b:environment:prod', 'oidc-issuer': 'http://ghe.example.com/acme/' }
    const problems = problemsOf(() => readConfig((n) => (inputs as Record<string, string>)[n] ?? '', {}))
    expect(problems.join('\n')).toContain('not HTTPS')
    expect(problems.join('\n')).toContain('ends with "/"')
  })
})

describe('mode: token inputs', () => {
  const token = (over: Record<string, string>) => readTokenConfig((n) => ({ mode: 'token', 'asgardeo-org': 'acme', ...over })[n] ?? '')

  test('needs only the org, the client ID and the scopes; audience defaults to the token endpoint', () => {
    const config = token({ 'client-id': 'cid', 'token-scopes': '["urn:acme:items:read","urn:acme:items:write"]' })
    expect(config).toMatchObject({
      clientId: 'cid',
      clientSecret: undefined,
      scopes: ['urn:acme:items:read', 'urn:acme:items:write'],
      audience: 'https://api.asgardeo.io/t/acme/oauth2/token',
      tokenEndpoint: 'https://api.asgardeo.io/t/acme/oauth2/token',
      revokeEndpoint: 'https://api.asgardeo.io/t/acme/oauth2/revoke',
      revoke: true
    })
  })

  test('every missing or bad input is named', () => {
    const problems = problemsOf(() => token({ 'asgardeo-org': '', 'client-id': 'a:b', revoke: 'maybe' }))
    expect(problems).toEqual([
      expect.stringContaining('Input "asgardeo-org" is required'),
      expect.stringContaining('Input "client-id" contains ":"'),
      expect.stringContaining('Input "token-scopes" is required'),
      expect.stringContaining('Input "revoke" is "maybe"')
    ])
  })

  test('token-scopes: a JSON array or names separated by spaces or commas', () => {
    expect(parseTokenScopes('a:read, a:write a:read')).toEqual(['a:read', 'a:write'])
    const problems: string[] = []
    expect(parseTokenScopes('["a", 3]', problems)).toEqual(['a'])
    expect(problems[0]).toContain('3')
    const bad: string[] = []
    parseTokenScopes('[not json', bad)
    expect(bad[0]).toContain('not a JSON array')
  })

  test('pre-flight: without the runner id-token endpoint, the permissions block to add', () => {
    expect(() => idTokenPreflight({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' })).not.toThrow()
    expect(() => idTokenPreflight({})).toThrow(/permissions:\n {6}id-token: write/)
  })
})

describe('the grant diff', () => {
  const oidc = (over: Partial<OidcConfig>): OidcConfig => ({
    clientId: 'c',
    grantTypes: [TOKEN_EXCHANGE_GRANT],
    accessToken: { type: 'JWT', bindingType: 'client-request' },
    ...over
  })

  test('nothing to do when the grant is there, refresh tokens are off and tokens are bound', () => {
    expect(diffGrant(oidc({})).details).toEqual([])
  })

  test('adds the grant, drops refresh_token, binds tokens to the request, keeps other grants', () => {
    const { next, details } = diffGrant(
      oidc({ grantTypes: ['password', 'refresh_token'], accessToken: { type: 'Default', bindingType: 'None' } })
    )
    expect(next.grantTypes).toEqual(['password', TOKEN_EXCHANGE_GRANT])
    expect(next.accessToken).toEqual({ type: 'JWT', bindingType: 'client-request' })
    expect(details).toHaveLength(4)
  })
})

describe('names and claims', () => {
  test('issuer and service-user names', () => {
    expect(issuerName(GITHUB_ISSUER)).toBe('github-actions')
    expect(issuerName('https://token.actions.githubusercontent.com/Acme-Corp')).toBe('github-actions-acme-corp')
    expect(serviceUserName('Items Service (prod)')).toBe('github-oidc-items-service-prod@service-users.invalid')
  })

  test('the claims shown for a refusal are the non-secret ones, never the signature', () => {
    const payload = {
      iss: 'https://i',
      sub: 'repo:a/b:ref:refs/heads/x',
      aud: 'aud',
      repository: 'a/b',
      ref: 'refs/heads/x',
      exp: 0,
      actor: 'octocat'
    }
    const jwt = `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2lnbmF0dXJl`
    const lines = describeClaims(claimsOf(jwt))
    expect(lines).toEqual([
      'iss: "https://i"',
      'sub: "repo:a/b:ref:refs/heads/x"',
      'aud: "aud"',
      'repository: "a/b"',
      'ref: "refs/heads/x"',
      'environment: (none)',
      'job_workflow_ref: (none)',
      'exp: 1970-01-01T00:00:00.000Z'
    ])
    expect(claimsOf('not-a-jwt')).toEqual({})
  })
})
