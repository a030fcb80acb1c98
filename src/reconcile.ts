import { apiTokenAdvice } from './advice.js'
import type { Asgardeo } from './asgardeo/client.js'
import type { Choreo } from './choreo/client.js'
import { GraphFailure, TaskGraph, type Task } from './graph.js'
import type { Config } from './inputs.js'
import { Plan, ungranted } from './plan.js'
import { newRow, sharedTasks, type Outcome, type Reporter, type Run } from './run.js'
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
export async function reconcile(
  configs: Config[],
  asgardeo: Asgardeo,
  choreo: Choreo,
  io: Reporter,
  deadline: number
): Promise<Reconciled> {
  const apply = configs[0].mode === 'apply'
  const plan = new Plan(configs.map((c) => c.entry).filter((e): e is string => e !== undefined))
  const graph = new TaskGraph()
  const shared = sharedTasks(graph, newRow(plan, io, apply))
  asgardeo.writesOpen = choreo.writesOpen = () => graph.writesOpen
  // Reads that can refute an input go before every write: the custom OIDC issuer's discovery document.
  const issuerDocs = await Promise.all(
    configs.map((c) => (c.grant.type === 'token-exchange' ? observeIssuer(asgardeo.http, c.grant) : Promise.resolve(undefined)))
  )
  const entries = configs.map((config, i) => {
    const out: Outcome = { plan, graph, scopeNames: new Map() }
    // An entry's log lines say which API they are about.
    const entryIo: Reporter =
      config.entry === undefined
        ? io
        : { log: (phase, line, order) => io.log(phase, `[${config.entry}] ${line}`, order), secret: io.secret }
    const run: Run = {
      config,
      all: configs,
      apply,
      deadline,
      asgardeo,
      choreo,
      graph: graph.scope(config.entry),
      out,
      io: entryIo,
      row: newRow(plan, io, apply, config.entry),
      shared
    }
    return { out, found: entryTasks(run, issuerDocs[i]) }
  })

  let failures: Reconciled['failures'] = []
  try {
    await graph.settle()
  } catch (err) {
    if (!(err instanceof GraphFailure)) throw err
    failures = err.failures.map((error, i) => ({ entry: err.groups[i], error }))
  }
  // What the shared tasks found or made, for every entry's outputs (also when the run failed).
  const value = <T>(task: Task<T>): Promise<T | undefined> => task.promise.catch(() => undefined)
  for (const { out, found } of entries) {
    const [app, dev, km] = await Promise.all([value(found.application), value(found.devApp), value(found.keyManager)])
    out.asgardeoApplicationId = app?.id
    out.clientId = app?.clientId
    out.choreoApplicationId = dev?.app.applicationId
    out.tokenEndpoint = km?.tokenEndpoint
  }
  return { plan, graph, outcomes: entries.map((e) => e.out), failures }
}

/** What a run found and did: one outcome per config (in order), and each failure with its entry (undefined: shared). */
export interface Reconciled {
  plan: Plan
  graph: TaskGraph
  outcomes: Outcome[]
  failures: { entry?: string; error: unknown }[]
}

/** One API's tasks; what it shares with the other entries comes from `run.shared`. */
function entryTasks(run: Run, issuerDoc: Awaited<ReturnType<typeof observeIssuer>> | undefined) {
  const { config, apply, asgardeo, choreo, graph, out, io, shared } = run
  const org = shared.once('choreo: organization', () =>
    shared.graph.read('choreo: organization', [], () => choreo.resolveOrg(config.choreo.org))
  )
  const publisher = publisherTasks(run, org)
  const identity = asgardeoTasks(run, publisher)
  bindingTasks(run, issuerDoc, identity)
  const devportal = devportalTasks(run, {
    org,
    api: publisher.api,
    lifecycle: publisher.lifecycle,
    keyManager: publisher.keyManager,
    appLookup: identity.appLookup,
    application: identity.application
  })
  smokeTasks(run, { api: publisher.api, deployed: publisher.deployed, lifecycle: publisher.lifecycle })

  // The token needs Asgardeo only; Choreo's branches finish alongside, and the run waits for all of them.
  graph.write('token', [identity.application, identity.authorization, identity.role, publisher.keyManager], async (app, _a, _r, km) => {
    // With token exchange the token is the consumers' (mode: token), issued for their own id-tokens.
    if (!apply || !app || config.grant.type === 'token-exchange') return
    const requested = config.tokenScopes.map((v) => out.scopeNames.get(v)).filter((n): n is string => !!n)
    const form: Record<string, string> = { grant_type: config.grant.type, scope: requested.join(' ') }
    if (config.grant.type === 'password') Object.assign(form, { username: config.grant.username, password: config.grant.password })
    const token = await asgardeo.requestToken(km.tokenEndpoint!, app.clientId, app.clientSecret, form).catch((err: unknown) => {
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

  return { application: identity.application, devApp: devportal.devApp, keyManager: publisher.keyManager }
}
