import type { EndpointUrl } from '../choreo/client.js'

/**
 * Which environment the smoke calls go to and the API's gateway URL there, from what Choreo's
 * Developer Portal lists (`GET /apis/{apiId}` → `endpointURLs[]`), never a guessed host. Pure.
 */

export interface SmokeGateway {
  environment: string
  /** The HTTPS gateway URL; undefined until this run's deploy (or publish) makes the Developer Portal list it. */
  url?: string
}

export interface GatewayFacts {
  /** What the Developer Portal lists now; empty while the API is not published. */
  endpointURLs: EndpointUrl[]
  /** Where this run deploys (first = the default environment); undefined with `deploy: false`. */
  deployTargets?: string[]
  /** The organization's gateway environments, when read. */
  environments?: string[]
  /** Deploy targets whose deployment is hidden from the Developer Portal (it will list no URL for them). */
  hidden?: string[]
}

const named = (e: EndpointUrl, env: string): boolean => e.environmentName === env || e.environmentDisplayName === env

/** The HTTPS URL the Developer Portal lists for an environment (by name or display name). */
export function httpsUrlOf(endpointURLs: EndpointUrl[], env: string): string | undefined {
  return endpointURLs.find((e) => named(e, env))?.URLs?.https ?? undefined
}

/** The environment to call and its URL when already listed; throws naming the input when it cannot be. */
export function chooseGateway(wanted: string | undefined, facts: GatewayFacts): SmokeGateway {
  const listed = facts.endpointURLs.map((e) => e.environmentName).filter((n): n is string => !!n)
  // Choreo shows only Production in the Developer Portal by default: prefer a target it lists.
  const targets = facts.deployTargets ?? []
  const environment = wanted ?? targets.find((t) => listed.includes(t)) ?? targets.find((t) => !facts.hidden?.includes(t)) ?? listed[0]
  if (!environment) {
    throw new Error(
      'Input "smoke-test": the Developer Portal lists no gateway URL for this API (it is deployed nowhere it shows, or not published), and "deploy" is false. Deploy the API, or set "deploy: true".'
    )
  }
  const entry = facts.endpointURLs.find((e) => named(e, environment))
  if (entry) {
    const url = entry.URLs?.https
    if (!url) {
      throw new Error(
        `Input "smoke-environment": the Developer Portal lists no HTTPS gateway URL for "${environment}" (only ${entry.URLs?.http ? 'plain HTTP' : 'none'}); enable HTTPS on that gateway environment or choose another.`
      )
    }
    return { environment: entry.environmentName ?? environment, url }
  }
  if (facts.hidden?.includes(environment)) {
    throw new Error(
      `Input "smoke-environment": the deployment to "${environment}" is hidden from the Developer Portal, so Choreo lists no gateway URL for it. Expose "${environment}" in the Developer Portal (Choreo: Configure Exposed Environments to Developer Portal) or set "smoke-environment" to ${listed.join(' or ') || 'an environment it shows'}.`
    )
  }
  if (targets.includes(environment)) return { environment }
  if (facts.environments && !facts.environments.includes(environment)) {
    throw new Error(
      `Input "smoke-environment": "${environment}" is not a gateway environment of this organization; use one of ${facts.environments.join(', ') || 'none'}.`
    )
  }
  const where = listed.length > 0 ? `it is shown on ${listed.join(', ')}` : 'it is shown on none'
  const deploys = facts.deployTargets ? `, and this run deploys it to ${facts.deployTargets.join(', ')}` : ''
  throw new Error(
    `Input "smoke-environment": the API is not deployed to "${environment}" in the Developer Portal (${where}${deploys}). Set "smoke-environment" to one of those${facts.deployTargets ? `, or add "${environment}" to "environments"` : ''}.`
  )
}
