/**
 * The job runner: Agenda on the worker's own PostgreSQL database runs every feature's jobs, on their schedules and when
 * asked (API, webhook, CLI). Each execution is recorded as a run. Shutdown drains: no new jobs are taken, running
 * ones may finish within the allowed time, then they are told to stop, their runs are marked and their locks released.
 */
import { EventEmitter } from 'node:events';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda, exponential, InMemoryNotificationChannel, type Job } from 'agenda';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Database } from '../db/database.js';
import { StoppableNotificationChannel } from './notification-channel.js';
import { holdJobLease, LeaseLostError, type HeldLease } from './leases.js';
import { beginRun, createRun, failOrphanedRuns, getRun, type SyncRun } from './runs.js';
import type { AnyJobDefinition, Counters, EnqueueResult, JobQueue, RunStatus, Trigger } from './types.js';
import { observeAttempts } from '../resilience/index.js';

export class UnknownJobError extends Error {
  constructor(readonly job: string) {
    super(`There is no job named "${job}"; GET /api/jobs lists them`);
    this.name = 'UnknownJobError';
  }
}

export class InvalidJobDataError extends Error {
  constructor(
    readonly job: string,
    readonly zodError: z.ZodError,
  ) {
    super(`The data for job "${job}" is not valid`);
    this.name = 'InvalidJobDataError';
  }
}

export class ShutdownError extends Error {
  constructor() {
    super(
      'Interrupted: the worker shut down before the run finished; it will run again on its next schedule',
    );
    this.name = 'ShutdownError';
  }
}

/** What Agenda stores with each job: the run it belongs to (manual runs are created before they are queued). */
interface QueuedJobData {
  runId?: string;
  trigger?: Trigger;
  data?: unknown;
}

export interface JobOverview {
  name: string;
  description: string;
  schedule: string | null;
  nextRunAt: Date | null;
  lastRun: SyncRun | null;
}

/** A run of this process changed state: queued here, started, or finished (with its counters and duration). */
export interface RunChange {
  runId: string;
  job: string;
  status: RunStatus;
  counters?: Counters;
  durationMs?: number;
}

export interface RunnerDeps {
  config: Config;
  db: Database;
  pool: pg.Pool;
  log: Logger;
  /** The database is this process's embedded PGlite: no other process can queue jobs in it. */
  embedded?: boolean;
}

export class JobRunner implements JobQueue {
  readonly agenda: Agenda;
  private readonly definitions = new Map<string, AnyJobDefinition>();
  private readonly active = new Map<
    string,
    { controller: AbortController; done: Promise<unknown>; agendaJobId?: string }
  >();
  private readonly backend: PostgresBackend;
  // One listener per open status page and one for metrics: no fixed limit is right.
  private readonly changes = new EventEmitter().setMaxListeners(0);
  private started = false;

  constructor(
    private readonly deps: RunnerDeps,
    definitions: AnyJobDefinition[],
  ) {
    for (const def of definitions) {
      if (this.definitions.has(def.name)) throw new Error(`Two jobs are named "${def.name}"`);
      this.definitions.set(def.name, def);
    }
    // The backend's own channel is replaced by one that can be stopped while the database is away.
    const backend = new PostgresBackend({ pool: deps.pool, disableNotifications: true });
    this.backend = backend;
    const notificationChannel = deps.embedded
      ? // PGlite has one backend, so LISTEN/NOTIFY cannot wake another connection; as only this process can reach
        // the embedded database, an in-process channel wakes the runner as soon as a job is queued, not at the poll.
        new InMemoryNotificationChannel()
      : new StoppableNotificationChannel(deps.pool);
    // The LISTEN connection reconnects by itself after a database outage; unheard, its 'error' would end the process.
    notificationChannel.on('error', (error: Error) =>
      deps.log.warn({ err: error }, 'job notifications interrupted; reconnecting'),
    );
    this.agenda = new Agenda({
      backend,
      notificationChannel,
      processEvery: deps.config.JOB_PROCESS_EVERY,
      defaultLockLifetime: deps.config.JOB_LOCK_LIFETIME_MS,
      maxConcurrency: 20,
    });
    this.agenda.on('error', (error: Error) => deps.log.error({ err: error }, 'job runner error'));
  }

  /** Live run changes of this process (status page, metrics); returns the function that stops listening. */
  onRunChange(listener: (change: RunChange) => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  private announce(change: RunChange): void {
    try {
      this.changes.emit('change', change);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'a run change listener failed');
    }
  }

