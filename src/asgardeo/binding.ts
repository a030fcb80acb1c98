import { randomBytes } from 'node:crypto'
import type { IdentityProvider, OidcConfig, Role } from './client.js'
import type { Task } from '../graph.js'
import { ApiError, type Http } from '../http.js'
import type { Config } from '../inputs.js'
import { ownedDescription } from '../plan.js'
import type { Run } from '../run.js'
import { GITHUB_ISSUER, issuerName, serviceUserName, TOKEN_EXCHANGE_GRANT, type BindingGrant } from './binding-config.js'

/**
 * The GitHub binding of `grant-type: token-exchange` (shared/reference/oidc-binding.md §1, §2): Asgardeo
 * checks only a subject token's issuer, signature, times and audience, so the application refuses every
 * GitHub `sub` that an administrator has not linked to a local user. Reconciled here, one plan row each:
 * the trusted token issuer and its implicit association (off), "require linked local account", the
 * token-exchange grant (no refresh token, tokens bound to the request), the service user, its application
 * role, and one federated association per listed subject (unlisted ones removed).
 * Each task observes first and writes only in apply mode, so a later reads-then-writes split can reuse them.
 */

/** The issuer as Asgardeo must trust it; for a custom issuer read from its discovery document. */
export interface IssuerDocument {
  issuer: string
  jwksUri: string
}

/**
 * Reads that can refute the `oidc-issuer` input, before any write: a custom issuer must serve a discovery
 * document naming exactly that issuer. GitHub's own issuer and JWKS are known (oidc-binding.md §2 step 1).
 */
export async function observeIssuer(http: Http, grant: BindingGrant): Promise<IssuerDocument> {
  if (grant.issuer === GITHUB_ISSUER) return { issuer: GITHUB_ISSUER, jwksUri: `${GITHUB_ISSUER}/.well-known/jwks` }
  const url = `${grant.issuer}/.well-known/openid-configuration`
  const res = await http
    .request<{ issuer?: unknown; jwks_uri?: unknown }>({ service: 'github', method: 'GET', url })
    .catch((err: unknown) => {
      throw new Error(
        `Input "oidc-issuer": ${url} did not answer with a discovery document (${err instanceof Error ? err.message : String(err)}). Give the "iss" of your workflows' id-tokens, e.g. https://token.actions.githubusercontent.com/<enterprise-slug>.`
      )
    })
  const doc = res.body ?? {}
  if (doc.issuer !== grant.issuer || typeof doc.jwks_uri !== 'string') {
    throw new Error(
      `Input "oidc-issuer": the discovery document at ${url} names issuer "${String(doc.issuer)}"${typeof doc.jwks_uri === 'string' ? '' : ' and no jwks_uri'}; the input must equal the id-token's "iss" exactly.`
    )
  }
  return { issuer: grant.issuer, jwksUri: doc.jwks_uri }
}

/** The application as created for token exchange: a public client, linked accounts required, tokens bound to the request. */
export function bindingApplicationModel(config: Config): Record<string, unknown> {
  return {
    name: config.application,
    description: ownedDescription([config.owner]),
    templateId: 'b9c5e11e-fc78-484b-9bec-015d247561b8', // standard OIDC application (asgardeo-api.md §4)
    inboundProtocolConfiguration: {
      oidc: {
        grantTypes: [TOKEN_EXCHANGE_GRANT],
        publicClient: true,
        accessToken: { type: 'JWT', bindingType: 'client-request' }
      }
    },
    claimConfiguration: { dialect: 'LOCAL', subject: { useMappedLocalSubject: true, mappedLocalSubjectMandatory: true } },
    authenticationSequence: { type: 'DEFAULT' },
    associatedRoles: { allowedAudience: 'APPLICATION', roles: [] }
  }
}

type AppValue = { id: string; created: boolean } | undefined

