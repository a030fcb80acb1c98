/**
 * Runs the reconciliation as a dependency graph: each task starts the moment its dependencies have
 * resolved, so independent branches (Choreo and Asgardeo, lookups within a service) overlap. A failed
 * task skips its dependents; `settle()` waits for everything already in flight before reporting, so a
 * failure never leaves a write running unobserved.
 *
 * With several APIs in one run (a `config` file) each entry is a group: its writes wait for its own
 * reads and the shared ones only, so one API refuted in pre-flight does not hold back the others.
 * Shared writes (the application every entry uses) wait until every entry's reads are done, and run
 * when at least one entry passed: a run whose every entry was refuted writes nothing at all.
 */

export class SkippedError extends Error {
  constructor(readonly task: string) {
    super(`${task} skipped: a task it depends on failed`)
  }
}

/** Every independent failure of a run; the message is the first one's. */
export class GraphFailure extends Error {
  constructor(
    readonly failures: unknown[],
    /** The group (config entry) each failure happened in, in the same order; undefined = shared. */
    readonly groups: (string | undefined)[] = failures.map(() => undefined)
  ) {
    super(failures[0] instanceof Error ? failures[0].message : String(failures[0]))
    this.name = 'GraphFailure'
  }
}

export interface TaskTiming {
  name: string
  deps: string[]
  /** ms since the graph was created. */
  start: number
  end: number
  ok: boolean
}

type Values<Deps extends readonly Task<unknown>[]> = { -readonly [K in keyof Deps]: Deps[K] extends Task<infer V> ? V : never }

export interface Task<T> {
  name: string
  promise: Promise<T>
}

/** The tasks of one group: reads gate only this group's writes (and the shared writes, see TaskGraph). */
export interface GraphScope {
  read<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T>
  write<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T>
  add<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T>
}

interface Barrier {
  task: Task<void>
  open: (ok: boolean) => void
}

export class TaskGraph implements GraphScope {
  readonly timings: TaskTiming[] = []
  private readonly all: Promise<unknown>[] = []
  private readonly origin = Date.now()
  /** Read tasks by group (undefined: shared by every group). */
  private readonly reads = new Map<string | undefined, Task<unknown>[]>()
  private readonly barriers = new Map<string | undefined, Barrier>()
  /** The group each failure happened in (the first task to throw an error owns it). */
  private readonly failedIn = new Map<unknown, string | undefined>()
  private sealed = false
  private passed = false

  /**
   * Reads, then writes: the barrier every shared write task waits on. It passes once every read task has
   * succeeded; a read that refutes an input fails it, and then no write ever starts.
   */
  get preflight(): Task<void> {
    return this.barrier(undefined).task
  }

  /** Whether some group's read phase is over and succeeded: writes may be sent (the clients check this). */
  get writesOpen(): boolean {
    return this.passed
  }

  /** The tasks of one config entry; `undefined` is the shared group (a single-API run has only that one). */
  scope(group: string | undefined): GraphScope {
    if (group === undefined) return this
    const label = (name: string) => `${name} [${group}]`
    return {
      read: (name, deps, fn) => this.readIn(group, label(name), deps, fn),
      write: (name, deps, fn) => this.writeIn(group, label(name), deps, fn),
      add: (name, deps, fn) => this.addIn(group, label(name), deps, fn)
    }
  }

  /** A task of the read phase: it may only read, and may refute an input. */
  read<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T> {
    return this.readIn(undefined, name, deps, fn)
  }

  /** A task of the write phase: it starts only once every read of its group (and every shared read) has succeeded. */
  write<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T> {
    return this.writeIn(undefined, name, deps, fn)
  }

  add<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T> {
    return this.addIn(undefined, name, deps, fn)
  }

  /** Ends the read phase: each barrier passes when the reads it waits for (registered so far) have succeeded. */
  seal(): void {
    if (this.sealed) return
    this.sealed = true
    const shared = this.reads.get(undefined) ?? []
    const groups = [...new Set([...this.reads.keys(), ...this.barriers.keys()])].filter((g): g is string => g !== undefined)
    const checks = groups.map((group) =>
      this.pass(
        group,
        this.addIn(group, `pre-flight [${group}]`, [...shared, ...(this.reads.get(group) ?? [])], async () => undefined)
      )
    )
    // Shared writes serve every group: they wait for all groups' reads and need at least one group through.
    const sharedCheck = this.addIn(undefined, 'pre-flight', shared, async () => {
      if (checks.length === 0) return
      const results = await Promise.allSettled(checks.map((c) => c.promise))
      if (!results.some((r) => r.status === 'fulfilled')) throw new SkippedError('pre-flight')
    })
    this.pass(undefined, sharedCheck)
  }