  get isStarted(): boolean {
    return this.started;
  }

  list(): AnyJobDefinition[] {
    return [...this.definitions.values()];
  }

  definition(name: string): AnyJobDefinition {
    const def = this.definitions.get(name);
    if (!def) throw new UnknownJobError(name);
    return def;
  }

  parseData(name: string, data: unknown): unknown {
    const def = this.definition(name);
    const result = def.data.safeParse(data ?? {});
    if (!result.success) throw new InvalidJobDataError(name, result.error);
    return result.data;
  }

  async start(): Promise<void> {
    const { config } = this.deps;
    for (const def of this.definitions.values()) {
      this.agenda.define(def.name, (job: Job<QueuedJobData>) => this.process(def, job), {
        concurrency: def.concurrency ?? 1,
        lockLimit: def.concurrency ?? 1,
        lockLifetime: config.JOB_LOCK_LIFETIME_MS,
        backoff: exponential({
          delay: config.JOB_BACKOFF_MS,
          factor: 2,
          jitter: 0.2,
          maxRetries: config.JOB_MAX_ATTEMPTS - 1,
        }),
      });
    }
    await this.agenda.start();
    releaseLockWatchTimers(this.agenda);
    takeNextAfterEachRun(this.agenda);
    await this.applySchedules();
    this.started = true;
  }

  /** Schedules follow the configuration: a job whose schedule was removed stops recurring. */
  private async applySchedules(): Promise<void> {
    const { config, log } = this.deps;
    for (const def of this.definitions.values()) {
      const schedule = config.SCHEDULES_ENABLED ? def.schedule?.(config) : undefined;
      if (schedule) {
        await this.agenda.every(schedule, def.name, { trigger: 'schedule' } satisfies QueuedJobData, {
          skipImmediate: true,
        });
        log.info({ job: def.name, schedule }, 'job scheduled');
      } else {
        await this.agenda.cancel({ name: def.name, data: { trigger: 'schedule' } });
      }
    }
  }

  async enqueue(name: string, data: unknown, trigger: Trigger): Promise<EnqueueResult> {
    const parsed = this.parseData(name, data);
    const runId = await createRun(this.deps.db, { job: name, trigger, data: parsed });
    await this.agenda.now(name, { runId, trigger, data: parsed } satisfies QueuedJobData);
    this.announce({ runId, job: name, status: 'queued' });
    return { runId };
  }

  /** Runs a job in this process right now, outside the queue (CLI, tests), and returns its finished run. */
  async runNow(
    name: string,
    data: unknown,
    trigger: Trigger = 'cli',
    onCreated?: (runId: string) => void,
  ): Promise<SyncRun> {
    const def = this.definition(name);
    const parsed = this.parseData(name, data);
    const runId = await createRun(this.deps.db, { job: name, trigger, data: parsed });
    onCreated?.(runId);
    await this.execute(def, { runId, trigger, data: parsed }).catch(() => undefined);
    return (await getRun(this.deps.db, runId))!;
  }

  private async process(def: AnyJobDefinition, job: Job<QueuedJobData>): Promise<void> {
    const queued = job.attrs.data ?? {};
    const { status, lockLost } = await this.execute(
      def,
      { runId: queued.runId, trigger: queued.trigger ?? 'schedule', data: queued.data ?? {} },
      job,
    );
    // Throwing hands the failure to Agenda's backoff, which retries the job later; not when another worker holds the
    // job now: a retry would queue it again while that worker runs it.
    if (status === 'failed' && !lockLost) throw new Error(`Run of ${def.name} failed`);
  }

