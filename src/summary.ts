import * as core from '@actions/core'
import type { Config } from './inputs.js'
import { summaryText } from './output.js'
import type { Outcome } from './reconcile.js'

/** The job summary: each resource, what happened to it, its id; the granted scopes and expiry. Never the token. */
export async function writeSummary(config: Config, outcomes: Outcome[], failures: string[] = []): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const verb = config.mode === 'apply' ? '' : ' (plan)'
  // Cells are HTML: neutralise what came from the services, and never leave one empty (it would not close).
  const cell = (text: string | undefined): string => (text ? summaryText(text) : '—')
  const o = outcomes[0]
  // With a `config` file each row says its API (entry); shared rows say so.
  const many = config.entry !== undefined
  const rows = o.plan.changes.map((c) => [
    ...(many ? [cell(c.entry ?? 'all')] : []),
    cell(c.resource),
    cell(c.name),
    cell(c.action === 'no change' ? 'no change' : `${c.action}${verb}`),
    cell(c.id),
    cell(c.details.join('; '))
  ])
  core.summary
    .addHeading(`Secure API access with Asgardeo — ${config.mode}`, 2)
    .addTable([
      [
        ...(many ? [{ data: 'API', header: true }] : []),
        { data: 'Resource', header: true },
        { data: 'Name', header: true },
        { data: 'Action', header: true },
        { data: 'Id', header: true },
        { data: 'Details', header: true }
      ],
      ...rows
    ])
  outcomes.forEach((out, i) => {
    if (!out.token) return
    const expires = new Date(Date.now() + out.token.expires_in * 1000).toISOString()
    const scopes = (out.token.scope ?? '').split(' ').map((s) => `<code>${summaryText(s)}</code>`)
    const whose = many ? ` (${summaryText(o.plan.entryNames[i] ?? '')})` : ''
    // In an HTML block, like the table and the list, so that markdown (autolinks included) never applies.
    core.summary.addRaw(`<p>Token${whose}: ${summaryText(out.token.token_type)}, scopes ${scopes.join(' ')}, expires ${expires}.</p>`, true)
  })
  if (failures.length > 0) {
    core.summary.addRaw('<strong>Failed</strong> (the rows above are what was done or found before that):', true)
    core.summary.addList(failures.map(summaryText))
  } else if (!o.plan.changed) {
    core.summary.addRaw('No changes.', true)
  }
  await core.summary.write()
}
