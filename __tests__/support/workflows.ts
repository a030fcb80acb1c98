import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isScalar, parseDocument, visit, type Document } from 'yaml'

/**
 * Rules the workflows under .github/ must keep beyond parsing: pinned actions, least privilege, and
 * `uses: ./` steps that agree with action.yml. Each check returns its problems, so a test can show
 * them all and can also run a check on a bad sample to prove it fails.
 */

export const ROOT = process.cwd()
export const WORKFLOWS_DIR = join(ROOT, '.github', 'workflows')

export interface Workflow {
  file: string
  doc: Document
  data: any
}

export interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: unknown }>
  outputs: Record<string, unknown>
  runs: { using: string }
}

/** Parses strictly (YAML 1.2, duplicate keys and any error refused): a file that does not parse throws. */
export function parseStrict(file: string, text: string): Document {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true })
  if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML: ${doc.errors.map((e) => e.message).join('; ')}`)
  return doc
}

export function loadWorkflow(file: string, text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8')): Workflow {
  const doc = parseStrict(file, text)
  return { file, doc, data: doc.toJS() }
}

export function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
}

export function loadAction(): ActionMetadata {
  return parseStrict('action.yml', readFileSync(join(ROOT, 'action.yml'), 'utf8')).toJS() as ActionMetadata
}

const SHA = /^[0-9a-f]{40}$/
const VERSION_COMMENT = /^v\d+(\.\d+){0,2}$/

/** Every `uses:` in the file, with the comment on its line. */
export function usesOf(wf: Workflow): { uses: string; comment?: string }[] {
  const found: { uses: string; comment?: string }[] = []
  visit(wf.doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
        found.push({ uses: String(pair.value.value), comment: pair.value.comment?.trim() })
      }
    }
  })
  return found
}

/** Third-party actions pinned to a full commit SHA, the version in a `# vX.Y.Z` comment; images by digest. */
export function pinningProblems(wf: Workflow): string[] {
  const problems: string[] = []
  for (const { uses, comment } of usesOf(wf)) {
    if (uses.startsWith('./')) continue
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) problems.push(`${wf.file}: ${uses} is not pinned by digest`)
      continue
    }
    const at = uses.lastIndexOf('@')
    const ref = at < 0 ? '' : uses.slice(at + 1)
    if (!SHA.test(ref)) problems.push(`${wf.file}: ${uses} is not pinned to a full commit SHA`)
    if (!comment || !VERSION_COMMENT.test(comment)) problems.push(`${wf.file}: ${uses} has no "# vX.Y.Z" comment naming its version`)
  }
  return problems
}

/** The same SHA must not be named as two versions, nor one action pinned to two SHAs. */
export function pinConsistencyProblems(workflows: Workflow[]): string[] {
  const versionOf = new Map<string, string>()
  const shaOf = new Map<string, string>()
  const problems: string[] = []
  for (const wf of workflows) {
    for (const { uses, comment } of usesOf(wf)) {
      if (uses.startsWith('./') || uses.startsWith('docker://')) continue
      const [action, sha] = uses.split('@')
      const repo = action.split('/').slice(0, 2).join('/')
      if (shaOf.has(repo) && shaOf.get(repo) !== sha) problems.push(`${repo} is pinned to both ${shaOf.get(repo)} and ${sha}`)
      shaOf.set(repo, sha)
      if (!comment) continue
      if (versionOf.has(sha) && versionOf.get(sha) !== comment)
        problems.push(`${repo}@${sha} is called both ${versionOf.get(sha)} and ${comment}`)
      versionOf.set(sha, comment)
    }
  }
  return problems
}

const WRITE_SCOPES_ALLOWED_AT_TOP = new Set(['read', 'none'])

/** Top-level `permissions:` read-only (contents: read at most), any write granted per job. */
export function permissionProblems(wf: Workflow): string[] {
  const problems: string[] = []
  const top = wf.data.permissions
  if (top === undefined) problems.push(`${wf.file}: no top-level permissions: (the default token may write)`)
  else if (typeof top !== 'object' || top === null) problems.push(`${wf.file}: top-level permissions: ${String(top)}; list each scope`)
  else {
    for (const [scope, level] of Object.entries(top)) {
      if (!WRITE_SCOPES_ALLOWED_AT_TOP.has(String(level)))
        problems.push(`${wf.file}: top-level permissions grant ${scope}: ${String(level)}; grant it in the job that needs it`)
    }
  }
  for (const [id, job] of Object.entries<any>(wf.data.jobs ?? {})) {
    const p = job.permissions
    if (p !== undefined && (typeof p !== 'object' || p === null))
      problems.push(`${wf.file}: job ${id} has permissions: ${String(p)}; list each scope`)
  }
  return problems
}

