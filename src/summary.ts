import * as core from '@actions/core'
import type { Config } from './inputs.js'
import { summaryText } from './output.js'
import type { Outcome } from './reconcile.js'

/** The job summary: each resource, what happened to it, its id; the granted scopes and expiry. Never the token. */
export async function writeSummary(config: Config, o: Outcome, failures: string[] = []): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const verb = config.mode === 'apply' ? '' : ' (plan)'
  // Cells are HTML: neutralise what came from the services, and never leave one empty (it would not close).
  const cell = (text: string | undefined): string => (text ? summaryText(text) : '—')
  const rows = o.plan.changes.map((c) => [
    cell(c.resource),
    cell(c.name),
    cell(c.action === 'no change' ? 'no change' : `${c.action}${verb}`),
    cell(c.id),
    cell(c.details.join('; '))
  ])
  core.summary.addHeading(`Secure API access with Asgardeo — ${config.mode}`, 2).addTable([
    [
      { data: 'Resource', header: true },
      { data: 'Name', header: true },
      { data: 'Action', header: true },
      { data: 'Id', header: true },
      { data: 'Details', header: true }
    ],
    ...rows
  ])
  if (o.token) {
    const expires = new Date(Date.now() + o.token.expires_in * 1000).toISOString()
    const scopes = (o.token.scope ?? '').split(' ').map((s) => `<code>${summaryText(s)}</code>`)
    // In an HTML block, like the table and the list, so that markdown (autolinks included) never applies.
    core.summary.addRaw(`<p>Token: ${summaryText(o.token.token_type)}, scopes ${scopes.join(' ')}, expires ${expires}.</p>`, true)
  }
  if (failures.length > 0) {
    core.summary.addRaw('<strong>Failed</strong> (the rows above are what was done or found before that):', true)
    core.summary.addList(failures.map(summaryText))
  } else if (!o.plan.changed) {
    core.summary.addRaw('No changes.', true)
  }
  await core.summary.write()
}
