import type { Choreo, ChoreoApi, KeyManager } from './client.js'
import type { Task } from '../graph.js'
import { MARKER } from '../plan.js'
import type { Run } from '../run.js'

/**
 * Choreo Developer Portal: an application, its Production keys mapped to the Asgardeo client ID
 * through the key manager, and its subscription to the API.
 */
export function devportalTasks(
  run: Run,
  deps: {
    org: Task<string>
    api: Task<{ current: ChoreoApi }>
    lifecycle: Task<void>
    keyManager: Task<KeyManager>
    application: Task<{ clientId: string } | undefined>
  }
) {
  const { config, apply, choreo, graph, out, row } = run

  const devApp = graph.add('choreo: application', [deps.org], async () => {
    const existing = await choreo.findApplication(config.application)
    if (existing) {
      row('Choreo application', config.application, 'no change', [], existing.applicationId)
      out.choreoApplicationId = existing.applicationId
      return { app: existing, created: false }
    }
    const created = apply ? await choreo.createApplication(config.application, `${MARKER}.`, config.throttlingPolicy) : undefined
    out.choreoApplicationId = created?.applicationId
    row('Choreo application', config.application, 'create', [], created?.applicationId)
    return created ? { app: created, created: true } : undefined
  })

  const keys = graph.add('choreo: production keys', [devApp, deps.application, deps.keyManager], async (dev, app, km) => {
    const clientId = app?.clientId
    if (!dev || !clientId) {
      row('Choreo production keys', config.application, 'create', [`map ${clientId ?? 'the new client ID'} through ${km.name}`])
      return
    }
    const appId = dev.app.applicationId
    // A new application has no keys yet: no need to ask.
    const production = (dev.created ? [] : await choreo.listKeys(appId)).find(
      (k) => k.keyType === 'PRODUCTION' && (!k.keyManager || k.keyManager === km.name)
    )
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
        const owner = await ownerOfClientId(choreo, clientId, km.name, appId)
        throw new Error(
          `Choreo refused to map client ID ${clientId}: it is already mapped to ${owner ? `the Developer Portal application "${owner}"` : 'another Developer Portal application'} (a client ID can be used by one application only). Remove it there, or use that application's name as "application".`
        )
      }
      mappingId = (res.body as { keyMappingId?: string } | undefined)?.keyMappingId
    }
    row('Choreo production keys', config.application, 'create', [`map client ID ${clientId} through ${km.name}`], mappingId)
  })

  const subscription = graph.add('choreo: subscription', [devApp, deps.api], async (dev, { current }) => {
    const name = `${config.application} → ${current.name}`
    if (!dev) {
      row('Choreo subscription', name, 'create', [`plan ${config.throttlingPolicy}`])
      return
    }
    const appId = dev.app.applicationId
    const existing = dev.created ? undefined : (await choreo.listSubscriptions(appId)).find((s) => s.apiId === current.id)
    if (existing) {
      out.subscriptionId = existing.subscriptionId
      const problem = existing.status ? SUBSCRIPTION_PROBLEMS[existing.status] : undefined
      if (problem) throw new Error(`The subscription of "${config.application}" to "${current.name}" is ${existing.status}: ${problem}`)
      row('Choreo subscription', name, 'no change', [], existing.subscriptionId)
      return
    }
    if (apply) {
      // Only a published API can be subscribed to: wait for the lifecycle branch only when it publishes.
      if (current.lifeCycleStatus !== 'PUBLISHED') await deps.lifecycle.promise
      const created = await choreo.subscribe(appId, current.id, config.throttlingPolicy)
      out.subscriptionId =
        created?.subscriptionId ?? (await choreo.listSubscriptions(appId)).find((s) => s.apiId === current.id)?.subscriptionId
    }
    row('Choreo subscription', name, 'create', [`plan ${config.throttlingPolicy}`], out.subscriptionId)
  })

  return { devApp, keys, subscription }
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
