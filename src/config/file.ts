import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml'
import { DEFAULTS, InputError, readWorkspaceFile, type GetInput } from '../inputs.js'
import { DEFAULTS_KEYS, ENTRY_KEYS, ENTRY_NAME, MAX_ENTRIES, NOT_IN_FILE, RUN_WIDE, SECRET_INPUTS } from './keys.js'

/**
 * The `config` input: a YAML file of many APIs, each entry keyed by the action's own input names.
 * Everything here is checked before any network call; every problem is collected and thrown as one
 * InputError, each naming the file and line, the key and the fix. config.schema.json says the same
 * (__tests__/unit/config-schema.test.ts holds the two to the same verdicts).
 */

export interface ConfigEntry {
  /** The key under `apis`: the entry's key in the `results` output. */
  name: string
  /** Like core.getInput: the entry's value, else `defaults`', else the step input's, else ''. */
  get: GetInput
}

/** Reads `path` (relative to GITHUB_WORKSPACE, else the working directory) and parses it. */
export function readConfigFile(path: string, stepInput: GetInput, env: NodeJS.ProcessEnv = process.env): ConfigEntry[] {
  const { full, text, code } = readWorkspaceFile(path, env)
  if (text === undefined) {
    throw new InputError([
      code === 'ENOENT'
        ? `Input "config" names ${path}, which does not exist (looked for ${full}): give the file's path relative to the repository root, and check out the repository (actions/checkout) before this step.`
        : `Input "config": cannot read ${path} (${code}); give the path of a readable YAML file relative to the repository root.`
    ])
  }
  return parseConfigFile(text, path, stepInput, env)
}

/** An input's value as the file gives it, and where, for messages. */
type Values = Map<string, { value: string; where: string }>

/** Parses the text of a config file; `file` is only for messages. */
export function parseConfigFile(text: string, file: string, stepInput: GetInput, env: NodeJS.ProcessEnv = process.env): ConfigEntry[] {
  const lines = new LineCounter()
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: true, strict: true, lineCounter: lines })
  const at = (node: Node | null | undefined): string => {
    const line = node?.range ? lines.linePos(node.range[0]).line : undefined
    return line ? `config (${file}:${line})` : `config (${file})`
  }
  const problems: string[] = []
  const yamlProblems = [...doc.errors, ...doc.warnings]
  if (yamlProblems.length > 0) {
    for (const p of yamlProblems) {
      if (p.code === 'DUPLICATE_KEY') {
        // The error marks the repeated key, or the end of the line before it; the key runs to its colon.
        const m = /^(\s*)("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(text.slice(p.pos[0]))
        const line = lines.linePos(p.pos[0] + (m?.[1].length ?? 0)).line
        problems.push(
          `config (${file}:${line}): "${m?.[2].replace(/^(["'])(.*)\1$/, '$2') ?? 'a key'}" is set twice in the same mapping; keep one.`
        )
      } else {
        const message = p.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
        problems.push(`config (${file}:${lines.linePos(p.pos[0]).line}): not valid YAML: ${message}.`)
      }
    }
    throw new InputError(problems)
  }

  const root = resolveAlias(doc, doc.contents)
  if (!isMap(root)) {
    throw new InputError([
      `${at(root)}: the file must be a mapping with "apis" (each API by name) and optionally "defaults"; see the README, "Many APIs in one run".`
    ])
  }

  let defaults: Values = new Map()
  let apis: Node | undefined
  for (const pair of root.items as Pair<Node, Node>[]) {
    const key = keyText(pair.key)
    if (key === 'defaults') defaults = readValues(doc, pair, 'defaults', 'defaults', at, env, problems)
    else if (key === 'apis') apis = resolveAlias(doc, pair.value) ?? pair.value ?? undefined
    else problems.push(`${at(pair.key)} ${key}: ${topLevelHint(key)}`)
  }

  const entries: { name: string; values: Values }[] = []
  if (apis === undefined) {
    problems.push(`${at(root)}: "apis" is missing; list each API under it by name, e.g. "apis:\\n  items:\\n    api: Items API".`)
  } else if (!isMap(apis)) {
    problems.push(
      `${at(apis)} apis: must be a mapping of entry names to their inputs, e.g. "items:" then "api: Items API" indented under it.`
    )
  } else {
    const seen = new Map<string, string>()
    for (const pair of apis.items as Pair<Node, Node>[]) {
      const name = keyText(pair.key)
      if (!ENTRY_NAME.test(name)) {
        problems.push(
          `${at(pair.key)} apis.${name}: the entry name must start with a letter and hold only letters, digits, "-" and "_" (at most 64): it is read back as fromJSON(steps.<id>.outputs.results).<name>.`
        )
      }
      const clash = seen.get(name.toLowerCase())
      if (clash !== undefined) {
        problems.push(
          `${at(pair.key)} apis.${name}: differs from the entry "${clash}" only in case, and GitHub expressions read names case-insensitively; rename one.`
        )
      }
      seen.set(name.toLowerCase(), name)
      entries.push({ name, values: readValues(doc, pair, `apis.${name}`, 'entry', at, env, problems) })
    }
    if (entries.length === 0) problems.push(`${at(apis)} apis: lists no API; add at least one entry, e.g. "items:" with "api: Items API".`)
    if (entries.length > MAX_ENTRIES) {
      problems.push(
        `${at(apis)} apis: lists ${entries.length} APIs; one run takes at most ${MAX_ENTRIES} (Asgardeo allows about 200 requests a minute, and more would not finish inside the run's time limit): split the file across several steps.`
      )
    }
  }

  checkStepInputs(defaults, stepInput, problems)
  if (problems.length > 0) throw new InputError(problems)

  return entries.map(({ name, values }) => ({
    name,
    get: (input: string) => (values.get(input) ?? defaults.get(input))?.value ?? stepInput(input) ?? ''
  }))
}

