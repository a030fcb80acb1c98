import { createHash, randomBytes } from 'node:crypto'
import type { Router } from '../core/router.js'
import { bearer, json, type Ctx, type Reply } from '../core/http.js'
import type { SeedDefaults } from '../seed.js'
import { CLAIMS_SUPPORTED, idTokenClaims, jobContext, JobInputError, subjectOf, type JobContext } from './claims.js'

export type { JobContext } from './claims.js'

/**
 * GitHub Actions' OIDC side, under /github: the issuer's discovery document and JWKS, and the runner's
 * id-token endpoint (what ACTIONS_ID_TOKEN_REQUEST_URL points at). A test creates a "job" through the
 * control surface and gets the request token and URL a runner would put in the environment.
 */
export interface GithubState {
  /** Jobs by the SHA-256 (hex) of their request token: the token itself is never stored. */
  requestTokens: Record<string, JobContext>
  /** Last run_id handed out; each job gets the next one unless the test sets run_id. */
  lastRunId: number
}

export function seedGithub(_seed: SeedDefaults): GithubState {
  return { requestTokens: {}, lastRunId: 9_000_000_000 }
}

const PREFIX = '/github'
const CONTROL = '/__emulator/github'

export function registerGithub(router: Router, control: Router): void {
  router.get(`${PREFIX}/.well-known/openid-configuration`, (ctx) => {
    const issuer = issuerOf(ctx)
    return json(200, {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks`,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: CLAIMS_SUPPORTED,
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid']
    })
  })

  router.get(`${PREFIX}/.well-known/jwks`, async (ctx) => json(200, await ctx.emulator.keys.jwks('github')))

  // The runner's endpoint. @actions/core appends `&audience=…`, so the URL always carries a query.
  router.get(`${PREFIX}/_apis/idtoken`, async (ctx) => {
    const token = bearer(ctx)
    const job = token ? ctx.emulator.state.github.requestTokens[hashOf(token)] : undefined
    if (!job) return unauthorized(token ? 'The request token is not valid.' : 'No request token was given.')
    if (!ctx.query.get('api-version')) {
      return json(400, { message: 'No api-version was supplied for the GET request.', typeKey: 'VssVersionNotSpecifiedException' })
    }
    return json(200, { value: await mint(ctx, job, ctx.query.get('audience') ?? undefined) })
  })

  // Test control: create a job, get its request token and URL (ACTIONS_ID_TOKEN_REQUEST_TOKEN / _URL).
  control.post(`${CONTROL}/request-tokens`, (ctx) =>
    withJob(ctx, [], (job) => {
      const requestToken = randomBytes(32).toString('base64url')
      ctx.emulator.state.github.requestTokens[hashOf(requestToken)] = job
      return json(201, { requestToken, requestUrl: `${issuerOf(ctx)}/_apis/idtoken?api-version=2.0`, sub: subjectOf(job) })
    })
  )

  // Test control: mint an ID token for a job description directly, without the runner's round trip.
  control.post(`${CONTROL}/id-token`, (ctx) =>
    withJob(ctx, ['audience'], async (job) => {
      const audience = (ctx.json as { audience?: unknown }).audience
      if (audience !== undefined && typeof audience !== 'string') return json(400, { error: '"audience" must be a string' })
      return json(200, { value: await mint(ctx, job, audience) })
    })
  )
}

function issuerOf(ctx: Ctx): string {
  return `${ctx.baseUrl}${PREFIX}`
}

async function withJob(ctx: Ctx, allowed: string[], then: (job: JobContext) => Reply | Promise<Reply>): Promise<Reply> {
  const body = ctx.json
  if (!body || typeof body !== 'object' || Array.isArray(body)) return json(400, { error: 'body must be a JSON object with "repository"' })
  const github = ctx.emulator.state.github
  let job: JobContext
  try {
    job = jobContext(body as Record<string, unknown>, (github.lastRunId ?? 9_000_000_000) + 1, allowed)
  } catch (err) {
    if (err instanceof JobInputError) return json(400, { error: err.message })
    throw err
  }
  if (!('run_id' in (body as object))) github.lastRunId = Number(job.run_id)
  return then(job)
}

/** Signs with the issuer's key, or for a forged-token test with `github-foreign`, which no JWKS publishes. */
function mint(ctx: Ctx, job: JobContext, audience: string | undefined): Promise<string> {
  const issuedAt = ctx.emulator.now() - (job.issuedSecondsAgo ?? 0) * 1000
  const claims = idTokenClaims(job, audience || undefined, issuerOf(ctx), issuedAt)
  return ctx.emulator.keys.sign(job.foreignKey ? 'github-foreign' : 'github', claims, { typ: 'JWT' })
}

function unauthorized(message: string): Reply {
  return json(401, { message, typeKey: 'UnauthorizedRequestException' })
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
