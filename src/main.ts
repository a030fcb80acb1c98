import * as core from '@actions/core'
import { Asgardeo } from './asgardeo/client.js'
import { Choreo } from './choreo/client.js'
import { GraphFailure } from './graph.js'
import { Http } from './http.js'
import { readConfig, type Config } from './inputs.js'
import { reconcile, type Outcome, type Phase } from './reconcile.js'
import { log, output, secret } from './output.js'
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
  let config: Config | undefined
  const lines = new Map<Phase, { line: string; order: number }[]>(PHASES.map((p) => [p, []]))
  try {
    config = readConfig((name) => core.getInput(name))
    const deadline = Date.now() + config.timeoutSeconds * 1000
    http = new Http({ deadline, debug: core.isDebug() ? log.debug : undefined })
    const asgardeo = new Asgardeo(http, config.asgardeo.url, config.asgardeo.org)
    const choreo = new Choreo(http, config.choreo.url, config.choreo.consoleUrl, config.choreo.token, config.choreo.orgId)
    log.info(
      `${config.mode === 'apply' ? 'Reconciling' : 'Planning'} "${config.api.name ?? config.api.id}" in Choreo org "${config.choreo.org}" with Asgardeo org "${config.asgardeo.org}" (${config.scopes.length} permissions, ${config.grant.type}).`
    )
    let outcome: Outcome
    try {
      outcome = await reconcile(
        config,
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
    setOutputs(config, outcome)
    const { requests, writes, retries, pacedMs } = http.stats
    const path = outcome.graph.criticalPath()
    const paced = pacedMs > 0 ? `, ${pacedMs} ms paced under rate limits` : ''
    log.info(
      `${requests} requests (${writes} writes, ${retries} retries${paced}) in ${path.ms} ms; critical path: ${path.chain.join(' → ')}.`
    )
    await writeSummary(config, outcome)
    if (!outcome.plan.changed) log.info('No changes: Choreo and Asgardeo already match the inputs.')
    if (config.mode === 'check' && outcome.plan.changed) {
      log.fail(
        `Drift: ${outcome.plan.changes
          .filter((c) => c.action !== 'no change')
          .map((c) => `${c.resource} "${c.name}" (${c.action})`)
          .join(', ')}. Run with mode: apply to repair it.`
      )
    }
    if (config.smoke) {
      const debug = core.isDebug() ? log.debug : undefined
      await smokeStep(config.smoke, { mode: config.mode, gateway: outcome.smoke, token: outcome.token?.access_token, debug })
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (err instanceof GraphFailure) {
      // Independent branches can fail together: say every failure, so one re-run can fix them all.
      for (const other of err.failures.slice(1)) log.error(other instanceof Error ? other.message : String(other))
      if (config && err.partial)
        await writeSummary(
          config,
          err.partial as Outcome,
          err.failures.map((f) => (f instanceof Error ? f.message : String(f)))
        )
    }
    log.fail(message)
  } finally {
    http?.dispose()
  }
}

function flush(lines: Map<Phase, { line: string; order: number }[]>): void {
  for (const [phase, entries] of lines) {
    if (entries.length === 0) continue
    log.group(
      phase,
      entries.sort((a, b) => a.order - b.order).map((e) => e.line)
    )
  }
}

function setOutputs(config: Config, o: Outcome): void {
  const names = config.scopes.map((s) => o.scopeNames.get(s.value)).filter((n): n is string => !!n)
  const ids: Record<string, string | undefined> = {
    'client-id': o.clientId,
    'token-endpoint': o.tokenEndpoint,
    'asgardeo-application-id': o.asgardeoApplicationId,
    'api-resource-id': o.apiResourceId,
    'choreo-api-id': o.choreoApiId,
    'choreo-application-id': o.choreoApplicationId,
    'subscription-id': o.subscriptionId
  }
  // All checked before any is set: a later step interpolates them into its commands.
  for (const n of names) checkOutput('scopes', n, SCOPE_TOKEN)
  for (const [name, value] of Object.entries(ids)) if (value) checkOutput(name, value, name === 'token-endpoint' ? URL_TEXT : ID)
  output('scopes', JSON.stringify(names))
  output('changed', String(o.plan.changed))
  output('plan', JSON.stringify(o.plan.changes))
  for (const [name, value] of Object.entries(ids)) if (value) output(name, value)
  if (o.token) outputToken(o.token)
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
