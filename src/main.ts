import * as core from '@actions/core'
import { Asgardeo } from './asgardeo/client.js'
import { Choreo } from './choreo/client.js'
import { readConfigs } from './config/entries.js'
import { Http } from './http.js'
import type { Config } from './inputs.js'
import { reconcile, type Outcome, type Phase, type Reconciled } from './reconcile.js'
import { log, output, resultsOutput, secret } from './output.js'
import { smokeStep } from './smoke/step.js'
import { writeSummary } from './summary.js'
import { isTokenMode } from './token/inputs.js'
import { outputToken } from './token/output.js'
import { runTokenMode } from './token/exchange.js'

const SECRET_INPUTS = ['asgardeo-client-secret', 'choreo-token', 'password', 'client-secret']
const PHASES: Phase[] = ['Choreo publisher', 'Asgardeo', 'Choreo Developer Portal', 'Token']

/** The action: read inputs, reconcile Choreo and Asgardeo, issue the token, report. */
export async function run(): Promise<void> {
  // mode: token reconciles nothing: it exchanges this job's GitHub id-token (src/token/).
  if (isTokenMode((name) => core.getInput(name))) return runTokenMode()
  // Mask secret inputs before anything else can print them.
  for (const name of SECRET_INPUTS) secret(core.getInput(name))
  let http: Http | undefined
  const lines = new Map<Phase, { line: string; order: number }[]>(PHASES.map((p) => [p, []]))
  try {
    // One config per API: the single-API inputs, or each entry of the `config` file.
    const configs = readConfigs((name) => core.getInput(name))
    const config = configs[0]
    const deadline = Date.now() + config.timeoutSeconds * 1000
    http = new Http({ deadline, debug: core.isDebug() ? log.debug : undefined })
    const asgardeo = new Asgardeo(http, config.asgardeo.url, config.asgardeo.org)
    const choreo = new Choreo(http, config.choreo.url, config.choreo.consoleUrl, config.choreo.token, config.choreo.orgId)
    const what =
      config.entry === undefined
        ? `"${config.api.name ?? config.api.id}" (${config.scopes.length} permissions, ${config.grant.type})`
        : `${configs.length} APIs (${configs.map((c) => c.entry).join(', ')})`
    log.info(
      `${config.mode === 'apply' ? 'Reconciling' : 'Planning'} ${what} in Choreo org "${config.choreo.org}" with Asgardeo org "${config.asgardeo.org}".`
    )
    let result: Reconciled
    try {
      result = await reconcile(
        configs,
        asgardeo,
        choreo,
        {
          log: (phase, line, order = 99) => lines.get(phase)!.push({ line, order }),
          secret
        },
        deadline
      )
    } finally {
      flush(lines)
    }
    const { requests, writes, retries, pacedMs } = http.stats
    const path = result.graph.criticalPath()
    const paced = pacedMs > 0 ? `, ${pacedMs} ms paced under rate limits` : ''
    log.info(
      `${requests} requests (${writes} writes, ${retries} retries${paced}) in ${path.ms} ms; critical path: ${path.chain.join(' → ')}.`
    )
    if (config.entry === undefined) await finishOne(config, result)
    else await finishMany(configs, result)
  } catch (err) {
    log.fail(err instanceof Error ? err.message : String(err))
  } finally {
    http?.dispose()
  }
}

/** A single API: its outputs, the summary, drift, the smoke test; a failure fails the step with every failure said. */
async function finishOne(config: Config, result: Reconciled): Promise<void> {
  const outcome = result.outcomes[0]
  const failures = result.failures.map((f) => message(f.error))
  if (failures.length > 0) {
    // Independent branches can fail together: say every failure, so one re-run can fix them all.
    for (const other of failures.slice(1)) log.error(other)
    await writeSummary(config, [outcome], failures)
    throw new Error(failures[0])
  }
  setOutputs(config, outcome)
  await writeSummary(config, [outcome])
  if (!result.plan.changed) log.info('No changes: Choreo and Asgardeo already match the inputs.')
  failOnDrift(config, result)
  if (config.smoke) {
    const debug = core.isDebug() ? log.debug : undefined
    await smokeStep(config.smoke, { mode: config.mode, gateway: outcome.smoke, token: outcome.token?.access_token, debug })
  }
}

/**
 * Many APIs (a `config` file): one API's failure leaves the others done. Every entry's outputs go into
 * `results`; the step fails when any entry failed, and the log and the summary name each failure.
 */
