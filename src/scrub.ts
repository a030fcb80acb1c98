/**
 * What may leave the process: secrets scrubbed in every form a server or a library can give them,
 * server text neutralised for the runner's log (no workflow commands) and for the job summary (no
 * markup, links or images). Pure text functions; src/output.ts applies them on every path out.
 */

const MASK = '***'
/** Shorter fragments would scrub ordinary text by accident; the secrets here are far longer. */
const MIN_FRAGMENT = 6

/** Every form of `secret` worth searching for: raw, URL- and form-encoded, JSON-escaped, base64 and base64url. */
export function encodings(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])
  forms.add(JSON.stringify(secret).slice(1, -1))
  const bytes = Buffer.from(secret, 'utf8')
  // Inside a longer encoded text (a Basic header, a base64 JSON blob) the secret starts at any of three
  // byte offsets: the characters that depend on the secret's bytes alone are the same wherever it sits.
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64')
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6))
    if (core.length < MIN_FRAGMENT) continue
    forms.add(core)
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  forms.add(bytes.toString('base64'))
  forms.add(bytes.toString('base64url'))
  return [...forms].filter((f) => f.length >= Math.min(MIN_FRAGMENT, secret.length))
}

/** Collects secrets and replaces every form of each in text with `***`. */
export class Scrubber {
  private readonly forms = new Set<string>()
  private sorted: string[] = []

  /** Registers a secret (ignored when shorter than 4 characters: masking it would garble every line). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4) return
    for (const form of encodings(secret)) this.forms.add(form)
    this.sorted = [...this.forms].sort((a, b) => b.length - a.length) // longest first: a form inside another goes with it
  }

  /** Registers HTTP Basic credentials: the secret itself, and `user:password` with its base64 header value. */
  addBasic(user: string, password: string): void {
    this.add(password)
    this.add(`${user}:${password}`)
  }

  scrub(text: string): string {
    let out = text
    for (const form of this.sorted) if (out.includes(form)) out = out.split(form).join(MASK)
    return out
  }
}

/** The process's one scrubber: the HTTP layer and every output path share it. */
export const scrubber = new Scrubber()

/** Longest server string printed whole; the rest is cut (a 150k-character URL says nothing more). */
const MAX_PRINTED = 500

/** Control characters, and the Unicode line and paragraph separators and bidi overrides. */
function isUnsafeChar(code: number): boolean {
  return (
    code < 0x20 ||
    code === 0x7f ||
    code === 0x85 ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  )
}

/**
 * One log line that cannot start a workflow command: control characters shown escaped (so a server
 * string cannot begin a new line), `::` at the line's start and the legacy `##[` prefix defused
 * with a zero-width space. Long text is cut.
 */
export function forLog(text: string): string {
  let out = ''
  for (const ch of cut(text)) {
    const code = ch.codePointAt(0)!
    if (!isUnsafeChar(code)) out += ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += ' '
    else out += `\\u${code.toString(16).padStart(4, '0')}`
  }
  out = out.split('##[').join('#\u200b#[')
  const start = out.length - out.trimStart().length
  return out.startsWith('::', start) ? `${out.slice(0, start)}\u200b${out.slice(start)}` : out
}

/** HTML's own five, by name (as before); markdown's punctuation by number. */
const SUMMARY_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
for (const ch of '|*_[]()`~!#$@\\') SUMMARY_ENTITIES[ch] = `&#${ch.charCodeAt(0)};`

/**
 * Text for the job summary (HTML that GitHub renders as markdown too): one line, so it cannot leave
 * the HTML block it sits in, with the characters of HTML tags and of markdown links, images, emphasis,
 * code, table pipes, mentions and math written as entities, which render as the characters themselves.
 */
export function forSummary(text: string): string {
  let out = ''
  for (const ch of cut(text)) {
    const code = ch.codePointAt(0)!
    out += isUnsafeChar(code) ? ' ' : (SUMMARY_ENTITIES[ch] ?? ch)
  }
  return out
}

function cut(text: string): string {
  return text.length > MAX_PRINTED ? `${text.slice(0, MAX_PRINTED)}… (${text.length - MAX_PRINTED} more characters)` : text
}
