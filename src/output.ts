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
