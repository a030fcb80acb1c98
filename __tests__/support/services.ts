import type { Emulator } from '../../emulator/index.js'

/**
 * Talk to the emulated services over HTTP as a person with console access would: used by the
 * end-to-end tests to arrange pre-existing resources and to make "manual" changes (drift).
 */

export interface Answer<T = any> {
  status: number
  body: T
  headers: Headers
}

async function call<T>(url: string, init: RequestInit): Promise<Answer<T>> {
  const res = await fetch(url, init)
  const text = await res.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers }
}

/** A management token of the seeded M2M app with every internal scope it is authorized for. */
export async function managementToken(emu: Emulator): Promise<string> {
  const s = emu.state.seed
  const res = await call<{ access_token: string }>(`${emu.url}/t/${s.asgardeoOrg}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${s.mgmtClientId}:${s.mgmtClientSecret}`).toString('base64')}`
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'SYSTEM' }).toString()
  })
  if (res.status !== 200) throw new Error(`management token: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.access_token
}

/** Asgardeo management or SCIM call, path relative to /t/{org} (e.g. /api/server/v1/applications). */
export async function asgardeo<T = any>(emu: Emulator, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const token = await managementToken(emu)
  return call<T>(`${emu.url}/t/${emu.state.seed.asgardeoOrg}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined
  })
}

/** Choreo API Manager call, path relative to /api/am (e.g. /publisher/v2/apis/{id}); adds organizationId. */
export async function choreo<T = any>(emu: Emulator, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const s = emu.state.seed
  const url = new URL(`${emu.url}/api/am${path}`)
  url.searchParams.set('organizationId', s.choreoOrgUuid)
  return call<T>(url.toString(), {
    method,
    headers: { authorization: `Bearer ${s.choreoPat}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined
  })
}

/**
 * Waits (bounded, 10 s) until every deployment of the seeded API is live (`successDeployedTime`), as a
 * client of a real gateway must after a deploy (seed `deployPropagationMs`).
 */
export async function deploymentsLive(emu: Emulator): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const list = (await choreo(emu, 'GET', `/publisher/v2/apis/${emu.state.seed.apiId}/deployments`)).body?.list ?? []
    if (list.every((d: { successDeployedTime?: string }) => d.successDeployedTime)) return
    if (Date.now() > deadline) throw new Error(`deployments still propagating after 10 s: ${JSON.stringify(list)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Calls the emulated gateway (Production) for the seeded API, once its deployments are live. */
export async function gateway(emu: Emulator, method: string, path: string, token: string): Promise<number> {
  await deploymentsLive(emu)
  const s = emu.state.seed
  const res = await fetch(`${emu.url}/gateway/Production${s.apiContext}/${s.apiVersion}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` }
  })
  await res.text()
  return res.status
}

/** Decodes a JWT payload (no verification: the emulator suite verifies signatures). */
export function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
}
