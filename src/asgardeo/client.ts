import { ApiError, MAX_PAGES, createOrAdopt, idFromLocation, listingTooLong, type Http } from '../http.js'
import { validToken, type TokenResponse } from '../token/response.js'

export type { TokenResponse } from '../token/response.js'

/** Typed calls to the Asgardeo (WSO2 Identity Server) management REST APIs, SCIM2 and token endpoint. */

export interface ApiResourceScope {
  id?: string
  name: string
  displayName?: string
  description?: string
}

export interface ApiResource {
  id: string
  name: string
  identifier: string
  description?: string
  requiresAuthorization: boolean
  type?: string
  scopes?: ApiResourceScope[]
}

interface ApiResourceList {
  apiResources?: ApiResource[]
  APIResources?: ApiResource[]
  links?: { rel: string; href: string }[]
}

export interface ApplicationSummary {
  id: string
  name: string
  description?: string
  clientId?: string
}

export interface OidcConfig {
  clientId: string
  clientSecret?: string
  grantTypes: string[]
  publicClient?: boolean
  accessToken?: { type?: string; [k: string]: unknown }
  [k: string]: unknown
}

export interface AuthorizedApi {
  id: string
  identifier?: string
  policyId?: string
  authorizedScopes: { id?: string; name: string }[]
}

export interface Role {
  id: string
  displayName: string
  audience?: { type?: string; value?: string }
  permissions?: { value: string; display?: string }[]
  users?: { value: string; display?: string }[]
}

export interface IdentityProvider {
  id: string
  name: string
  idpIssuerName?: string
  alias?: string
  isEnabled?: boolean
  certificate?: { jwksUri?: string; certificates?: string[] }
}

export interface ImplicitAssociation {
  isEnabled: boolean
  lookupAttribute: string[]
}

export interface FederatedAssociation {
  id: string
  idp: { id?: string; name: string }
  federatedUserId: string
}

/**
 * The management scopes this action asks for: least privilege for the run at hand. Plan and check
 * modes only read; roles and users only for a user-bound grant; deleting scopes only with prune.
 */
export function managementScopes(options: { userGrant: boolean; prune: boolean; readOnly: boolean; binding?: boolean }): string[] {
  const { userGrant, prune, readOnly, binding } = options
  const write = (...scopes: string[]) => (readOnly ? [] : scopes)
  return [
    ...(binding ? bindingScopes(readOnly) : []),
    'internal_api_resource_view',
    ...write('internal_api_resource_create', 'internal_api_resource_update'),
    ...(prune ? write('internal_api_resource_delete') : []),
    'internal_application_mgt_view',
    ...write('internal_application_mgt_create', 'internal_application_mgt_update', 'internal_application_business_api_update'),
    ...(userGrant
      ? ['internal_role_mgt_view', ...write('internal_role_mgt_create', 'internal_role_mgt_update'), 'internal_user_mgt_list']
      : [])
  ]
}

/** The GitHub binding (token exchange): the trusted token issuer, the service user and its federated associations. */
function bindingScopes(readOnly: boolean): string[] {
  const write = (...scopes: string[]) => (readOnly ? [] : scopes)
  return [
    'internal_idp_view',
    ...write('internal_idp_create', 'internal_idp_update'),
    ...write('internal_user_mgt_create'),
    'internal_user_association_view',
    ...write('internal_user_association_create', 'internal_user_association_delete')
  ]
}

/**
 * A filter value, always quoted: the server's tokenizer drops characters outside a small set from
 * unquoted values (and splits on spaces), so an identifier such as a URL only matches when quoted.
 */
