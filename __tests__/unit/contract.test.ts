import { describe, expect, test } from '@jest/globals'
import type { ContractPair } from '../../emulator/contract/recorder.js'
import { validatePairs } from '../../emulator/contract/validate.js'

/** The contract validator itself: it must catch what the specs and RFCs rule out, and excuse only deviations.json. */
const pair = (p: Partial<ContractPair>): ContractPair => ({
  method: 'GET',
  path: '/api/am/publisher/v2/apis/abc',
  query: '',
  fromAction: false,
  requestContentType: '',
  requestBody: '',
  status: 200,
  responseHeaders: { 'content-type': 'application/json' },
  responseBody: '{}',
  routed: true,
  ...p
})
const kinds = (pairs: ContractPair[]) => validatePairs(pairs).violations.map((v) => `${v.spec} ${v.kind} ${v.detail}`)

describe('validatePairs', () => {
  test('a response body against the spec schema: a wrong type is a violation; required fields are checked', () => {
    expect(kinds([pair({ responseBody: JSON.stringify({ name: 'x', context: '/x', version: 'v1', lifeCycleStatus: 7 }) })])).toEqual([
      expect.stringMatching(/^publisher-v2 body \/lifeCycleStatus must be string/)
    ])
    expect(kinds([pair({ responseBody: JSON.stringify({ name: 'x', context: '/x' }) })])).toEqual([
      expect.stringMatching(/must have required property 'version'/)
    ])
  })

  test('a status the spec does not list is a violation unless deviations.json excuses it', () => {
    expect(kinds([pair({ status: 418 })])).toEqual([expect.stringMatching(/^publisher-v2 status status 418 is not among/)])
    const deploy = { method: 'POST', path: '/api/am/publisher/v2/apis/abc/deploy-revision', status: 409, responseBody: '' }
    expect(kinds([pair(deploy)])).toEqual([]) // choreo-api.md §5.3: 409 902005
  })

  test("the action's request body is validated; other clients' are not", () => {
    const put = {
      method: 'PUT',
      requestContentType: 'application/json',
      requestBody: JSON.stringify({ name: 'x', context: '/x', version: 'v1', scopes: 'nope' }),
      responseBody: JSON.stringify({ name: 'x', context: '/x', version: 'v1' })
    }
    expect(kinds([pair({ ...put, fromAction: true })])).toContainEqual(
      expect.stringMatching(/^publisher-v2 request \/scopes must be array/)
    )
    expect(kinds([pair(put)])).toEqual([])
  })

  test('an operation missing from the spec is a violation; the router’s own 404 is skipped', () => {
    expect(kinds([pair({ method: 'PATCH', path: '/api/am/publisher/v2/apis/abc/nothing' })])).toEqual([
      expect.stringMatching(/operation no such operation/)
    ])
    expect(kinds([pair({ method: 'PATCH', path: '/api/am/publisher/v2/apis/abc/nothing', routed: false })])).toEqual([])
  })

  test('RFC 6749 §5.1: a token response needs access_token, token_type and Cache-Control: no-store', () => {
    const token = {
      method: 'POST',
      path: '/t/acme/oauth2/token',
      responseBody: JSON.stringify({ access_token: 'a', token_type: 'Bearer' })
    }
    expect(
      kinds([pair({ ...token, responseHeaders: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' } })])
    ).toEqual([])
    expect(kinds([pair(token)])).toEqual([
      expect.stringMatching(/^oauth2 body header cache-control/),
      expect.stringMatching(/^oauth2 body header pragma/)
    ])
    expect(kinds([pair({ ...token, status: 400, responseBody: JSON.stringify({ error: 'made_up' }) })])).toEqual([
      expect.stringMatching(/\/error must be equal to one of the allowed values/)
    ])
  })

  test('records which operations were exercised, per spec', () => {
    const r = validatePairs([pair({}), pair({ path: '/t/acme/api/server/v1/api-resources', responseBody: '{"totalResults":0}' })])
    expect(r.exercised['publisher-v2']).toEqual(['GET /apis/{apiId}'])
    expect(r.exercised['api-resources']).toEqual(['GET /api-resources'])
  })
})