export function bindingTasks(
  run: Run,
  issuerDoc: IssuerDocument | undefined,
  identity: { auth: Task<void>; application: Task<AppValue>; authorization: Task<void> }
) {
  const { config, apply, asgardeo, graph, out, row, io } = run
  if (config.grant.type !== 'token-exchange' || !issuerDoc) return undefined
  const grant = config.grant
  const name = issuerName(grant.issuer)

  const userName = serviceUserName(config.application)

  // --- read phase: what exists, and the issuer-name clash that refutes "oidc-issuer" ---

  const issuerLookup = graph.read('asgardeo: find trusted token issuer', [identity.auth], () => findIssuer(run, issuerDoc, name))
  const associationLookup = graph.read('asgardeo: find implicit association', [issuerLookup], async (idp) =>
    idp ? asgardeo.getImplicitAssociation(idp.id) : undefined
  )
  const userLookup = graph.read('asgardeo: find service user', [identity.auth], () => asgardeo.findUserId(userName))
  const linksLookup = graph.read('asgardeo: find federated associations', [issuerLookup, userLookup], async (idp, userId) =>
    userId && idp ? (await asgardeo.listFederatedAssociations(userId)).filter((a) => a.idp?.name === idp.name) : []
  )

  // --- write phase ---

  const issuer = graph.write('asgardeo: trusted token issuer', [issuerLookup], (found) =>
    reconcileIssuer(run, grant, issuerDoc, name, found)
  )

  graph.write('asgardeo: implicit association', [issuer, associationLookup], async (idp, found) => {
    if (!idp) {
      row('Asgardeo implicit association', name, 'create', ['off (checked once the issuer exists)'])
      return
    }
    const current = idp.created ? await asgardeo.getImplicitAssociation(idp.id) : found
    if (!current?.isEnabled) {
      row('Asgardeo implicit association', name, idp.created ? 'create' : 'no change', ['off'], idp.id)
      return
    }
    // The server refuses an empty lookupAttribute even when disabling (oidc-binding.md §2 step 2).
    const lookupAttribute = current.lookupAttribute?.length ? current.lookupAttribute : ['http://wso2.org/claims/username']
    if (apply) await asgardeo.putImplicitAssociation(idp.id, { isEnabled: false, lookupAttribute })
    row('Asgardeo implicit association', name, 'update', ['turn off: it would link tokens to any user by their claims'], idp.id)
  })

  const linking = graph.write('asgardeo: linked local account', [identity.application], async (app) => {
    if (!app) {
      row('Asgardeo linked local account', config.application, 'create', ['require linked local account'])
      return
    }
    const full = await asgardeo.getApplication(app.id)
    const claimConfiguration = (full.claimConfiguration ?? {}) as Record<string, unknown>
    const subject = (claimConfiguration.subject ?? {}) as Record<string, unknown>
    if (subject.useMappedLocalSubject === true && subject.mappedLocalSubjectMandatory === true) {
      row('Asgardeo linked local account', config.application, app.created ? 'create' : 'no change', ['required'], app.id)
      return
    }
    if (apply) {
      // A PATCH with claimConfiguration replaces the claim mappings and requested claims: send them back as read.
      await asgardeo.patchApplication(app.id, {
        claimConfiguration: {
          dialect: claimConfiguration.dialect ?? 'LOCAL',
          claimMappings: claimConfiguration.claimMappings ?? [],
          requestedClaims: claimConfiguration.requestedClaims ?? [],
          subject: { ...subject, useMappedLocalSubject: true, mappedLocalSubjectMandatory: true }
        }
      })
    }
    row('Asgardeo linked local account', config.application, 'update', ['require linked local account'], app.id)
  })

  // Enabled only once linking is required: never a moment where any GitHub token is accepted.
  graph.write('asgardeo: token-exchange grant', [identity.application, linking], async (app) => {
    const wanted = ['enable the token-exchange grant', 'no refresh tokens', 'bind tokens to the request (client-request)']
    if (!app) {
      row('Asgardeo token-exchange grant', config.application, 'create', wanted)
      return
    }
    const oidc = await asgardeo.getOidc(app.id)
    if (oidc.clientSecret) io.secret(oidc.clientSecret)
    const { next, details } = diffGrant(oidc)
    if (details.length === 0) {
      row('Asgardeo token-exchange grant', config.application, app.created ? 'create' : 'no change', app.created ? wanted : [], app.id)
      return
    }
    if (apply) await asgardeo.putOidc(app.id, next)
    row('Asgardeo token-exchange grant', config.application, 'update', details, app.id)
  })

  const serviceUser = graph.write('asgardeo: service user', [userLookup], async (existing) => {
    if (existing) {
      row('Asgardeo service user', userName, 'no change', [], existing)
      return existing
    }
    if (!apply) {
      row('Asgardeo service user', userName, 'create', ['a local user with a random password no one keeps'])
      return undefined
    }
    // The password exists only because SCIM needs one; it is masked and discarded. Mixed classes pass password policies.
    const password = `${randomBytes(36).toString('base64url')}aA1!`
    io.secret(password)
    const id = await asgardeo.createUser(`DEFAULT/${userName}`, password, userName)
    row('Asgardeo service user', userName, 'create', ['a local user with a random password no one keeps'], id)
    return id
  })

  graph.write('asgardeo: binding role', [identity.application, identity.authorization, serviceUser], async (app, _authorized, userId) => {
    const roleName = `${config.application}-api-access`
    const want = config.tokenScopes.map((v) => out.scopeNames.get(v)).filter((n): n is string => !!n)
    const unknownYet = config.tokenScopes.filter((v) => !out.scopeNames.get(v)).map((v) => `${v} (name known after apply)`)
    const createDetails = [`permissions ${[...want, ...unknownYet].join(', ')}`, `assign ${userName}`]
    if (!app || !userId) {
      row('Asgardeo application role', roleName, 'create', createDetails)
      return
    }
    let existing: Role | undefined = app.created ? undefined : await asgardeo.findRole(roleName, app.id)
    if (!existing) {
      if (!apply) {
        row('Asgardeo application role', roleName, 'create', createDetails)
        return
      }
      try {
        const created = await asgardeo.createRole(roleName, app.id, want, [userId])
        row('Asgardeo application role', roleName, 'create', createDetails, created.id)
        return
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err
        existing = await asgardeo.findRole(roleName, app.id)
        if (!existing) throw err
      }
    }
    const have = (existing.permissions ?? []).map((p) => p.value)
    const add = want.filter((w) => !have.includes(w))
    const remove = have.filter((h) => !want.includes(h))
    const assign = !(existing.users ?? []).some((u) => u.value === userId)
    const ops: Record<string, unknown>[] = []
    // Exactly the token scopes: the role is this binding's, and every linked workflow gets all it carries.
    if (add.length || remove.length) ops.push({ op: 'replace', value: { permissions: want.map((value) => ({ value })) } })
    if (assign) ops.push({ op: 'add', path: 'users', value: [{ value: userId }] })
    if (ops.length && apply) await asgardeo.patchRole(existing.id, ops)
    const details = [
      ...add.map((p) => `add permission ${p}`),
      ...unknownYet.map((p) => `add permission ${p}`),
      ...remove.map((p) => `remove permission ${p}`),
      ...(assign ? [`assign ${userName}`] : [])
    ]
    row('Asgardeo application role', roleName, details.length ? 'update' : 'no change', details, existing.id)
  })

  // A new issuer or a new user has no links yet: only those read before the writes can exist.
  graph.write('asgardeo: federated associations', [issuer, serviceUser, linking, linksLookup], async (idp, userId, _linking, linked) => {
    for (const sub of grant.subjects) {
      const current = linked.find((a) => a.federatedUserId === sub)
      if (current) {
        row('Asgardeo federated association', sub, 'no change', [`→ ${userName}`], current.id)
        continue
      }
      if (apply && userId && idp) {
        await asgardeo.addFederatedAssociation(userId, idp.name, sub).catch((err: unknown) => {
          throw associationAdvice(err, sub, name)
        })
      }
      row('Asgardeo federated association', sub, 'create', [`link to ${userName} via ${name}`])
    }
    // Links no longer listed belong to the binding too: a removed subject must stop getting tokens.
    for (const stale of linked.filter((a) => !grant.subjects.includes(a.federatedUserId))) {
      if (apply && userId) await asgardeo.deleteFederatedAssociation(userId, stale.id)
      row('Asgardeo federated association', stale.federatedUserId, 'delete', ['no longer in "github-subjects"'], stale.id)
    }
  })

  return { issuer, serviceUser }
}

