import { createHash, randomUUID } from 'node:crypto'

/**
 * One emulated workflow job: everything GitHub knows about it when the job asks for an OIDC token.
 * Values are strings, as in GitHub's tokens (ids and run numbers are decimal strings).
 */
export interface JobContext {
  repository: string
  repository_id: string
  repository_owner_id: string
  repository_visibility: string
  ref: string
  ref_type: string
  ref_protected: string
  sha: string
  environment?: string
  event_name: string
  head_ref: string
  base_ref: string
  actor: string
  actor_id: string
  workflow: string
  workflow_ref: string
  workflow_sha: string
  job_workflow_ref: string
  job_workflow_sha: string
  run_id: string
  run_number: string
  run_attempt: string
  runner_environment: string
  /** Custom `sub` template (GitHub's `include_claim_keys`); the default template when absent. */
  subTemplate?: string[]
  /** The immutable subject format `repo:OWNER@OWNER-ID/REPO@REPO-ID:…` (repositories created after 2026-07-15). */
  immutableSub?: boolean
  /** An exact `sub`, overriding every template (for shapes this emulator does not derive). */
  sub?: string
  /** Claims added to (or overriding) the generated ones, e.g. `enterprise`. */
  extraClaims?: Record<string, unknown>
  /** Test-only: mint the token as if issued this many seconds ago (an expired token when > LIFETIME_SECONDS). */
  issuedSecondsAgo?: number
  /** Test-only: sign with a key the issuer's JWKS does not publish (a forged token). */
  foreignKey?: boolean
}

/** Fields a test may set, as the control surface accepts them. */
const STRING_FIELDS = [
  'repository',
  'repository_id',
  'repository_owner_id',
  'repository_visibility',
  'ref',
  'ref_type',
  'ref_protected',
  'sha',
  'environment',
  'event_name',
  'head_ref',
  'base_ref',
  'actor',
  'actor_id',
  'workflow',
  'workflow_ref',
  'workflow_sha',
  'job_workflow_ref',
  'job_workflow_sha',
  'run_id',
  'run_number',
  'run_attempt',
  'runner_environment',
  'sub'
] as const
const OTHER_FIELDS = ['subTemplate', 'immutableSub', 'extraClaims', 'issuedSecondsAgo', 'foreignKey']

/** Thrown for a job description the emulator cannot turn into a token; the control route answers 400. */
export class JobInputError extends Error {}

/**
 * Builds a complete job context from the fields a test gave, filling the rest with stable defaults
 * derived from the repository (so two jobs of one repository agree on ids, as on GitHub).
 */
export function jobContext(input: Record<string, unknown>, runId: number, allowed: string[] = []): JobContext {
  for (const key of Object.keys(input)) {
    if (!(STRING_FIELDS as readonly string[]).includes(key) && !OTHER_FIELDS.includes(key) && !allowed.includes(key)) {
      throw new JobInputError(`unknown field "${key}"`)
    }
  }
  const s: Record<string, string | undefined> = {}
  for (const key of STRING_FIELDS) {
    const v = input[key]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new JobInputError(`"${key}" must be a string`)
    s[key] = String(v)
  }
  const repository = s.repository
  if (!repository || !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) {
    throw new JobInputError('"repository" must be "OWNER/REPO"')
  }
  const owner = repository.split('/')[0]
  const event = s.event_name ?? 'push'
  const isPullRequest = event === 'pull_request'
  const ref = s.ref ?? (isPullRequest ? 'refs/pull/1/merge' : 'refs/heads/main')
  const sha = s.sha ?? hexOf(`sha:${repository}:${ref}`, 40)
  const workflowRef = s.workflow_ref ?? `${repository}/.github/workflows/ci.yml@${ref}`

  const subTemplate = input.subTemplate
  if (
    subTemplate !== undefined &&
    (!Array.isArray(subTemplate) || subTemplate.length === 0 || !subTemplate.every((k) => typeof k === 'string'))
  ) {
    throw new JobInputError('"subTemplate" must be a non-empty array of claim names')
  }
  if (Array.isArray(subTemplate) && subTemplate.includes('environment') && !s.environment) {
    // GitHub: a template that includes `environment` requires the job to have one.
    throw new JobInputError('"subTemplate" includes "environment" but the job has no environment')
  }
  const extraClaims = input.extraClaims
  if (extraClaims !== undefined && (typeof extraClaims !== 'object' || extraClaims === null || Array.isArray(extraClaims))) {
    throw new JobInputError('"extraClaims" must be an object')
  }
  const age = input.issuedSecondsAgo
  if (age !== undefined && (typeof age !== 'number' || !Number.isInteger(age) || age < 0)) {
    throw new JobInputError('"issuedSecondsAgo" must be a whole number of seconds, 0 or more')
  }
  if (input.foreignKey !== undefined && typeof input.foreignKey !== 'boolean') throw new JobInputError('"foreignKey" must be true or false')

  return {
    repository,
    repository_id: s.repository_id ?? idOf(`repo:${repository}`),
    repository_owner_id: s.repository_owner_id ?? idOf(`owner:${owner}`),
    repository_visibility: s.repository_visibility ?? 'private',
    ref,
    ref_type: s.ref_type ?? (ref.startsWith('refs/tags/') ? 'tag' : 'branch'),
    ref_protected: s.ref_protected ?? 'false',
    sha,
    ...(s.environment ? { environment: s.environment } : {}),
    event_name: event,
    head_ref: s.head_ref ?? (isPullRequest ? 'feature' : ''),
    base_ref: s.base_ref ?? (isPullRequest ? 'main' : ''),
    actor: s.actor ?? 'octocat',
    actor_id: s.actor_id ?? '583231',
    workflow: s.workflow ?? 'CI',
    workflow_ref: workflowRef,
    workflow_sha: s.workflow_sha ?? sha,
    // A job that is not in a reusable workflow gets its own workflow here, as on GitHub.
    job_workflow_ref: s.job_workflow_ref ?? workflowRef,
    job_workflow_sha: s.job_workflow_sha ?? s.workflow_sha ?? sha,
    run_id: s.run_id ?? String(runId),
    run_number: s.run_number ?? '1',
    run_attempt: s.run_attempt ?? '1',
    runner_environment: s.runner_environment ?? 'github-hosted',
    ...(subTemplate ? { subTemplate: subTemplate as string[] } : {}),
    ...(input.immutableSub === true ? { immutableSub: true } : {}),
    ...(s.sub ? { sub: s.sub } : {}),
    ...(extraClaims ? { extraClaims: extraClaims as Record<string, unknown> } : {}),
    ...(typeof age === 'number' && age > 0 ? { issuedSecondsAgo: age } : {}),
    ...(input.foreignKey === true ? { foreignKey: true } : {})
  }
}

