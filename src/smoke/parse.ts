import { assertSecureUrl } from '../http.js'

/**
 * The `smoke-test` input, parsed: one call per line, `VERB TARGET [-> STATUS] [anonymous]`, optionally
 * followed by lines indented deeper than the call: `Name: value` headers, then a JSON body (the rest of
 * the indented block), like an HTTP message. Pure: no network, every problem named with its line.
 */

export interface SmokeCall {
  /** 1-based line of the call in the input. */
  line: number
  /** The call line as written, for reports. */
  text: string
  verb: SmokeVerb
  /** `/path?query` relative to the gateway URL, or an absolute URL. */
  target: string
  /** `200` (exact) or `2xx` (a class). */
  expect: string
  /** Send no token. */
  anonymous: boolean
  headers: Record<string, string>
  /** Parsed JSON, sent as application/json. */
  body?: unknown
}

export const SMOKE_VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const
export type SmokeVerb = (typeof SMOKE_VERBS)[number]

const CALL = /^(\S+)\s+(\S+)(?:\s+->\s*(\S+))?(?:\s+(\S+))?\s*$/
const STATUS = /^(?:[1-5]\d\d|[1-5]xx)$/
const HEADER = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/
/** Headers the action sets itself: a smoke line may not replace them. */
const RESERVED = new Set(['authorization', 'host', 'content-length', 'transfer-encoding', 'connection'])

const SYNTAX = 'write it as "VERB TARGET [-> STATUS] [anonymous]", e.g. "GET /items -> 200" or "POST /items -> 401 anonymous"'

/** Does a status meet an expectation (`200`, `2xx`)? */
export function expectationHolds(expect: string, status: number): boolean {
  if (/^[1-5]xx$/.test(expect)) return Math.floor(status / 100) === Number(expect[0])
  return status === Number(expect)
}

/** Parses the input; problems go into `problems` (each naming the line and the fix), good calls are returned. */
export function parseSmokeTest(text: string, problems: string[] = []): SmokeCall[] {
  const lines = text.split(/\r?\n/)
  const indentOf = (l: string): number => l.length - l.trimStart().length
  const meaningful = lines.filter((l) => l.trim() && !l.trim().startsWith('#'))
  // Calls sit at the shallowest indentation; deeper lines belong to the call above them.
  const base = Math.min(...meaningful.map(indentOf))
  const calls: SmokeCall[] = []
  let current: { call: SmokeCall; bodyLines: string[]; bodyLine: number; bad: boolean } | undefined

  const finish = (): void => {
    if (!current || current.bad) return
    const { call, bodyLines, bodyLine } = current
    if (bodyLines.length > 0) {
      try {
        call.body = JSON.parse(bodyLines.join('\n'))
      } catch (err) {
        problems.push(
          `smoke-test, line ${bodyLine} ("${bodyLines[0].trim()}"): the body of "${call.text}" is not valid JSON (${(err as Error).message}); write the body as JSON on the lines after its headers.`
        )
        return
      }
      if (call.verb === 'GET' || call.verb === 'HEAD') {
        problems.push(
          `smoke-test, line ${call.line} ("${call.text}"): a ${call.verb} call carries no body; remove the body or use POST, PUT or PATCH.`
        )
        return
      }
    }
    calls.push(call)
  }

  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (!line || (line.startsWith('#') && !current?.bodyLines.length)) return
    const where = `smoke-test, line ${i + 1} ("${line}")`
    if (indentOf(raw) > base) {
      if (!current) {
        problems.push(`${where}: an indented line needs a call above it; write the call ("VERB TARGET") first, or indent this line less.`)
        return
      }
      if (current.bodyLines.length > 0 || line.startsWith('{') || line.startsWith('[')) {
        if (current.bodyLines.length === 0) current.bodyLine = i + 1
        current.bodyLines.push(raw)
        return
      }
      const header = HEADER.exec(line)
      if (!header) {
        problems.push(
          `${where}: an indented line under a call is a header ("Name: value") or the start of a JSON body ("{" or "["); indent it less to make it a call of its own.`
        )
        current.bad = true
        return
      }
      const name = header[1].toLowerCase()
      if (RESERVED.has(name)) {
        problems.push(
          name === 'authorization'
            ? `${where}: the action sends the token itself; drop this header (write "anonymous" on the call to send none).`
            : `${where}: the header "${header[1]}" is set by the HTTP client; drop it.`
        )
        current.bad = true
        return
      }
      current.call.headers[name] = header[2]
      return
    }
    finish()
    const call = parseCallLine(line, i + 1, where, problems)
    // A refused call still owns its indented lines, so they are not mistaken for calls.
    current = {
      call: call ?? { line: i + 1, text: line, verb: 'GET', target: '', expect: '', anonymous: false, headers: {} },
      bodyLines: [],
      bodyLine: 0,
      bad: !call
    }
  })
  finish()
  return calls
}