/** The issuer Asgardeo trusts for `iss`, found by issuer across every IdP; a read that refutes the input when the name is taken. */
async function findIssuer(run: Run, doc: IssuerDocument, name: string): Promise<IdentityProvider | undefined> {
  const { asgardeo } = run
  const all = await asgardeo.listIdentityProviders()
  for (const summary of all) {
    const idp = await asgardeo.getIdentityProvider(summary.id)
    if (idp.idpIssuerName === doc.issuer) return idp
  }
  if (all.some((i) => i.name === name)) {
    throw new Error(
      `Asgardeo already has an identity provider named "${name}" with another issuer than ${doc.issuer}. Rename or delete it (Console > Connections), or check "oidc-issuer".`
    )
  }
  return undefined
}

/** The issuer found before the writes, else created; JWKS, alias and enablement kept right. */
async function reconcileIssuer(
  run: Run,
  grant: BindingGrant,
  doc: IssuerDocument,
  name: string,
  found: IdentityProvider | undefined
): Promise<(IdentityProvider & { created: boolean }) | undefined> {
  const { apply, asgardeo, row } = run
  if (!found) {
    const details = [`issuer ${doc.issuer}`, `JWKS ${doc.jwksUri}`, ...(grant.audience ? [`alias ${grant.audience}`] : [])]
    if (!apply) {
      row('Asgardeo trusted token issuer', name, 'create', details)
      return undefined
    }
    const created = await asgardeo.createIdentityProvider({
      templateId: 'trusted-token-issuer',
      name,
      description: ownedDescription([run.config.owner], 'GitHub Actions OIDC id-tokens'),
      idpIssuerName: doc.issuer,
      ...(grant.audience ? { alias: grant.audience } : {}),
      certificate: { jwksUri: doc.jwksUri }
    })
    row('Asgardeo trusted token issuer', name, 'create', details, created.id)
    return { ...created, created: true }
  }
  const ops: { operation: 'REPLACE'; path: string; value: unknown }[] = []
  const details: string[] = []
  if (found.certificate?.jwksUri !== doc.jwksUri) {
    ops.push({ operation: 'REPLACE', path: '/certificate/jwksUri', value: doc.jwksUri })
    details.push(`JWKS → ${doc.jwksUri}`)
  }
  if (grant.audience && found.alias !== grant.audience) {
    ops.push({ operation: 'REPLACE', path: '/alias', value: grant.audience })
    details.push(`alias → ${grant.audience}`)
  }
  if (found.isEnabled === false) {
    ops.push({ operation: 'REPLACE', path: '/isEnabled', value: true })
    details.push('enable')
  }
  if (ops.length && apply) await asgardeo.patchIdentityProvider(found.id, ops)
  row('Asgardeo trusted token issuer', found.name, ops.length ? 'update' : 'no change', details, found.id)
  return { ...found, created: false }
}

