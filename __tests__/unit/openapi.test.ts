import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { InputError, readConfig } from '../../src/inputs.js'
import { readOpenApiScopes, scopesFromOpenApi } from '../../src/scopes/openapi.js'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/openapi')

/** A minimal OpenAPI 3 document with one OAuth2 scheme and these paths. */
const oas3 = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  openapi: '3.0.3',
  info: { title: 'T', version: '1' },
  paths,
  components: {
    securitySchemes: { OAuth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://x/token', scopes: {} } } } }
  },
  ...extra
})

/** The problems a document is refused with. */
const problemsOf = (document: unknown): string[] => {
  try {
    scopesFromOpenApi(document, 'api/openapi.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as InputError).problems
  }
  throw new Error('the document was accepted')
}

describe('scopesFromOpenApi', () => {
  test('OpenAPI 3: operation security, the top-level security for operations without their own, qualified names as bare values', () => {
    const problems: string[] = []
    const scopes = readOpenApiScopes('items.openapi.yaml', problems, { GITHUB_WORKSPACE: FIXTURES })
    expect(problems).toEqual([])
    expect(scopes).toEqual([
      {
        value: 'read',
        operations: [
          { verb: 'GET', target: '/items' },
          { verb: 'GET', target: '/items/{id}' }
        ]
      },
      {
        value: 'write',
        operations: [
          { verb: 'POST', target: '/items' },
          { verb: 'DELETE', target: '/items/{id}' }
        ]
      }
    ])
  })

  test('Swagger 2.0 (JSON): securityDefinitions of type oauth2, other schemes ignored, security: [] guards nothing, basePath not prefixed', () => {
    const problems: string[] = []
    const scopes = readOpenApiScopes(join(FIXTURES, 'items.swagger.json'), problems, {})
    expect(problems).toEqual([])
    expect(scopes.map((s) => [s.value, s.operations.map((o) => `${o.verb} ${o.target}`)])).toEqual([
      ['read', ['GET /items', 'GET /items/{id}']],
      ['write', ['POST /items', 'DELETE /items/{id}']]
    ])
  })

  test("API Manager's extensions: x-scope on an operation, x-scopes-bindings and x-wso2-scopes declare scopes bound to nothing", () => {
    const problems: string[] = []
    const scopes = readOpenApiScopes('apim-export.openapi.yaml', problems, { GITHUB_WORKSPACE: FIXTURES })
    expect(problems).toEqual([])
    expect(scopes).toEqual([
      { value: 'read', operations: [{ verb: 'GET', target: '/items' }] },
      { value: 'write', operations: [{ verb: 'DELETE', target: '/items/{id}' }] },
      { value: 'audit', operations: [] },
      { value: 'export', operations: [] }
    ])
  })

  test('Swagger 2.0: x-scopes-bindings sits on the scheme itself; an unquoted swagger: 2.0 is read as the number 2', () => {
    const doc = {
      swagger: 2,
      securityDefinitions: { default: { type: 'oauth2', scopes: { read: '' }, 'x-scopes-bindings': { read: 'admin', admin: 'admin' } } },
      paths: { '/items': { get: { 'x-scope': 'read, admin' } } }
    }
    expect(scopesFromOpenApi(doc, 'f')).toEqual([
      { value: 'read', operations: [{ verb: 'GET', target: '/items' }] },
      { value: 'admin', operations: [{ verb: 'GET', target: '/items' }] }
    ])
  })

  test("an operation's own security wins over x-scope and the top level; security: [] opts out of the top level", () => {
    const doc = oas3(
      {
        '/a': { get: { security: [{ OAuth2: ['own'] }], 'x-scope': 'ignored' } },
        '/b': { get: { security: [] } },
        '/c': { get: {} },
        '/d': { patch: { 'x-scope': 'legacy' } },
        '/e': { put: { 'x-scope': ['legacy'] } }
      },
      { security: [{ OAuth2: ['top'] }] }
    )
    expect(scopesFromOpenApi(doc, 'f')).toEqual([
      { value: 'own', operations: [{ verb: 'GET', target: '/a' }] },
      { value: 'top', operations: [{ verb: 'GET', target: '/c' }] },
      {
        value: 'legacy',
        operations: [
          { verb: 'PATCH', target: '/d' },
          { verb: 'PUT', target: '/e' }
        ]
      }
    ])
  })

  test('scopes of alternative requirements all guard the operation, each operation listed once', () => {
    const doc = oas3({ '/a': { get: { security: [{ OAuth2: ['read'] }, { OAuth2: ['read', 'admin'] }] } } })
    expect(scopesFromOpenApi(doc, 'f')).toEqual([
      { value: 'read', operations: [{ verb: 'GET', target: '/a' }] },
      { value: 'admin', operations: [{ verb: 'GET', target: '/a' }] }
    ])
  })

  test('a document without any scope is refused, naming the file and what was looked for', () => {
    const problems = problemsOf(oas3({ '/a': { get: { security: [] } } }, { security: [{ OAuth2: [] }] }))
    expect(problems).toEqual([expect.stringContaining('Input "openapi" (api/openapi.yaml) declares no scope')])
    expect(problems[0]).toContain('components.securitySchemes with type: oauth2')
    expect(problems[0]).toContain('"x-scope", "x-scopes-bindings" or "x-wso2-security"')
    // Scopes of a non-OAuth2 scheme are no scopes.
    const apiKeyOnly = oas3({ '/a': { get: { security: [{ key: ['read'] }] } } })
    apiKeyOnly.components.securitySchemes = { key: { type: 'apiKey' } } as never
    expect(problemsOf(apiKeyOnly)[0]).toContain('declares no scope')
  })

  test('two qualified names with the same bare value are refused', () => {
    const doc = oas3({
      '/a': { get: { security: [{ OAuth2: ['urn:acme:itemsapi:read'] }] } },
      '/b': { get: { security: [{ OAuth2: ['urn:acme:ordersapi:read'] }] } }
    })
    expect(problemsOf(doc)).toEqual([
      'Input "openapi" (api/openapi.yaml): the scopes "urn:acme:itemsapi:read" and "urn:acme:ordersapi:read" are both the permission "read" (the part after the last ":"); rename one so each permission is listed once.'
    ])
  })

  test('the same qualified name on several operations is one permission', () => {
    const doc = oas3({
      '/a': { get: { security: [{ OAuth2: ['urn:x:y:read'] }] } },
      '/b': { get: { security: [{ OAuth2: ['urn:x:y:read'] }] } }
    })
    expect(scopesFromOpenApi(doc, 'f')).toEqual([
      {
        value: 'read',
        operations: [
          { verb: 'GET', target: '/a' },
          { verb: 'GET', target: '/b' }
        ]
      }
    ])
  })

  test('a value that cannot be a permission, an undefined scheme and a malformed security list are each reported', () => {
    const doc = oas3({
      '/a': { get: { security: [{ OAuth2: ['read items'] }] } },
      '/b': { get: { security: [{ Okta: ['read'] }] } },
      '/c': { get: { security: { OAuth2: ['read'] } } }
    })
    const problems = problemsOf(doc)
    expect(problems).toHaveLength(3)
    expect(problems[0]).toContain('"security" at paths."/b".get names the scheme "Okta", which components.securitySchemes does not define')
    expect(problems[1]).toContain('"security" at paths."/c".get must be a list')
    expect(problems[2]).toContain('the scope "read items" gives the permission "read items"')
  })

  test('a path item that is a $ref is reported, not silently skipped', () => {
    const doc = oas3({ '/a': { $ref: 'paths/a.yaml' }, '/b': { get: { security: [{ OAuth2: ['read'] }] } } })
    expect(problemsOf(doc)).toEqual([expect.stringContaining('paths."/a" is a $ref ("paths/a.yaml"), which the action does not follow')])
  })

  test('neither OpenAPI 3 nor Swagger 2 is refused', () => {
    expect(problemsOf({ swagger: '1.2', paths: {} })[0]).toContain('is not an OpenAPI 3.x or Swagger 2.0 document')
    expect(problemsOf('just text')[0]).toContain('is not an OpenAPI 3.x or Swagger 2.0 document')
  })
})

describe('readOpenApiScopes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'))

  test('a missing file names the input and where it looked', () => {
    const problems: string[] = []
    expect(readOpenApiScopes('services/nope.yaml', problems, { GITHUB_WORKSPACE: dir })).toEqual([])
    expect(problems).toEqual([
      expect.stringContaining(`Input "openapi": cannot read "services/nope.yaml" (no such file, looked for ${dir}/services/nope.yaml)`)
    ])
  })

  test('a file that is not YAML or JSON names the input', () => {
    writeFileSync(join(dir, 'broken.yaml'), 'openapi: 3.0.0\npaths: {\n  /a: [\n')
    const problems: string[] = []
    expect(readOpenApiScopes('broken.yaml', problems, { GITHUB_WORKSPACE: dir })).toEqual([])
    expect(problems).toEqual([expect.stringMatching(/^Input "openapi" \(broken.yaml\) is neither YAML nor JSON the action can read: /)])
  })

  test("the document's problems go to the list, as for every other input", () => {
    writeFileSync(join(dir, 'open.json'), JSON.stringify({ openapi: '3.1.0', paths: { '/a': { get: {} } } }))
    const problems: string[] = ['an earlier problem']
    expect(readOpenApiScopes('open.json', problems, { GITHUB_WORKSPACE: dir })).toEqual([])
    expect(problems).toEqual(['an earlier problem', expect.stringContaining('Input "openapi" (open.json) declares no scope')])
  })

  test('without GITHUB_WORKSPACE the path is relative to the current directory', () => {
    const problems: string[] = []
    const relative = join('__tests__', 'fixtures', 'openapi', 'items.openapi.yaml')
    expect(readOpenApiScopes(relative, problems, {}).map((s) => s.value)).toEqual(['read', 'write'])
    expect(problems).toEqual([])
  })
})

