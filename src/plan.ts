import type { ApiOperation, ApiScopeEntry, ChoreoApi } from './choreo/client.js'
import type { Operation, ScopeSpec } from './inputs.js'

/**
 * The plan is data: one row per resource with what apply does (or did) to it. Plan mode prints it,
 * apply mode executes and reports it, check mode fails when it holds a change. Everything in this
 * file is pure: no HTTP, unit-tested on its own.
 */

export type Action = 'create' | 'update' | 'delete' | 'no change'

export interface Change {
  resource: Resource
  name: string
  action: Action
  id?: string
  /** What changes, in words ("add scope read", "bind read to GET /items"). */
  details: string[]
}

/** Display order: the order of the guide's steps. */
export const RESOURCES = [
  'Choreo API scopes',
  'Choreo API deployment',
  'Choreo API lifecycle',
  'Asgardeo API resource',
  'Asgardeo application',
  'Asgardeo API authorization',
  'Asgardeo trusted token issuer',
  'Asgardeo implicit association',
  'Asgardeo linked local account',
  'Asgardeo token-exchange grant',
  'Asgardeo service user',
  'Asgardeo application role',
  'Asgardeo federated association',
  'Choreo application',
  'Choreo production keys',
  'Choreo subscription'
] as const
export type Resource = (typeof RESOURCES)[number]

/** Written into descriptions of what this action creates: the mark `prune` relies on. */
export const MARKER = 'Managed by the asgardeo-choreo-secure-api-action GitHub Action'

export class Plan {
  private readonly rows: Change[] = []

  record(change: Change): Change {
    this.rows.push(change)
    return change
  }

  get changes(): Change[] {
    return [...this.rows].sort((a, b) => RESOURCES.indexOf(a.resource) - RESOURCES.indexOf(b.resource))
  }

  get changed(): boolean {
    return this.rows.some((c) => c.action !== 'no change')
  }
}

// --- Choreo API scopes and bindings ------------------------------------------------------------

/** The stored scope entry for a permission value: exact name, or a fully qualified name ending in `:value`. */
export function findScope(api: ChoreoApi, value: string): ApiScopeEntry | undefined {
  return (api.scopes ?? []).find((s) => s.scope.name === value || s.scope.name.endsWith(`:${value}`))
}

export interface ApiScopeDiff {
  /** The API object to PUT (a deep copy of the one read, with the changes applied). */
  next: ChoreoApi
  details: string[]
  changed: boolean
}

/**
 * Adds the missing scopes to the API and binds each to its operations. Scope names are unique across
 * a whole organization on both services, so a new scope is sent fully qualified, as Choreo names them
 * (urn:<org>:<api>:<value>): with the prefix the API's scopes already use, else the `scope-prefix` input,
 * else `urn:<choreoOrg>:<slug>:`.
 * The name the server stored is read back afterwards, never assumed. With `prune`, scopes this action
 * created (marked) that are no longer wanted are removed.
 */
export function diffApiScopes(api: ChoreoApi, wanted: ScopeSpec[], prune: boolean, choreoOrg: string, scopePrefix?: string): ApiScopeDiff {
  const next: ChoreoApi = structuredClone(api)
  next.scopes = next.scopes ?? []
  next.operations = next.operations ?? []
  const details: string[] = []

  const missingOps = wanted.flatMap((s) =>
    s.operations.filter((op) => !findOperation(next.operations!, op)).map((op) => `${op.verb} ${op.target} (permission ${s.value})`)
  )
  if (missingOps.length > 0) {
    const have = next.operations.map((o) => `${o.verb.toUpperCase()} ${o.target}`).join(', ') || 'none'
    throw new Error(`Input "scopes": the API "${api.name}" has no operation ${missingOps.join(', ')}. Its operations are: ${have}.`)
  }

  // What the server already stored wins over the input, which wins over the guessed slug (choreo-api.md §4).
  const prefix = urnPrefix(api) || scopePrefix || `urn:${choreoOrg.toLowerCase()}:${api.name.toLowerCase().replace(/[^a-z0-9]/g, '')}:`
  for (const spec of wanted) {
    let entry = findScope(next, spec.value)
    if (!entry) {
      entry = { scope: { name: `${prefix}${spec.value}`, displayName: spec.value, description: `${MARKER}.`, bindings: [] }, shared: false }
      next.scopes.push(entry)
      details.push(`add scope ${spec.value}`)
    }
    const name = entry.scope.name
    for (const op of spec.operations) {
      const operation = findOperation(next.operations, op)!
      const bound = operation.scopes ?? []
      if (!bound.includes(name)) {
        operation.scopes = [...bound, name]
        details.push(`bind ${spec.value} to ${op.verb} ${op.target}`)
      }
    }
  }

  if (prune) {
    const wantedValues = new Set(wanted.map((s) => s.value))
    for (const entry of [...next.scopes]) {
      const value = bareValue(entry.scope.name)
      if (!wantedValues.has(value) && (entry.scope.description ?? '').includes(MARKER)) {
        next.scopes = next.scopes.filter((s) => s !== entry)
        for (const op of next.operations) {
          if (op.scopes?.includes(entry.scope.name)) op.scopes = op.scopes.filter((n) => n !== entry.scope.name)
        }
        details.push(`remove scope ${value} (prune)`)
      }
    }
  }
  return { next, details, changed: details.length > 0 }
}

