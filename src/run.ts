import type { Asgardeo } from './asgardeo/client.js'
import type { TokenResponse } from './token/response.js'
import type { Choreo } from './choreo/client.js'
import type { TaskGraph } from './graph.js'
import type { Config } from './inputs.js'
import type { SmokeGateway } from './smoke/gateway.js'
import { RESOURCES, type Action, type Plan, type Resource } from './plan.js'

/** What the task modules share: the inputs, the clients, the graph, the plan and what the run found. */

export type Phase = 'Choreo publisher' | 'Asgardeo' | 'Choreo Developer Portal' | 'Token'

export interface Reporter {
  /** A line for a phase's log group (printed when the run ends, so concurrent phases do not interleave). */
  log(phase: Phase, line: string, order?: number): void
  /** Masks a secret the moment it is known. */
  secret(value: string): void
}

export interface Outcome {
  plan: Plan
  graph: TaskGraph
  choreoApiId?: string
  /** Fully qualified scope names by permission value (undefined where not created yet). */
  scopeNames: Map<string, string | undefined>
  apiResourceId?: string
  asgardeoApplicationId?: string
  clientId?: string
  choreoApplicationId?: string
  subscriptionId?: string
  tokenEndpoint?: string
  token?: TokenResponse & { requested: string[] }
  /** Where `smoke-test` calls go: the environment and its gateway URL from the Developer Portal. */
  smoke?: SmokeGateway
}

export interface Run {
  config: Config
  /** Writes happen only in apply mode; plan and check only read. */
  apply: boolean
  /** When the run must be over, ms since the epoch. */
  deadline: number
  asgardeo: Asgardeo
  choreo: Choreo
  graph: TaskGraph
  out: Outcome
  io: Reporter
  /** Records a resource's row in the plan and logs it. */
  row(resource: Resource, name: string, action: Action, details?: string[], id?: string): void
}

export function newRow(plan: Plan, io: Reporter, apply: boolean): Run['row'] {
  return (resource, name, action, details = [], id) => {
    plan.record({ resource, name, action, details, id })
    const phase: Phase = resource.startsWith('Asgardeo')
      ? 'Asgardeo'
      : /application|keys|subscription/.test(resource)
        ? 'Choreo Developer Portal'
        : 'Choreo publisher'
    const verb = action === 'no change' ? 'no change' : apply ? `${action}d`.replace('eed', 'ed') : `would ${action}`
    io.log(
      phase,
      `${resource} "${name}": ${verb}${details.length ? ` (${details.join('; ')})` : ''}${id ? ` [${id}]` : ''}`,
      RESOURCES.indexOf(resource)
    )
  }
}
