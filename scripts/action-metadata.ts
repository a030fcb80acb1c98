import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument } from 'yaml'

/**
 * action.yml as the runner reads it. One strict loader for the runner harness, `npm run docs` and the
 * metadata tests, so that a file the runner would refuse is refused here too.
 */
export interface ActionInput {
  description: string
  required?: boolean
  /** As the runner passes it to the action: always a string (`default: 300` gives "300"). */
  default?: string
  deprecationMessage?: string
}

export interface ActionOutput {
  description: string
  value?: string
}

export interface ActionRuns {
  using: string
  main: string
  pre?: string
  'pre-if'?: string
  post?: string
  'post-if'?: string
}

export interface ActionMetadata {
  name: string
  description: string
  author?: string
  branding?: { icon?: string; color?: string }
  inputs: Record<string, ActionInput>
  outputs: Record<string, ActionOutput>
  runs: ActionRuns
}

export class MetadataError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MetadataError'
  }
}

/**
 * Parses YAML 1.2 strictly: a duplicate key, a plain scalar holding ": ", a tab indent — anything the
 * parser calls an error or a warning — throws, naming the file and every problem with its line.
 */
export function parseStrictYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true, strict: true, prettyErrors: true })
  const problems = [...doc.errors, ...doc.warnings]
  if (problems.length > 0) throw new MetadataError(`${file} is not valid YAML:\n${problems.map((p) => p.message).join('\n')}`)
  return doc.toJS({ maxAliasCount: 100 })
}

const NODE_RUNTIMES = ['node20', 'node24']

/** Parses action.yml and refuses what the runner refuses for a JavaScript action. */
export function parseActionMetadata(text: string, file = 'action.yml'): ActionMetadata {
  const data = parseStrictYaml(text, file)
  if (!isRecord(data)) throw new MetadataError(`${file} must be a mapping (name, description, inputs, outputs, runs).`)
  const runs = data.runs
  if (!isRecord(runs)) throw new MetadataError(`${file} has no "runs" mapping.`)
  if (typeof runs.using !== 'string' || !runs.using) throw new MetadataError(`${file}: runs.using is missing.`)
  if (!NODE_RUNTIMES.includes(runs.using)) {
    throw new MetadataError(`${file}: runs.using is "${runs.using}"; this harness runs JavaScript actions (${NODE_RUNTIMES.join(', ')}).`)
  }
  if (typeof runs.main !== 'string' || !runs.main) throw new MetadataError(`${file}: runs.main is missing.`)
  for (const key of ['pre', 'pre-if', 'post', 'post-if'] as const) {
    if (runs[key] !== undefined && typeof runs[key] !== 'string') throw new MetadataError(`${file}: runs.${key} must be a string.`)
  }
  return {
    name: requiredText(data.name, `${file}: name`),
    description: requiredText(data.description, `${file}: description`),
    author: data.author === undefined ? undefined : String(data.author),
    branding: isRecord(data.branding) ? { icon: str(data.branding.icon), color: str(data.branding.color) } : undefined,
    inputs: entries(data.inputs, `${file}: inputs`, (name, v) => ({
      description: requiredText(v.description, `${file}: inputs.${name}.description`),
      required: v.required === undefined ? undefined : v.required === true || v.required === 'true',
      default: v.default === undefined || v.default === null ? undefined : String(v.default),
      deprecationMessage: str(v.deprecationMessage)
    })),
    outputs: entries(data.outputs, `${file}: outputs`, (name, v) => ({
      description: requiredText(v.description, `${file}: outputs.${name}.description`),
      value: str(v.value)
    })),
    runs: runs as unknown as ActionRuns
  }
}

/** Loads `<dir>/action.yml` (or action.yaml, as the runner does). */
export function loadActionMetadata(dir = '.'): ActionMetadata {
  for (const name of ['action.yml', 'action.yaml']) {
    let text: string
    try {
      text = readFileSync(join(dir, name), 'utf8')
    } catch {
      continue
    }
    return parseActionMetadata(text, join(dir, name))
  }
  throw new MetadataError(`No action.yml or action.yaml in ${dir}.`)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v)
}

function requiredText(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v.trim()) throw new MetadataError(`${what} is missing.`)
  return v
}

function entries<T>(v: unknown, what: string, map: (name: string, value: Record<string, unknown>) => T): Record<string, T> {
  if (v === undefined || v === null) return {}
  if (!isRecord(v)) throw new MetadataError(`${what} must be a mapping.`)
  const out: Record<string, T> = {}
  for (const [name, value] of Object.entries(v)) {
    if (!isRecord(value)) throw new MetadataError(`${what}.${name} must be a mapping with a description.`)
    out[name] = map(name, value)
  }
  return out
}
