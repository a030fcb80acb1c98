import { choreoAdvice } from '../advice.js'
import { ApiError, MAX_PAGES, createOrAdopt, idFromLocation, listingTooLong, type Http, type RetryWhen } from '../http.js'

/** Typed calls to Choreo: its platform API (org lookup) and API Manager publisher / developer portal v2. */

export interface ApiScopeEntry {
  scope: { id?: string; name: string; displayName?: string; description?: string; bindings?: string[]; usageCount?: number }
  shared?: boolean
}

export interface ApiOperation {
  id?: string
  target: string
  verb: string
  authType?: string
  throttlingPolicy?: string
  scopes?: string[]
  [k: string]: unknown
}

/** The publisher API object; kept whole because PUT replaces it whole. */
export interface ChoreoApi {
  id: string
  name: string
  version: string
  context: string
  lifeCycleStatus?: string
  scopes?: ApiScopeEntry[]
  operations?: ApiOperation[]
  [k: string]: unknown
}

export interface Revision {
  id: string
  displayName?: string
  description?: string
  createdTime?: string | number
  deploymentInfo?: Deployment[]
}

export interface Deployment {
  name: string
  vhost?: string
  displayOnDevportal?: boolean
  revisionUuid?: string
  deployedTime?: string
  /** Absent while the deployment is still propagating to the gateways. */
  successDeployedTime?: string
}

export interface Environment {
  name: string
  displayName?: string
  vhosts?: { host: string }[]
}

export interface KeyManager {
  id?: string
  name: string
  displayName?: string
  type?: string
  enabled?: boolean
  tokenEndpoint?: string
  revokeEndpoint?: string
}

export interface DevApplication {
  applicationId: string
  name: string
  description?: string
  throttlingPolicy?: string
}

export interface ApplicationKey {
  keyMappingId?: string
  keyManager?: string
  consumerKey?: string
  keyType?: string
  mode?: string
}

export interface Subscription {
  subscriptionId: string
  applicationId: string
  apiId: string
  status?: string
}

/** The Developer Portal's `API.endpointURLs[]`: where each environment's gateway serves the API. */
export interface EndpointUrl {
  environmentName?: string
  environmentDisplayName?: string
  URLs?: { http?: string | null; https?: string | null }
}

interface Page<T> {
  count?: number
  list?: T[]
  pagination?: { offset?: number; limit?: number; total?: number; next?: string }
}

export class Choreo {
  private readonly publisher: string
  private readonly devportal: string
  private orgId: string | undefined
  private settings: Promise<Environment[]> | undefined

  constructor(
    private readonly http: Http,
    url: string,
    private readonly consoleUrl: string,
    private readonly token: string,
    orgId?: string
  ) {
    this.publisher = `${url}/api/am/publisher/v2`
    this.devportal = `${url}/api/am/devportal/v2`
    this.orgId = orgId
  }

  /** Resolves the organization UUID (the organizationId of every API Manager call) from its handle. */
  async resolveOrg(handle: string): Promise<string> {
    if (this.orgId) return this.orgId
    const res = await this.http
      .request<unknown>({ service: 'choreo', method: 'GET', url: `${this.consoleUrl}/orgs/1.0.0/orgs`, bearer: this.token })
      .catch((err: unknown) => {
        throw choreoAdvice(err)
      })
    const orgs = (Array.isArray(res.body) ? res.body : ((res.body as { list?: unknown[] })?.list ?? [])) as {
      handle?: string
      uuid?: string
      id?: unknown
    }[]
    const org = orgs.find((o) => o.handle === handle)
    if (!org?.uuid) {
      const known =
        orgs
          .map((o) => o.handle)
          .filter(Boolean)
          .join(', ') || 'none'
      throw new Error(
        `Input "choreo-org": the Choreo token has no access to an organization with handle "${handle}" (it can reach: ${known}). Check the handle, or give "choreo-org-id".`
      )
    }
    this.orgId = org.uuid
    return org.uuid
  }

  /** Set by the run: false until the read phase is over, so no write can be sent before every input is confirmed. */
  writesOpen?: () => boolean

  private call<T>(
    base: 'publisher' | 'devportal',
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    extra: {
      query?: Record<string, string | number | undefined>
      json?: unknown
      expect?: number[]
      headers?: Record<string, string>
      retryWhen?: RetryWhen[]
    } = {}
  ) {
    if (!this.orgId) throw new Error('Choreo organization not resolved yet')
    if (method !== 'GET' && this.writesOpen && !this.writesOpen())
      throw new Error(`internal: ${method} ${path} before the read phase ended`)
    return this.http
      .request<T>({
        service: 'choreo',
        method,
        url: `${base === 'publisher' ? this.publisher : this.devportal}${path}`,
        query: { ...extra.query, organizationId: this.orgId },
        json: extra.json,
        expect: extra.expect,
        headers: extra.headers,
        retryWhen: extra.retryWhen,
        bearer: this.token
      })
      .catch((err: unknown) => {
        throw choreoAdvice(err)
      })
  }