/** `mode: token` and the per-step inputs that have no meaning next to a config file. */
function checkStepInputs(defaults: Values, stepInput: GetInput, problems: string[]): void {
  const fileMode = defaults.get('mode')
  const mode = (fileMode?.value ?? stepInput('mode') ?? '').trim().toLowerCase()
  if (mode === 'token') {
    const source = fileMode === undefined ? 'Input "mode" is token' : `${fileMode.where}: token`
    problems.push(
      `${source}, which exchanges this job's id-token for one token and takes no config file; use apply, plan or check with "config".`
    )
  }
  for (const [name, reason] of Object.entries(NOT_IN_FILE)) {
    if (name === 'config') continue
    const value = (stepInput(name) ?? '').trim()
    // The runner passes a declared default for an input the step does not set: only a changed value was given.
    if (value && value !== (DEFAULTS[name] ?? '')) problems.push(`Input "${name}" cannot be combined with "config": ${reason}.`)
  }
}

/** The inputs of `defaults` or one entry, each as the string core.getInput would give, `${VAR}` expanded. */
function readValues(
  doc: Document,
  pair: Pair<Node, Node>,
  path: string,
  place: 'defaults' | 'entry',
  at: (node: Node | null | undefined) => string,
  env: NodeJS.ProcessEnv,
  problems: string[]
): Values {
  const values: Values = new Map()
  const node = resolveAlias(doc, pair.value)
  // `items:` with nothing under it: an entry that takes everything from defaults and the step.
  if (node === undefined || (isScalar(node) && node.value === null)) return values
  if (!isMap(node)) {
    problems.push(
      `${at(pair.value ?? pair.key)} ${path}: must be a mapping of input names to values, e.g. "api: Items API" indented under it.`
    )
    return values
  }
  for (const item of node.items as Pair<Node, Node>[]) {
    const key = keyText(item.key)
    const where = `${at(item.key)} ${path}.${key}`
    const refusal = refuseKey(key, place)
    if (refusal) {
      problems.push(`${where}: ${refusal}`)
      continue
    }
    const value = resolveAlias(doc, item.value)
    if (value !== undefined && !isScalar(value)) {
      const shape = isSeq(value) ? 'a list' : 'a mapping'
      problems.push(
        `${where}: is ${shape}; give one value (text, a number or true/false), several lines as a block: "${key}: |" with the lines indented under it.`
      )
      continue
    }
    values.set(key, { value: expand(scalarText(value), where, env, problems), where })
  }
  return values
}

