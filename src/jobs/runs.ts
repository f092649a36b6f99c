/**
 * The run recorder: every job run is a row in sync_runs with its counters, progress and per-record events. Jobs only
 * see the RunContext; this module owns how a run is stored and how its final status is decided.
 */
import { and, desc, eq, gt, inArray, lt, notExists, sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AttemptEvent } from '../resilience/index.js';
import type { Database } from '../db/database.js';
import { storableCopy } from '../storable-text.js';
import { jobLeases, syncRunEvents, syncRuns } from '../models/index.js';
import type {
  CounterName,
  Counters,
  RunContext,
  RunEventInput,
  RunProgress,
  RunStatus,
  Trigger,
} from './types.js';

export type SyncRun = typeof syncRuns.$inferSelect;
export type SyncRunEvent = typeof syncRunEvents.$inferSelect;

export async function createRun(
  db: Database,
  input: { job: string; trigger: Trigger; data?: unknown; status?: RunStatus },
): Promise<string> {
  const [row] = await db
    .insert(syncRuns)
    .values({
      job: input.job,
      trigger: input.trigger,
      data: input.data ?? null,
      status: input.status ?? 'queued',
    })
    .returning({ id: syncRuns.id });
  return row!.id;
}

export async function getRun(db: Database, id: string): Promise<SyncRun | undefined> {
  return db.query.syncRuns.findFirst({ where: eq(syncRuns.id, id) });
}

export async function runEvents(db: Database, runId: string, limit = 1000): Promise<SyncRunEvent[]> {
  return db
    .select()
    .from(syncRunEvents)
    .where(eq(syncRunEvents.runId, runId))
    .orderBy(syncRunEvents.id)
    .limit(limit);
}

export interface RunFilter {
  job?: string;
  status?: RunStatus;
  /** Keyset: runs queued strictly before this (queuedAt, id). */
  before?: { queuedAt: Date; id: string };
  limit: number;
}

export async function listRuns(db: Database, filter: RunFilter): Promise<SyncRun[]> {
  const where: SQL[] = [];
  if (filter.job) where.push(eq(syncRuns.job, filter.job));
  if (filter.status) where.push(eq(syncRuns.status, filter.status));
  if (filter.before)
    where.push(
      sql`(${syncRuns.queuedAt}, ${syncRuns.id}) < (${filter.before.queuedAt}, ${filter.before.id})`,
    );
  return db
    .select()
    .from(syncRuns)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(syncRuns.queuedAt), desc(syncRuns.id))
    .limit(filter.limit);
}

/** The newest run of each job, for the job list. */
export async function lastRuns(db: Database): Promise<Map<string, SyncRun>> {
  const rows = await db
    .selectDistinctOn([syncRuns.job])
    .from(syncRuns)
    .orderBy(syncRuns.job, desc(syncRuns.queuedAt));
  return new Map(rows.map((r) => [r.job, r]));
}

/**
 * Marks runs that can no longer finish as failed, so history never shows a ghost: either the given runs (this process
 * is giving up on them), or runs started before a time after which no live worker can still hold their lock — unless
 * a live worker still renews the run's job lease, as one does through a run longer than the lock's lifetime.
 */
export async function failOrphanedRuns(
  db: Database,
  reason: string,
  scope: { runIds: string[] } | { startedBefore: Date },
): Promise<number> {
  if ('runIds' in scope && scope.runIds.length === 0) return 0;
  const which =
    'runIds' in scope
      ? inArray(syncRuns.id, scope.runIds)
      : and(
          eq(syncRuns.status, 'running'),
          lt(syncRuns.startedAt, scope.startedBefore),
          notExists(
            db
              .select({ runId: jobLeases.runId })
              .from(jobLeases)
              .where(and(eq(jobLeases.runId, syncRuns.id), gt(jobLeases.expiresAt, sql`now()`))),
          ),
        );
  const rows = await db
    .update(syncRuns)
    .set({ status: 'failed', error: reason, finishedAt: new Date() })
    .where(and(which, inArray(syncRuns.status, ['running', 'queued'])))
    .returning({ id: syncRuns.id });
  return rows.length;
}

export async function pruneRuns(db: Database, olderThan: Date): Promise<number> {
  const rows = await db
    .delete(syncRuns)
    .where(and(lt(syncRuns.queuedAt, olderThan), sql`${syncRuns.status} NOT IN ('running', 'queued')`))
    .returning({ id: syncRuns.id });
  return rows.length;
}

