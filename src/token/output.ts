import type { TokenResponse } from './response.js'
import { output, tokenOutput } from '../output.js'

/**
 * The token outputs, the same for every mode that issues one. The response was validated when it
 * arrived (src/token/response.ts); the token is masked again right where it is set.
 */
export function outputToken(token: TokenResponse): void {
  tokenOutput('access-token', token.access_token)
  output('token-type', token.token_type)
  output('expires-in', String(token.expires_in))
  output('expires-at', new Date(Date.now() + token.expires_in * 1000).toISOString())
  output('granted-scopes', token.scope ?? '')
}
