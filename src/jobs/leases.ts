/**
 * One run at a time of a job, across every worker process and CLI that share the database: Agenda's own limit holds
 * within a process only, and `syncworker run` runs a job in its own process. A run takes the job's lease before it
 * starts, waits while another run holds it, renews it while working and gives it back at the end. The database's
 * clock decides expiry, so processes on machines whose clocks differ still agree.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { jobLeases } from '../models/index.js';

export class LeaseLostError extends Error {
  constructor(job: string) {
    super(
      `The run lost its hold on ${job} (it could not renew it in time, so another run may have started); it stopped ` +
        'so that two runs never work at once. The next run carries on.',
    );
    this.name = 'LeaseLostError';
  }
}

export interface LeaseOptions {
  signal: AbortSignal;
  /** A lease not renewed for this long is free again. */
  ttlMs?: number;
  /** How often a waiting run asks again. */
  pollMs?: number;
  /** Called once when the lease is held by another run. */
  onWait?: (holderRunId: string) => Promise<void>;
  /** Called when a renewal finds the lease gone. */
  onLost: () => void;
}

export interface HeldLease {
  release(): Promise<void>;
}

const seconds = (ms: number) => sql`make_interval(secs => ${ms / 1000}::float8)`;

/** Takes the lease when it is free, expired or already ours; otherwise returns the run holding it. */
async function tryAcquire(
  db: Database,
  job: string,
  runId: string,
  ttlMs: number,
): Promise<{ acquired: true } | { acquired: false; holder: string }> {
  const taken = await db
    .insert(jobLeases)
    .values({ job, runId, acquiredAt: sql`now()`, expiresAt: sql`now() + ${seconds(ttlMs)}` })
    .onConflictDoUpdate({
      target: jobLeases.job,
      set: { runId, acquiredAt: sql`now()`, expiresAt: sql`now() + ${seconds(ttlMs)}` },
      setWhere: sql`${jobLeases.expiresAt} < now() OR ${jobLeases.runId} = ${runId}`,
    })
    .returning({ runId: jobLeases.runId });
  if (taken.length > 0) return { acquired: true };
  const [holder] = await db.select({ runId: jobLeases.runId }).from(jobLeases).where(eq(jobLeases.job, job));
  // Released between the two statements: the next attempt takes it.
  return { acquired: false, holder: holder?.runId ?? '' };
}

export async function holdJobLease(
  db: Database,
  job: string,
  runId: string,
  options: LeaseOptions,
): Promise<HeldLease> {
  const ttlMs = options.ttlMs ?? 60_000;
  const pollMs = options.pollMs ?? 1_000;
  let waited = false;
  for (;;) {
    options.signal.throwIfAborted();
    const attempt = await tryAcquire(db, job, runId, ttlMs);
    if (attempt.acquired) break;
    if (!waited && attempt.holder) {
      waited = true;
      await options.onWait?.(attempt.holder);
    }
    // The timer drops its abort listener when it fires: a run may wait here through a long sync of another process,
    // and a listener left on the signal per poll would pile up. An abort ends the wait, and the loop throws.
    await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  const mine = and(eq(jobLeases.job, job), eq(jobLeases.runId, runId));
  const renewal = setInterval(() => {
    db.update(jobLeases)
      .set({ expiresAt: sql`now() + ${seconds(ttlMs)}` })
      .where(mine)
      .returning({ job: jobLeases.job })
      .then(
        (rows) => {
          if (rows.length === 0) options.onLost();
        },
        // A database outage: the next renewal tries again, and expiry is far enough away for a few misses.
        () => undefined,
      );
  }, ttlMs / 3);
  renewal.unref();
  return {
    async release() {
      clearInterval(renewal);
      await db.delete(jobLeases).where(mine);
    },
  };
}