const emptyCounters = (): Counters => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  deleted: 0,
  failed: 0,
});

/** A run in progress: the RunContext handed to the job, plus what the executor needs to finish it. */
export class RunRecorder implements RunContext {
  readonly counters = emptyCounters();
  private errorEvents = 0;
  private readonly pendingEvents = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    readonly runId: string,
    readonly job: string,
    readonly trigger: Trigger,
    readonly log: Logger,
    readonly signal: AbortSignal,
  ) {}

  count(counter: CounterName, n = 1): void {
    this.counters[counter] += n;
  }

  async event(event: RunEventInput): Promise<void> {
    if (event.level === 'error') this.errorEvents += 1;
    this.log[event.level]({ entity: event.entity, details: event.details }, event.message);
    // An event often quotes what a remote sent; text PostgreSQL cannot store must not cost the event that reports it.
    await this.db.insert(syncRunEvents).values({
      runId: this.runId,
      level: event.level,
      entity: event.entity === undefined ? null : storableCopy(event.entity),
      message: storableCopy(event.message),
      details: event.details === undefined ? null : storableCopy(event.details),
    });
  }

  /**
   * A retry, give-up or circuit change of the resilience kit during this run. Written in the background so the
   * request that caused it is not held up; `finish` waits for it.
   */
  recordAttempt(attempt: AttemptEvent): void {
    const written = this.event({
      level: attempt.outcome === 'retrying' || attempt.outcome === 'reauthenticating' ? 'info' : 'warn',
      message: attemptMessage(attempt),
      entity: `system:${attempt.system}`,
      details: attempt,
    })
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not record an attempt event'))
      .finally(() => this.pendingEvents.delete(written));
    this.pendingEvents.add(written);
  }

  async progress(progress: RunProgress): Promise<void> {
    await this.db
      .update(syncRuns)
      .set({ progress: storableCopy(progress), ...this.counters })
      .where(eq(syncRuns.id, this.runId));
  }

  /** Failed when the job threw; partial when some records failed or errors were recorded; succeeded otherwise. */
  outcome(error: unknown): RunStatus {
    if (error !== undefined) return 'failed';
    return this.counters.failed > 0 || this.errorEvents > 0 ? 'partial' : 'succeeded';
  }

  async finish(error: unknown): Promise<RunStatus> {
    await Promise.all(this.pendingEvents);
    const status = this.outcome(error);
    const message =
      error === undefined ? null : storableCopy(error instanceof Error ? error.message : String(error));
    if (message) await this.event({ level: 'error', message: `Run failed: ${message}` });
    await this.db
      .update(syncRuns)
      .set({ status, ...this.counters, finishedAt: new Date(), error: message })
      .where(eq(syncRuns.id, this.runId));
    return status;
  }
}

/** Moves a queued run (or a new one) to running and returns its recorder. */
export async function beginRun(
  db: Database,
  log: Logger,
  input: { runId?: string; job: string; trigger: Trigger; data?: unknown; signal: AbortSignal },
): Promise<RunRecorder> {
  const runId =
    input.runId ?? (await createRun(db, { job: input.job, trigger: input.trigger, data: input.data }));
  await db
    .update(syncRuns)
    .set({
      status: 'running',
      startedAt: new Date(),
      attempt: sql`${syncRuns.attempt} + 1`,
      finishedAt: null,
      error: null,
    })
    .where(eq(syncRuns.id, runId));
  return new RunRecorder(
    db,
    runId,
    input.job,
    input.trigger,
    log.child({ job: input.job, runId }),
    input.signal,
  );
}

function attemptMessage(attempt: AttemptEvent): string {
  const cause = attempt.error ? ` (${attempt.error})` : '';
  switch (attempt.outcome) {
    case 'retrying':
      return `${attempt.system}: ${attempt.what} failed on attempt ${attempt.attempt}${cause}; trying again in ${attempt.delayMs} ms`;
    case 'gave-up':
      return `${attempt.system}: ${attempt.what} failed ${attempt.attempt} times${cause}; giving up`;
    case 'reauthenticating':
      return `${attempt.system}: ${attempt.what} was refused for authentication${cause}; logging in again`;
    case 'circuit-opened':
      return `${attempt.system} failed ${attempt.attempt} times in a row${cause}: no requests are sent to it for ${attempt.delayMs} ms`;
    case 'circuit-closed':
      return `${attempt.system} answers again: requests flow normally`;
  }
}
