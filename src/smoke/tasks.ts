import type { Choreo, ChoreoApi, Deployment, Environment } from '../choreo/client.js'
import type { Task } from '../graph.js'
import type { Run } from '../run.js'
import { chooseGateway, httpsUrlOf, type SmokeGateway } from './gateway.js'

/**
 * The smoke test's part of the reconciliation: the gateway URL, a read task of the pre-flight (it can
 * refute `smoke-environment`, so no write starts before it), and read again after the deploy and publish when
 * the Developer Portal did not list it yet. The calls themselves run once the whole run has settled.
 */
export function smokeTasks(
  run: Run,
  deps: {
    api: Task<{ current: ChoreoApi }>
    deployed: Task<{ targets: string[]; environments: Environment[]; deploymentTo: (env: string) => Deployment } | undefined>
    lifecycle: Task<void>
  }
): void {
  const { config, apply, choreo, graph, out } = run
  if (!config.smoke) return
  const wanted = config.smoke.environment

  const lookup = graph.read('smoke: gateway URL', [deps.api, deps.deployed], async ({ current }, live) => {
    const view = await choreo.devportalApi(current.id)
    out.smoke = chooseGateway(wanted, {
      endpointURLs: view?.endpointURLs ?? [],
      deployTargets: live?.targets,
      environments: live?.environments.map((e) => e.name),
      hidden: live?.targets.filter((t) => live.deploymentTo(t).displayOnDevportal === false)
    })
    return { apiId: current.id }
  })

  // After the writes (deploy, publish): a write-phase task, though it only reads.
  graph.write('smoke: gateway URL after deploy', [lookup, deps.lifecycle], async ({ apiId }) => {
    const gateway = out.smoke!
    if (gateway.url || !apply) return
    const url = httpsUrlOf((await choreo.devportalApi(apiId))?.endpointURLs ?? [], gateway.environment)
    if (!url) {
      throw new Error(
        `The Developer Portal lists no HTTPS gateway URL for "${gateway.environment}" after the deploy, so "smoke-test" has nothing to call. Check that the API is published and "${gateway.environment}" is exposed in the Developer Portal, or set "smoke-environment".`
      )
    }
    gateway.url = url
  })
}

/**
 * The gateway URL outside a reconciliation (e.g. `mode: token`, which deploys nothing): what the
 * Developer Portal lists now for `environment` (default: the first environment it lists).
 */
export async function lookupSmokeGateway(choreo: Choreo, apiId: string, environment: string | undefined): Promise<SmokeGateway> {
  const view = await choreo.devportalApi(apiId)
  return chooseGateway(environment, { endpointURLs: view?.endpointURLs ?? [] })
}
