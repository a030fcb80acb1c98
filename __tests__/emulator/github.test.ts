import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import * as jose from 'jose'
import * as core from '@actions/core'
import { useEmulator } from '../support/emulator.js'

const emu = useEmulator()

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${emu.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function job(fields: Record<string, unknown>): Promise<{ requestToken: string; requestUrl: string; sub: string }> {
  const res = await post('/__emulator/github/request-tokens', fields)
  expect(res.status).toBe(201)
  return (await res.json()) as { requestToken: string; requestUrl: string; sub: string }
}

async function idToken(requestUrl: string, requestToken: string, audience?: string): Promise<string> {
  const url = audience ? `${requestUrl}&audience=${encodeURIComponent(audience)}` : requestUrl
  const res = await fetch(url, { headers: { authorization: `Bearer ${requestToken}` } })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { value: string }
  return body.value
}

/** Verifies against the JWKS the emulator serves over HTTP, as a relying party would. */
async function verify(token: string, audience: string): Promise<jose.JWTPayload> {
  const jwks = jose.createRemoteJWKSet(new URL(`${emu.url}/github/.well-known/jwks`))
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: `${emu.url}/github`, audience, algorithms: ['RS256'] })
  expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' })
  expect(typeof protectedHeader.kid).toBe('string')
  return payload
}

describe('discovery', () => {
  test('openid-configuration names the issuer, the JWKS and RS256', async () => {
    const res = await fetch(`${emu.url}/github/.well-known/openid-configuration`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const doc = (await res.json()) as Record<string, unknown>
    expect(doc.issuer).toBe(`${emu.url}/github`)
    expect(doc.jwks_uri).toBe(`${emu.url}/github/.well-known/jwks`)
    expect(doc.response_types_supported).toEqual(['id_token'])
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256'])
    expect(doc.scopes_supported).toEqual(['openid'])
    expect(doc.subject_types_supported).toEqual(expect.arrayContaining(['public']))
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'aud', 'repository', 'repository_id', 'job_workflow_ref', 'environment', 'ref'])
    )
  })

  test('JWKS serves one RS256 signing key with a kid', async () => {
    const res = await fetch(`${emu.url}/github/.well-known/jwks`)
    expect(res.status).toBe(200)
    const { keys } = (await res.json()) as { keys: jose.JWK[] }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(keys[0].kid).toBeTruthy()
    expect(keys[0].d).toBeUndefined() // never the private part
  })
})

describe('request tokens (the runner environment)', () => {
  test('POST /__emulator/github/request-tokens answers 201 with a token and the api-version URL', async () => {
    const j = await job({ repository: 'octo/app' })
    expect(j.requestToken).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    expect(j.requestUrl).toBe(`${emu.url}/github/_apis/idtoken?api-version=2.0`)
    expect(j.sub).toBe('repo:octo/app:ref:refs/heads/main')
  })

  test('only a hash of the request token is kept in the state', async () => {
    const j = await job({ repository: 'octo/app' })
    const dump = JSON.stringify(emu.state)
    expect(dump).not.toContain(j.requestToken)
    expect(Object.keys(emu.state.github.requestTokens)).toHaveLength(1)
    expect(Object.keys(emu.state.github.requestTokens)[0]).toMatch(/^[0-9a-f]{64}$/)
  })

  test.each([
    [{}, '"repository" must be "OWNER/REPO"'],
    [{ repository: 'no-slash' }, '"repository" must be "OWNER/REPO"'],
    [{ repository: 'octo/app', colour: 'blue' }, 'unknown field "colour"'],
    [{ repository: 'octo/app', subTemplate: [] }, '"subTemplate" must be a non-empty array of claim names'],
    [{ repository: 'octo/app', subTemplate: ['environment'] }, '"subTemplate" includes "environment" but the job has no environment'],
    [{ repository: 'octo/app', audience: 'x' }, 'unknown field "audience"']
  ])('a bad job description %j is 400', async (body, error) => {
    const res = await post('/__emulator/github/request-tokens', body)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error })
  })

  test('a body that is not JSON is 400', async () => {
    const res = await fetch(`${emu.url}/__emulator/github/request-tokens`, { method: 'POST', body: 'repository=octo/app' })
    expect(res.status).toBe(400)
  })
})

