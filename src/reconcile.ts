import { apiTokenAdvice } from './advice.js'
import type { Asgardeo } from './asgardeo/client.js'
import type { Choreo } from './choreo/client.js'
import { GraphFailure, TaskGraph } from './graph.js'
import type { Config } from './inputs.js'
import { Plan, ungranted } from './plan.js'
import { newRow, type Outcome, type Reporter, type Run } from './run.js'
import { asgardeoTasks } from './asgardeo/tasks.js'
import { devportalTasks } from './choreo/devportal.js'
import { publisherTasks } from './choreo/publisher.js'
import { bindingTasks, observeIssuer } from './asgardeo/binding.js'
import { smokeTasks } from './smoke/tasks.js'

export type { Outcome, Phase, Reporter } from './run.js'

/**
 * The reconciliation, as a graph of tasks over the two services (see ../shared/reference/call-graph.md),
 * in two phases. Read tasks find every resource and check every input against what the servers hold;
 * they run concurrently. A barrier (pre-flight) passes once all of them succeeded; only then do the write
 * tasks start, each recording its row in the plan and (in apply mode only) making the write that row
 * describes. A refuted input therefore fails the run with no write at all; the clients refuse a write
 * sent before the barrier, so this holds by construction. In plan and check modes nothing is written;
 * values only a write would produce are unknown, and the rows that depend on them say so.
 */
export async function reconcile(config: Config, asgardeo: Asgardeo, choreo: Choreo, io: Reporter, deadline: number): Promise<Outcome> {
  const apply = config.mode === 'apply'
  const plan = new Plan()
  const graph = new TaskGraph()
  const out: Outcome = { plan, graph, scopeNames: new Map() }
  const run: Run = { config, apply, deadline, asgardeo, choreo, graph, out, io, row: newRow(plan, io, apply) }

  asgardeo.writesOpen = choreo.writesOpen = () => graph.writesOpen
  // Reads that can refute an input go before every write: the custom OIDC issuer's discovery document.
  const issuerDoc = config.grant.type === 'token-exchange' ? await observeIssuer(asgardeo.http, config.grant) : undefined
  const org = graph.read('choreo: organization', [], () => choreo.resolveOrg(config.choreo.org))
  const publisher = publisherTasks(run, org)
  const identity = asgardeoTasks(run, publisher)
  bindingTasks(run, issuerDoc, identity)
  devportalTasks(run, {
    org,
    api: publisher.api,
    lifecycle: publisher.lifecycle,
    keyManager: publisher.keyManager,
    appLookup: identity.appLookup,
    application: identity.application
  })
  smokeTasks(run, { api: publisher.api, deployed: publisher.deployed, lifecycle: publisher.lifecycle })

  // The token needs Asgardeo only; Choreo's branches finish alongside, and the run waits for all of them.
  graph.write('token', [identity.application, identity.authorization, identity.role, publisher.keyManager], async (app) => {
    // With token exchange the token is the consumers' (mode: token), issued for their own id-tokens.
    if (!apply || !app || config.grant.type === 'token-exchange') return
    const requested = config.tokenScopes.map((v) => out.scopeNames.get(v)).filter((n): n is string => !!n)
    const form: Record<string, string> = { grant_type: config.grant.type, scope: requested.join(' ') }
    if (config.grant.type === 'password') Object.assign(form, { username: config.grant.username, password: config.grant.password })
    const token = await asgardeo.requestToken(out.tokenEndpoint!, app.clientId, app.clientSecret, form).catch((err: unknown) => {
      throw apiTokenAdvice(err, config.grant.type, config.application)
    })
    io.secret(token.access_token)
    if (token.refresh_token) io.secret(token.refresh_token)
    // Asgardeo hands the same cached token to every run with this client and scopes: it is never revoked
    // (a concurrent run may hold it), so a short remainder is reported instead of replaced.
    const minLifetime = Math.min(300, Math.floor(app.tokenLifetime / 2))
    if (token.expires_in < minLifetime) {
      io.log(
        'Token',
        `Asgardeo returned its cached token for these scopes with ${token.expires_in} s left; it is not revoked, since another run may hold the same token. Steps that need longer should run after it expires (expires-at).`
      )
    }
    const missing = ungranted(requested, token.scope)
    if (missing.length > 0) {
      throw new Error(
        `Asgardeo issued a token without ${missing.join(', ')}. It drops scopes silently when they are not authorized to the application ("${config.application}", API Authorization)` +
          (config.grant.type === 'password' ? ` or when the user "${config.grant.username}" holds no role carrying them` : '') +
          '. A token cached from before the change can also lack them: re-run in a few minutes, or revoke the old token.'
      )
    }
    out.token = { ...token, requested }
    io.log('Token', `issued a ${token.token_type} token with ${requested.length} scopes, valid ${token.expires_in} s`)
  })

  try {
    await graph.settle()
  } catch (err) {
    if (err instanceof GraphFailure) err.partial = out
    throw err
  }
  return out
}