/** GitHub replaces `:` inside sub values with `%3A` so the separators stay unambiguous. */
function escapeValue(value: string): string {
  return value.replace(/:/g, '%3A')
}

/** The part of the default `sub` after the repository: environment, else pull_request, else the ref. */
function subContext(job: JobContext): string {
  if (job.environment) return `environment:${escapeValue(job.environment)}`
  if (job.event_name === 'pull_request') return 'pull_request'
  return `ref:${escapeValue(job.ref)}`
}

export function subjectOf(job: JobContext): string {
  if (job.sub) return job.sub
  const [owner, name] = job.repository.split('/')
  const repo = job.immutableSub ? `${owner}@${job.repository_owner_id}/${name}@${job.repository_id}` : job.repository
  if (!job.subTemplate) return `repo:${repo}:${subContext(job)}`
  const claims = { ...jobClaims(job), ...(job.extraClaims ?? {}) }
  return job.subTemplate
    .map((key) => {
      if (key === 'repo') return `repo:${repo}`
      if (key === 'context') return subContext(job)
      return `${key}:${escapeValue(String(claims[key] ?? ''))}`
    })
    .join(':')
}

/** The job's own claims, named and ordered as in GitHub's documented example token. */
function jobClaims(job: JobContext): Record<string, unknown> {
  return {
    ...(job.environment ? { environment: job.environment } : {}),
    ref: job.ref,
    sha: job.sha,
    repository: job.repository,
    repository_owner: job.repository.split('/')[0],
    repository_owner_id: job.repository_owner_id,
    repository_visibility: job.repository_visibility,
    repository_id: job.repository_id,
    run_id: job.run_id,
    run_number: job.run_number,
    run_attempt: job.run_attempt,
    runner_environment: job.runner_environment,
    actor_id: job.actor_id,
    actor: job.actor,
    workflow: job.workflow,
    head_ref: job.head_ref,
    base_ref: job.base_ref,
    event_name: job.event_name,
    ref_protected: job.ref_protected,
    ref_type: job.ref_type,
    workflow_ref: job.workflow_ref,
    workflow_sha: job.workflow_sha,
    job_workflow_ref: job.job_workflow_ref,
    job_workflow_sha: job.job_workflow_sha
  }
}

/** GitHub's token times: valid from 10 minutes before issue (clock skew) until 5 minutes after. */
export const NOT_BEFORE_SKEW_SECONDS = 600
export const LIFETIME_SECONDS = 300

/** The full claim set of an ID token for `job` and `audience`, issued at `nowMs`. */
export function idTokenClaims(job: JobContext, audience: string | undefined, issuer: string, nowMs: number): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000)
  const owner = job.repository.split('/')[0]
  const { environment, ...rest } = jobClaims(job)
  return {
    jti: randomUUID(),
    sub: subjectOf(job),
    ...(environment !== undefined ? { environment } : {}),
    aud: audience || `https://github.com/${owner}`,
    ...rest,
    iss: issuer,
    nbf: iat - NOT_BEFORE_SKEW_SECONDS,
    exp: iat + LIFETIME_SECONDS,
    iat,
    ...(job.extraClaims ?? {})
  }
}

/** Claim names the discovery document lists (GitHub's live list, as far as documented). */
export const CLAIMS_SUPPORTED = [
  'sub',
  'aud',
  'exp',
  'iat',
  'iss',
  'jti',
  'nbf',
  'ref',
  'sha',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'enterprise',
  'enterprise_id',
  'run_id',
  'run_number',
  'run_attempt',
  'actor',
  'actor_id',
  'workflow',
  'workflow_ref',
  'workflow_sha',
  'head_ref',
  'base_ref',
  'event_name',
  'ref_type',
  'ref_protected',
  'environment',
  'environment_node_id',
  'job_workflow_ref',
  'job_workflow_sha',
  'repository_visibility',
  'runner_environment',
  'issuer_scope',
  'check_run_id'
]

/** A stable decimal id (as GitHub's numeric ids, sent as strings) derived from a name. */
function idOf(seed: string): string {
  return String(10_000_000 + (parseInt(hexOf(seed, 12), 16) % 890_000_000))
}

function hexOf(seed: string, length: number): string {
  return createHash('sha1').update(seed).digest('hex').slice(0, length)
}
