import * as core from '@actions/core'
import { log, output } from '../output.js'
import { Http } from '../http.js'
import type { SmokeGateway } from './gateway.js'
import type { SmokeConfig } from './parse.js'
import { smokeFailure, smokeOutput, smokeTable, writeSmokeSummary } from './report.js'
import { runSmoke } from './run.js'

/** Time a single attempt may take beyond the wait (a request that started just before the wait ran out). */
const LAST_REQUEST_SLACK_MS = 30_000

/**
 * The smoke test as a step of the action, after any token: calls, log table, job summary, the
 * `smoke-results` output; fails the step when an expectation failed. In plan and check mode it says
 * it is skipped. Returns whether every expectation held.
 */
export async function smokeStep(
  smoke: SmokeConfig,
  run: { mode: string; gateway: SmokeGateway | undefined; token?: string; debug?: (message: string) => void }
): Promise<boolean> {
  if (run.mode === 'plan' || run.mode === 'check') {
    const where = run.gateway?.url ?? (run.gateway ? `the gateway URL of ${run.gateway.environment} once deployed` : 'the gateway')
    const skipped = `Smoke test skipped in ${run.mode} mode: ${smoke.calls.length} ${smoke.calls.length === 1 ? 'call' : 'calls'} would run against ${where}.`
    log.info(skipped)
    await writeSmokeSummary({ skipped })
    return true
  }
  // Only calls relative to the gateway need its URL (mode: token takes absolute URLs only).
  const base = run.gateway?.url ?? ''
  if (!base && smoke.calls.some((c) => c.target.startsWith('/')))
    throw new Error('Smoke test: no gateway URL was found for the API, so "smoke-test" cannot run.')
  const where = run.gateway?.url ? `${run.gateway.environment}: ${run.gateway.url}` : 'absolute URLs'
  const http = new Http({ deadline: Date.now() + smoke.waitSeconds * 1000 + LAST_REQUEST_SLACK_MS, debug: run.debug })
  http.addSecret(run.token)
  try {
    const results = await runSmoke(smoke.calls, { baseUrl: base, token: run.token, waitSeconds: smoke.waitSeconds, http })
    output('smoke-results', smokeOutput(results))
    await writeSmokeSummary({ results, url: base || 'absolute URLs' })
    const failure = smokeFailure(results, smoke.waitSeconds)
    if (failure) {
      // The table line by line (each neutralised as log text), then the failure that names the misses.
      for (const line of smokeTable(results)) log.info(line)
      log.fail(failure)
      return false
    }
    core.startGroup(`Smoke test (${where})`)
    for (const line of smokeTable(results)) log.info(line)
    core.endGroup()
    log.info(`Smoke test: all ${results.length} calls got what they expected.`)
    return true
  } finally {
    http.dispose()
  }
}
