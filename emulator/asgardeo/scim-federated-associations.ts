import { createHash } from 'node:crypto'
import type { Router } from '../core/router.js'
import { empty, json, ReplyError, type Ctx, type Reply } from '../core/http.js'
import { orgOf, requireScope, traceId } from './auth.js'
import type { AsgardeoOrg, User } from './state.js'

/**
 * Admin federated associations, /t/{org}/api/users/v1/{userId}/federated-associations
 * (oidc-binding.md §2 step 7, §6; wso2/identity-api-user UserAssociationService). Client errors of the
 * framework come back as 400 with code `UAA` + the framework code, e.g. `UAA10004` for a duplicate.
 */

function associationError(code: number, message: string, description: string): ReplyError {
  return new ReplyError(json(400, { code: `UAA${code}`, message, description, traceId: traceId() }))
}

/** A stable id per (user, idp, federated user id): the state keeps associations without ids. */
function associationId(userId: string, idp: string, federatedUserId: string): string {
  const h = createHash('sha1').update(`${userId}\n${idp}\n${federatedUserId}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export function registerFederatedAssociations(router: Router): void {
  const base = '/t/{org}/api/users/v1/{userId}/federated-associations'
  router.get(base, listAssociations)
  router.post(base, addAssociation)
  router.delete(base, deleteAllAssociations)
  router.delete(`${base}/{id}`, deleteAssociation)
}

function userOf(org: AsgardeoOrg, userId: string, message: string): User {
  const user = org.users.find((u) => u.id === userId)
  if (!user) throw associationError(10005, message, 'The provided user identifier is invalid')
  return user
}

async function listAssociations(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  await requireScope(ctx, org, 'internal_user_association_view')
  const user = userOf(org, ctx.params.userId, `Error while getting associations of user: ${ctx.params.userId}`)
  return json(
    200,
    user.federatedAssociations.map((a) => {
      const idp = org.identityProviders.find((p) => p.name === a.idp)
      return {
        id: associationId(user.id, a.idp, a.federatedUserId),
        idp: { id: idp?.id ?? '', name: a.idp, displayName: '', imageUrl: '' },
        federatedUserId: a.federatedUserId
      }
    })
  )
}

/** 200 with an empty body (the docs say 201); one federated user id belongs to one local user only. */
async function addAssociation(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  await requireScope(ctx, org, 'internal_user_association_create')
  const message = `Error while adding federated user association: ${ctx.params.userId}`
  const body = (ctx.json ?? {}) as { idp?: unknown; federatedUserId?: unknown }
  if (typeof body.idp !== 'string' || !body.idp || typeof body.federatedUserId !== 'string' || !body.federatedUserId) {
    throw new ReplyError(
      json(400, { code: 'UE-10000', message: 'Invalid Request', description: 'idp and federatedUserId are required.', traceId: traceId() })
    )
  }
  const { idp, federatedUserId } = body as { idp: string; federatedUserId: string }
  if (org.users.some((u) => u.federatedAssociations.some((a) => a.idp === idp && a.federatedUserId === federatedUserId))) {
    throw associationError(10004, message, 'The federated association is already associated to a local user')
  }
  const user = userOf(org, ctx.params.userId, message)
  if (!org.identityProviders.some((p) => p.name === idp)) {
    throw associationError(10007, message, 'Provided federated identity provider is invalid')
  }
  user.federatedAssociations.push({ idp, federatedUserId })
  return empty(200)
}

async function deleteAssociation(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  await requireScope(ctx, org, 'internal_user_association_delete')
  const message = `Error while deleting federated user association: ${ctx.params.userId}`
  const user = userOf(org, ctx.params.userId, message)
  const before = user.federatedAssociations.length
  user.federatedAssociations = user.federatedAssociations.filter((a) => associationId(user.id, a.idp, a.federatedUserId) !== ctx.params.id)
  if (user.federatedAssociations.length === before) throw associationError(10002, message, 'Invalid federated association')
  return empty(204)
}

async function deleteAllAssociations(ctx: Ctx): Promise<Reply> {
  const org = orgOf(ctx)
  await requireScope(ctx, org, 'internal_user_association_delete')
  const message = `Error while deleting federated user association: ${ctx.params.userId}`
  const user = userOf(org, ctx.params.userId, message)
  if (user.federatedAssociations.length === 0) throw associationError(10003, message, 'Valid federated associations do not exists')
  user.federatedAssociations = []
  return empty(204)
}