/** Why `key` may not stand here, or undefined when it may. */
function refuseKey(key: string, place: 'defaults' | 'entry'): string | undefined {
  if (SECRET_INPUTS.includes(key)) {
    return `${key} is a secret, and secrets stay step inputs from secrets: remove it from the file and pass it to the step (with: ${key}: \${{ secrets.… }}).`
  }
  if (key in NOT_IN_FILE) return `${key} is not a config key: ${NOT_IN_FILE[key]}.`
  if (RUN_WIDE.includes(key))
    return place === 'entry' ? `${key} applies to the whole run: set it under defaults or as a step input.` : undefined
  if (ENTRY_KEYS.includes(key)) return undefined
  const near = closest(key, DEFAULTS_KEYS)
  if (!near) return `unknown key; the keys are the action's input names (README, Inputs), except the secrets.`
  const where = place === 'entry' && RUN_WIDE.includes(near) ? ' (under defaults: it applies to the whole run)' : ''
  return `unknown key; did you mean ${near}${where}?`
}

function topLevelHint(key: string): string {
  if (DEFAULTS_KEYS.includes(key) || SECRET_INPUTS.includes(key)) {
    return 'inputs go under "defaults" (for every API) or under an entry of "apis"; the file has only those two keys.'
  }
  const near = closest(key, ['defaults', 'apis'])
  return near
    ? `unknown key; did you mean ${near}?`
    : 'unknown key; the file has two keys: "defaults" (inputs for every API) and "apis" (each API by name).'
}

/**
 * `${NAME}` from the environment; `$${` is a literal `${`. Nothing else is expanded: no `$NAME`, no
 * defaults, no GitHub expressions (the file is read by the action, not by the runner).
 */
export function expand(value: string, where: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  return value.replace(/(\$?)\$\{([^}]*)(\}?)/g, (whole: string, escape: string, name: string, close: string) => {
    if (escape) return whole.slice(1)
    if (name.startsWith('{')) {
      problems.push(
        `${where}: \${{ … }} is a GitHub expression, and the runner does not read this file: pass the value to the step's env: and write \${NAME} here.`
      )
    } else if (!close || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(
        `${where}: "\${${name}${close}" is not a variable; write \${NAME} (letters, digits and "_"), or $\${ for a literal "\${".`
      )
    } else if (env[name] === undefined) {
      problems.push(
        `${where}: the environment variable ${name} is not set; set it in the step's (or job's) env:, or write $\${${name}} for the literal text.`
      )
    } else {
      return env[name]
    }
    return whole
  })
}

function resolveAlias(doc: Document, node: unknown): Node | undefined {
  if (isAlias(node)) return node.resolve(doc)
  return (node ?? undefined) as Node | undefined
}

/** A key as written (a YAML `1.0:` key stays "1.0"). */
function keyText(node: unknown): string {
  if (isScalar(node)) return node.value === null ? '' : typeof node.value === 'string' ? node.value : (node.source ?? String(node.value))
  return String(node)
}

/** What core.getInput would give: `true` and `1.0` as written, an empty value as ''. */
function scalarText(node: Node | undefined): string {
  if (!isScalar(node) || node.value === null || node.value === undefined) return ''
  if (typeof node.value === 'string') return node.value
  return node.source ?? String(node.value)
}

/** The candidate within a small edit distance of `key` (case and `_` for `-` forgiven), if any. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/_/g, '-')
  const k = norm(key)
  let best: { name: string; distance: number } | undefined
  for (const name of candidates) {
    const distance = editDistance(k, norm(name))
    if (!best || distance < best.distance) best = { name, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
