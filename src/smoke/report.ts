import * as core from '@actions/core'
import { scrubber } from '../scrub.js'
import type { SmokeResult } from './run.js'

/**
 * How smoke results are shown: a table in the log and the job summary, a JSON output, and the failure
 * message. Server text (the body excerpt) arrives already scrubbed; here it is escaped for HTML and
 * shown as code, so it cannot render markdown, links or mentions.
 */

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

const got = (r: SmokeResult): string => (r.status === 0 ? 'unreachable' : String(r.status))

/** A plain-text table, one row per call, for the log. */
export function smokeTable(results: SmokeResult[]): string[] {
  const rows = [
    ['', 'Call', 'Expected', 'Got', 'Time', 'Attempts'],
    ...results.map((r) => [r.ok ? 'ok' : 'FAIL', r.call, r.expected, got(r), seconds(r.ms), String(r.attempts)])
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const lines = rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  )
  for (const r of results.filter((x) => !x.ok && x.excerpt)) lines.push(`  line ${r.line} (${r.call}) answered: ${r.excerpt}`)
  return lines
}

/** One sentence naming every failed call, for core.setFailed. */
export function smokeFailure(results: SmokeResult[], waitSeconds: number): string | undefined {
  const failed = results.filter((r) => !r.ok)
  if (failed.length === 0) return undefined
  const list = failed.map((r) => `line ${r.line} ${r.call}: expected ${r.expected}, got ${got(r)} after ${seconds(r.ms)}`).join('; ')
  return `Smoke test: ${failed.length} of ${results.length} calls did not get the expected status within smoke-wait-seconds (${waitSeconds} s): ${list}. The job summary has the same table.`
}

/** The `smoke-results` output: one object per call. */
export function smokeOutput(results: SmokeResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      line: r.line,
      call: r.call,
      url: r.url,
      expected: r.expected,
      status: r.status,
      ok: r.ok,
      attempts: r.attempts,
      ms: r.ms,
      ...(r.excerpt ? { excerpt: r.excerpt } : {})
    }))
  )
}

/** Appends the results (or why there are none) to the job summary. */
export async function writeSmokeSummary(content: { results: SmokeResult[]; url: string } | { skipped: string }): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  core.summary.addHeading('Smoke test', 3)
  if ('skipped' in content) {
    core.summary.addRaw(escapeHtml(content.skipped), true)
  } else {
    const cell = (text: string): string => (text ? escapeHtml(text) : '—')
    core.summary.addRaw(`Gateway: <code>${escapeHtml(content.url)}</code>`, true)
    core.summary.addTable([
      ['Result', 'Call', 'Expected', 'Got', 'Time', 'Body (on failure)'].map((data) => ({ data, header: true })),
      ...content.results.map((r) => [
        r.ok ? 'ok' : '<strong>failed</strong>',
        `<code>${cell(r.call)}</code>`,
        cell(r.expected),
        cell(got(r)),
        `${seconds(r.ms)} (${r.attempts} ${r.attempts === 1 ? 'attempt' : 'attempts'})`,
        r.excerpt ? `<code>${escapeHtml(r.excerpt)}</code>` : '—'
      ])
    ])
  }
  await core.summary.write()
}

/** HTML-escaped, and the characters markdown or mentions could use turned into entities. */
export function escapeHtml(text: string): string {
  // Scrubbed of every registered secret too, as all summary text is (src/output.ts).
  return scrubber.scrub(text).replace(/[&<>"'`[\]()*_|!@\\~#]/g, (c) => `&#${c.charCodeAt(0)};`)
}
