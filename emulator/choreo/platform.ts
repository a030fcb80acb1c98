import { json, type Ctx } from '../core/http.js'
import type { Router } from '../core/router.js'
import { activePat } from './auth.js'
import { gatewayError } from './errors.js'
import type { ChoreoOrg, PatRecord } from './state.js'

/**
 * Choreo platform APIs (apis.choreo.dev), used by the CLI to log in with a PAT (reference §3.1):
 * PAT introspection and the organizations of the PAT's user. These sit behind Choreo's gateway, so a bad
 * token gets the gateway's 401 body.
 */
export function registerPlatform(router: Router): void {
  router.post('/api-key-service/v1.0/pat/introspect', (ctx) => {
    const pat = requirePat(ctx)
    return json(200, {
      id: pat.id,
      organizationUuid: pat.organizationUuid,
      userId: pat.userIdpId,
      allowedScopes: pat.allowedScopes,
      validUntil: new Date(pat.validUntil).toISOString(),
      status: pat.status
    })
  })
  router.get('/orgs/1.0.0/orgs', (ctx) => {
    const { orgs } = membership(ctx)
    return json(
      200,
      orgs.map((o) => orgView(ctx, o))
    )
  })
  router.get('/orgs/1.0.0/orgs/{handle}', (ctx) => {
    const { orgs } = membership(ctx)
    const org = orgs.find((o) => o.handle === ctx.params.handle)
    if (!org) return json(404, { code: '404', message: 'Not Found', description: `Organization ${ctx.params.handle} not found` })
    return json(200, orgView(ctx, org))
  })
}

function requirePat(ctx: Ctx): PatRecord {
  const pat = activePat(ctx)
  if (!pat) throw gatewayError(401, '900901', 'Invalid Credentials', 'Make sure you have provided the correct security credentials')
  return pat
}

/** The organizations the PAT's user is a member of. */
function membership(ctx: Ctx): { orgs: ChoreoOrg[] } {
  const pat = requirePat(ctx)
  const state = ctx.emulator.state.choreo
  const user = state.users.find((u) => u.idpId === pat.userIdpId)
  const uuids = user ? user.orgUuids : [pat.organizationUuid]
  return { orgs: uuids.map((u) => state.orgs[u]).filter((o): o is ChoreoOrg => Boolean(o)) }
}

/** Guessed shape (undocumented; the Choreo VS Code extension's `Organization` type): {id, uuid, handle, name, owner}. */
function orgView(ctx: Ctx, org: ChoreoOrg): Record<string, unknown> {
  const owner = ctx.emulator.state.choreo.users.find((u) => u.id === org.ownerUserId)
  return {
    id: org.id,
    uuid: org.uuid,
    handle: org.handle,
    name: org.name,
    owner: { id: org.ownerUserId, idpId: owner?.idpId ?? '', createdAt: org.createdAt }
  }
}
