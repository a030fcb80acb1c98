import { describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import * as jose from 'jose'
import { DEFAULT_SEED } from '../../emulator/index.js'
import { useEmulator } from '../support/emulator.js'

/**
 * Emulator additions for the GitHub binding: forged and expired id-tokens from the GitHub issuer,
 * client-request token binding in Asgardeo's token cache, and the server's public-client grant list.
 */

const emu = useEmulator()
const basic = `Basic ${Buffer.from(`${DEFAULT_SEED.mgmtClientId}:${DEFAULT_SEED.mgmtClientSecret}`).toString('base64')}`

async function mint(fields: Record<string, unknown>): Promise<{ status: number; value?: string; error?: string }> {
  const res = await fetch(`${emu.url}/__emulator/github/id-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'octo/app', audience: 'aud', ...fields })
  })
  return { status: res.status, ...((await res.json()) as { value?: string; error?: string }) }
}

async function token(form: Record<string, string>, auth: string | null = basic): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${emu.url}/t/acme/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
    body: new URLSearchParams(form).toString()
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe('GitHub issuer: test-only id-tokens', () => {
  const jwks = () => jose.createRemoteJWKSet(new URL(`${emu.url}/github/.well-known/jwks`))

  test('issuedSecondsAgo mints a token already past its exp', async () => {
    const before = Math.floor(emu.now() / 1000)
    const { value } = await mint({ issuedSecondsAgo: 3600 })
    const after = Math.floor(emu.now() / 1000)
    const claims = jose.decodeJwt(value!)
    expect(claims.iat).toBeGreaterThanOrEqual(before - 3600)
    expect(claims.iat).toBeLessThanOrEqual(after - 3600)
    expect(claims.exp).toBe(claims.iat! + 300)
    await expect(jose.jwtVerify(value!, jwks(), { currentDate: new Date(emu.now()) })).rejects.toThrow(/exp/)
  })

  test('foreignKey signs with a key the JWKS does not publish', async () => {
    const { value } = await mint({ foreignKey: true })
    expect(jose.decodeJwt(value!).iss).toBe(`${emu.url}/github`)
    await expect(jose.jwtVerify(value!, jwks())).rejects.toThrow()
    const genuine = await mint({})
    await expect(jose.jwtVerify(genuine.value!, jwks(), { currentDate: new Date(emu.now()) })).resolves.toBeTruthy()
  })

  test.each([
    [{ issuedSecondsAgo: -1 }, 'issuedSecondsAgo'],
    [{ issuedSecondsAgo: 'old' }, 'issuedSecondsAgo'],
    [{ foreignKey: 'yes' }, 'foreignKey']
  ])('a bad test field %j is a 400', async (fields, name) => {
    const res = await mint(fields)
    expect(res.status).toBe(400)
    expect(res.error).toContain(name)
  })
})

describe('Asgardeo: client-request token binding', () => {
  const bind = () => {
    emu.state.asgardeo.orgs.acme.applications[0].oidc.accessToken.bindingType = 'client-request'
  }
  const cc = (extra: Record<string, string> = {}) => token({ grant_type: 'client_credentials', scope: 'internal_idp_view', ...extra })

  test('unbound app: the same client and scopes get the cached token, whatever tokenBindingId says', async () => {
    const a = await cc({ tokenBindingId: 'run-1' })
    const b = await cc({ tokenBindingId: 'run-2' })
    expect(a.body.access_token).toBe(b.body.access_token)
    expect(jose.decodeJwt(a.body.access_token).binding_type).toBeUndefined()
  })

  test('bound app: each tokenBindingId gets its own token (MD5 reference in the JWT); the same one is cached', async () => {
    bind()
    const a = await cc({ tokenBindingId: 'run-1' })
    const again = await cc({ tokenBindingId: 'run-1' })
    const b = await cc({ tokenBindingId: 'run-2' })
    expect(a.status).toBe(200)
    expect(again.body.access_token).toBe(a.body.access_token)
    expect(b.body.access_token).not.toBe(a.body.access_token)
    expect(jose.decodeJwt(a.body.access_token)).toMatchObject({
      binding_type: 'client-request',
      binding_ref: createHash('md5').update('run-1').digest('hex')
    })
    // Without the parameter the request is unbound (AccessTokenIssuer treats it as binding "None").
    const none = await cc()
    expect(none.body.access_token).not.toBe(a.body.access_token)
    expect(jose.decodeJwt(none.body.access_token).binding_type).toBeUndefined()
  })

  test('revoking one bound token leaves the other run\u2019s token active', async () => {
    bind()
    const a = (await cc({ tokenBindingId: 'run-1' })).body.access_token
    const b = (await cc({ tokenBindingId: 'run-2' })).body.access_token
    const form = (t: string) => new URLSearchParams({ token: t }).toString()
    const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }
    await fetch(`${emu.url}/t/acme/oauth2/revoke`, { method: 'POST', headers, body: form(a) })
    const active = async (t: string) =>
      (
        (await (await fetch(`${emu.url}/t/acme/oauth2/introspect`, { method: 'POST', headers, body: form(t) })).json()) as {
          active: boolean
        }
      ).active
    expect(await active(a)).toBe(false)
    expect(await active(b)).toBe(true)
  })

  test('a binding value of 256 characters or more is an invalid request', async () => {
    bind()
    const res = await cc({ tokenBindingId: 'x'.repeat(256) })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Token binding reference length exceeds limit' })
  })
})

describe('Asgardeo: grants a public client may use', () => {
  test('a public client with its id alone is refused for a grant the server does not list', async () => {
    const app = emu.state.asgardeo.orgs.acme.applications[0]
    app.oidc.publicClient = true
    app.oidc.grantTypes.push('password')
    const form = {
      grant_type: 'password',
      username: DEFAULT_SEED.userName,
      password: DEFAULT_SEED.userPassword,
      client_id: app.oidc.clientId
    }
    expect((await token(form, null)).status).toBe(200)
    emu.state.asgardeo.orgs.acme.publicClientGrants = ['authorization_code']
    const refused = await token(form, null)
    expect(refused.status).toBe(401)
    expect(refused.body.error).toBe('invalid_client')
  })
})
