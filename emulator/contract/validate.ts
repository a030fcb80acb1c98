import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, _, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import standaloneModule from 'ajv/dist/standalone/index.js'
import type { ContractPair } from './recorder.js'
import { loadSpec, SPEC_SOURCES, SPECS_DIR, type OpenApiDoc, type SpecSource } from './specs.js'

/**
 * Matches each recorded request/response pair to its operation in the official OpenAPI files (or, for the
 * OAuth2 endpoints, to the hand-written RFC schemas in oauth2.schemas.json) and validates the response status,
 * content type and body, and the action's request bodies. A violation not excused by deviations.json fails.
 * Refs are resolved by ajv itself against the spec's `components` (added once per spec under its id).
 */
const HERE = dirname(fileURLToPath(import.meta.url))
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as (
  ajv: Ajv,
  validate: ValidateFunction
) => string
const requireHere = createRequire(import.meta.url)
/** Compiled validators, as ajv standalone code: compiling the big API schemas costs more than validating. */
const CODE_CACHE = join(tmpdir(), 'emulator-contract-validators')
const SELF_HASH = createHash('sha1')
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(requireHere('ajv/package.json').version as string)
  .digest('hex')
  .slice(0, 12)

export interface Deviation {
  spec: string
  method: string
  /** The spec's path template (or the RFC endpoint name for oauth2). */
  path: string
  /** Response status it applies to; absent = any. */
  status?: number
  /** status: the status is not listed; content-type: another media type; body: the body does not match; request: the action's request body; operation: not in the spec. */
  kind: 'status' | 'content-type' | 'body' | 'null' | 'request' | 'operation'
  /** For body / request: only violations whose JSON pointer matches this regular expression. */
  pointer?: string
  /** Only violations whose message matches this regular expression (e.g. the value got). */
  detail?: string
  reason: string
  source: string
}

export interface Violation {
  spec: string
  operation: string
  status: number
  kind: Deviation['kind']
  detail: string
}

export interface ContractResult {
  violations: Violation[]
  /** spec id → operations exercised (`METHOD /template`). */
  exercised: Record<string, string[]>
  /** Requests outside every spec (platform, gateway, GitHub): path group → count. */
  unspecified: Record<string, number>
  /** Keys (`deviationKey`) of the deviations that excused a violation. */
  usedDeviations: string[]
}

const deviations = JSON.parse(readFileSync(join(HERE, 'deviations.json'), 'utf8')).deviations as Deviation[]
const oauthSchemas = JSON.parse(readFileSync(join(HERE, 'oauth2.schemas.json'), 'utf8')) as OAuthSchemas

interface OAuthSchemas {
  endpoints: Record<
    string,
    { method: string[]; path: string; responses: Record<string, { headers?: Record<string, string>; schema?: string }> }
  >
  definitions: Record<string, unknown>
}

