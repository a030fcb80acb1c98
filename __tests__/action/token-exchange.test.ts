import { beforeAll, describe, expect, test } from '@jest/globals'
import { emulatorInputs, writesSince } from '../../scripts/local-runner.js'
import { useEmulator } from '../support/emulator.js'
import { claims, gateway } from '../support/services.js'
import { maskLeaks, runMain, runPost, type StepRun, type Via } from '../support/token-runner.js'

/**
 * Secret-free tokens end to end through dist/: a provisioning run binds two GitHub subjects; deploy jobs
 * exchange their own id-tokens (mode: token) minted by the emulator's GitHub issuer; the post step revokes.
 */

const emu = useEmulator({}, { resetEach: false })

const REPO = 'octo-org/items-service'
const MAIN = `repo:${REPO}:ref:refs/heads/main`
const PROD = `repo:${REPO}:environment:prod`
const READ = 'urn:acme:itemsapi:read'
const WRITE = 'urn:acme:itemsapi:write'
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/

const provisionInputs = (subjects: string[]) =>
  emulatorInputs(emu, { 'grant-type': 'token-exchange', 'github-subjects': subjects.join('\n'), 'oidc-issuer': `${emu.url}/github` })

let provision: StepRun

/** A runner job for these claims: the environment @actions/core.getIDToken reads. */
async function job(fields: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await fetch(`${emu.url}/__emulator/github/request-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: REPO, ...fields })
  })
  expect(res.status).toBe(201)
  const { requestToken, requestUrl } = (await res.json()) as { requestToken: string; requestUrl: string }
  return { ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }
}

function consumerInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    mode: 'token',
    'asgardeo-org': emu.state.seed.asgardeoOrg,
    'asgardeo-url': emu.url,
    'client-id': provision.outputs['client-id'],
    'token-scopes': provision.outputs.scopes,
    ...extra
  }
}

async function consume(fields: Record<string, unknown>, extra: Record<string, string> = {}, via: Via = 'source'): Promise<StepRun> {
  return runMain(consumerInputs(extra), await job(fields), via)
}

async function introspect(token: string): Promise<{ active: boolean }> {
  const s = emu.state.seed
  const res = await fetch(`${emu.url}/t/${s.asgardeoOrg}/oauth2/introspect`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${s.mgmtClientId}:${s.mgmtClientSecret}`).toString('base64')}`
    },
    body: new URLSearchParams({ token }).toString()
  })
  return (await res.json()) as { active: boolean }
}

const rows = (plan: string) => JSON.parse(plan) as { resource: string; name: string; action: string; details: string[] }[]

beforeAll(async () => {
  // The built bundle, as a runner runs it; the other steps run src/ in-process unless they say 'dist'.
  provision = await runMain(provisionInputs([MAIN, PROD]), {}, 'dist')
}, 60_000)

describe('provisioning (grant-type: token-exchange)', () => {
  test('binds both subjects: issuer, implicit association off, linked accounts required, grant, service user, role, associations', async () => {
    expect(provision.stdout).not.toContain('::error::')
    expect(provision.exitCode).toBe(0)
    expect(maskLeaks(provision)).toEqual([]) // the management and application secrets, the service user's password
    expect(JSON.parse(provision.outputs.scopes)).toEqual([READ, WRITE])
    expect(provision.outputs['access-token']).toBeUndefined() // consumers get theirs with mode: token
    const plan = rows(provision.outputs.plan)
    const byResource = (r: string) => plan.filter((c) => c.resource === r).map((c) => `${c.name}: ${c.action}`)
    expect(byResource('Asgardeo trusted token issuer')).toEqual(['github-actions-github: create'])
    expect(byResource('Asgardeo implicit association')).toEqual(['github-actions-github: create'])
    expect(byResource('Asgardeo linked local account')).toEqual(['ci-items-client: create'])
    expect(byResource('Asgardeo token-exchange grant')).toEqual(['ci-items-client: create'])
    expect(byResource('Asgardeo service user')).toEqual(['github-oidc-ci-items-client@service-users.invalid: create'])
    expect(byResource('Asgardeo application role')).toEqual(['ci-items-client-api-access: create'])
    expect(byResource('Asgardeo federated association')).toEqual([`${MAIN}: create`, `${PROD}: create`])

    // What the server now holds, read back from its state.
    const org = emu.state.asgardeo.orgs[emu.state.seed.asgardeoOrg]
    const app = org.applications.find((a) => a.oidc.clientId === provision.outputs['client-id'])!
    expect(app.oidc.grantTypes).toEqual(['urn:ietf:params:oauth:grant-type:token-exchange'])
    expect(app.oidc.publicClient).toBe(true)
    expect(app.oidc.accessToken.bindingType).toBe('client-request')
    expect((app.extra.claimConfiguration as any).subject).toMatchObject({ useMappedLocalSubject: true, mappedLocalSubjectMandatory: true })
    const idp = org.identityProviders.find((p) => p.idpIssuerName === `${emu.url}/github`)!
    expect(idp.jwksUri).toBe(`${emu.url}/github/.well-known/jwks`)
    expect(idp.implicitAssociation.isEnabled).toBe(false)
    const user = org.users.find((u) => u.userName === 'github-oidc-ci-items-client@service-users.invalid')!
    expect(user.federatedAssociations.map((a) => a.federatedUserId)).toEqual([MAIN, PROD])
    const role = org.roles.find((r) => r.displayName === 'ci-items-client-api-access')!
    expect(role.users).toEqual([user.id])
    expect(role.permissions.sort()).toEqual([READ, WRITE])
  })

  test('a re-run makes no writes and reports no change', async () => {
    const since = emu.log.lastSeq
    const again = await runMain(provisionInputs([MAIN, PROD]))
    expect(again.exitCode).toBe(0)
    expect(await writesSince(emu, since)).toEqual([])
    expect(again.outputs.changed).toBe('false')
    expect(again.outputs['client-id']).toBe(provision.outputs['client-id'])
  })
})

describe('consuming (mode: token)', () => {
  test.each([
    ['the main branch', 'source', { ref: 'refs/heads/main' }, MAIN],
    ['the prod environment', 'source', { environment: 'prod' }, PROD],
    ['the main branch', 'dist', { ref: 'refs/heads/main' }, MAIN],
    ['the prod environment', 'dist', { environment: 'prod' }, PROD]
  ] as const)('a job on %s gets a token with every scope, without any secret (%s)', async (_label, via, fields, sub) => {
    const run = await consume(fields, {}, via)
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    const token = run.outputs['access-token']
    expect(run.outputs['granted-scopes'].split(' ').sort()).toEqual([READ, WRITE])
    expect(claims(token)).toMatchObject({
      client_id: provision.outputs['client-id'],
      aut: 'APPLICATION_USER',
      binding_type: 'client-request'
    })
    expect(run.stdout).toContain(JSON.stringify(sub))
    expect(await gateway(emu, 'GET', '/items/7', token)).toBe(200)
    // Masked before anything could print it; the id-token never appears either.
    expect(run.stdout).toContain(`::add-mask::${token}`)
    expect(run.logs.replace(/::add-mask::\S+/g, '')).not.toMatch(JWT)
    expect(maskLeaks(run)).toEqual([])
    expect(run.stdout).toContain('::debug::') // the scan ran with debug logging on
    expect(run.state.token).toBe(token)
  })

  test('smoke-test calls the given gateway URLs with the token just obtained; a relative target is refused first', async () => {
    const s = emu.state.seed
    const base = `${emu.url}/gateway/Production${s.apiContext}/${s.apiVersion}`
    const run = await consume({ ref: 'refs/heads/main' }, { 'smoke-test': `GET ${base}/items -> 200\nGET ${base}/items -> 401 anonymous` })
    expect(run.stdout).not.toContain('::error::')
    expect(JSON.parse(run.outputs['smoke-results']).map((r: { status: number }) => r.status)).toEqual([200, 401])
    const before = emu.log.lastSeq
    const relative = await consume({ ref: 'refs/heads/main' }, { 'smoke-test': 'GET /items -> 200' })
    expect(relative.exitCode).toBe(1)
    expect(relative.stdout).toContain('with mode: token the target must be the absolute https:// URL of the call')
    // Refused before the id-token was asked for or anything was exchanged.
    expect(emu.log.since(before).filter((e) => !e.path.startsWith('/__emulator'))).toEqual([])
  })

  test('two runs of the same subject get two different tokens (each bound to its request)', async () => {
    const [a, b] = [await consume({ ref: 'refs/heads/main' }), await consume({ ref: 'refs/heads/main' })]
    expect(a.exitCode + b.exitCode).toBe(0)
    expect(a.outputs['access-token']).not.toBe(b.outputs['access-token'])
  })

  test('where the server allows no public client for the grant, the client ID alone is refused and client-secret works', async () => {
    const org = emu.state.asgardeo.orgs[emu.state.seed.asgardeoOrg]
    const app = org.applications.find((a) => a.oidc.clientId === provision.outputs['client-id'])!
    org.publicClientGrants = ['authorization_code']
    try {
      const refused = await consume({ ref: 'refs/heads/main' })
      expect(refused.exitCode).toBe(1)
      expect(refused.stdout).toContain('without a secret')
      expect(refused.stdout).toContain('"client-secret"')
      const withSecret = await consume({ ref: 'refs/heads/main' }, { 'client-secret': app.oidc.clientSecret })
      expect(withSecret.exitCode).toBe(0)
      expect(withSecret.stdout).toContain(`::add-mask::${app.oidc.clientSecret}`)
      const post = await runPost(withSecret.state, consumerInputs({ 'client-secret': app.oidc.clientSecret }))
      expect(post.stdout).toContain('Revoked')
      expect((await introspect(withSecret.outputs['access-token'])).active).toBe(false)
    } finally {
      delete org.publicClientGrants
    }
  })

  test('without id-token permission it fails before any network call, with the permissions block', async () => {
    const since = emu.log.lastSeq
    const run = await runMain(consumerInputs())
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('id-token: write')
    expect(run.stdout).toMatch(/forks/)
    expect(run.stdout).toMatch(/Dependabot/)
    expect(emu.log.since(since)).toEqual([])
  })

  test('the management inputs are not needed, and bad token-mode inputs are named', async () => {
    const run = await runMain({ mode: 'token', 'asgardeo-org': 'acme', 'asgardeo-url': emu.url }, await job({}))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Input "client-id" is required')
    expect(run.stdout).toContain('Input "token-scopes" is required')
    expect(run.stdout).not.toContain('asgardeo-client-secret')
  })
})

// Every refusal through src/ in this process and through the built bundle, as a runner runs it.
describe.each(['source', 'dist'] as const)('the binding refuses every other id-token (%s)', (via) => {
  const refused = async (fields: Record<string, unknown>, extra: Record<string, string> = {}) => {
    const run = await consume(fields, extra, via)
    expect(run.exitCode).toBe(1)
    expect(run.outputs['access-token']).toBeUndefined()
    expect(run.state.token).toBeUndefined()
    expect(run.logs.replace(/::add-mask::\S+/g, '')).not.toMatch(JWT)
    expect(maskLeaks(run)).toEqual([])
    return run
  }

  test('another repository', async () => {
    const run = await refused({ repository: 'mallory/fork-of-items' })
    expect(run.stdout).toContain('sub: "repo:mallory/fork-of-items:ref:refs/heads/main"')
    expect(run.stdout).toContain('repository: "mallory/fork-of-items"')
    expect(run.stdout).toContain('is not linked')
    expect(run.stdout).toContain('github-subjects')
  })

  test('another branch of this repository', async () => {
    const run = await refused({ ref: 'refs/heads/feature' })
    expect(run.stdout).toContain(`sub: "repo:${REPO}:ref:refs/heads/feature"`)
    expect(run.stdout).toContain('ref: "refs/heads/feature"')
    expect(run.stdout).toContain('is not linked')
  })

  test('another environment of this repository', async () => {
    const run = await refused({ environment: 'staging' })
    expect(run.stdout).toContain('environment: "staging"')
    expect(run.stdout).toContain('is not linked')
  })

  test('an expired id-token of a linked subject', async () => {
    const run = await refused({ ref: 'refs/heads/main', issuedSecondsAgo: 3600 })
    expect(run.stdout).toContain(`sub: "${MAIN}"`)
    expect(run.stdout).toContain('expired')
  })

  test('a linked subject asking for the wrong audience', async () => {
    const run = await refused({ ref: 'refs/heads/main' }, { 'oidc-audience': 'https://api.example.com' })
    expect(run.stdout).toContain('aud: "https://api.example.com"')
    expect(run.stdout).toContain('audience')
  })

  test('a token for a linked subject signed by an unknown key', async () => {
    const run = await refused({ ref: 'refs/heads/main', foreignKey: true })
    expect(run.stdout).toContain(`sub: "${MAIN}"`)
    expect(run.stdout).toContain('signature')
  })
})

describe('post step', () => {
  test('revokes the token: introspection shows it inactive (dist/index.js, then dist/post.js)', async () => {
    const main = await runMain(consumerInputs(), await job({ environment: 'prod' }), 'dist')
    const token = main.outputs['access-token']
    expect((await introspect(token)).active).toBe(true)
    const post = await runPost(main.state, consumerInputs(), {}, 'dist')
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(`::add-mask::${token}`)
    expect(post.stdout).toContain('Revoked')
    expect((await introspect(token)).active).toBe(false)
    expect(post.logs.replace(/::add-mask::\S+/g, '')).not.toMatch(JWT)
    expect(maskLeaks(post)).toEqual([])
  })

  test('revoke: false keeps the token', async () => {
    const main = await consume({ environment: 'prod' })
    const post = await runPost(main.state, consumerInputs({ revoke: 'false' }))
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain('revoke: false')
    expect((await introspect(main.outputs['access-token'])).active).toBe(true)
  })

  test('an expired token is skipped', async () => {
    const main = await consume({ environment: 'prod' })
    const since = emu.log.lastSeq
    const post = await runPost({ ...main.state, 'expires-at': new Date(Date.now() - 1000).toISOString() }, consumerInputs())
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain('already expired')
    expect(emu.log.since(since)).toEqual([])
  })

  test('a failure is retried, then only a warning', async () => {
    const main = await consume({ environment: 'prod' })
    const post = await runPost({ ...main.state, 'revoke-endpoint': 'http://127.0.0.1:9/t/acme/oauth2/revoke' }, consumerInputs())
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain('::warning::Could not revoke the access token')
  })

  test('a job that never got a token does nothing', async () => {
    const since = emu.log.lastSeq
    const post = await runPost({}, consumerInputs())
    expect(post.exitCode).toBe(0)
    expect(emu.log.since(since)).toEqual([])
  })
})

describe('changing the binding', () => {
  test('a subject no longer listed is unlinked (the plan says so) and refused from then on', async () => {
    const run = await runMain(provisionInputs([PROD]))
    expect(run.exitCode).toBe(0)
    const plan = rows(run.outputs.plan).filter((c) => c.resource === 'Asgardeo federated association')
    expect(plan.map((c) => `${c.name}: ${c.action}`)).toEqual([`${PROD}: no change`, `${MAIN}: delete`])
    expect(plan[1].details).toEqual(['no longer in "github-subjects"'])
    const refusedRun = await consume({ ref: 'refs/heads/main' })
    expect(refusedRun.exitCode).toBe(1)
    expect(refusedRun.stdout).toContain('is not linked')
    expect((await consume({ environment: 'prod' })).exitCode).toBe(0)
  })
})
