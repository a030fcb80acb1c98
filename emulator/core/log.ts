/** One line of the request log. Never holds a header or body: no secret can leak through it. */
export interface LogEntry {
  seq: number
  method: string
  /** Path and query, with secret-bearing query parameters redacted. */
  path: string
  status: number
  ms: number
  /** When the request arrived and when its answer was sent (or it was dropped): epoch ms, sub-ms precision. */
  start: number
  end: number
  /** Set when an injected fault decided the outcome. */
  fault?: string
}

const SECRET_PARAMS = /^(token|access_token|refresh_token|id_token|subject_token|client_secret|password|code)$/i

/** A bounded ring of recent requests, so memory stays flat however long the emulator runs. */
export class RequestLog {
  private entries: LogEntry[] = []
  private seq = 0

  constructor(private readonly capacity = 10_000) {}

  add(entry: Omit<LogEntry, 'seq'>): LogEntry {
    const e = { seq: ++this.seq, ...entry }
    this.entries.push(e)
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity)
    return e
  }

  /** Entries with seq greater than `since`. */
  since(since = 0): LogEntry[] {
    return this.entries.filter((e) => e.seq > since)
  }

  get lastSeq(): number {
    return this.seq
  }

  clear(): void {
    this.entries = []
  }
}

export function redactQuery(pathWithQuery: string): string {
  const i = pathWithQuery.indexOf('?')
  if (i < 0) return pathWithQuery
  const params = new URLSearchParams(pathWithQuery.slice(i + 1))
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, 'REDACTED')
  return `${pathWithQuery.slice(0, i)}?${params.toString()}`
}