let ajv: Ajv | undefined
function getAjv(): Ajv {
  if (ajv) return ajv
  ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    logger: false,
    verbose: true,
    inlineRefs: false,
    code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` }
  })
  addFormats(ajv)
  for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) ajv.addFormat(f, true)
  ajv.addSchema({ $id: 'oauth2', definitions: oauthSchemas.definitions })
  return ajv
}

const compiled = new Map<string, ValidateFunction>()

/** A validator for a schema object found in a spec: its `#/…` refs point into that spec. */
function validatorFor(specId: string, key: string, schema: unknown): ValidateFunction {
  const cacheKey = `${specId}|${key}`
  let fn = compiled.get(cacheKey)
  if (fn) return fn
  const text = JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${specId}#/`)
  const file = join(
    CODE_CACHE,
    `${createHash('sha1')
      .update(`${SELF_HASH}|${specHash(specId)}|${text}`)
      .digest('hex')}.cjs`
  )
  if (existsSync(file)) fn = loadCode(readFileSync(file, 'utf8'))
  else {
    const a = getAjv()
    if (specId !== 'oauth2') specDocById(specId)
    const code = standaloneCode(a, a.compile(JSON.parse(text)))
    mkdirSync(CODE_CACHE, { recursive: true })
    writeFileSync(`${file}.${process.pid}`, code)
    renameSync(`${file}.${process.pid}`, file)
    fn = loadCode(code)
  }
  compiled.set(cacheKey, fn)
  return fn
}

function loadCode(code: string): ValidateFunction {
  const module = { exports: {} as Record<string, unknown> }
  new Function('require', 'module', 'exports', code)(requireHere, module, module.exports)
  return (module.exports.default ?? module.exports) as ValidateFunction
}

const specHashes = new Map<string, string>()
function specHash(specId: string): string {
  let h = specHashes.get(specId)
  if (!h) {
    const source = SPEC_SOURCES.find((x) => x.id === specId)
    h = source
      ? createHash('sha1')
          .update(readFileSync(join(SPECS_DIR, source.file)))
          .digest('hex')
      : 'oauth2'
    specHashes.set(specId, h)
  }
  return h
}

const registered = new Set<string>()
function specDocById(id: string): OpenApiDoc {
  return specDoc(SPEC_SOURCES.find((x) => x.id === id)!)
}
function specDoc(source: SpecSource): OpenApiDoc {
  const doc = loadSpec(source)
  if (!registered.has(source.id)) {
    // Only the components: every `$ref` in these specs points there, and ajv walks what it is given once.
    getAjv().addSchema({ components: doc.components ?? {} }, source.id)
    registered.add(source.id)
  }
  return doc
}

interface Match {
  source: SpecSource
  template: string
  operation: Record<string, any>
}

function templateRegex(template: string): RegExp {
  return new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`)
}

const templates = new Map<string, { template: string; re: RegExp; params: number }[]>()
function templatesOf(source: SpecSource, doc: OpenApiDoc) {
  let list = templates.get(source.id)
  if (!list) {
    list = Object.keys(doc.paths ?? {})
      .map((t) => ({ template: t, re: templateRegex(t), params: (t.match(/\{/g) ?? []).length }))
      .sort((a, b) => a.params - b.params)
    templates.set(source.id, list)
  }
  return list
}

function sourceFor(path: string): { source: SpecSource; rest: string } | undefined {
  for (const source of SPEC_SOURCES) {
    const m = source.base.exec(path)
    if (!m) continue
    const rest = path.slice(m[0].length) || '/'
    if (source.only && !source.only.test(rest)) continue
    return { source, rest }
  }
  return undefined
}

function excused(spec: string, method: string, path: string, status: number, kind: Deviation['kind'], pointer = '', message = ''): boolean {
  const i = deviations.findIndex(
    (d) =>
      d.spec === spec &&
      d.kind === kind &&
      (d.method === '*' || d.method === method) &&
      (d.path === '*' || d.path === path) &&
      (d.status === undefined || d.status === status) &&
      (d.pointer === undefined || new RegExp(d.pointer).test(pointer)) &&
      (d.detail === undefined || new RegExp(d.detail).test(message))
  )
  if (i >= 0) usedDeviations.add(deviationKey(deviations[i]))
  return i >= 0
}

/** A deviation's identity across runs (the report merges files written by different runs). */
export const deviationKey = (d: Deviation): string =>
  [d.spec, d.method, d.path, d.status ?? '', d.kind, d.pointer ?? '', d.detail ?? ''].join(' ')

/** Keys of the deviations.json entries that excused something in this process (the report lists unused ones). */
const usedDeviations = new Set<string>()
export const deviationList = (): Deviation[] => deviations

const mediaType = (ct: string | undefined): string => (ct ?? '').split(';')[0].trim().toLowerCase()

function parseBody(text: string): { ok: boolean; value: unknown } {
  if (!text) return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false, value: text }
  }
}

function schemaErrors(fn: ValidateFunction, value: unknown): { pointer: string; message: string; isNull: boolean }[] {
  if (fn(value)) return []
  return (fn.errors ?? []).map((e) => ({
    isNull: e.data === null && (e.keyword === 'type' || e.keyword === 'enum'),
    pointer: e.instancePath || '/',
    message: `${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)} (got ${JSON.stringify(e.data)})` : ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`
  }))
}

