import { expect, test } from '@jest/globals'
import { validToken } from '../../src/token/response.js'

const good = { access_token: 'eyJ.abc.def', token_type: 'Bearer', expires_in: 3600, scope: 'urn:acme:items:read urn:acme:items:write' }
const check = (over: Record<string, unknown>) => () => validToken({ ...good, ...over }, 'https://api.asgardeo.io/t/acme/oauth2/token', 200)

test('a well-formed token response passes unchanged', () => {
  expect(check({})()).toEqual(good)
})

test.each([
  ['expires_in', { expires_in: '3600' }],
  ['expires_in', { expires_in: -1 }],
  ['expires_in', { expires_in: 0 }],
  ['expires_in', { expires_in: 1e12 }],
  ['expires_in', { expires_in: 12.5 }],
  ['expires_in', { expires_in: undefined }],
  ['token_type', { token_type: 'Bearer\n::add-mask::x' }],
  ['token_type', { token_type: 42 }],
  ['access_token', { access_token: 'a b' }],
  ['access_token', { access_token: undefined }],
  ['scope', { scope: 'read "quoted"' }],
  ['scope', { scope: 'read\nwrite' }],
  ['refresh_token', { refresh_token: 7 }]
])('a bad %s is a clear error (%j)', (field, over) => {
  expect(check(over)).toThrow(new RegExp(`answered with ${field} `))
})

test('the error never carries the token', () => {
  expect(check({ access_token: 'secret-token value' })).toThrow(/^((?!secret-token).)*$/)
})