describe('readConfig with "openapi"', () => {
  const base: Record<string, string> = {
    'asgardeo-org': 'acme',
    'asgardeo-client-id': 'id',
    'asgardeo-client-secret': 'secret',
    'choreo-org': 'acme',
    'choreo-token': 'tok',
    api: 'Items API'
  }
  const read = (over: Record<string, string>) => readConfig((n) => ({ ...base, ...over })[n] ?? '', { GITHUB_WORKSPACE: FIXTURES })
  const refusal = (over: Record<string, string>): string => {
    try {
      read(over)
    } catch (err) {
      return (err as Error).message
    }
    throw new Error('accepted')
  }

  test('the permissions come from the document, the token asks for all of them, and the source is recorded', () => {
    const config = read({ openapi: 'items.openapi.yaml' })
    expect(config.scopes.map((s) => s.value)).toEqual(['read', 'write'])
    expect(config.tokenScopes).toEqual(['read', 'write'])
    expect(config.scopeSource).toEqual({ input: 'openapi', file: 'items.openapi.yaml' })
    expect(read({ scopes: 'read: GET /items' }).scopeSource).toEqual({ input: 'scopes' })
  })

  test('exactly one of "scopes" and "openapi"', () => {
    expect(refusal({ scopes: 'read: GET /items', openapi: 'items.openapi.yaml' })).toContain('Give either "scopes" or "openapi", not both')
    expect(refusal({})).toContain('Input "scopes" or "openapi" is required')
  })

  test('token-scopes must be permissions of the document; an unreadable document is reported once', () => {
    expect(refusal({ openapi: 'items.openapi.yaml', 'token-scopes': 'admin' })).toContain(
      'Input "token-scopes" names "admin", which is not in the "openapi" document (items.openapi.yaml)'
    )
    expect(refusal({ openapi: 'missing.yaml', 'token-scopes': 'read' })).toMatch(/^Input "openapi": cannot read "missing.yaml"/)
  })
})