describe('the id-token endpoint', () => {
  test('mints a JWT that verifies against the served JWKS with the requested audience', async () => {
    const j = await job({ repository: 'octo/app' })
    const token = await idToken(j.requestUrl, j.requestToken, 'https://asgardeo.example/aud')
    const claims = await verify(token, 'https://asgardeo.example/aud')
    expect(claims.iss).toBe(`${emu.url}/github`)
    expect(claims.sub).toBe('repo:octo/app:ref:refs/heads/main')
  })

  test('without an audience, aud is https://github.com/<owner>', async () => {
    const j = await job({ repository: 'octo/app' })
    const claims = await verify(await idToken(j.requestUrl, j.requestToken), 'https://github.com/octo')
    expect(claims.aud).toBe('https://github.com/octo')
  })

  test('carries GitHub’s claim set, with string ids and GitHub’s token times', async () => {
    const j = await job({
      repository: 'octo/app',
      ref: 'refs/heads/release',
      sha: 'a'.repeat(40),
      actor: 'mona',
      actor_id: 42,
      repository_id: '74',
      repository_owner_id: '65',
      run_id: '1234',
      workflow: 'Deploy',
      event_name: 'workflow_dispatch'
    })
    const before = Math.floor(emu.now() / 1000)
    const claims = await verify(await idToken(j.requestUrl, j.requestToken, 'aud-1'), 'aud-1')
    expect(claims).toEqual({
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sub: 'repo:octo/app:ref:refs/heads/release',
      aud: 'aud-1',
      ref: 'refs/heads/release',
      sha: 'a'.repeat(40),
      repository: 'octo/app',
      repository_owner: 'octo',
      repository_owner_id: '65',
      repository_visibility: 'private',
      repository_id: '74',
      run_id: '1234',
      run_number: '1',
      run_attempt: '1',
      runner_environment: 'github-hosted',
      actor_id: '42',
      actor: 'mona',
      workflow: 'Deploy',
      head_ref: '',
      base_ref: '',
      event_name: 'workflow_dispatch',
      ref_protected: 'false',
      ref_type: 'branch',
      workflow_ref: 'octo/app/.github/workflows/ci.yml@refs/heads/release',
      workflow_sha: 'a'.repeat(40),
      job_workflow_ref: 'octo/app/.github/workflows/ci.yml@refs/heads/release',
      job_workflow_sha: 'a'.repeat(40),
      iss: `${emu.url}/github`,
      nbf: expect.any(Number),
      exp: expect.any(Number),
      iat: expect.any(Number)
    })
    const iat = claims.iat as number
    expect(iat).toBeGreaterThanOrEqual(before)
    expect(claims.exp).toBe(iat + 300)
    expect(claims.nbf).toBe(iat - 600)
  })

  test('each token has its own jti; ids of one repository are stable across jobs', async () => {
    const a = await job({ repository: 'octo/app' })
    const b = await job({ repository: 'octo/app', ref: 'refs/heads/dev' })
    const ca = jose.decodeJwt(await idToken(a.requestUrl, a.requestToken))
    const cb = jose.decodeJwt(await idToken(b.requestUrl, b.requestToken))
    expect(ca.jti).not.toBe(cb.jti)
    expect(ca.repository_id).toBe(cb.repository_id)
    expect(ca.repository_owner_id).toMatch(/^\d+$/)
    expect(ca.run_id).not.toBe(cb.run_id)
  })

  test('sub form 1: an environment job is repo:OWNER/REPO:environment:NAME and has the environment claim', async () => {
    const j = await job({ repository: 'octo/app', environment: 'prod' })
    expect(j.sub).toBe('repo:octo/app:environment:prod')
    const claims = jose.decodeJwt(await idToken(j.requestUrl, j.requestToken))
    expect(claims.sub).toBe('repo:octo/app:environment:prod')
    expect(claims.environment).toBe('prod')
  })

  test('sub form 2: a branch or tag job is repo:OWNER/REPO:ref:REF, without an environment claim', async () => {
    const branch = jose.decodeJwt(await idToken(...(await tokenPair({ repository: 'octo/app', ref: 'refs/heads/main' }))))
    expect(branch.sub).toBe('repo:octo/app:ref:refs/heads/main')
    expect('environment' in branch).toBe(false)
    const tag = jose.decodeJwt(await idToken(...(await tokenPair({ repository: 'octo/app', ref: 'refs/tags/v1.2.0' }))))
    expect(tag.sub).toBe('repo:octo/app:ref:refs/tags/v1.2.0')
    expect(tag.ref_type).toBe('tag')
  })

  test('sub form 3: a pull_request job is repo:OWNER/REPO:pull_request with head_ref and base_ref', async () => {
    const claims = jose.decodeJwt(await idToken(...(await tokenPair({ repository: 'octo/app', event_name: 'pull_request' }))))
    expect(claims.sub).toBe('repo:octo/app:pull_request')
    expect(claims.ref).toBe('refs/pull/1/merge')
    expect(claims.head_ref).toBe('feature')
    expect(claims.base_ref).toBe('main')
  })

  test('an environment wins over pull_request in the default sub', async () => {
    const claims = jose.decodeJwt(
      await idToken(...(await tokenPair({ repository: 'octo/app', event_name: 'pull_request', environment: 'staging' })))
    )
    expect(claims.sub).toBe('repo:octo/app:environment:staging')
  })

  test('a ":" inside a sub value is sent as %3A', async () => {
    const j = await job({ repository: 'octo/app', environment: 'Production:V1' })
    expect(j.sub).toBe('repo:octo/app:environment:Production%3AV1')
  })

  test('a custom sub template renders key:value pairs; repo and context keep their default forms', async () => {
    const ids = await job({
      repository: 'octo/app',
      repository_owner_id: '65',
      repository_id: '74',
      subTemplate: ['repository_owner_id', 'repository_id']
    })
    expect(ids.sub).toBe('repository_owner_id:65:repository_id:74')
    const reusable = await job({
      repository: 'octo/app',
      environment: 'prod',
      job_workflow_ref: 'octo/automation/.github/workflows/oidc.yml@refs/heads/main',
      subTemplate: ['repo', 'context', 'job_workflow_ref']
    })
    expect(reusable.sub).toBe('repo:octo/app:environment:prod:job_workflow_ref:octo/automation/.github/workflows/oidc.yml@refs/heads/main')
    const token = jose.decodeJwt(await idToken(reusable.requestUrl, reusable.requestToken))
    expect(token.sub).toBe(reusable.sub)
  })

  test('the immutable subject format carries the owner and repository ids', async () => {
    const j = await job({ repository: 'octo/app', repository_owner_id: '123456', repository_id: '456789', immutableSub: true })
    expect(j.sub).toBe('repo:octo@123456/app@456789:ref:refs/heads/main')
  })

  test('missing request token is 401', async () => {
    const j = await job({ repository: 'octo/app' })
    const res = await fetch(`${j.requestUrl}&audience=x`)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { value?: string }).value).toBeUndefined()
  })

  test('a wrong request token is 401', async () => {
    const j = await job({ repository: 'octo/app' })
    const res = await fetch(`${j.requestUrl}&audience=x`, { headers: { authorization: `Bearer ${j.requestToken}x` } })
    expect(res.status).toBe(401)
  })

  test('a request token stops working after a reset', async () => {
    const j = await job({ repository: 'octo/app' })
    emu.reset()
    const res = await fetch(j.requestUrl, { headers: { authorization: `Bearer ${j.requestToken}` } })
    expect(res.status).toBe(401)
  })

  test('without api-version the endpoint is 400 (why the URL given to jobs already has ?api-version=2.0)', async () => {
    const j = await job({ repository: 'octo/app' })
    const res = await fetch(`${emu.url}/github/_apis/idtoken?audience=x`, { headers: { authorization: `Bearer ${j.requestToken}` } })
    expect(res.status).toBe(400)
  })

  test('tokens use the emulated clock', async () => {
    const j = await job({ repository: 'octo/app' })
    emu.clockOffsetMs = 3_600_000
    const before = Date.now()
    const claims = jose.decodeJwt(await idToken(j.requestUrl, j.requestToken))
    // Bracketed by the wall clock before and after: no assumption on how long the call took.
    expect(claims.iat as number).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600)
    expect(claims.iat as number).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600)
  })

  test('extraClaims add claims (e.g. enterprise) and override generated ones', async () => {
    const j = await job({ repository: 'octo/app', extraClaims: { enterprise: 'avocado-corp', enterprise_id: '2' } })
    const claims = jose.decodeJwt(await idToken(j.requestUrl, j.requestToken))
    expect(claims.enterprise).toBe('avocado-corp')
    expect(claims.enterprise_id).toBe('2')
  })
})