/** Validates the pairs; exercised operations and violations. */
export function validatePairs(pairs: ContractPair[]): ContractResult {
  const result: ContractResult = { violations: [], exercised: {}, unspecified: {}, usedDeviations: [] }
  const exercised = new Map<string, Set<string>>()
  const mark = (spec: string, op: string): void => {
    if (!exercised.has(spec)) exercised.set(spec, new Set())
    exercised.get(spec)!.add(op)
  }
  for (const pair of pairs) {
    if (!pair.routed) continue // the router's own 404/405 for a path nothing serves
    if (/^\/t\/[^/]+\/(oauth2|oidcdiscovery)\//.test(pair.path)) {
      validateOAuth(pair, result, mark)
      continue
    }
    const found = sourceFor(pair.path)
    if (!found) {
      const group = pair.path.split('/').slice(0, 3).join('/') || '/'
      result.unspecified[group] = (result.unspecified[group] ?? 0) + 1
      continue
    }
    const { source, rest } = found
    const doc = specDoc(source)
    const method = pair.method.toLowerCase()
    const hit = templatesOf(source, doc).find((t) => t.re.test(rest) && doc.paths![t.template][method])
    const opName = (t: string) => `${pair.method} ${t}`
    if (!hit) {
      if (!excused(source.id, pair.method, rest.replace(/\/$/, ''), pair.status, 'operation'))
        result.violations.push({
          spec: source.id,
          operation: opName(rest),
          status: pair.status,
          kind: 'operation',
          detail: 'no such operation in the spec'
        })
      continue
    }
    const match: Match = { source, template: hit.template, operation: doc.paths![hit.template][method] }
    mark(source.id, opName(match.template))
    checkResponse(pair, match, result)
    if (pair.fromAction) checkRequest(pair, match, result)
  }
  for (const [spec, ops] of exercised) result.exercised[spec] = [...ops].sort()
  result.usedDeviations = [...usedDeviations].sort()
  return result
}

function checkResponse(pair: ContractPair, m: Match, result: ContractResult): void {
  const spec = m.source.id
  const op = `${pair.method} ${m.template}`
  const push = (kind: Deviation['kind'], detail: string, pointer = ''): void => {
    if (!excused(spec, pair.method, m.template, pair.status, kind, pointer, detail))
      result.violations.push({ spec, operation: op, status: pair.status, kind, detail })
  }
  const responses = (m.operation.responses ?? {}) as Record<string, any>
  const declared = responses[String(pair.status)] ?? responses.default
  if (!declared) {
    push('status', `status ${pair.status} is not among ${Object.keys(responses).join(', ')}`)
    return
  }
  // Swagger 2 style (user-associations-admin mixes it into OpenAPI 3) puts the schema on the response itself.
  const content = (declared.content ?? (declared.schema ? { 'application/json': { schema: declared.schema } } : undefined)) as
    Record<string, { schema?: unknown }> | undefined
  if (!content || !pair.responseBody) return
  const type = mediaType(pair.responseHeaders['content-type'])
  const entry = content[type] ?? (Object.keys(content).some((k) => k === '*/*') ? content['*/*'] : undefined)
  if (!entry) {
    push('content-type', `content type ${type || '(none)'} is not among ${Object.keys(content).join(', ')}`)
    return
  }
  if (!entry.schema) return
  const body = parseBody(pair.responseBody)
  if (!body.ok) {
    push('body', 'the body is not JSON')
    return
  }
  const fn = validatorFor(spec, `${op}|${pair.status}|${type}`, entry.schema)
  for (const e of schemaErrors(fn, body.value)) push(e.isNull ? 'null' : 'body', e.message, e.pointer)
}