  /** Every item of a paginated API Manager list, up to MAX_PAGES pages (past that, an error). */
  private async all<T>(base: 'publisher' | 'devportal', path: string, query: Record<string, string | number | undefined>): Promise<T[]> {
    const items: T[] = []
    const limit = 100
    for (let offset = 0; offset < MAX_PAGES * limit; offset += limit) {
      const page = (await this.call<Page<T>>(base, 'GET', path, { query: { ...query, limit, offset } })).body
      const list = page?.list ?? []
      items.push(...list)
      const total = page?.pagination?.total ?? page?.count ?? 0
      if (list.length < limit || items.length >= total) return items
    }
    throw listingTooLong('choreo', `${path.slice(1)}${query.query ? ` matching ${String(query.query)}` : ''}`)
  }

  // --- Publisher -----------------------------------------------------------------------------

  /** APIs whose name is exactly `name` (and version, when given): the search is a contains match. */
  async findApis(name: string, version?: string): Promise<ChoreoApi[]> {
    const found = await this.all<ChoreoApi>('publisher', '/apis', { query: `name:"${name}"` })
    return found.filter((a) => a.name === name && (!version || a.version === version))
  }

  async getApi(id: string): Promise<{ api: ChoreoApi; etag?: string }> {
    const res = await this.call<ChoreoApi>('publisher', 'GET', `/apis/${encodeURIComponent(id)}`)
    const etag = res.headers.etag
    return { api: res.body, etag: Array.isArray(etag) ? etag[0] : etag }
  }

  async putApi(api: ChoreoApi, etag?: string): Promise<ChoreoApi> {
    return (
      await this.call<ChoreoApi>('publisher', 'PUT', `/apis/${encodeURIComponent(api.id)}`, {
        json: api,
        headers: etag ? { 'if-match': etag } : undefined
      })
    ).body
  }

  async listRevisions(apiId: string): Promise<Revision[]> {
    return (await this.call<Page<Revision>>('publisher', 'GET', `/apis/${encodeURIComponent(apiId)}/revisions`)).body?.list ?? []
  }

  async createRevision(apiId: string, description: string): Promise<Revision> {
    return (await this.call<Revision>('publisher', 'POST', `/apis/${encodeURIComponent(apiId)}/revisions`, { json: { description } })).body
  }

  async deleteRevision(apiId: string, revisionId: string): Promise<void> {
    await this.call('publisher', 'DELETE', `/apis/${encodeURIComponent(apiId)}/revisions/${encodeURIComponent(revisionId)}`)
  }

  async deployRevision(apiId: string, revisionId: string, targets: Deployment[]): Promise<void> {
    await this.call('publisher', 'POST', `/apis/${encodeURIComponent(apiId)}/deploy-revision`, {
      query: { revisionId },
      // "conflicted with the current deployment state … Please try again later" (a concurrent deploy).
      retryWhen: [{ status: 409, code: '902005', baseDelayMs: 1000 }],
      json: targets.map((t) => ({ name: t.name, vhost: t.vhost, displayOnDevportal: t.displayOnDevportal ?? true }))
    })
  }

  /** Where each revision is deployed, and whether the gateways confirmed it (`successDeployedTime`). */
  async deployments(apiId: string): Promise<Deployment[]> {
    return (await this.call<Page<Deployment>>('publisher', 'GET', `/apis/${encodeURIComponent(apiId)}/deployments`)).body?.list ?? []
  }

  /** The organization's gateway environments: read once per run, however many APIs ask. */
  environments(): Promise<Environment[]> {
    this.settings ??= this.call<{ environment?: Environment[] }>('publisher', 'GET', '/settings').then((res) => res.body?.environment ?? [])
    return this.settings
  }

  /** A lifecycle action: `Publish` (from CREATED or PROTOTYPED), `Re-Publish` (from BLOCKED), … */
  async changeLifecycle(apiId: string, action: string): Promise<void> {
    await this.call('publisher', 'POST', '/apis/change-lifecycle', { query: { apiId, action } })
  }

  // --- Developer Portal ----------------------------------------------------------------------

  /** The API as the Developer Portal shows it; undefined while it is not visible there (not published). */
  async devportalApi(apiId: string): Promise<{ endpointURLs?: EndpointUrl[] } | undefined> {
    const res = await this.call<{ endpointURLs?: EndpointUrl[] }>('devportal', 'GET', `/apis/${encodeURIComponent(apiId)}`, {
      expect: [404]
    })
    return res.status === 404 ? undefined : res.body
  }