async function finishMany(configs: Config[], result: Reconciled): Promise<void> {
  const shared = result.failures.filter((f) => f.entry === undefined).map((f) => message(f.error))
  const failuresOf = (entry: string): string[] => [
    ...shared,
    ...result.failures.filter((f) => f.entry === entry).map((f) => message(f.error))
  ]
  const results: Record<string, Record<string, unknown>> = {}
  configs.forEach((config, i) => {
    const entry = config.entry!
    const failures = failuresOf(entry)
    results[entry] = {
      ...entryOutputs(config, result.outcomes[i]),
      changed: result.plan.changedFor(entry),
      ...(failures.length > 0 ? { error: failures[0] } : {})
    }
  })
  output('changed', String(result.plan.changed))
  output('plan', JSON.stringify(result.plan.changes))
  resultsOutput(results)
  const failed = configs.map((c) => c.entry!).filter((e) => failuresOf(e).length > 0)
  const summaryFailures = [
    ...shared.map((f) => `all APIs: ${f}`),
    ...result.failures.filter((f) => f.entry !== undefined).map((f) => `${f.entry}: ${message(f.error)}`)
  ]
  await writeSummary(configs[0], result.outcomes, summaryFailures)
  if (failed.length > 0) {
    for (const line of summaryFailures) log.error(line)
    throw new Error(
      `${failed.length} of ${configs.length} APIs failed (${failed.join(', ')}); the others are done. Fix what the errors above say and re-run: what is done stays as it is.`
    )
  }
  if (!result.plan.changed) log.info(`No changes: Choreo and Asgardeo already match all ${configs.length} APIs.`)
  failOnDrift(configs[0], result)
}

function failOnDrift(config: Config, result: Reconciled): void {
  if (config.mode !== 'check' || !result.plan.changed) return
  log.fail(
    `Drift: ${result.plan.changes
      .filter((c) => c.action !== 'no change')
      .map((c) => `${c.entry === undefined ? '' : `[${c.entry}] `}${c.resource} "${c.name}" (${c.action})`)
      .join(', ')}. Run with mode: apply to repair it.`
  )
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

function flush(lines: Map<Phase, { line: string; order: number }[]>): void {
  for (const [phase, entries] of lines) {
    if (entries.length === 0) continue
    log.group(
      phase,
      entries.sort((a, b) => a.order - b.order).map((e) => e.line)
    )
  }
}

/** An entry's ids, checked before any is set: a later step interpolates them into its commands. */
function checkedIds(config: Config, o: Outcome): { scopes: string[]; ids: Record<string, string> } {
  const scopes = config.scopes.map((s) => o.scopeNames.get(s.value)).filter((n): n is string => !!n)
  const ids: Record<string, string | undefined> = {
    'client-id': o.clientId,
    'token-endpoint': o.tokenEndpoint,
    'asgardeo-application-id': o.asgardeoApplicationId,
    'api-resource-id': o.apiResourceId,
    'choreo-api-id': o.choreoApiId,
    'choreo-application-id': o.choreoApplicationId,
    'subscription-id': o.subscriptionId
  }
  for (const n of scopes) checkOutput('scopes', n, SCOPE_TOKEN)
  const set: Record<string, string> = {}
  for (const [name, value] of Object.entries(ids)) {
    if (!value) continue
    checkOutput(name, value, name === 'token-endpoint' ? URL_TEXT : ID)
    set[name] = value
  }
  return { scopes, ids: set }
}

function setOutputs(config: Config, o: Outcome): void {
  const { scopes, ids } = checkedIds(config, o)
  output('scopes', JSON.stringify(scopes))
  output('changed', String(o.plan.changed))
  output('plan', JSON.stringify(o.plan.changes))
  for (const [name, value] of Object.entries(ids)) output(name, value)
  if (o.token) outputToken(o.token)
}

/** One entry's value in `results`: the outputs a single-API run sets, by the same names. */
function entryOutputs(config: Config, o: Outcome): Record<string, unknown> {
  const { scopes, ids } = checkedIds(config, o)
  const token = o.token
  return {
    scopes,
    ...ids,
    ...(token
      ? {
          'access-token': token.access_token,
          'token-type': token.token_type,
          'expires-in': token.expires_in,
          'expires-at': new Date(Date.now() + token.expires_in * 1000).toISOString(),
          'granted-scopes': token.scope ?? ''
        }
      : {})
  }
}

/** Ids as the services make them (UUIDs, client IDs, numbers): no spaces, quotes or shell characters. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._~:-]{0,254}$/
const URL_TEXT = /^https?:\/\/[A-Za-z0-9._~:/?#@%=+[\]-]{1,2000}$/
/** RFC 6749 scope-token characters: printable ASCII but space, `"` and backslash. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/

function checkOutput(name: string, value: string, shape: RegExp): void {
  if (!shape.test(value)) {
    throw new Error(
      `A service returned a value for output "${name}" that is not a valid ${name} (${JSON.stringify(value.slice(0, 80))}); no output was set.`
    )
  }
}
