/**
 * Runs the reconciliation as a dependency graph: each task starts the moment its dependencies have
 * resolved, so independent branches (Choreo and Asgardeo, lookups within a service) overlap. A failed
 * task skips its dependents; `settle()` waits for everything already in flight before reporting, so a
 * failure never leaves a write running unobserved.
 */

export class SkippedError extends Error {
  constructor(readonly task: string) {
    super(`${task} skipped: a task it depends on failed`)
  }
}

/** Every independent failure of a run; the message is the first one's. */
export class GraphFailure extends Error {
  /** What the run had found and done before it failed (set by the caller), for the report. */
  partial?: unknown

  constructor(readonly failures: unknown[]) {
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

export class TaskGraph {
  readonly timings: TaskTiming[] = []
  private readonly all: Promise<unknown>[] = []
  private readonly origin = Date.now()
  private readonly reads: Task<unknown>[] = []
  private sealed = false
  private passed = false
  private openBarrier!: (ok: boolean) => void
  /**
   * Reads, then writes: the barrier every write task waits on. It passes once every read task has
   * succeeded; a read that refutes an input fails it, and then no write ever starts.
   */
  readonly preflight: Task<void> = {
    name: 'pre-flight',
    promise: new Promise<boolean>((resolve) => (this.openBarrier = resolve)).then((ok) => {
      if (!ok) throw new SkippedError('pre-flight')
    })
  }

  constructor() {
    this.preflight.promise.catch(() => undefined) // observed through its dependents
  }

  /** Whether the read phase is over and succeeded: writes may be sent (the clients check this). */
  get writesOpen(): boolean {
    return this.passed
  }

  /** A task of the read phase: it may only read, and may refute an input. */
  read<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T> {
    if (this.sealed) throw new Error(`read task "${name}" added after the read phase was sealed`)
    const task = this.add(name, deps, fn)
    this.reads.push(task)
    return task
  }

  /** A task of the write phase: it starts only once every read has succeeded. */
  write<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T> {
    const all = [this.preflight, ...deps] as readonly Task<unknown>[]
    return this.add(name, all, (...values: unknown[]) => fn(...(values.slice(1) as Values<Deps>)))
  }

  /** Ends the read phase: the barrier passes when every read task registered so far has succeeded. */
  seal(): void {
    if (this.sealed) return
    this.sealed = true
    const barrier = this.add('pre-flight', this.reads, async () => {
      this.passed = true
    })
    barrier.promise.then(
      () => this.openBarrier(true),
      () => this.openBarrier(false)
    )
  }

  add<const Deps extends readonly Task<unknown>[], T>(name: string, deps: Deps, fn: (...values: Values<Deps>) => Promise<T>): Task<T> {
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
    if (failures.length > 0) throw new GraphFailure(failures)
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