  private pass(group: string | undefined, check: Task<unknown>): Task<unknown> {
    const barrier = this.barrier(group)
    check.promise.then(
      () => {
        this.passed = true
        barrier.open(true)
      },
      () => barrier.open(false)
    )
    return check
  }

  private barrier(group: string | undefined): Barrier {
    let barrier = this.barriers.get(group)
    if (!barrier) {
      let open!: (ok: boolean) => void
      const promise = new Promise<boolean>((resolve) => (open = resolve)).then((ok) => {
        if (!ok) throw new SkippedError('pre-flight')
      })
      promise.catch(() => undefined) // observed through its dependents
      barrier = { task: { name: group === undefined ? 'pre-flight' : `pre-flight [${group}]`, promise }, open }
      this.barriers.set(group, barrier)
    }
    return barrier
  }

  private readIn<const Deps extends readonly Task<unknown>[], T>(
    group: string | undefined,
    name: string,
    deps: Deps,
    fn: (...values: Values<Deps>) => Promise<T>
  ): Task<T> {
    if (this.sealed) throw new Error(`read task "${name}" added after the read phase was sealed`)
    const task = this.addIn(group, name, deps, fn)
    const reads = this.reads.get(group) ?? []
    reads.push(task)
    this.reads.set(group, reads)
    return task
  }

  private writeIn<const Deps extends readonly Task<unknown>[], T>(
    group: string | undefined,
    name: string,
    deps: Deps,
    fn: (...values: Values<Deps>) => Promise<T>
  ): Task<T> {
    const all = [this.barrier(group).task, ...deps] as readonly Task<unknown>[]
    return this.addIn(group, name, all, (...values: unknown[]) => fn(...(values.slice(1) as Values<Deps>)))
  }

  private addIn<const Deps extends readonly Task<unknown>[], T>(
    group: string | undefined,
    name: string,
    deps: Deps,
    fn: (...values: Values<Deps>) => Promise<T>
  ): Task<T> {
    const promise = (async () => {
      let values: Values<Deps>
      try {
        values = (await Promise.all(deps.map((d) => d.promise))) as Values<Deps>
      } catch {
        throw new SkippedError(name)
      }
      const start = Date.now() - this.origin
      try {
        const value = await fn(...values)
        this.timings.push({ name, deps: deps.map((d) => d.name), start, end: Date.now() - this.origin, ok: true })
        return value
      } catch (err) {
        this.timings.push({ name, deps: deps.map((d) => d.name), start, end: Date.now() - this.origin, ok: false })
        if (!(err instanceof SkippedError) && !this.failedIn.has(err)) this.failedIn.set(err, group)
        throw err
      }
    })()
    promise.catch(() => undefined) // observed in settle()
    this.all.push(promise)
    return { name, promise }
  }

  /** Waits for every task; rethrows the first real failure (not the skips it caused), with the others attached. */
  async settle(): Promise<void> {
    this.seal()
    const results = await Promise.allSettled(this.all)
    const failures = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as unknown)
      .filter((e) => !(e instanceof SkippedError))
      .filter((e, i, all) => all.indexOf(e) === i) // writes held by a failed lookup fail with its very error
    if (failures.length > 0)
      throw new GraphFailure(
        failures,
        failures.map((f) => this.failedIn.get(f))
      )
  }

  /**
   * The chain that decided the wall time: from the task that finished last, back through the
   * dependency that released it (the one that finished last). `ms` is when that chain ended.
   */
  criticalPath(): { ms: number; chain: string[] } {
    const byName = new Map(this.timings.map((t) => [t.name, t]))
    // Timings are recorded in completion order: on a tie in milliseconds, the one recorded later finished later.
    const order = new Map(this.timings.map((t, i) => [t, i]))
    const later = (a: TaskTiming | undefined, t: TaskTiming): TaskTiming =>
      !a || t.end > a.end || (t.end === a.end && order.get(t)! > order.get(a)!) ? t : a
    let last = this.timings.reduce<TaskTiming | undefined>(later, undefined)
    const ms = last?.end ?? 0
    const chain: string[] = []
    while (last) {
      chain.unshift(last.name)
      last = last.deps
        .map((d) => byName.get(d))
        .filter((t): t is TaskTiming => !!t)
        .reduce<TaskTiming | undefined>(later, undefined)
    }
    return { ms, chain }
  }
}
