import * as core from '@actions/core'
import { log, secret } from '../output.js'
import { ApiError, Http } from '../http.js'
import { STATE } from './state.js'

/**
 * The post step (`runs.post`): revokes the token `mode: token` issued, at `/oauth2/revoke` (RFC 7009).
 * The token comes only from the runner's step state; an expired one is skipped; failures are retried
 * briefly and then only warned about, since the job itself already succeeded or failed on its own.
 */

const ATTEMPTS = 3

export async function runPost(): Promise<void> {
  const token = core.getState(STATE.token)
  if (!token) return // not token mode, or main failed before a token existed
  secret(token) // the runner keeps main's mask for the job; this step does not rely on it
  if (/^(false|no|off)$/i.test(core.getInput('revoke').trim())) {
    log.info('revoke: false: the token stays valid until it expires.')
    return
  }
  const expiresAt = Date.parse(core.getState(STATE.expiresAt))
  if (Number.isFinite(expiresAt) && expiresAt <= Date.now()) {
    log.info('The token has already expired: nothing to revoke.')
    return
  }
  const endpoint = core.getState(STATE.revokeEndpoint)
  const clientId = core.getInput('client-id').trim()
  const clientSecret = core.getInput('client-secret').trim()
  if (clientSecret) secret(clientSecret)
  const http = new Http({
    deadline: Date.now() + 30_000,
    requestTimeoutMs: 10_000,
    maxAttempts: 1,
    debug: core.isDebug() ? core.debug : undefined
  })
  http.addSecret(token)
  http.addSecret(clientSecret)
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await http.request({
          service: 'asgardeo',
          method: 'POST',
          url: endpoint,
          form: { token, token_type_hint: 'access_token', ...(clientSecret ? {} : { client_id: clientId }) },
          basic: clientSecret ? { user: clientId, password: clientSecret } : undefined
        })
        log.info('Revoked the access token this job was issued.')
        return
      } catch (err) {
        // A client error will not change on a retry; a network error, 429 or 5xx may.
        const retryable = !(err instanceof ApiError) || err.status === 0 || err.status === 429 || err.status >= 500
        if (!retryable || attempt >= ATTEMPTS) throw err
        await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)))
      }
    }
  } catch (err) {
    const until = Number.isFinite(expiresAt) ? ` until ${new Date(expiresAt).toISOString()}` : ''
    log.warning(`Could not revoke the access token; it stays valid${until}. ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    http.dispose()
  }
}
