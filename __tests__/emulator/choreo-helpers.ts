import { randomUUID } from 'node:crypto'
import { DEFAULT_SEED, type Emulator } from '../../emulator/index.js'

/** Shared by the choreo-*.test.ts files: calls with the seeded PAT and ?organizationId= unless told otherwise. */
export const SEED = DEFAULT_SEED
export const ORG = SEED.choreoOrgUuid
export const PUB = '/api/am/publisher/v2'
export const DEV = '/api/am/devportal/v2'

export interface Answer {
  status: number
  headers: Headers
  body: any
}

export interface CallOptions {
  /** Bearer token; null sends none. Default: the seeded PAT. */
  pat?: string | null
  /** organizationId; null leaves it out. Default: the seeded org. */
  org?: string | null
  headers?: Record<string, string>
}

export function caller(emu: () => Emulator) {
  return async (method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Answer> => {
    const url = new URL(`${emu().url}${path}`)
    if (opts.org !== null) url.searchParams.set('organizationId', opts.org ?? ORG)
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    if (opts.pat !== null) headers.authorization = `Bearer ${opts.pat ?? SEED.choreoPat}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed }
  }
}

/** An access token as the Asgardeo org of the seed would issue it (signed with its key). */
export async function asgardeoToken(
  emu: Emulator,
  opts: { clientId: string; scope?: string; expiresIn?: number; keyName?: string; claims?: Record<string, unknown> }
): Promise<string> {
  const now = Math.floor(emu.now() / 1000)
  return emu.keys.sign(
    opts.keyName ?? `asgardeo:${SEED.asgardeoOrg}`,
    {
      iss: `${emu.url}/t/${SEED.asgardeoOrg}/oauth2/token`,
      sub: opts.clientId,
      aud: opts.clientId,
      client_id: opts.clientId,
      azp: opts.clientId,
      scope: opts.scope ?? '',
      iat: now,
      nbf: now,
      exp: now + (opts.expiresIn ?? 3600),
      jti: randomUUID(),
      aut: 'APPLICATION',
      ...(opts.claims ?? {})
    },
    { typ: 'at+jwt' }
  )
}