  private async execute(
    def: AnyJobDefinition,
    input: { runId?: string; trigger: Trigger; data: unknown },
    agendaJob?: Job<QueuedJobData>,
  ): Promise<{ status: RunStatus; lockLost: boolean }> {
    const { db, log } = this.deps;
    const controller = new AbortController();
    const recorder = await beginRun(db, log, { ...input, job: def.name, signal: controller.signal });
    const startedAt = Date.now();
    this.announce({ runId: recorder.runId, job: def.name, status: 'running' });
    const lock =
      agendaJob && this.renewAgendaLock(agendaJob, () => controller.abort(new LeaseLostError(def.name)));
    const work = (async () => {
      let error: unknown;
      let lease: HeldLease | undefined;
      try {
        if ((def.concurrency ?? 1) === 1) {
          lease = await holdJobLease(db, def.name, recorder.runId, {
            signal: controller.signal,
            // A crashed worker's job is taken over once its Agenda lock expires; its lease must be free by then.
            ttlMs: Math.min(this.deps.config.JOB_LOCK_LIFETIME_MS, 60_000),
            onWait: (holder) =>
              recorder.event({
                level: 'info',
                message: `Waiting for run ${holder} of ${def.name} to end: the job runs one at a time, and another worker process or CLI is running it.`,
              }),
            onLost: () => controller.abort(new LeaseLostError(def.name)),
          });
        }
        const data = def.data.parse(input.data ?? {});
        await observeAttempts(
          (attempt) => recorder.recordAttempt(attempt),
          () => def.run(recorder, data),
        );
        if (controller.signal.aborted) error = controller.signal.reason;
      } catch (caught) {
        error = controller.signal.aborted ? controller.signal.reason : caught;
      } finally {
        await lock?.stop();
        await lease
          ?.release()
          .catch((releaseError: unknown) =>
            log.warn(
              { err: releaseError, job: def.name },
              'could not give back the job lease; it expires by itself',
            ),
          );
      }
      const status = await recorder.finish(error);
      this.announce({
        runId: recorder.runId,
        job: def.name,
        status,
        counters: { ...recorder.counters },
        durationMs: Date.now() - startedAt,
      });
      return { status, lockLost: lock?.lost ?? false };
    })();
    this.active.set(recorder.runId, {
      controller,
      done: work,
      agendaJobId: agendaJob?.attrs._id === undefined ? undefined : String(agendaJob.attrs._id),
    });
    try {
      return await work;
    } finally {
      this.active.delete(recorder.runId);
    }
  }

  /**
   * Keeps a queued run's Agenda lock fresh while it works. A lock older than JOB_LOCK_LIFETIME_MS counts as a crashed
   * worker's, so without this a run longer than the lifetime was taken by another worker and started a second time
   * (and Agenda's own watch in this process gave up on it). A renewal succeeds only while the lock is still the one
   * this run holds: when it is not (it expired during a database outage and another worker took the job), the run is
   * told to stop. The lock's time is kept on the job too, where Agenda's watch reads it.
   */
  private renewAgendaLock(
    job: Job<QueuedJobData>,
    onLost: () => void,
  ): { readonly lost: boolean; stop(): Promise<void> } {
    const id = job.attrs._id;
    if (id === undefined) return { lost: false, stop: async () => undefined };
    let renewing: Promise<void> = Promise.resolve();
    let stopped = false;
    let lost = false;
    const renew = async () => {
      if (stopped) return;
      const held = job.attrs.lockedAt;
      const renewed = new Date();
      try {
        const result = await this.deps.pool.query(
          'UPDATE agenda_jobs SET locked_at = $2 WHERE id = $1 AND locked_at = $3',
          [String(id), renewed, held ?? null],
        );
        if (stopped) return;
        if (result.rowCount === 1) job.attrs.lockedAt = renewed;
        else {
          lost = true;
          stopped = true;
          onLost();
        }
      } catch (error) {
        // A database outage: the next renewal tries again, and the lifetime leaves room for a few misses.
        this.deps.log.warn({ err: error, job: job.attrs.name }, 'could not renew a job lock; trying again');
      }
    };
    const timer = setInterval(() => {
      renewing = renewing.then(renew);
    }, this.deps.config.JOB_LOCK_LIFETIME_MS / 4);
    timer.unref();
    return {
      get lost() {
        return lost;
      },
      async stop() {
        stopped = true;
        clearInterval(timer);
        await renewing;
      },
    };
  }

  runningRunIds(): string[] {
    return [...this.active.keys()];
  }

  async overview(): Promise<Omit<JobOverview, 'lastRun'>[]> {
    const result = await this.agenda.queryJobs({ names: [...this.definitions.keys()] });
    const next = new Map<string, Date>();
    for (const job of result.jobs) {
      const at = job.nextRunAt ? new Date(job.nextRunAt) : null;
      const current = next.get(job.name);
      if (at && (!current || at < current)) next.set(job.name, at);
    }
    return this.list().map((def) => ({
      name: def.name,
      description: def.description,
      schedule: this.deps.config.SCHEDULES_ENABLED ? (def.schedule?.(this.deps.config) ?? null) : null,
      nextRunAt: next.get(def.name) ?? null,
    }));
  }

