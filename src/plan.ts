import { createHash } from 'node:crypto'
import type { ApiOperation, ApiScopeEntry, ChoreoApi } from './choreo/client.js'
import type { Config, Operation, ScopeSource, ScopeSpec } from './inputs.js'

/**
 * The plan is data: one row per resource with what apply does (or did) to it. Plan mode prints it,
 * apply mode executes and reports it, check mode fails when it holds a change. Everything in this
 * file is pure: no HTTP, unit-tested on its own.
 */

export type Action = 'create' | 'update' | 'delete' | 'no change'

export interface Change {
  /** The `config` entry the row belongs to; absent for a single API and for what every entry shares. */
  entry?: string
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
  'Choreo API revision',
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

/**
 * Written into descriptions of what this action creates. Since v0.2 it is followed by one
 * `[owner: <owner>]` per owner (a scope two owners both want carries both); a description with the
 * marker and no owner was written by an earlier version (legacy, see NOTES.md).
 */
export const MARKER = 'Managed by the asgardeo-choreo-secure-api-action GitHub Action'

const OWNER_MARK = /\[owner: ([^\]\n]{1,200})\]/g

/** Who a description says owns the resource: `marked` when it carries the marker at all. */
export function ownersOf(description: string | undefined): { marked: boolean; owners: string[] } {
  const text = description ?? ''
  if (!text.includes(MARKER)) return { marked: false, owners: [] }
  return { marked: true, owners: [...text.matchAll(OWNER_MARK)].map((m) => m[1]) }
}

export type Ownership = 'ours' | 'legacy' | 'other' | 'unmarked'

/** ours: carries this owner's mark; legacy: the marker without owners; other: someone else's; unmarked: made by hand. */
export function ownership(description: string | undefined, owner: string): Ownership {
  const { marked, owners } = ownersOf(description)
  if (!marked) return 'unmarked'
  if (owners.includes(owner)) return 'ours'
  return owners.length === 0 ? 'legacy' : 'other'
}

/** The description marking these owners (and a trailing note, e.g. a revision's content hash). */
export function ownedDescription(owners: string[], note = ''): string {
  return `${MARKER} ${[...new Set(owners)].map((o) => `[owner: ${o}]`).join(' ')}${note ? ` ${note}` : ''}.`.replace(/\s+\./, '.')
}

/** The description with this owner added (for a resource the action marked: legacy or another owner's). */
export function withOwner(description: string | undefined, owner: string): string {
  return ownedDescription([...ownersOf(description).owners, owner])
}

/** The owners left once this owner lets go. */
export function otherOwners(description: string | undefined, owner: string): string[] {
  return ownersOf(description).owners.filter((o) => o !== owner)
}

/**
 * An application this owner did not create is left alone unless the user opts in. One an earlier version
 * of the action created (legacy marker, no owner) with exactly the configured name counts as this owner's.
 */
export function refuseUnowned(what: string, config: Config, own: Ownership, description: string | undefined): void {
  if (own === 'ours' || own === 'legacy' || config.adopt) return
  const whose =
    own === 'other'
      ? `it belongs to another owner of this action ("${otherOwners(description, config.owner).join('", "')}")`
      : 'it was not created by this action'
  throw new Error(
    `The ${what} "${config.application}" already exists and ${whose}, so it is left unchanged. Choose another "application" name, or set "adopt: true" to take it over for owner "${config.owner}" (the action then changes it to match the inputs and marks it as this owner's).`
  )
}

/**
 * The description that marks a resource as this owner's: a legacy mark gets the owner; another owner's
 * mark is replaced (adopt takes over); a description written by hand is kept, with the mark after it.
 */
export function adoptedDescription(description: string | undefined, own: Ownership, owner: string, maxLength: number): string {
  if (own === 'legacy') return withOwner(description, owner)
  const mark = ownedDescription([owner])
  const text = own === 'unmarked' ? (description ?? '').trim() : ''
  return text && text.length + mark.length < maxLength ? `${text} ${mark}` : mark
}

