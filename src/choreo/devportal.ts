import type { ApplicationKey, Choreo, ChoreoApi, KeyManager } from './client.js'
import type { Task } from '../graph.js'
import { adoptedDescription, ownedDescription, ownership, refuseUnowned } from '../plan.js'
import type { Run } from '../run.js'

/**
 * Choreo Developer Portal: an application, its Production keys mapped to the Asgardeo client ID
 * through the key manager, and its subscription to the API. Reads first (what exists, whose it is,
 * whether the business plan exists); the writes wait for every read of both services.
 */
export function devportalTasks(
  run: Run,
  deps: {
    org: Task<string>
    api: Task<{ current: ChoreoApi }>
    lifecycle: Task<void>
    keyManager: Task<KeyManager>
    /** The Asgardeo application as found before any write (its client ID when it exists). */
    appLookup: Task<{ oidc: { clientId: string } } | undefined>
    application: Task<{ clientId: string } | undefined>
  }
) {
  const { config, apply, choreo, graph, out, row, shared } = run
  // The application, its keys and the business plans are the same for every entry naming this application.
  const app = `choreo: application ${config.application}`

  // --- read phase ---

  const devLookup = shared.once(`${app} lookup`, () =>
    shared.graph.read('choreo: find application', [deps.org], async () => {
      const existing = await choreo.findApplication(config.application)
      if (!existing) return undefined
      const own = ownership(existing.description, config.owner)
      refuseUnowned('Choreo Developer Portal application', config, own, existing.description)
      const [keys, subscriptions] = await Promise.all([
        choreo.listKeys(existing.applicationId),
        choreo.listSubscriptions(existing.applicationId)
      ])
      return { app: existing, own, keys, subscriptions }
    })
  )

  // Both business-plan levels must know the plan: the application's and the subscription's.
  shared.once(`choreo: business plan ${config.throttlingPolicy}`, () =>
    shared.graph.read('choreo: business plans', [deps.org], async () => {
      const [app, sub] = await Promise.all([choreo.throttlingPolicies('application'), choreo.throttlingPolicies('subscription')])
      const missing = [
        !app.includes(config.throttlingPolicy) && `applications (${app.join(', ')})`,
        !sub.includes(config.throttlingPolicy) && `subscriptions (${sub.join(', ')})`
      ].filter(Boolean)
      if (missing.length > 0) {
        throw new Error(
          `Input "throttling-policy": Choreo has no business plan "${config.throttlingPolicy}" for ${missing.join(' or ')}. Use one of those names.`
        )
      }
    })
  )

  // What exists already, checked against the inputs before anything is written.
  graph.read(
    'choreo: check keys and subscription',
    [devLookup, deps.appLookup, deps.keyManager, deps.api],
    async (dev, asg, km, { current }) => {
      if (!dev) return
      const production = productionKey(dev.keys, km.name)
      const clientId = asg?.oidc.clientId
      if (production && clientId && production.consumerKey !== clientId) {
        throw new Error(
          `The Choreo application "${config.application}" already has Production keys for "${km.name}" mapped to client ID ${production.consumerKey}, not ${clientId}. Remove those keys in the Developer Portal (Credentials > Production) or choose another "application" name.`
        )
      }
      const existing = dev.subscriptions.find((s) => s.apiId === current.id)
      const problem = existing?.status ? SUBSCRIPTION_PROBLEMS[existing.status] : undefined
      if (problem) throw new Error(`The subscription of "${config.application}" to "${current.name}" is ${existing!.status}: ${problem}`)
    }
  )

  // --- write phase ---

  const devApp = shared.once(app, () =>
    shared.graph.write('choreo: application', [devLookup], async (found) => {
      const row = shared.row
      if (found) {
        const details: string[] = []
        if (found.own !== 'ours' && found.own !== 'legacy') {
          details.push(`adopt for ${config.owner} (adopt: true)`)
          if (apply) {
            const full = await choreo.getApplication(found.app.applicationId)
            await choreo.updateApplication({ ...full, description: adoptedDescription(full.description, found.own, config.owner, 512) })
          }
        }
        row('Choreo application', config.application, details.length ? 'update' : 'no change', details, found.app.applicationId)
        return { app: found.app, created: false, keys: found.keys, subscriptions: found.subscriptions }
      }
      if (!apply) {
        row('Choreo application', config.application, 'create', [])
        return undefined
      }
      const created = await choreo.createApplication(config.application, ownedDescription([config.owner]), config.throttlingPolicy)
      if (created.existed) {
        // 409: it appeared meanwhile. A concurrent run of this owner made it; anyone else's stays untouched.
        refuseUnowned('Choreo Developer Portal application', config, ownership(created.description, config.owner), created.description)
        row(
          'Choreo application',
          config.application,
          'no change',
          ['created meanwhile by a concurrent run of this owner'],
          created.applicationId
        )
        return { app: created, created: false, keys: undefined, subscriptions: undefined }
      }
      row('Choreo application', config.application, 'create', [], created.applicationId)
      return { app: created, created: true, keys: [], subscriptions: [] }
    })
  )

  const keys = shared.once(`${app} keys`, () =>
    shared.graph.write('choreo: production keys', [devApp, deps.application, deps.keyManager], async (dev, app, km) => {
      const row = shared.row
      const clientId = app?.clientId
      if (!dev || !clientId) {
        row('Choreo production keys', config.application, 'create', [`map ${clientId ?? 'the new client ID'} through ${km.name}`])
        return
      }
      const appId = dev.app.applicationId
      const production = productionKey(dev.keys ?? (await choreo.listKeys(appId)), km.name)
      if (production?.consumerKey === clientId) {
        row('Choreo production keys', config.application, 'no change', [`client ID ${clientId}`], production.keyMappingId)
        return
      }
      if (production) {
        throw new Error(
          `The Choreo application "${config.application}" already has Production keys for "${km.name}" mapped to client ID ${production.consumerKey}, not ${clientId}. Remove those keys in the Developer Portal (Credentials > Production) or choose another "application" name.`
        )
      }
      let mappingId: string | undefined
      if (apply) {
        const res = await choreo.mapKeys(appId, clientId, km.name)
        if (res.status === 409) {
          // 901409 also answers a concurrent run of this owner that mapped the same client ID to this same application.
          const mapped = productionKey(await choreo.listKeys(appId), km.name)
          if (mapped?.consumerKey === clientId) {
            row(
              'Choreo production keys',
              config.application,
              'no change',
              [`client ID ${clientId}`, 'mapped meanwhile by a concurrent run'],
              mapped.keyMappingId
            )
            return
          }
          const owner = await ownerOfClientId(choreo, clientId, km.name, appId)
          throw new Error(
            `Choreo refused to map client ID ${clientId}: it is already mapped to ${owner ? `the Developer Portal application "${owner}"` : 'another Developer Portal application'} (a client ID can be used by one application only). Remove it there, or use that application's name as "application".`
          )
        }
        mappingId = (res.body as { keyMappingId?: string } | undefined)?.keyMappingId
      }
      row('Choreo production keys', config.application, 'create', [`map client ID ${clientId} through ${km.name}`], mappingId)
    })
  )

  const subscription = graph.write('choreo: subscription', [devApp, deps.api], async (dev, { current }) => {
    const name = `${config.application} → ${current.name}`
    if (!dev) {
      row('Choreo subscription', name, 'create', [`plan ${config.throttlingPolicy}`])
      return
    }
    const appId = dev.app.applicationId
    const existing = (dev.subscriptions ?? (await choreo.listSubscriptions(appId))).find((s) => s.apiId === current.id)
    if (existing) {
      out.subscriptionId = existing.subscriptionId
      row('Choreo subscription', name, 'no change', [], existing.subscriptionId)
      return
    }
    if (apply) {
      // Only a published API can be subscribed to: wait for the lifecycle branch only when it publishes.
      if (current.lifeCycleStatus !== 'PUBLISHED') await deps.lifecycle.promise
      // A 409 (a concurrent run subscribed first) counts as done; the id is read back.
      const created = await choreo.subscribe(appId, current.id, config.throttlingPolicy)
      out.subscriptionId =
        created?.subscriptionId ?? (await choreo.listSubscriptions(appId)).find((s) => s.apiId === current.id)?.subscriptionId
    }
    row('Choreo subscription', name, 'create', [`plan ${config.throttlingPolicy}`], out.subscriptionId)
  })

  return { devApp, keys, subscription }
}