  /**
   * Graceful drain: stop taking jobs, let running ones finish for up to timeoutMs, then abort them, mark their runs
   * failed with the reason, and release their locks so the next worker can take them.
   */
  async stop(timeoutMs: number): Promise<{ interrupted: number }> {
    if (!this.started) {
      // Agenda connects its backend as soon as it is built; let that finish before the pool goes away.
      await this.agenda.ready.catch(() => undefined);
      return { interrupted: 0 };
    }
    this.started = false;
    const result = await this.agenda.drain({ timeout: timeoutMs, closeConnection: false });
    let interrupted = 0;
    if (result.timedOut || this.active.size > 0) {
      const left = [...this.active.entries()];
      for (const [, run] of left) run.controller.abort(new ShutdownError());
      // A job that honours its signal records its own end; give it a moment before marking the rest.
      await Promise.race([Promise.allSettled(left.map(([, r]) => r.done)), delay(5_000)]);
      interrupted = await failOrphanedRuns(this.deps.db, new ShutdownError().message, {
        runIds: left.map(([id]) => id),
      });
      // Drain does not unlock jobs it gave up on; unlocked, they are taken again by the next worker at once instead
      // of waiting out JOB_LOCK_LIFETIME_MS.
      const lockedJobIds = left.flatMap(([, run]) => (run.agendaJobId ? [run.agendaJobId] : []));
      if (lockedJobIds.length > 0) await this.backend.repository.unlockJobs(lockedJobIds);
    }
    await this.agenda.stop(false);
    return { interrupted };
  }
}

/**
 * Agenda (6.2.6) watches every job it runs with a timer of half the lock lifetime (an hour by default), made by a
 * private `delay` in JobProcessor.runOrRetry that neither stop() nor drain() clears: a process that ran a job and
 * stopped its worker stayed alive until it fired. The timer is created synchronously when runOrRetry starts the job,
 * so it is caught there and unref'd: it still fires while the process lives, but no longer keeps a stopped one alive.
 * (A job still running at that check gets one more such timer; its lock is renewed, so the check finds it alive.)
 */
function releaseLockWatchTimers(agenda: Agenda): void {
  const processor = (agenda as unknown as { jobProcessor?: { runOrRetry(job: Job): Promise<void> } })
    .jobProcessor;
  if (!processor) throw new Error('Agenda has no job processor after start(); its internals changed');
  const runOrRetry = processor.runOrRetry.bind(processor);
  processor.runOrRetry = (job) => {
    const created: NodeJS.Timeout[] = [];
    const original = globalThis.setTimeout;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      const timer = original(...args);
      created.push(timer);
      return timer;
    }) as typeof setTimeout;
    try {
      return runOrRetry(job);
    } finally {
      globalThis.setTimeout = original;
      for (const timer of created) timer.unref();
    }
  };
}

/** The parts of Agenda's (6.2.6) job processor that take due jobs: its scan, per job name, and its local queue. */
interface JobProcessorInternals {
  isRunning: boolean;
  processInterval?: NodeJS.Timeout;
  runningJobs: Job[];
  runOrRetry(job: Job): Promise<void>;
  jobQueueFilling(name: string): Promise<void>;
  jobProcessing(): Promise<void>;
}

/**
 * Agenda takes due jobs of a name only on its scan (every JOB_PROCESS_EVERY) or when told one was queued, and
 * never more than the name's lock limit (its concurrency) at a time; a run ending does not take the next. A backlog
 * of short runs therefore drained at `concurrency` runs per scan: in `npm run demo`, four crm-change runs every 2 s
 * behind a burst of CRM webhooks, so the salesperson's quote waited over 30 s (agenda issues #1045 and #1459). After
 * each run this takes the next due jobs of its name at once, as the scan would, unless the runner is stopping.
 */
function takeNextAfterEachRun(agenda: Agenda): void {
  const processor = (agenda as unknown as { jobProcessor?: JobProcessorInternals }).jobProcessor;
  if (!processor || typeof processor.jobQueueFilling !== 'function')
    throw new Error('Agenda has no job processor after start(); its internals changed');
  const runOrRetry = processor.runOrRetry.bind(processor);
  processor.runOrRetry = async (job) => {
    const done = runOrRetry(job);
    // A job that found no free slot went back to the queue: it ended nothing, so there is nothing to take.
    const ran = processor.runningJobs.includes(job);
    await done;
    // drain() and stop() clear the scan's interval: a stopping runner takes nothing new.
    if (!ran || !processor.isRunning || processor.processInterval === undefined) return;
    try {
      await processor.jobQueueFilling(job.attrs.name);
      await processor.jobProcessing();
    } catch (error) {
      agenda.emit('error', error);
    }
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