  async keyManagers(): Promise<KeyManager[]> {
    return (await this.call<Page<KeyManager>>('devportal', 'GET', '/key-managers')).body?.list ?? []
  }

  /** The application named exactly `name` (the devportal query is an exact match). */
  async findApplication(name: string): Promise<DevApplication | undefined> {
    const apps = await this.all<DevApplication>('devportal', '/applications', { query: name })
    return apps.find((a) => a.name === name)
  }

  async listApplications(): Promise<DevApplication[]> {
    return this.all<DevApplication>('devportal', '/applications', {})
  }

  /**
   * Creates an application. When one with the name exists already (a 409: it appeared meanwhile; or a POST
   * answered 5xx that may have been applied), answers the existing one marked `existed`, for the caller to
   * judge by its owner mark: the one "look again" path for both.
   */
  async createApplication(name: string, description: string, throttlingPolicy: string): Promise<DevApplication & { existed?: boolean }> {
    const existing = async () => {
      const found = await this.findApplication(name)
      return found && { ...found, existed: true }
    }
    return createOrAdopt(async (): Promise<DevApplication & { existed?: boolean }> => {
      const res = await this.call<DevApplication | undefined>('devportal', 'POST', '/applications', {
        json: { name, description, throttlingPolicy, tokenType: 'JWT' },
        expect: [409]
      })
      if (res.status === 409) {
        const found = await existing()
        if (found) return found
        throw new ApiError(
          `Choreo reports a Developer Portal application named "${name}" exists, but the token cannot see it.`,
          'choreo',
          409,
          '409',
          res.body
        )
      }
      const id = res.body?.applicationId ?? idFromLocation(res.headers)
      if (!id) throw new ApiError('Choreo created the application but returned no id.', 'choreo', res.status, undefined, undefined)
      return { applicationId: id, name, description, throttlingPolicy }
    }, existing)
  }

  async getApplication(appId: string): Promise<DevApplication & Record<string, unknown>> {
    return (await this.call<DevApplication & Record<string, unknown>>('devportal', 'GET', `/applications/${encodeURIComponent(appId)}`))
      .body
  }

  /** PUT /applications/{id} takes the whole Application: read, change, write back. */
  async updateApplication(app: DevApplication & Record<string, unknown>): Promise<void> {
    await this.call('devportal', 'PUT', `/applications/${encodeURIComponent(app.applicationId)}`, { json: app })
  }

  /** Business plan names of one level (`application` or `subscription`). */
  async throttlingPolicies(level: 'application' | 'subscription'): Promise<string[]> {
    return (await this.all<{ name: string }>('devportal', `/throttling-policies/${level}`, {})).map((p) => p.name)
  }

  async listKeys(appId: string): Promise<ApplicationKey[]> {
    return (
      (await this.call<Page<ApplicationKey>>('devportal', 'GET', `/applications/${encodeURIComponent(appId)}/oauth-keys`)).body?.list ?? []
    )
  }

  /** Maps an existing client ID as the app's Production key; 409 (already mapped somewhere) is returned, not thrown. */
  async mapKeys(appId: string, consumerKey: string, keyManager: string): Promise<{ status: number; body: unknown }> {
    const post = () =>
      this.call<unknown>('devportal', 'POST', `/applications/${encodeURIComponent(appId)}/map-keys`, {
        json: { consumerKey, keyManager, keyType: 'PRODUCTION' },
        expect: [409]
      })
    const lookup = async () => {
      const key = (await this.listKeys(appId)).find(
        (k) => k.consumerKey === consumerKey && k.keyType === 'PRODUCTION' && (!k.keyManager || k.keyManager === keyManager)
      )
      return key && { status: 200, body: key as unknown }
    }
    const res = await createOrAdopt<{ status: number; body: unknown }>(post, lookup)
    return { status: res.status, body: res.body }
  }

  async listSubscriptions(appId: string): Promise<Subscription[]> {
    return this.all<Subscription>('devportal', '/subscriptions', { applicationId: appId })
  }

  /** Subscribes; a 409 (already subscribed) counts as done. */
  async subscribe(appId: string, apiId: string, throttlingPolicy: string): Promise<Subscription | undefined> {
    const post = () =>
      this.call<Subscription>('devportal', 'POST', '/subscriptions', {
        json: { applicationId: appId, apiId, throttlingPolicy },
        expect: [409]
      })
    const lookup = async () => {
      const found = (await this.listSubscriptions(appId)).find((s) => s.apiId === apiId)
      return found && { status: 201, body: found }
    }
    const res = await createOrAdopt<{ status: number; body: Subscription }>(post, lookup)
    return res.status === 409 ? undefined : res.body
  }
}