/**
 * A fingerprint of what a revision snapshots and the gateway enforces: the API's scope names and each
 * operation's scopes. Recorded in the description of every revision the action creates, so a deployed
 * revision that cannot be read back can still be compared with the stored API.
 */
export function contentHash(api: ChoreoApi): string {
  const scopes = (api.scopes ?? []).map((s) => s.scope.name).sort()
  const ops = (api.operations ?? []).map((o) => `${o.verb.toUpperCase()} ${o.target} ${[...(o.scopes ?? [])].sort().join(',')}`).sort()
  return createHash('sha256')
    .update(JSON.stringify([scopes, ops]))
    .digest('hex')
    .slice(0, 12)
}

/** The content hash a revision's description records, if the action created it. */
export function recordedContent(description: string | undefined): string | undefined {
  return /\[content: ([0-9a-f]{12})\]/.exec(description ?? '')?.[1]
}

export class Plan {
  private readonly rows: Change[] = []

  /** `entries`: the `config` entries in the file's order (none for a single API). */
  constructor(private readonly entries: string[] = []) {}

  get entryNames(): string[] {
    return [...this.entries]
  }

  record(change: Change): Change {
    this.rows.push(change)
    return change
  }

  get changes(): Change[] {
    // Shared rows first, then each entry's in the file's order; within each, the order of the guide's steps.
    const order = (c: Change): number => (c.entry === undefined ? -1 : this.entries.indexOf(c.entry))
    return [...this.rows].sort((a, b) => order(a) - order(b) || RESOURCES.indexOf(a.resource) - RESOURCES.indexOf(b.resource))
  }

  get changed(): boolean {
    return this.rows.some((c) => c.action !== 'no change')
  }