describe('POST /__emulator/github/id-token (direct minting for tests)', () => {
  test('mints a verifiable token for a job description and an audience', async () => {
    const res = await post('/__emulator/github/id-token', { repository: 'octo/app', environment: 'prod', audience: 'my-aud' })
    expect(res.status).toBe(200)
    const { value } = (await res.json()) as { value: string }
    const claims = await verify(value, 'my-aud')
    expect(claims.sub).toBe('repo:octo/app:environment:prod')
  })

  test('a non-string audience is 400', async () => {
    const res = await post('/__emulator/github/id-token', { repository: 'octo/app', audience: 5 })
    expect(res.status).toBe(400)
  })

  test('direct minting creates no request token', async () => {
    await post('/__emulator/github/id-token', { repository: 'octo/app' })
    expect(emu.state.github.requestTokens).toEqual({})
  })
})

describe('@actions/core getIDToken against the emulator', () => {
  const saved = { url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL, token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN }
  const writes: string[] = []
  let restoreStdout: (() => void) | undefined

  beforeEach(() => {
    // core prints ::add-mask:: and ::debug:: runner commands on stdout; keep them to check the mask.
    const original = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    }) as typeof process.stdout.write
    restoreStdout = () => (process.stdout.write = original)
  })
  afterEach(() => {
    restoreStdout?.()
    writes.length = 0
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = saved.url
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = saved.token
    if (saved.url === undefined) delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
    if (saved.token === undefined) delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  })

  test('getIDToken(audience) returns a token for the job, and masks it', async () => {
    const j = await job({ repository: 'octo/app', environment: 'prod' })
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = j.requestUrl
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = j.requestToken
    const token = await core.getIDToken('https://asgardeo.example/t/acme')
    const claims = await verify(token, 'https://asgardeo.example/t/acme')
    expect(claims.sub).toBe('repo:octo/app:environment:prod')
    expect(writes.join('')).toContain(`::add-mask::${token}`)
  })

  test('getIDToken() without an audience gets the owner URL as aud', async () => {
    const j = await job({ repository: 'octo/app' })
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = j.requestUrl
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = j.requestToken
    const claims = await verify(await core.getIDToken(), 'https://github.com/octo')
    expect(claims.repository).toBe('octo/app')
  })

  test('getIDToken fails with the status when the request token is wrong', async () => {
    const j = await job({ repository: 'octo/app' })
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = j.requestUrl
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'not-the-token'
    await expect(core.getIDToken('aud')).rejects.toThrow(/401/)
  })

  test('getIDToken retries a 503 from the runner endpoint (http-client retry) and then succeeds', async () => {
    const j = await job({ repository: 'octo/app' })
    emu.faults.add({ kind: 'status', status: 503, path: '/github/_apis/idtoken', method: 'GET', times: 2 })
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = j.requestUrl
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = j.requestToken
    await verify(await core.getIDToken('aud'), 'aud')
    const statuses = emu.log
      .since(0)
      .filter((e) => e.path.startsWith('/github/_apis/idtoken'))
      .map((e) => e.status)
    expect(statuses).toEqual([503, 503, 200])
  })
})

async function tokenPair(fields: Record<string, unknown>): Promise<[string, string]> {
  const j = await job(fields)
  return [j.requestUrl, j.requestToken]
}