function checkRequest(pair: ContractPair, m: Match, result: ContractResult): void {
  const spec = m.source.id
  const op = `${pair.method} ${m.template}`
  const push = (detail: string, pointer = ''): void => {
    if (!excused(spec, pair.method, m.template, pair.status, 'request', pointer, detail))
      result.violations.push({ spec, operation: op, status: pair.status, kind: 'request', detail })
  }
  const requestBody = (m.operation.requestBody ?? swagger2Body(m.operation)) as
    { content?: Record<string, { schema?: unknown }>; required?: boolean } | undefined
  if (!requestBody?.content) {
    if (pair.requestBody) push('a body was sent where the spec takes none')
    return
  }
  if (!pair.requestBody) {
    if (requestBody.required) push('the required body is missing')
    return
  }
  const type = mediaType(pair.requestContentType)
  const entry = requestBody.content[type]
  if (!entry) {
    push(`content type ${type} is not among ${Object.keys(requestBody.content).join(', ')}`)
    return
  }
  if (!entry.schema || type !== 'application/json') return
  const body = parseBody(pair.requestBody)
  if (!body.ok) return push('the body is not JSON')
  const fn = validatorFor(spec, `${op}|request`, entry.schema)
  for (const e of schemaErrors(fn, body.value))
    if (!e.isNull || !excused(spec, pair.method, m.template, pair.status, 'null')) push(e.message, e.pointer)
}

/** A Swagger 2 `in: body` parameter, as an OpenAPI 3 requestBody (JSON, Swagger 2's default `consumes`). */
function swagger2Body(operation: Match['operation']): { content: Record<string, { schema?: unknown }>; required?: boolean } | undefined {
  const params = (operation.parameters ?? []) as { in?: string; schema?: unknown; required?: boolean }[]
  const body = params.find((p) => p.in === 'body')
  return body ? { content: { 'application/json': { schema: body.schema } }, required: body.required } : undefined
}

/** OAuth2 / OIDC endpoints: RFC 6749, 7009, 7662, 8693, 8414 / OIDC Discovery, OIDC Core §5.3, RFC 7517. */
function validateOAuth(pair: ContractPair, result: ContractResult, mark: (spec: string, op: string) => void): void {
  const rest = pair.path.replace(/^\/t\/[^/]+/, '')
  const entry = Object.entries(oauthSchemas.endpoints).find(([, e]) => e.method.includes(pair.method) && new RegExp(e.path).test(rest))
  if (!entry) {
    result.violations.push({
      spec: 'oauth2',
      operation: `${pair.method} ${rest}`,
      status: pair.status,
      kind: 'operation',
      detail: 'no RFC schema for this endpoint'
    })
    return
  }
  const [name, e] = entry
  const op = `${pair.method} ${name}`
  mark('oauth2', op)
  const push = (kind: Deviation['kind'], detail: string, pointer = ''): void => {
    if (!excused('oauth2', pair.method, name, pair.status, kind, pointer, detail))
      result.violations.push({ spec: 'oauth2', operation: op, status: pair.status, kind, detail })
  }
  const declared = e.responses[String(pair.status)] ?? e.responses.default
  if (!declared) return push('status', `status ${pair.status} is not one the RFCs give this endpoint`)
  for (const [h, value] of Object.entries(declared.headers ?? {})) {
    const got = pair.responseHeaders[h] ?? ''
    if (!new RegExp(value, 'i').test(got)) push('body', `header ${h}: "${got}" does not match ${value}`)
  }
  if (!declared.schema) return
  if (mediaType(pair.responseHeaders['content-type']) !== 'application/json')
    return push('content-type', 'the RFCs answer application/json')
  const body = parseBody(pair.responseBody)
  if (!body.ok) return push('body', 'the body is not JSON')
  const fn = validatorFor('oauth2', declared.schema, { $ref: `oauth2#/definitions/${declared.schema}` })
  for (const err of schemaErrors(fn, body.value)) push('body', err.message, err.pointer)
}