/** The Production key mapped through this key manager (a key without a key manager name is taken as its). */
function productionKey(keys: ApplicationKey[], km: string): ApplicationKey | undefined {
  return keys.find((k) => k.keyType === 'PRODUCTION' && (!k.keyManager || k.keyManager === km))
}

/** What to do about a subscription that exists but does not let calls through. */
const SUBSCRIPTION_PROBLEMS: Record<string, string> = {
  BLOCKED: 'unblock it in the Choreo Console (API > Manage > Subscriptions).',
  PROD_ONLY_BLOCKED: 'its Production access is blocked; unblock it in the Choreo Console (API > Manage > Subscriptions).',
  ON_HOLD: 'it awaits approval; approve it in Choreo, then re-run.',
  TIER_UPDATE_PENDING: 'a business-plan change awaits approval; approve it in Choreo, then re-run.',
  REJECTED: 'it was rejected; delete it in the Developer Portal and re-run to request it again.',
  DELETE_PENDING: 'its deletion awaits approval; complete or cancel that in Choreo, then re-run.'
}

/** Which Developer Portal application holds a client ID (there is no search by client ID: scan). */
async function ownerOfClientId(choreo: Choreo, clientId: string, km: string, except: string): Promise<string | undefined> {
  const apps = (await choreo.listApplications()).filter((a) => a.applicationId !== except).slice(0, 200)
  for (const app of apps) {
    const keys = await choreo.listKeys(app.applicationId)
    if (keys.some((k) => k.consumerKey === clientId && (!k.keyManager || k.keyManager === km))) return app.name
  }
  return undefined
}
