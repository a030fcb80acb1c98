import * as core from '@actions/core'
import type { TokenResponse } from '../asgardeo/client.js'

/** The token outputs, the same for every mode that issues one; masked again right where it is set. */
export function outputToken(token: TokenResponse): void {
  core.setSecret(token.access_token)
  core.setOutput('access-token', token.access_token)
  core.setOutput('token-type', token.token_type)
  core.setOutput('expires-in', String(token.expires_in))
  core.setOutput('expires-at', new Date(Date.now() + token.expires_in * 1000).toISOString())
  core.setOutput('granted-scopes', token.scope ?? '')
}