  /** Whether an entry's rows, or the shared rows it relies on, hold a change. */
  changedFor(entry: string): boolean {
    return this.rows.some((c) => (c.entry === entry || c.entry === undefined) && c.action !== 'no change')
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

export interface ScopeDiffOptions {
  /** The wanted operations are all of a listed scope's bindings: one Choreo has beyond them is unbound. */
  exact?: boolean
  /** Named in the error for an operation the API lacks. */
  source?: ScopeSource
}

/** A document (`openapi`) is authoritative for the bindings of the scopes it lists; the `scopes` input only adds. */
export function scopeDiffOptions(config: Pick<Config, 'scopeSource'>): ScopeDiffOptions {
  return { exact: config.scopeSource.input === 'openapi', source: config.scopeSource }
}

/**
 * Adds the missing scopes to the API and binds each to its operations. Scope names are unique across
 * a whole organization on both services, so a new scope is sent fully qualified, as Choreo names them
 * (urn:<org>:<api>:<value>): with the prefix the API's scopes already use, else the `scope-prefix` input,
 * else `urn:<choreoOrg>:<slug>:`.
 * The name the server stored is read back afterwards, never assumed. A new scope carries this owner's
 * mark; a wanted scope the action made for another owner gets this owner's mark too, so either owner's
 * prune keeps it while the other still lists it. With `prune`, this owner's mark leaves the scopes it
 * no longer lists, and a scope no owner is left on is removed. Scopes made by hand are never touched.
 * With `exact`, a wanted scope bound to an operation it does not list is unbound from it; scopes not
 * wanted keep their bindings.
 */
export function diffApiScopes(
  api: ChoreoApi,
  wanted: ScopeSpec[],
  prune: boolean,
  choreoOrg: string,
  owner: string,
  scopePrefix?: string,
  { exact = false, source = { input: 'scopes' } }: ScopeDiffOptions = {}
): ApiScopeDiff {
  const next: ChoreoApi = structuredClone(api)
  next.scopes = next.scopes ?? []
  next.operations = next.operations ?? []
  const details: string[] = []

  const missingOps = wanted.flatMap((s) =>
    s.operations.filter((op) => !findOperation(next.operations!, op)).map((op) => `${op.verb} ${op.target} (permission ${s.value})`)
  )
  if (missingOps.length > 0) {
    const have = next.operations.map((o) => `${o.verb.toUpperCase()} ${o.target}`).join(', ') || 'none'
    if (source.input === 'openapi') {
      throw new Error(
        `Input "openapi" (${source.file}): the API "${api.name}" has no operation ${missingOps.join(', ')}. Its operations are: ${have}. Add the operation to the Choreo API (Choreo Console > API > Develop > Resources) or fix its path or verb in ${source.file}; paths are relative to the API's context (/items, not /<context>/items).`
      )
    }
    throw new Error(
      `Input "scopes": the API "${api.name}" has no operation ${missingOps.join(', ')}. Its operations are: ${have}. Fix the path or verb in "scopes" (Choreo Console > API > Develop > Resources).`
    )
  }

  // What the server already stored wins over the input, which wins over the guessed slug (choreo-api.md §4).
  const prefix = urnPrefix(api) || scopePrefix || `urn:${choreoOrg.toLowerCase()}:${api.name.toLowerCase().replace(/[^a-z0-9]/g, '')}:`
  for (const spec of wanted) {
    let entry = findScope(next, spec.value)
    if (!entry) {
      entry = {
        scope: { name: `${prefix}${spec.value}`, displayName: spec.value, description: ownedDescription([owner]), bindings: [] },
        shared: false
      }
      next.scopes.push(entry)
      details.push(`add scope ${spec.value}`)
    } else {
      const own = ownership(entry.scope.description, owner)
      if (own === 'legacy' || own === 'other') {
        entry.scope.description = withOwner(entry.scope.description, owner)
        details.push(`mark scope ${spec.value} as used by ${owner}`)
      }
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
    if (exact) {
      for (const operation of next.operations) {
        if (!operation.scopes?.includes(name) || listsOperation(spec, operation)) continue
        operation.scopes = operation.scopes.filter((n) => n !== name)
        details.push(`unbind ${spec.value} from ${operation.verb.toUpperCase()} ${operation.target}`)
      }
    }
  }

  if (prune) {
    const wantedValues = new Set(wanted.map((s) => s.value))
    for (const entry of [...next.scopes]) {
      const value = bareValue(entry.scope.name)
      if (wantedValues.has(value) || ownership(entry.scope.description, owner) !== 'ours') continue
      const others = otherOwners(entry.scope.description, owner)
      if (others.length > 0) {
        entry.scope.description = ownedDescription(others)
        details.push(`release scope ${value} (prune; still used by ${others.join(', ')})`)
        continue
      }
      next.scopes = next.scopes.filter((s) => s !== entry)
      for (const op of next.operations) {
        if (op.scopes?.includes(entry.scope.name)) op.scopes = op.scopes.filter((n) => n !== entry.scope.name)
      }
      details.push(`remove scope ${value} (prune)`)
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

/** Whether the spec lists this stored operation. */
function listsOperation(spec: ScopeSpec, operation: ApiOperation): boolean {
  return spec.operations.some((op) => op.verb === operation.verb.toUpperCase() && op.target === operation.target)
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
 * operation (with `exact`, to no other), and no scope this action created (marked) that the stored API
 * has since dropped (a prune whose deploy failed must still reach the gateway on the next run).
 */
export function revisionMatches(
  revision: ChoreoApi,
  stored: ChoreoApi,
  wanted: ScopeSpec[],
  names: Map<string, string | undefined>,
  exact = false
): boolean {
  const carries = wanted.every((spec) => {
    const name = names.get(spec.value)
    if (!name || !(revision.scopes ?? []).some((s) => s.scope.name === name)) return false
    const extra = exact && (revision.operations ?? []).some((o) => o.scopes?.includes(name) && !listsOperation(spec, o))
    return !extra && spec.operations.every((op) => findOperation(revision.operations ?? [], op)?.scopes?.includes(name))
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
export function diffAuthorization(authorized: string[] | undefined, want: string[], prune: boolean): { add: string[]; remove: string[] } {
  const have = new Set(authorized ?? [])
  const wanted = new Set(want)
  // A scope authorized by hand stays unless prune asks for exactly this: the authorization is the wanted set.
  return { add: want.filter((w) => !have.has(w)), remove: prune ? [...have].filter((h) => !wanted.has(h)) : [] }
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
