import type { ActionRun } from '../../scripts/local-runner.js'

/**
 * Every appearance of a secret in what a run wrote (stdout, stderr, job summary, state, every output but
 * the access token itself), in any encoding and cut short: each line is searched raw, percent- and form-decoded, and
 * with every base64 or base64url run in it decoded at each alignment. Independent of src/scrub.ts, so a
 * gap there shows here. The runner's own `::add-mask::` lines are the one place a secret belongs.
 */
export function leaks(run: ActionRun, secrets: Record<string, string>): string[] {
  const outputs = Object.entries(run.outputs)
    .filter(([name]) => name !== 'access-token')
    .map(([name, value]) => `output ${name}=${name === 'results' ? withoutTokens(value) : value}`)
  const lines = [...run.everything.split('\n'), ...outputs].filter((l) => !l.startsWith('::add-mask::'))
  const found: string[] = []
  for (const [i, line] of lines.entries()) {
    const seen = views(line)
    for (const [name, value] of Object.entries(secrets)) {
      // A long secret printed cut short still leaks: its first and last 32 characters count too.
      const parts = value.length > 48 ? [value, value.slice(0, 32), value.slice(-32)] : [value]
      if (seen.some((v) => parts.some((p) => v.includes(p)))) found.push(`${name} on line ${i}: ${line.slice(0, 200)}`)
    }
  }
  return found
}

/** The `results` output with each entry's access token left out: that is where the tokens belong. */
function withoutTokens(results: string): string {
  const parsed = JSON.parse(results) as Record<string, Record<string, unknown>>
  return JSON.stringify(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, { ...v, 'access-token': undefined }])))
}

function views(line: string): string[] {
  const out = [line, percentDecoded(line), percentDecoded(line.replace(/\+/g, ' '))]
  for (const [run] of line.matchAll(/[A-Za-z0-9+/_-]{6,}={0,2}/g)) {
    for (let offset = 0; offset < 4; offset++) {
      const standard = run.slice(offset).replace(/-/g, '+').replace(/_/g, '/')
      const bytes = Buffer.from(standard, 'base64')
      out.push(bytes.toString('latin1'), bytes.toString('utf8'))
    }
  }
  return out
}

function percentDecoded(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m)
    } catch {
      return m
    }
  })
}