function parseCallLine(line: string, lineNumber: number, where: string, problems: string[]): SmokeCall | undefined {
  const m = CALL.exec(line)
  if (!m) {
    problems.push(`${where}: ${SYNTAX}.`)
    return undefined
  }
  const [, verbText, target, status, flag] = m
  const verb = verbText.toUpperCase() as SmokeVerb
  if (!SMOKE_VERBS.includes(verb)) {
    problems.push(`${where}: "${verbText}" is not an HTTP method; use one of ${SMOKE_VERBS.join(', ')}.`)
    return undefined
  }
  if (flag !== undefined && flag.toLowerCase() !== 'anonymous') {
    problems.push(`${where}: "${flag}" is not understood; ${SYNTAX}.`)
    return undefined
  }
  const expect = (status ?? '2xx').toLowerCase()
  if (!STATUS.test(expect)) {
    problems.push(`${where}: "${status}" is not a status; write an exact one such as 200 or 403, or a class such as 2xx.`)
    return undefined
  }
  if (!targetOk(target, where, problems)) return undefined
  return { line: lineNumber, text: line, verb, target, expect, anonymous: flag !== undefined, headers: {} }
}

/** True when the target is usable: a path on the gateway, or an absolute HTTPS URL; else says why. */
function targetOk(target: string, where: string, problems: string[]): boolean {
  if (target.startsWith('/')) {
    if (target.startsWith('//')) {
      problems.push(`${where}: "${target}" starts with "//"; give a path such as /items, or a full https:// URL.`)
      return false
    }
    return true
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    problems.push(
      `${where}: the target "${target}" is neither a path on the API's gateway URL (starting with "/", e.g. /items) nor an absolute https:// URL.`
    )
    return false
  }
  let url: URL
  try {
    url = new URL(target)
  } catch {
    problems.push(`${where}: "${target}" is not a valid URL; write it as https://host/path.`)
    return false
  }
  try {
    assertSecureUrl(url, `target of ${where}`)
  } catch (err) {
    problems.push((err as Error).message)
    return false
  }
  return true
}

export interface SmokeConfig {
  calls: SmokeCall[]
  /** Gateway environment to call; undefined = the first one this run deploys to. */
  environment?: string
  waitSeconds: number
}

/** The `smoke-*` inputs, validated with the others (problems go to the same list). */
export function readSmokeInputs(get: (name: string) => string, problems: string[]): SmokeConfig | undefined {
  const text = get('smoke-test')
  const environment = get('smoke-environment') || undefined
  const waitText = get('smoke-wait-seconds')
  if (!text) {
    // smoke-wait-seconds always has its default, so only smoke-environment can be set in vain.
    if (environment)
      problems.push(
        'Input "smoke-environment" is set, but "smoke-test" lists no call; add the calls (e.g. "GET /items -> 200") or remove "smoke-environment".'
      )
    return undefined
  }
  const before = problems.length
  const calls = parseSmokeTest(text, problems)
  if (calls.length === 0 && problems.length === before)
    problems.push('Input "smoke-test" lists no call; write one per line, e.g. "GET /items -> 200".')
  const waitSeconds = Number(waitText)
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) {
    problems.push(`Input "smoke-wait-seconds" is "${waitText}"; use a whole number of seconds from 0 to 3600.`)
  }
  return { calls, environment, waitSeconds }
}