/** `urn:acme:itemsapi:` when the API's scopes already carry that prefix, else ''. */
export function urnPrefix(api: ChoreoApi): string {
  const prefixes = new Set((api.scopes ?? []).map((s) => /^(urn:[^:]+:[^:]+:)[^:]+$/.exec(s.scope.name)?.[1]).filter(Boolean))
  return prefixes.size === 1 ? [...prefixes][0]! : ''
}

export function findOperation(operations: ApiOperation[], op: Operation): ApiOperation | undefined {
  return operations.find((o) => o.verb.toUpperCase() === op.verb && o.target === op.target)
}

/** `read` from `urn:acme:itemsapi:read`. */
export function bareValue(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1)
}

/** Fully qualified names as the server stored them, by permission value; undefined where not stored yet. */
export function qualifiedNames(api: ChoreoApi, wanted: ScopeSpec[]): Map<string, string | undefined> {
  return new Map(wanted.map((s) => [s.value, findScope(api, s.value)?.scope.name]))
}

/**
 * Whether a deployed revision is what the stored API says: every wanted scope bound to every wanted
 * operation, and no scope this action created (marked) that the stored API has since dropped (a prune
 * whose deploy failed must still reach the gateway on the next run).
 */
export function revisionMatches(
  revision: ChoreoApi,
  stored: ChoreoApi,
  wanted: ScopeSpec[],
  names: Map<string, string | undefined>
): boolean {
  const carries = wanted.every((spec) => {
    const name = names.get(spec.value)
    if (!name || !(revision.scopes ?? []).some((s) => s.scope.name === name)) return false
    return spec.operations.every((op) => findOperation(revision.operations ?? [], op)?.scopes?.includes(name))
  })
  const storedNames = new Set((stored.scopes ?? []).map((s) => s.scope.name))
  const leftovers = (revision.scopes ?? []).some((s) => (s.scope.description ?? '').includes(MARKER) && !storedNames.has(s.scope.name))
  return carries && !leftovers
}

// --- Asgardeo -----------------------------------------------------------------------------------

/** Scope names the API resource lacks. */
export function missingScopes(have: { name: string }[], want: string[]): string[] {
  const names = new Set(have.map((s) => s.name))
  return want.filter((w) => !names.has(w))
}

/** What to add to and remove from an application's authorization of one API resource. */
export function diffAuthorization(authorized: string[] | undefined, want: string[]): { add: string[]; remove: string[] } {
  const have = new Set(authorized ?? [])
  const wanted = new Set(want)
  return { add: want.filter((w) => !have.has(w)), remove: [...have].filter((h) => !wanted.has(h)) }
}

/** Requested scopes the token endpoint did not grant. */
export function ungranted(requested: string[], grantedScope: string | undefined): string[] {
  const granted = new Set((grantedScope ?? '').split(/\s+/).filter(Boolean))
  return requested.filter((r) => !granted.has(r))
}

/** The default Asgardeo API resource identifier for a Choreo API: stable and readable. */
export function defaultApiIdentifier(choreoOrg: string, api: { name: string; version: string }): string {
  const slug = api.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return `urn:choreo:${choreoOrg}:${slug}:${api.version}`
}