interface LocalStep {
  job: string
  id?: string
  with: Record<string, unknown>
}

/** The steps that run this action as a user would (`uses: ./`). */
export function localActionSteps(wf: Workflow): LocalStep[] {
  const steps: LocalStep[] = []
  for (const [job, def] of Object.entries<any>(wf.data.jobs ?? {})) {
    for (const step of def.steps ?? []) if (step.uses === './') steps.push({ job, id: step.id, with: step.with ?? {} })
  }
  return steps
}

/** `with:` keys declared in action.yml; every required input without a default given. */
export function inputProblems(wf: Workflow, action: ActionMetadata): string[] {
  const problems: string[] = []
  const required = Object.entries(action.inputs)
    .filter(([, spec]) => spec.required === true && (spec.default === undefined || spec.default === ''))
    .map(([name]) => name)
  for (const step of localActionSteps(wf)) {
    const where = `${wf.file}: job ${step.job}, step ${step.id ?? '(no id)'}`
    for (const key of Object.keys(step.with))
      if (!(key in action.inputs)) problems.push(`${where} gives "${key}", not an input of action.yml`)
    for (const name of required) if (!(name in step.with)) problems.push(`${where} omits the required input "${name}"`)
  }
  return problems
}

/** Inputs set by hand as INPUT_<NAME> (a direct run of dist/) must be inputs of action.yml too. */
export function envInputProblems(wf: Workflow, action: ActionMetadata): string[] {
  const problems: string[] = []
  const declared = new Set(Object.keys(action.inputs).map((n) => n.toUpperCase().replace(/ /g, '_')))
  for (const [job, def] of Object.entries<any>(wf.data.jobs ?? {})) {
    for (const step of def.steps ?? []) {
      for (const m of String(step.run ?? '').matchAll(/\bINPUT_([A-Z0-9_-]+)=/g)) {
        if (!declared.has(m[1])) problems.push(`${wf.file}: job ${job} sets INPUT_${m[1]}, not an input of action.yml`)
      }
    }
  }
  return problems
}

/** Every `steps.<id>.outputs.<name>` of a `uses: ./` step names an output action.yml declares. */
export function outputProblems(wf: Workflow, action: ActionMetadata): string[] {
  const problems: string[] = []
  for (const [job, def] of Object.entries<any>(wf.data.jobs ?? {})) {
    const local = new Set(
      localActionSteps(wf)
        .filter((s) => s.job === job && s.id)
        .map((s) => s.id!)
    )
    const ids = new Set<string>((def.steps ?? []).map((s: any) => s.id).filter(Boolean))
    for (const m of JSON.stringify(def).matchAll(/steps\.([A-Za-z0-9_-]+)\.(outputs\.([A-Za-z0-9_-]+)|outcome|conclusion)/g)) {
      const [, id, , output] = m
      if (!ids.has(id)) problems.push(`${wf.file}: job ${job} reads steps.${id}, which is no step of that job`)
      else if (output && local.has(id) && !(output in action.outputs))
        problems.push(`${wf.file}: job ${job} reads steps.${id}.outputs.${output}, not an output of action.yml`)
    }
  }
  return problems
}

/** `npm run <script>` names a script of package.json. */
export function npmScriptProblems(wf: Workflow, scripts: Record<string, string>): string[] {
  const problems: string[] = []
  for (const [job, def] of Object.entries<any>(wf.data.jobs ?? {})) {
    for (const step of def.steps ?? []) {
      for (const m of String(step.run ?? '').matchAll(/\bnpm run ([A-Za-z0-9:_-]+)/g)) {
        if (!(m[1] in scripts)) problems.push(`${wf.file}: job ${job} runs "npm run ${m[1]}", which package.json does not define`)
      }
    }
  }
  return problems
}

/** The values a job's strategy matrix gives to `key` (plain lists only). */
export function matrixValues(wf: Workflow, job: string, key: string): unknown[] {
  const matrix = wf.data.jobs?.[job]?.strategy?.matrix
  return matrix && Array.isArray(matrix[key]) ? matrix[key] : []
}
