import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { load } from 'js-yaml'

/**
 * The official OpenAPI files the emulator answers for (../shared/specs from the repository), each with the
 * request paths it serves. Dev-only: used by the contract tests, never by the emulator itself.
 */
export interface SpecSource {
  /** Short id used in deviations.json and the coverage report. */
  id: string
  file: string
  /** Request-path prefix (a regular expression) the spec's `servers[0]` base maps to on the emulator. */
  base: RegExp
  /** Optional narrowing when several specs share a base: the rest of the path must match. */
  only?: RegExp
}

const HERE = dirname(fileURLToPath(import.meta.url))
export const SPECS_DIR = process.env.CONTRACT_SPECS_DIR ?? resolve(HERE, '../../../shared/specs')

const MGMT = /^\/t\/[^/]+\/api\/server\/v1/
export const SPEC_SOURCES: SpecSource[] = [
  { id: 'publisher-v2', file: 'choreo/publisher-api-v2.yaml', base: /^\/api\/am\/publisher\/v2/ },
  { id: 'devportal-v2', file: 'choreo/devportal-api-v2.yaml', base: /^\/api\/am\/devportal\/v2/ },
  { id: 'api-resources', file: 'asgardeo/api-resources.identity-api-server.yaml', base: MGMT, only: /^\/(api-resources|scopes)(\/|$)/ },
  { id: 'applications', file: 'asgardeo/applications.identity-api-server.yaml', base: MGMT, only: /^\/applications(\/|$)/ },
  {
    id: 'identity-providers',
    file: 'asgardeo/identity-providers.identity-api-server.yaml',
    base: MGMT,
    only: /^\/identity-providers(\/|$)/
  },
  { id: 'scim2-roles-v2', file: 'asgardeo/scim2-roles-v2.asgardeo-docs.yaml', base: /^\/t\/[^/]+\/scim2\/v2/, only: /^\/Roles(\/|$)/ },
  { id: 'scim2-users', file: 'asgardeo/scim2-users.asgardeo-docs.yaml', base: /^\/t\/[^/]+\/scim2/, only: /^\/Users(\/|$)/ },
  { id: 'user-associations', file: 'asgardeo/user-associations-admin.asgardeo-docs.yaml', base: /^\/t\/[^/]+\/api\/users\/v1/ }
]

export type OpenApiDoc = { paths?: Record<string, Record<string, any>>; components?: Record<string, any>; [k: string]: unknown }

const loaded = new Map<string, OpenApiDoc>()

/** The spec as JSON; YAML is parsed once per file version and cached in the OS temp folder (the suite loads it per worker). */
export function loadSpec(source: SpecSource): OpenApiDoc {
  const hit = loaded.get(source.id)
  if (hit) return hit
  const file = join(SPECS_DIR, source.file)
  const st = statSync(file)
  const key = createHash('sha1').update(`${file}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16)
  const cacheDir = join(tmpdir(), 'emulator-contract-specs')
  const cached = join(cacheDir, `${source.id}-${key}.json`)
  let doc: OpenApiDoc
  if (existsSync(cached)) doc = JSON.parse(readFileSync(cached, 'utf8')) as OpenApiDoc
  else {
    doc = load(readFileSync(file, 'utf8')) as OpenApiDoc // js-yaml: the WSO2 files hold multi-line quoted scalars `yaml` rejects
    mkdirSync(cacheDir, { recursive: true })
    writeFileSync(`${cached}.${process.pid}`, JSON.stringify(doc))
    try {
      writeFileSync(cached, readFileSync(`${cached}.${process.pid}`))
    } catch {
      /* another worker wrote it */
    }
  }
  normalize(doc, typeof doc.openapi === 'string' && !('definitions' in doc))
  loaded.set(source.id, doc)
  return doc
}

/**
 * Spec typos a JSON Schema validator cannot compile, fixed in memory (listed in emulator/README.md): `type: int`;
 * and, in an OpenAPI 3 file with no `definitions` (user-associations-admin), Swagger 2 refs `#/definitions/X`,
 * which point to its `#/components/schemas/X`.
 */
function normalize(node: unknown, openapi3 = false): void {
  if (Array.isArray(node)) return node.forEach((n) => normalize(n, openapi3))
  if (!node || typeof node !== 'object') return
  const o = node as Record<string, unknown>
  if (o.type === 'int') o.type = 'integer'
  if (openapi3 && typeof o.$ref === 'string' && o.$ref.startsWith('#/definitions/'))
    o.$ref = `#/components/schemas/${o.$ref.slice('#/definitions/'.length)}`
  for (const v of Object.values(o)) normalize(v, openapi3)
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/** Every `METHOD /path` operation of a spec. */
export function operationsOf(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => HTTP_METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`)
  )
}
