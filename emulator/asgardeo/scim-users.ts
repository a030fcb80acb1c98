import { randomBytes, randomUUID } from 'node:crypto'
import type { Router } from '../core/router.js'
import type { Ctx, Reply } from '../core/http.js'
import { orgOf, requireScope } from './auth.js'
import { listResponse, pageOf, scimBody, scimError, scimJson, shortAttr } from './scim-common.js'
import { FilterError, matches, parseFilter, type FilterTerm } from './scim-filter.js'
import { checkRateLimit } from './token-ratelimit.js'
import type { AsgardeoOrg, User } from './state.js'

/**
 * SCIM2 Users under /t/{org}/scim2/Users: list/filter, get, and create (for the service users of
 * oidc-binding.md §2 step 5). Scopes per the Asgardeo SCIM2 Users API: list → internal_user_mgt_list,
 * get → internal_user_mgt_view, create → internal_user_mgt_create.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
/** The user-store prefix Asgardeo puts on user names; filters match with or without it. */
const DOMAIN_PREFIX = /^DEFAULT\//i

export function registerScimUsers(router: Router): void {
  const base = '/t/{org}/scim2/Users'
  router.get(base, listUsers)
  router.post(base, createUser)
  router.get(`${base}/{id}`, getUser)
}

async function scimOrg(ctx: Ctx, scope: string): Promise<AsgardeoOrg> {
  const org = orgOf(ctx)
  checkRateLimit(ctx, org, 'scim2')
  await requireScope(ctx, org, scope, 'scim')
  return org
}

function userLocation(ctx: Ctx, org: AsgardeoOrg, id: string): string {
  return `${ctx.baseUrl}/t/${org.handle}/scim2/Users/${id}`
}

function userView(ctx: Ctx, org: AsgardeoOrg, user: User): Record<string, unknown> {
  const view: Record<string, unknown> = {
    schemas: [USER_SCHEMA],
    id: user.id,
    userName: user.userName,
    meta: { location: userLocation(ctx, org, user.id), resourceType: 'User' }
  }
  if (user.emails.length > 0) view.emails = user.emails.map((value, i) => ({ value, primary: i === 0 }))
  return view
}

/** userName, id and emails (also `emails.value`) are filterable; user names and emails compare case-insensitively. */
function termMatches(user: User, term: FilterTerm): boolean {
  const attr = shortAttr(term.attr)
  if (attr === 'username') {
    const value = term.value?.replace(DOMAIN_PREFIX, '')
    return matches(user.userName, { ...term, value }, false)
  }
  if (attr === 'id') return matches(user.id, term, true)
  if (attr === 'emails' || attr === 'emails.value') {
    return term.op === 'ne' ? user.emails.every((e) => matches(e, term, false)) : user.emails.some((e) => matches(e, term, false))
  }
  throw scimError(400, `Filtering based on attribute: ${term.attr} is not supported.`, 'invalidFilter')
}

async function listUsers(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_user_mgt_list')
  const page = pageOf(ctx.query.get('startIndex'), ctx.query.get('count'))
  let users = org.users
  const raw = ctx.query.get('filter')
  if (raw && raw.trim()) {
    let filter
    try {
      filter = parseFilter(raw)
    } catch (err) {
      throw scimError(400, (err as FilterError).message, 'invalidFilter')
    }
    users = users.filter((u) => filter.some((group) => group.every((t) => termMatches(u, t))))
  }
  return listResponse(users, page, (u) => userView(ctx, org, u))
}

async function getUser(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_user_mgt_view')
  const user = org.users.find((u) => u.id === ctx.params.id)
  if (!user) throw scimError(404, 'User not found in the user store.')
  return scimJson(200, userView(ctx, org, user))
}

async function createUser(ctx: Ctx): Promise<Reply> {
  const org = await scimOrg(ctx, 'internal_user_mgt_create')
  const body = scimBody(ctx)
  if (typeof body.userName !== 'string' || !body.userName.trim()) {
    throw scimError(400, 'Required attribute userName is missing in the SCIM Object.', 'invalidValue')
  }
  const userName = body.userName.replace(DOMAIN_PREFIX, '')
  if (org.users.some((u) => u.userName.toLowerCase() === userName.toLowerCase())) {
    throw scimError(409, `User with the name: ${userName} already exists in the system.`, 'uniqueness')
  }
  const emails = Array.isArray(body.emails)
    ? body.emails
        .map((e) => (typeof e === 'string' ? e : (e as { value?: unknown })?.value))
        .filter((e): e is string => typeof e === 'string' && e.length > 0)
    : []
  const user: User = {
    id: randomUUID(),
    userName,
    // Without a password the account cannot log in (Asgardeo would send an invite instead).
    password: typeof body.password === 'string' ? body.password : randomBytes(24).toString('base64url'),
    emails,
    federatedAssociations: [],
    locked: false
  }
  org.users.push(user)
  return scimJson(201, userView(ctx, org, user), { location: userLocation(ctx, org, user.id) })
}
