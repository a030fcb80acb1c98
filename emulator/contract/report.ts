import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSpec, operationsOf, SPEC_SOURCES } from './specs.js'
import { deviationKey, deviationList as deviationsOf } from './validate.js'

const deviations = deviationsOf()

/**
 * The coverage report of the contract tests: per spec, the operations it has and those exercised. Each test
 * file leaves `<dir>/<file>.json` (its latest run, written by `useEmulator`), then rewrites the report from
 * every file's latest result, so after a full run it covers the whole suite.
 */

interface FileResult {
  usedDeviations?: string[]
  exercised: Record<string, string[]>
  unspecified: Record<string, number>
  violations: unknown[]
}

const RFC_ENDPOINTS = ['POST token', 'POST revoke', 'POST introspect', 'GET discovery', 'GET jwks', 'GET userinfo', 'POST userinfo']

export function writeContractReport(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined
  const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts.json'))
  const exercised = new Map<string, Set<string>>()
  const unspecified: Record<string, number> = {}
  let violations = 0
  const used = new Set<string>()
  for (const f of files) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as FileResult
    violations += r.violations.length
    for (const i of r.usedDeviations ?? []) used.add(i)
    for (const [spec, ops] of Object.entries(r.exercised)) {
      if (!exercised.has(spec)) exercised.set(spec, new Set())
      for (const op of ops) exercised.get(spec)!.add(op)
    }
    for (const [g, n] of Object.entries(r.unspecified)) unspecified[g] = (unspecified[g] ?? 0) + n
  }
  const rows = [
    ...SPEC_SOURCES.map((s) => ({
      spec: `${s.id} (\`${s.file}\`)`,
      total: operationsOf(loadSpec(s)).length,
      ops: [...(exercised.get(s.id) ?? [])].sort()
    })),
    {
      spec: 'oauth2 (`emulator/contract/oauth2.schemas.json`, RFCs)',
      total: RFC_ENDPOINTS.length,
      ops: [...(exercised.get('oauth2') ?? [])].sort()
    }
  ]
  const lines = [
    '# Contract coverage (written by the test run)',
    '',
    `${files.length} test files, ${violations} violation(s) after deviations.`,
    '',
    '| Spec | Operations in spec | Exercised | Operations exercised |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.spec} | ${r.total} | ${r.ops.length} | ${r.ops.map((o) => `\`${o}\``).join(', ')} |`),
    '',
    `Deviations used: ${deviations.filter((d) => used.has(deviationKey(d))).length} of ${deviations.length}.`,
    '',
    ...deviations.flatMap((d) =>
      used.has(deviationKey(d)) ? [] : [`- unused: ${d.spec} ${d.method} ${d.path} ${d.status ?? ''} ${d.kind}: ${d.reason}`]
    ),
    '',
    'Requests outside every spec (no OpenAPI file exists for them):',
    '',
    ...Object.entries(unspecified)
      .sort()
      .map(([g, n]) => `- \`${g}/…\`: ${n}`),
    ''
  ]
  const out = join(dir, 'COVERAGE.md')
  writeFileSync(`${out}.${process.pid}`, lines.join('\n'))
  renameSync(`${out}.${process.pid}`, out) // workers rewrite it concurrently
  return out
}
