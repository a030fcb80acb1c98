import { assertSecureUrl } from '../http.js'

/**
 * The inputs of `grant-type: token-exchange` (provisioning): which GitHub issuer Asgardeo trusts and which
 * exact `sub` values are linked to the service user (shared/reference/oidc-binding.md §1, §2). Pure parsing.
 */

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'

export interface BindingGrant {
  type: 'token-exchange'
  /** Exact GitHub `sub` values, each linked to the service user by one federated association. */
  subjects: string[]
  /** The `iss` of the id-tokens: GitHub's, or a GitHub Enterprise custom issuer. */
  issuer: string
  /** An audience other than the token endpoint, registered as the issuer's alias. */
  audience?: string
}

/** Parses `github-subjects`, `oidc-issuer` and `oidc-audience`; each problem names the input and the fix. */
export function readBindingInputs(get: (name: string) => string, problems: string[]): BindingGrant {
  const subjects = parseSubjects(get('github-subjects'), problems)
  const issuer = get('oidc-issuer') || GITHUB_ISSUER
  checkUrl(issuer, 'oidc-issuer', problems)
  if (issuer.endsWith('/')) {
    problems.push(`Input "oidc-issuer" ("${issuer}") ends with "/": give the issuer exactly as the id-token's "iss" claim, without it.`)
  }
  const audience = get('oidc-audience') || undefined
  return { type: 'token-exchange', subjects, issuer, audience }
}

/** One exact `sub` per line; blank lines and `#` comments are ignored. */
export function parseSubjects(text: string, problems: string[] = []): string[] {
  const subjects: string[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim()
    if (!line || line.startsWith('#')) return
    const where = `github-subjects, line ${i + 1} ("${line}")`
    if (/\s/.test(line) || !line.includes(':')) {
      problems.push(`${where}: a subject is one exact "sub" claim without spaces, e.g. "repo:acme/items:ref:refs/heads/main".`)
    } else if (line.includes('*')) {
      problems.push(`${where}: Asgardeo matches the "sub" exactly, so a wildcard never matches; list each subject in full.`)
    } else if (/:pull_request$/.test(line)) {
      problems.push(`${where}: pull-request jobs run code from any fork's branch; link a branch or an environment subject instead.`)
    } else if (subjects.includes(line)) {
      problems.push(`${where}: listed twice; list each subject once.`)
    } else {
      subjects.push(line)
    }
  })
  if (subjects.length === 0 && problems.every((p) => !p.startsWith('github-subjects'))) {
    problems.push(
      'Input "github-subjects" is required with grant-type token-exchange: the exact "sub" of each workflow allowed to get a token, one per line (e.g. "repo:acme/items:environment:prod").'
    )
  }
  return subjects
}

function checkUrl(value: string, input: string, problems: string[]): void {
  try {
    assertSecureUrl(new URL(value), `"${input}"`)
  } catch (err) {
    problems.push(err instanceof TypeError ? `Input "${input}" ("${value}") is not a URL.` : `Input ${(err as Error).message}`)
  }
}

/** The trusted token issuer's name: `github-actions`, or `github-actions-<last path segment>` for a custom issuer. */
export function issuerName(issuer: string): string {
  if (issuer === GITHUB_ISSUER) return 'github-actions'
  const url = new URL(issuer)
  const tail = url.pathname.split('/').filter(Boolean).pop() ?? url.hostname
  return `github-actions-${tail.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '')
}

/** The local service user the subjects are linked to, named after the application (an email, as Asgardeo usernames are). */
export function serviceUserName(application: string): string {
  const slug = application
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return `github-oidc-${slug}@service-users.invalid`
}
