import * as core from '@actions/core'
import { Asgardeo } from './asgardeo/client.js'
import { Choreo } from './choreo/client.js'
import { GraphFailure } from './graph.js'
import { Http } from './http.js'
import { readConfig, type Config } from './inputs.js'
import { reconcile, type Outcome, type Phase } from './reconcile.js'
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
  for (const name of SECRET_INPUTS) {
    const value = core.getInput(name)
    if (value) core.setSecret(value)
  }
  let http: Http | undefined
  let config: Config | undefined
  const lines = new Map<Phase, { line: string; order: number }[]>(PHASES.map((p) => [p, []]))
  try {
    config = readConfig((name) => core.getInput(name))
    const deadline = Date.now() + config.timeoutSeconds * 1000
    http = new Http({ deadline, debug: core.isDebug() ? core.debug : undefined })
    for (const name of SECRET_INPUTS) http.addSecret(core.getInput(name))
    const secret = (value: string): void => {
      core.setSecret(value)
      http!.addSecret(value)
    }
    const asgardeo = new Asgardeo(http, config.asgardeo.url, config.asgardeo.org)
    const choreo = new Choreo(http, config.choreo.url, config.choreo.consoleUrl, config.choreo.token, config.choreo.orgId)
    core.info(
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
          secret,
          holdWrites: (reads) => http!.holdWritesUntil(reads)
        },
        deadline
      )
    } finally {
      flush(lines)
    }
    setOutputs(config, outcome)
    const { requests, writes, retries } = http.stats
    const path = outcome.graph.criticalPath()
    core.info(`${requests} requests (${writes} writes, ${retries} retries) in ${path.ms} ms; critical path: ${path.chain.join(' → ')}.`)
    await writeSummary(config, outcome)
    if (!outcome.plan.changed) core.info('No changes: Choreo and Asgardeo already match the inputs.')
    if (config.mode === 'check' && outcome.plan.changed) {
      core.setFailed(
        `Drift: ${outcome.plan.changes
          .filter((c) => c.action !== 'no change')
          .map((c) => `${c.resource} "${c.name}" (${c.action})`)
          .join(', ')}. Run with mode: apply to repair it.`
      )
    }
    if (config.smoke) {
      const debug = core.isDebug() ? core.debug : undefined
      await smokeStep(config.smoke, { mode: config.mode, gateway: outcome.smoke, token: outcome.token?.access_token, debug })
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (err instanceof GraphFailure) {
      // Independent branches can fail together: say every failure, so one re-run can fix them all.
      for (const other of err.failures.slice(1)) core.error(other instanceof Error ? other.message : String(other))
      if (config && err.partial)
        await writeSummary(
          config,
          err.partial as Outcome,
          err.failures.map((f) => (f instanceof Error ? f.message : String(f)))
        )
    }
    core.setFailed(message)
  } finally {
    http?.dispose()
  }
}

function flush(lines: Map<Phase, { line: string; order: number }[]>): void {
  for (const [phase, entries] of lines) {
    if (entries.length === 0) continue
    core.startGroup(phase)
    for (const { line } of entries.sort((a, b) => a.order - b.order)) core.info(line)
    core.endGroup()
  }
}

function setOutputs(config: Config, o: Outcome): void {
  const names = config.scopes.map((s) => o.scopeNames.get(s.value)).filter((n): n is string => !!n)
  core.setOutput('scopes', JSON.stringify(names))
  core.setOutput('changed', String(o.plan.changed))
  core.setOutput('plan', JSON.stringify(o.plan.changes))
  const ids: Record<string, string | undefined> = {
    'client-id': o.clientId,
    'token-endpoint': o.tokenEndpoint,
    'asgardeo-application-id': o.asgardeoApplicationId,
    'api-resource-id': o.apiResourceId,
    'choreo-api-id': o.choreoApiId,
    'choreo-application-id': o.choreoApplicationId,
    'subscription-id': o.subscriptionId
  }
  for (const [name, value] of Object.entries(ids)) if (value) core.setOutput(name, value)
  if (o.token) outputToken(o.token)
}
