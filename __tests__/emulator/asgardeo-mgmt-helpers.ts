/** Shared helpers of the asgardeo-mgmt-*.test.ts files: HTTP calls and management tokens. */
import { expect } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import { SYSTEM_APIS } from '../../emulator/asgardeo/state.js'

export const ORG = 'acme'
export const MGMT = `/t/${ORG}/api/server/v1`

/** Every internal_* scope the seeded management app is authorized for. */
export const ALL_SCOPES = SYSTEM_APIS.flatMap((a) => a.scopes)

export interface Res {
  status: number
  headers: Headers
  text: string
  body: any
}

/** One HTTP call to the emulator; JSON bodies are sent as application/json. */
export async function call(
  emu: Emulator,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}
): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let payload: string | undefined
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(opts.body)
  }
  const res = await fetch(`${emu.url}${path}`, { method, headers, body: payload })
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  return { status: res.status, headers: res.headers, text, body }
}

/** A client_credentials token from the real token endpoint, for the given client (the seeded management app by default). */
export async function clientToken(
  emu: Emulator,
  scopes: string[],
  client = { id: 'emu_mgmt_client_id', secret: 'emu_mgmt_client_secret' }
): Promise<Res> {
  const res = await fetch(`${emu.url}/t/${ORG}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }).toString()
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined }
}

/** A management access token of the seeded M2M app carrying exactly `scopes`. */
export async function mgmtToken(emu: Emulator, scopes: string[] = ALL_SCOPES): Promise<string> {
  const res = await clientToken(emu, scopes)
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`)
  return res.body.access_token as string
}

/** The id at the end of a Location header. */
export function idFromLocation(res: Res): string {
  const loc = res.headers.get('location') ?? ''
  return loc.slice(loc.lastIndexOf('/') + 1)
}

/** Creates an API resource (BUSINESS) and returns its response body. */
export async function createResource(
  emu: Emulator,
  token: string,
  body: { name?: string; identifier: string; scopes?: { name: string; displayName?: string }[]; requiresAuthorization?: boolean }
): Promise<any> {
  const res = await call(emu, 'POST', `${MGMT}/api-resources`, { token, body: { name: body.name ?? body.identifier, ...body } })
  if (res.status !== 201) throw new Error(`create resource answered ${res.status}: ${res.text}`)
  return res.body
}

/** Creates an M2M application (client_credentials) and returns its id. */
export async function createApp(emu: Emulator, token: string, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(emu, 'POST', `${MGMT}/applications`, {
    token,
    body: {
      name,
      templateId: 'm2m-application',
      inboundProtocolConfiguration: { oidc: { grantTypes: ['client_credentials'], publicClient: false } },
      associatedRoles: { allowedAudience: 'APPLICATION', roles: [] },
      ...extra
    }
  })
  if (res.status !== 201) throw new Error(`create app answered ${res.status}: ${res.text}`)
  return idFromLocation(res)
}

/** The management error body: {code, message, description, traceId}. */
export const MGMT_ERROR = {
  code: expect.any(String),
  message: expect.any(String),
  description: expect.any(String),
  traceId: expect.any(String)
}

/**
 * Proves one management route is guarded by its internal_* scope: no token and an unknown token → 401 with
 * the management error body and a Bearer challenge; a token with every other internal scope → 403 with an
 * empty body; a token with the scope (any one of `scopes`, plus `extra`) → neither 401 nor 403.
 */
export async function expectScopeGuard(
  emu: Emulator,
  route: { method: string; path: string; body?: unknown },
  scopes: string[],
  extra: string[] = []
): Promise<void> {
  const label = `${route.method} ${route.path}`
  for (const token of [undefined, 'not-a-token']) {
    const res = await call(emu, route.method, route.path, { token, body: route.body })
    expect([label, res.status, res.body, res.headers.get('www-authenticate')?.startsWith('Bearer')]).toEqual([label, 401, MGMT_ERROR, true])
  }
  const others = await mgmtToken(
    emu,
    ALL_SCOPES.filter((s) => !scopes.includes(s))
  )
  const denied = await call(emu, route.method, route.path, { token: others, body: route.body })
  expect([label, denied.status, denied.text]).toEqual([label, 403, ''])
  const only = await mgmtToken(emu, [scopes[0], ...extra])
  const allowed = await call(emu, route.method, route.path, { token: only, body: route.body })
  expect([label, allowed.status === 401 || allowed.status === 403]).toEqual([label, false])
}

/**
 * Moves the emulated clock to 50 ms past the start of the next emulated minute, so requests counted against a
 * per-minute rate limit all fall in one window however long they take (short of a minute).
 */
export function alignToMinute(emu: Emulator): void {
  emu.clockOffsetMs += 60_000 - (emu.now() % 60_000) + 50
}
