import { parse } from 'yaml'
import { InputError, SCOPE_VALUE, readWorkspaceFile, type Operation, type ScopeSpec } from '../inputs.js'
import { bareValue } from '../plan.js'

/**
 * The `openapi` input: the permissions and the operations each guards, read from the API's own
 * OpenAPI 3.x or Swagger 2.0 document. What counts as a scope follows WSO2 API Manager's own parsers
 * (OAS3Parser / OAS2Parser in wso2/carbon-apimgt, NOTES.md rows 62–66):
 * - an operation's `security` requirements naming an OAuth2 scheme, else its `x-scope` (comma-separated),
 *   else the document's root `security`; `security: []` guards nothing;
 * - scopes API Manager declares without binding an operation: `x-scopes-bindings` (scope → roles) under an
 *   OAuth2 flow (OAS3) or scheme (Swagger 2), and `x-wso2-security.<name>.x-wso2-scopes[].key`.
 * Paths are taken as the document writes them: Choreo stores operation targets relative to the API's context.
 */

/** Operation keys of a path item (OpenAPI 3.x and Swagger 2.0 alike). */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const child = (v: unknown, key: string): Json => (isObject(v) && isObject(v[key]) ? v[key] : {})

/** The permissions a parsed OpenAPI document yields; throws InputError naming `file` and what it looked for. */
export function scopesFromOpenApi(document: unknown, file: string): ScopeSpec[] {
  const where = `Input "openapi" (${file})`
  const problems: string[] = []
  const doc: Json = isObject(document) ? document : {}
  const oas3 = typeof doc.openapi === 'string' && /^3\.\d/.test(doc.openapi)
  // YAML reads an unquoted `swagger: 2.0` as the number 2.
  const swagger2 = doc.swagger === '2.0' || doc.swagger === 2
  if (!oas3 && !swagger2) {
    throw new InputError([
      `${where} is not an OpenAPI 3.x or Swagger 2.0 document: its top level has neither "openapi: 3.x" nor "swagger: '2.0'". Point "openapi" at the API's definition, or list the permissions in "scopes" instead.`
    ])
  }
  const schemesAt = oas3 ? 'components.securitySchemes' : 'securityDefinitions'
  const schemes = oas3 ? child(doc.components, 'securitySchemes') : child(doc, 'securityDefinitions')
  const oauth2 = new Map(Object.entries(schemes).filter((e): e is [string, Json] => isObject(e[1]) && e[1].type === 'oauth2'))

  // Scope names in the order met; each with the operations it guards.
  const guarded = new Map<string, Operation[]>()
  const declare = (name: string): Operation[] => {
    if (!guarded.has(name)) guarded.set(name, [])
    return guarded.get(name)!
  }

  /** The OAuth2 scope names of a `security` list; undefined when it names no OAuth2 scheme. */
  const oauth2Scopes = (security: unknown, at: string): string[] | undefined => {
    if (security === undefined) return undefined
    if (!Array.isArray(security)) {
      problems.push(`${where}: "security" at ${at} must be a list of requirements, e.g. [{ OAuth2: [read] }].`)
      return undefined
    }
    let names: string[] | undefined
    for (const requirement of security) {
      if (!isObject(requirement)) continue
      for (const [scheme, scopes] of Object.entries(requirement)) {
        if (!(scheme in schemes)) {
          problems.push(`${where}: "security" at ${at} names the scheme "${scheme}", which ${schemesAt} does not define.`)
        } else if (oauth2.has(scheme)) {
          names = [...(names ?? []), ...(Array.isArray(scopes) ? scopes.map(String) : [])]
        }
      }
    }
    return names
  }

  const rootScopes = oauth2Scopes(doc.security, 'the top level')
  for (const [path, item] of Object.entries(child(doc, 'paths'))) {
    if (!isObject(item)) continue
    if (typeof item.$ref === 'string') {
      problems.push(
        `${where}: paths."${path}" is a $ref ("${item.$ref}"), which the action does not follow; bundle the document into one file (e.g. redocly bundle) and point "openapi" at that.`
      )
      continue
    }
    for (const method of METHODS) {
      const op = item[method]
      if (!isObject(op)) continue
      const at = `paths."${path}".${method}`
      // API Manager reads the operation's OAuth2 requirement first, then its x-scope (OAS3Parser.getScopeOfOperations).
      const own = oauth2Scopes(op.security, at)
      const x = op['x-scope']
      const xScope = typeof x === 'string' ? x.split(',') : Array.isArray(x) ? x.map(String) : undefined
      const names = own ?? xScope ?? (op.security !== undefined ? [] : (rootScopes ?? []))
      const operation = { verb: method.toUpperCase(), target: path }
      for (const name of names.map((n) => n.trim()).filter(Boolean)) {
        const ops = declare(name)
        if (!ops.some((o) => o.verb === operation.verb && o.target === operation.target)) ops.push(operation)
      }
    }
  }

  // Declared by API Manager's extensions, bound to no operation by them (they map scopes to roles).
  for (const scheme of oauth2.values()) {
    const holders = oas3 ? Object.values(child(scheme, 'flows')) : [scheme]
    for (const holder of holders) for (const name of Object.keys(child(holder, 'x-scopes-bindings'))) declare(name)
  }
  for (const definition of Object.values(child(doc, 'x-wso2-security'))) {
    const list = isObject(definition) ? definition['x-wso2-scopes'] : undefined
    for (const scope of Array.isArray(list) ? list : []) if (isObject(scope) && typeof scope.key === 'string') declare(scope.key)
  }

  // A permission is the part after the last ':' (the action qualifies it with the API's own prefix).
  const specs = new Map<string, ScopeSpec & { name: string }>()
  for (const [name, operations] of guarded) {
    const value = bareValue(name)
    if (!SCOPE_VALUE.test(value)) {
      problems.push(
        `${where}: the scope "${name}" gives the permission "${value}", which may hold only letters, digits, "_", "-" and "." (the part after the last ":" is the permission).`
      )
      continue
    }
    const seen = specs.get(value)
    // `read` and `urn:acme:itemsapi:read` are one permission written two ways; two different URNs are not.
    if (seen && seen.name !== name && seen.name.includes(':') && name.includes(':')) {
      problems.push(
        `${where}: the scopes "${seen.name}" and "${name}" are both the permission "${value}" (the part after the last ":"); rename one so each permission is listed once.`
      )
      continue
    }
    if (seen) {
      for (const op of operations) if (!seen.operations.some((o) => o.verb === op.verb && o.target === op.target)) seen.operations.push(op)
      if (name.includes(':')) seen.name = name
    } else specs.set(value, { name, value, operations: [...operations] })
  }
  if (problems.length === 0 && specs.size === 0) {
    problems.push(
      `${where} declares no scope: no operation's "security" (nor the top-level one) names scopes of an OAuth2 scheme (${schemesAt} with type: oauth2), and there is no API Manager "x-scope", "x-scopes-bindings" or "x-wso2-security". Add e.g. "security: [{ OAuth2: [read] }]" to the operations to guard, or list the permissions in "scopes" instead.`
    )
  }
  if (problems.length > 0) throw new InputError(problems)
  return [...specs.values()].map(({ value, operations }) => ({ value, operations }))
}

/**
 * Reads the `openapi` file (relative to GITHUB_WORKSPACE, else the current directory), synchronously so
 * readConfig stays synchronous. Each problem goes to `problems`, naming the input; then it returns [].
 */
export function readOpenApiScopes(path: string, problems: string[], env: NodeJS.ProcessEnv = process.env): ScopeSpec[] {
  const { full, text, code } = readWorkspaceFile(path, env)
  if (text === undefined) {
    problems.push(
      `Input "openapi": cannot read "${path}" (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (code ?? 'unreadable')}, looked for ${full}). Give the path of the API's OpenAPI file relative to the repository root, and check out the repository first (actions/checkout).`
    )
    return []
  }
  let document: unknown
  try {
    document = parse(text)
  } catch (err) {
    problems.push(
      `Input "openapi" (${path}) is neither YAML nor JSON the action can read: ${(err as Error).message.split('\n')[0]}. Fix the file, or point "openapi" at the API's definition.`
    )
    return []
  }
  try {
    return scopesFromOpenApi(document, path)
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    problems.push(...err.problems)
    return []
  }
}
