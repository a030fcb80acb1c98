import * as core from '@actions/core'
import { forLog, forSummary, scrubber } from './scrub.js'

/**
 * Every path out of the process: log lines, annotations, the failure, outputs and job-summary text.
 * All of it is scrubbed of registered secrets; log text cannot start a workflow command and summary
 * text cannot form markup. Only the access-token output is written as it is (and masked first).
 */

/** Masks a secret with the runner and registers it with the scrubber: the one way a secret is announced. */
export function secret(value: string | undefined): void {
  if (!value) return
  core.setSecret(value)
  scrubber.add(value)
}

/** A single log line, safe to print whatever a server put in it. */
export function logLine(text: string): string {
  return forLog(scrubber.scrub(text))
}

/** Text for the job summary, safe to render whatever a server put in it. */
export function summaryText(text: string): string {
  return forSummary(scrubber.scrub(text))
}

export const log = {
  info: (text: string): void => core.info(logLine(text)),
  debug: (text: string): void => core.debug(logLine(text)),
  warning: (text: string): void => core.warning(logLine(text)),
  error: (text: string): void => core.error(logLine(text)),
  fail: (text: string): void => core.setFailed(logLine(text)),
  group(title: string, lines: string[]): void {
    core.startGroup(logLine(title))
    for (const line of lines) core.info(logLine(line))
    core.endGroup()
  }
}

/** An output other than the token: scrubbed like any other text that leaves. */
export function output(name: string, value: string): void {
  core.setOutput(name, scrubber.scrub(value))
}

/** The access token: masked again right where it is set, whatever happened before. */
export function tokenOutput(name: string, value: string): void {
  secret(value)
  core.setOutput(name, value)
}

/**
 * The `results` output of a `config` run: each entry's outputs. Every value is scrubbed like any other
 * output but the access tokens, each masked on its own right here and written as it is.
 */
export function resultsOutput(results: Record<string, Record<string, unknown>>): void {
  const clean = (key: string, value: unknown): unknown => {
    if (key === 'access-token' && typeof value === 'string') {
      secret(value)
      return value
    }
    if (typeof value === 'string') return scrubber.scrub(value)
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? scrubber.scrub(v) : v))
    return value
  }
  const entries = Object.entries(results).map(([entry, values]) => [
    entry,
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, clean(key, value)]))
  ])
  core.setOutput('results', JSON.stringify(Object.fromEntries(entries)))
}
