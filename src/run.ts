import type { Asgardeo } from './asgardeo/client.js'
import type { TokenResponse } from './token/response.js'
import type { Choreo } from './choreo/client.js'
import type { GraphScope, Task, TaskGraph } from './graph.js'
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
  /** Every config of the run (one per `config` entry; just `config` for a single API). */
  all: Config[]
  /** Writes happen only in apply mode; plan and check only read. */
  apply: boolean
  /** When the run must be over, ms since the epoch. */
  deadline: number
  asgardeo: Asgardeo
  choreo: Choreo
  /** This entry's tasks: its reads gate its own writes. */
  graph: GraphScope
  out: Outcome
  io: Reporter
  /** Records a resource's row in the plan and logs it. */
  row(resource: Resource, name: string, action: Action, details?: string[], id?: string): void
  /** What the entries using the same application share. */
  shared: Shared
}

/**
 * The lookups and resources every entry of a run shares (the organization, the management token, the
 * key manager, the application on both services): made once, by the first entry that asks, in the shared
 * group of the graph, with plan rows that belong to no single entry.
 */
export interface Shared {
  graph: GraphScope
  row: Run['row']
  /** The task made under `key`, made now by `make` if no entry made it yet. */
  once<T>(key: string, make: () => Task<T>): Task<T>
}

/** One registry of shared tasks per run. */
export function sharedTasks(graph: TaskGraph, row: Run['row']): Shared {
  const made = new Map<string, Task<unknown>>()
  return {
    graph,
    row,
    once<T>(key: string, make: () => Task<T>): Task<T> {
      if (!made.has(key)) made.set(key, make())
      return made.get(key) as Task<T>
    }
  }
}

export function newRow(plan: Plan, io: Reporter, apply: boolean, entry?: string): Run['row'] {
  return (resource, name, action, details = [], id) => {
    plan.record({ ...(entry === undefined ? {} : { entry }), resource, name, action, details, id })
    const phase: Phase = resource.startsWith('Asgardeo')
      ? 'Asgardeo'
      : /application|keys|subscription/.test(resource)
        ? 'Choreo Developer Portal'
        : 'Choreo publisher'
    const verb = action === 'no change' ? 'no change' : apply ? `${action}d`.replace('eed', 'ed') : `would ${action}`
    io.log(
      phase,
      `${entry === undefined ? '' : `[${entry}] `}${resource} "${name}": ${verb}${details.length ? ` (${details.join('; ')})` : ''}${id ? ` [${id}]` : ''}`,
      RESOURCES.indexOf(resource)
    )
  }
}