export function filterValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export class Asgardeo {
  readonly base: string
  readonly mgmt: string
  readonly tokenEndpoint: string
  private token = ''

  constructor(
    readonly http: Http,
    url: string,
    readonly org: string
  ) {
    this.base = `${url}/t/${encodeURIComponent(org)}`
    this.mgmt = `${this.base}/api/server/v1`
    this.tokenEndpoint = `${this.base}/oauth2/token`
  }

  /**
   * Client-credentials token for the management APIs. Returns the scopes granted. Asgardeo hands every
   * run with the same client and scopes the same cached token, so it is never revoked: a concurrent run
   * may be using it. When its remaining lifetime runs out mid-run, the next call waits for it to lapse
   * and asks again (a lapsed token is no longer cached, so the answer is a new one).
   */
  async authenticate(clientId: string, clientSecret: string, scopes: string[], onToken: (token: string) => void): Promise<string[]> {
    const form = { grant_type: 'client_credentials', scope: scopes.join(' ') }
    const res = await this.requestToken(this.tokenEndpoint, clientId, clientSecret, form)
    onToken(res.access_token)
    this.token = res.access_token
    this.renew = { clientId, clientSecret, form, onToken, expiresAt: Date.now() + res.expires_in * 1000 }
    return (res.scope ?? '').split(' ').filter(Boolean)
  }

  private renew?: {
    clientId: string
    clientSecret: string
    form: Record<string, string>
    onToken: (token: string) => void
    expiresAt: number
  }
  private renewing?: Promise<void>

  /** The management token, renewed (never revoked) once the cached one has lapsed. */
  private async bearer(lapsed?: string): Promise<string> {
    const r = this.renew
    // `lapsed`: the server refused this token near its expiry; renew unless another call already did.
    if (r && (Date.now() >= r.expiresAt - 1000 || (lapsed !== undefined && lapsed === this.token))) {
      this.renewing ??= (async () => {
        await new Promise((done) => setTimeout(done, Math.max(0, r.expiresAt + 1000 - Date.now())))
        const res = await this.requestToken(this.tokenEndpoint, r.clientId, r.clientSecret, r.form)
        r.onToken(res.access_token)
        this.token = res.access_token
        r.expiresAt = Date.now() + res.expires_in * 1000
      })().finally(() => (this.renewing = undefined))
      await this.renewing
    }
    return this.token
  }

  /** Set by the run: false until the read phase is over, so no write can be sent before every input is confirmed. */
  writesOpen?: () => boolean

  /** Any grant at a token endpoint, with HTTP Basic client authentication. */
  async requestToken(endpoint: string, clientId: string, clientSecret: string, form: Record<string, string>): Promise<TokenResponse> {
    const res = await this.http.request<TokenResponse>({
      service: 'asgardeo',
      method: 'POST',
      url: endpoint,
      form,
      basic: { user: clientId, password: clientSecret },
      readOnly: true
    })
    return validToken(res.body, endpoint, res.status)
  }

  private async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    extra: {
      query?: Record<string, string | number | undefined>
      json?: unknown
      expect?: number[]
      scim?: boolean
      idempotent?: boolean
    } = {}
  ) {
    if (method !== 'GET' && this.writesOpen && !this.writesOpen())
      throw new Error(`internal: ${method} ${path} before the read phase ended`)
    const send = (bearer: string) =>
      this.http.request<T>({
        service: 'asgardeo',
        method,
        url: extra.scim ? `${this.base}${path}` : `${this.mgmt}${path}`,
        query: extra.query,
        json: extra.json,
        expect: extra.expect,
        idempotent: extra.idempotent,
        bearer,
        headers: extra.scim && extra.json !== undefined ? { accept: 'application/scim+json, application/json' } : undefined
      })
    const bearer = await this.bearer()
    const expiresAt = this.renew?.expiresAt
    try {
      return await send(bearer)
    } catch (err) {
      // The token lapsed in flight (401 within seconds of its expiry; the request was not processed): renew, send once more.
      const nearExpiry = expiresAt !== undefined && Date.now() >= expiresAt - 10_000
      if (!(err instanceof ApiError && err.status === 401 && nearExpiry)) throw err
      return send(await this.bearer(bearer))
    }
  }

  // --- API resources -------------------------------------------------------------------------

  /** The API resource with this identifier, following every `next` link (never only the first page). */
  async findApiResource(identifier: string): Promise<ApiResource | undefined> {
    return this.pickApiResource(`identifier eq ${filterValue(identifier)}`, async () => identifier)
  }

  /**
   * Lists the API resources a filter matches while `identifier` is still being worked out elsewhere (the
   * API's version, from Choreo), then reads the one that has it: the lookup need not wait for Choreo.
   */
  async pickApiResource(filter: string, identifier: () => Promise<string>): Promise<ApiResource | undefined> {
    const [listed, wanted] = await Promise.all([this.listApiResources(filter), identifier()])
    const found = listed.find((r) => r.identifier === wanted)
    return found ? this.getApiResource(found.id) : undefined
  }

  /** Every API resource a filter matches, as listed (without scopes), across pages. */
  private async listApiResources(filter: string): Promise<ApiResource[]> {
    let query: Record<string, string | number | undefined> | undefined = { filter, limit: 100 }
    let url = '/api-resources'
    const mgmt = new URL(this.mgmt)
    const all: ApiResource[] = []
    for (let page = 0; page < MAX_PAGES; page++) {
      const res: { body: ApiResourceList } = await this.call<ApiResourceList>('GET', url, { query })
      // The server's key is apiResources; the spec's APIResources is accepted too.
      all.push(...(res.body?.apiResources ?? res.body?.APIResources ?? []))
      const next: string | undefined = res.body?.links?.find((l) => l.rel === 'next')?.href
      if (!next) return all
      const nextUrl: URL = new URL(next, this.mgmt)
      // The token goes wherever the link points: follow it only within this listing, on this host.
      if (nextUrl.origin !== mgmt.origin || !nextUrl.pathname.startsWith(`${mgmt.pathname}/api-resources`)) {
        throw new ApiError(
          `Asgardeo's API-resource listing links its next page outside ${this.mgmt}/api-resources; not followed.`,
          'asgardeo',
          0,
          'BAD_NEXT_LINK',
          undefined
        )
      }
      url = nextUrl.pathname.slice(mgmt.pathname.length)
      query = Object.fromEntries(nextUrl.searchParams)
    }
    throw listingTooLong('asgardeo', `API resources matching ${filter}`)
  }

  async getApiResource(id: string): Promise<ApiResource> {
    return (await this.call<ApiResource>('GET', `/api-resources/${encodeURIComponent(id)}`)).body
  }

  async createApiResource(body: {
    name: string
    identifier: string
    description: string
    requiresAuthorization: boolean
    scopes: ApiResourceScope[]
  }): Promise<ApiResource> {
    return createOrAdopt(
      async () => {
        const res = await this.call<ApiResource | undefined>('POST', '/api-resources', { json: body })
        const id = res.body?.id ?? idFromLocation(res.headers)
        if (!id) throw new ApiError('Asgardeo created the API resource but returned no id.', 'asgardeo', res.status, undefined, undefined)
        return res.body?.id ? res.body : this.getApiResource(id)
      },
      () => this.findApiResource(body.identifier)
    )
  }

  async addApiResourceScopes(id: string, scopes: ApiResourceScope[]): Promise<void> {
    await createOrAdopt(
      async () => {
        await this.call('PATCH', `/api-resources/${encodeURIComponent(id)}`, { json: { addedScopes: scopes } })
        return true
      },
      async () => {
        const have = new Set(((await this.getApiResource(id)).scopes ?? []).map((s) => s.name))
        return scopes.every((s) => have.has(s.name)) || undefined
      }
    )
  }

  /** Changes a scope's description (its owner marks). */
  async patchApiResourceScope(id: string, name: string, description: string): Promise<void> {
    await this.call('PATCH', `/api-resources/${encodeURIComponent(id)}/scopes/${encodeURIComponent(name)}`, { json: { description } })
  }

  async deleteApiResourceScope(id: string, name: string): Promise<void> {
    await this.call('DELETE', `/api-resources/${encodeURIComponent(id)}/scopes/${encodeURIComponent(name)}`)
  }

  // --- Applications --------------------------------------------------------------------------

  /** The application with exactly this name, across all pages. */
  async findApplication(name: string): Promise<ApplicationSummary | undefined> {
    const limit = 100
    for (let offset = 0; offset < MAX_PAGES * limit; offset += limit) {
      const res = await this.call<{ totalResults?: number; count?: number; applications?: ApplicationSummary[] }>('GET', '/applications', {
        query: { filter: `name eq ${filterValue(name)}`, limit, offset }
      })
      const apps = res.body?.applications ?? []
      const found = apps.find((a) => a.name === name)
      if (found) return found
      if (apps.length < limit || offset + apps.length >= (res.body?.totalResults ?? 0)) return undefined
    }
    throw listingTooLong('asgardeo', `applications named "${name}"`)
  }

  async getApplication(id: string): Promise<ApplicationSummary & Record<string, unknown>> {
    return (await this.call<ApplicationSummary & Record<string, unknown>>('GET', `/applications/${encodeURIComponent(id)}`)).body
  }

  /**
   * Creates an application; 201 with an empty body, the id only in Location. When the create fails because
   * the name is taken (a duplicate answers 400, 409 or 500 depending on the server) or was answered 5xx
   * after it may have been applied, it looks again: `existing` is the application found with that name,
   * for the caller to judge by its owner mark (the one "look again, adopt if ours" path).
   */
  async createApplication(body: Record<string, unknown>): Promise<{ id: string; existing?: ApplicationSummary }> {
    const lookup = async () => {
      const found = await this.findApplication(String(body.name))
      return found && { id: found.id, existing: found }
    }
    return createOrAdopt(async () => {
      const res = await this.call('POST', '/applications', { json: body }).catch(async (err: unknown) => {
        // maybeApplied errors are createOrAdopt's to look up; a refused duplicate is looked up here.
        if (!(err instanceof ApiError && !err.maybeApplied && [400, 409, 500].includes(err.status))) throw err
        const found = await lookup()
        if (!found) throw err
        return found
      })
      if ('existing' in res) return res
      const id = idFromLocation(res.headers)
      if (!id)
        throw new ApiError(
          'Asgardeo created the application but sent no Location header with its id.',
          'asgardeo',
          res.status,
          undefined,
          undefined
        )
      return { id }
    }, lookup)
  }

  async patchApplication(id: string, patch: Record<string, unknown>): Promise<void> {
    await this.call('PATCH', `/applications/${encodeURIComponent(id)}`, { json: patch, idempotent: true })
  }

  async getOidc(appId: string): Promise<OidcConfig> {
    return (await this.call<OidcConfig>('GET', `/applications/${encodeURIComponent(appId)}/inbound-protocols/oidc`)).body
  }

  async putOidc(appId: string, config: OidcConfig): Promise<void> {
    await this.call('PUT', `/applications/${encodeURIComponent(appId)}/inbound-protocols/oidc`, { json: config })
  }

  async listAuthorizedApis(appId: string): Promise<AuthorizedApi[]> {
    return (await this.call<AuthorizedApi[]>('GET', `/applications/${encodeURIComponent(appId)}/authorized-apis`)).body ?? []
  }

  async authorizeApi(appId: string, apiResourceId: string, scopes: string[]): Promise<void> {
    await createOrAdopt(
      async () => {
        await this.call('POST', `/applications/${encodeURIComponent(appId)}/authorized-apis`, {
          json: { id: apiResourceId, policyIdentifier: 'RBAC', scopes }
        })
        return true
      },
      async () => (await this.listAuthorizedApis(appId)).some((a) => a.id === apiResourceId) || undefined
    )
  }

  async patchAuthorizedApi(appId: string, apiResourceId: string, addedScopes: string[], removedScopes: string[]): Promise<void> {
    await this.call('PATCH', `/applications/${encodeURIComponent(appId)}/authorized-apis/${encodeURIComponent(apiResourceId)}`, {
      json: { addedScopes, removedScopes },
      idempotent: true // adding what is there and removing what is not change nothing
    })
  }

  // --- SCIM2: users and application roles ----------------------------------------------------

  async findUserId(userName: string): Promise<string | undefined> {
    const res = await this.call<{ Resources?: { id: string; userName: string }[] }>('GET', '/scim2/Users', {
      scim: true,
      query: { filter: `userName eq ${filterValue(userName)}`, attributes: 'userName' }
    })
    // Asgardeo may prefix the user store ("DEFAULT/alice"): compare without it.
    return (res.body?.Resources ?? []).find((u) => u.userName === userName || u.userName.endsWith(`/${userName}`))?.id
  }

  async findRole(displayName: string, appId: string): Promise<Role | undefined> {
    const res = await this.call<{ Resources?: Role[] }>('GET', '/scim2/v2/Roles', {
      scim: true,
      query: { filter: `displayName eq ${filterValue(displayName)} and audience.value eq ${filterValue(appId)}` }
    })
    const found = (res.body?.Resources ?? []).find((r) => r.displayName === displayName)
    return found ? (await this.call<Role>('GET', `/scim2/v2/Roles/${encodeURIComponent(found.id)}`, { scim: true })).body : undefined
  }

  async createRole(displayName: string, appId: string, permissions: string[], userIds: string[]): Promise<Role> {
    const create = async () =>
      (
        await this.call<Role>('POST', '/scim2/v2/Roles', {
          scim: true,
          json: {
            schemas: ['urn:ietf:params:scim:schemas:extension:2.0:Role'],
            displayName,
            audience: { type: 'application', value: appId },
            permissions: permissions.map((value) => ({ value })),
            users: userIds.map((value) => ({ value }))
          }
        })
      ).body
    return createOrAdopt(create, () => this.findRole(displayName, appId))
  }

  async patchRole(id: string, operations: Record<string, unknown>[]): Promise<void> {
    await this.call('PATCH', `/scim2/v2/Roles/${encodeURIComponent(id)}`, {
      scim: true,
      json: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }
    })
  }

  // --- Trusted token issuer, service user, federated associations (binding.ts) -----------------

  /** Every identity provider (id and name), across all pages. */
  async listIdentityProviders(): Promise<{ id: string; name: string }[]> {
    const all: { id: string; name: string }[] = []
    const limit = 100
    for (let offset = 0; offset < 100_000; offset += limit) {
      const res = await this.call<{ totalResults?: number; identityProviders?: { id: string; name: string }[] }>(
        'GET',
        '/identity-providers',
        {
          query: { limit, offset }
        }
      )
      const page = res.body?.identityProviders ?? []
      all.push(...page)
      if (page.length < limit || all.length >= (res.body?.totalResults ?? 0)) break
    }
    return all
  }

  async getIdentityProvider(id: string): Promise<IdentityProvider> {
    return (await this.call<IdentityProvider>('GET', `/identity-providers/${encodeURIComponent(id)}`)).body
  }

  /** 201 with the new IdP (and a Location). */
  async createIdentityProvider(body: Record<string, unknown>): Promise<IdentityProvider> {
    const res = await this.call<IdentityProvider | undefined>('POST', '/identity-providers', { json: body })
    const id = res.body?.id ?? idFromLocation(res.headers)
    if (!id) throw new ApiError('Asgardeo created the identity provider but returned no id.', 'asgardeo', res.status, undefined, undefined)
    return res.body?.id ? res.body : this.getIdentityProvider(id)
  }

  async patchIdentityProvider(id: string, operations: { operation: 'REPLACE'; path: string; value: unknown }[]): Promise<void> {
    await this.call('PATCH', `/identity-providers/${encodeURIComponent(id)}`, { json: operations })
  }

  async getImplicitAssociation(idpId: string): Promise<ImplicitAssociation> {
    return (await this.call<ImplicitAssociation>('GET', `/identity-providers/${encodeURIComponent(idpId)}/implicit-association`)).body
  }

  async putImplicitAssociation(idpId: string, body: ImplicitAssociation): Promise<void> {
    await this.call('PUT', `/identity-providers/${encodeURIComponent(idpId)}/implicit-association`, { json: body })
  }

  /** SCIM2 create; returns the new user's id. */
  async createUser(userName: string, password: string, email: string): Promise<string> {
    const res = await this.call<{ id: string }>('POST', '/scim2/Users', {
      scim: true,
      json: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        password,
        emails: [{ value: email, primary: true }]
      }
    })
    return res.body.id
  }

  async listFederatedAssociations(userId: string): Promise<FederatedAssociation[]> {
    const path = `/api/users/v1/${encodeURIComponent(userId)}/federated-associations`
    return (await this.call<FederatedAssociation[]>('GET', path, { scim: true })).body ?? []
  }

  /** 200 with an empty body (the docs say 201). `idp` is the identity provider's name. */
  async addFederatedAssociation(userId: string, idp: string, federatedUserId: string): Promise<void> {
    const path = `/api/users/v1/${encodeURIComponent(userId)}/federated-associations`
    await this.call('POST', path, { scim: true, json: { idp, federatedUserId } })
  }

  async deleteFederatedAssociation(userId: string, id: string): Promise<void> {
    await this.call('DELETE', `/api/users/v1/${encodeURIComponent(userId)}/federated-associations/${encodeURIComponent(id)}`, {
      scim: true
    })
  }
}