/** The OIDC config with the token-exchange grant, no refresh_token grant, and tokens bound to the request. */
export function diffGrant(oidc: OidcConfig): { next: OidcConfig; details: string[] } {
  const details: string[] = []
  let grantTypes = [...oidc.grantTypes]
  if (!grantTypes.includes(TOKEN_EXCHANGE_GRANT)) {
    grantTypes.push(TOKEN_EXCHANGE_GRANT)
    details.push('enable the token-exchange grant')
  }
  if (grantTypes.includes('refresh_token')) {
    grantTypes = grantTypes.filter((g) => g !== 'refresh_token')
    details.push('remove the refresh_token grant (tokens must stay short-lived)')
  }
  const accessToken = { ...oidc.accessToken }
  if (accessToken.bindingType !== 'client-request') {
    accessToken.bindingType = 'client-request'
    details.push('bind tokens to the request (client-request), so each run gets its own token to revoke')
  }
  if (accessToken.type !== 'JWT') {
    accessToken.type = 'JWT'
    details.push('issue JWT access tokens')
  }
  return { next: { ...oidc, grantTypes, accessToken }, details }
}

function associationAdvice(err: unknown, sub: string, idpName: string): unknown {
  if (err instanceof ApiError && err.status === 400 && /10004|already associated/i.test(`${err.code} ${err.message}`)) {
    return new Error(
      `The subject "${sub}" is already linked to another local user through "${idpName}" (one subject belongs to one user). Remove that link (Console > Users > the user > linked accounts) and re-run. (${err.message})`
    )
  }
  return err
}
