/**
 * A queued run keeps its Agenda lock while it works, however long it takes: two workers share one database with a
 * lock lifetime much shorter than the run, and the run is started once. A run whose lock was taken from it stops.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FeatureFactory } from '../../src/feature.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';
import { until } from '../payamgostar-siagh/harness.js';

const lockLifetimeMs = 3_000;
/** Each test starts two workers on a fresh database, which takes a while on a loaded machine. */
const twoWorkerTimeoutMs = 180_000;

/** A job that works for `workMs` (or until told to stop), recording which worker started it. */
function longJob(worker: string, starts: string[], workMs: number): FeatureFactory {
  return () => ({
    name: 'long-test',
    jobs: [
      {
        name: 'test.long',
        description: 'works longer than the lock lifetime',
        data: z.strictObject({}),
        async run(ctx) {
          starts.push(worker);
          await sleep(workMs, undefined, { signal: ctx.signal });
        },
      },
    ],
  });
}

describe.each(databaseKinds)('job lock renewal on %s', (kind) => {
  let database: TestDatabase | undefined;
  const workers: TestWorker[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await database?.close();
    database = undefined;
  });

  async function twoWorkers(starts: string[], workMs: number) {
    database = await createTestDatabase(kind);
    for (const name of ['a', 'b'])
      workers.push(
        await startTestWorker(kind, {
          database,
          features: [longJob(name, starts, workMs)],
          env: { JOB_LOCK_LIFETIME_MS: String(lockLifetimeMs) },
        }),
      );
    return workers as [TestWorker, TestWorker];
  }

  const lockedJobs = async () =>
    (
      await database!.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM agenda_jobs WHERE name = 'test.long' AND locked_at IS NOT NULL`,
      )
    ).rows[0]!.n;

  it(
    'starts a run longer than the lock lifetime once, though another worker polls the same database',
    async () => {
      const starts: string[] = [];
      const [a, b] = await twoWorkers(starts, (lockLifetimeMs * 8) / 3);
      const { runId } = await a.worker.runner.enqueue('test.long', {}, 'manual');
      const run = await waitForRun(a, runId, 60_000);
      // Taken over, the run would be started again by the other worker once this one gave up the job's lease.
      await until(
        'both workers idle and the job unlocked',
        async () =>
          a.worker.runner.runningRunIds().length + b.worker.runner.runningRunIds().length === 0 &&
          (await lockedJobs()) === 0
            ? true
            : undefined,
        30_000,
      );
      expect(starts).toHaveLength(1);
      expect(run).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect((await waitForRun(a, runId)).attempt).toBe(1);
    },
    twoWorkerTimeoutMs,
  );

  it(
    'stops a run whose lock another worker took, so that two never work on it at once',
    async () => {
      const starts: string[] = [];
      const [a] = await twoWorkers(starts, 60_000);
      const { runId } = await a.worker.runner.enqueue('test.long', {}, 'manual');
      await until('the run started', () => (starts.length > 0 ? true : undefined));
      // As a worker does that takes over a lock it found expired.
      await database!.pool.query(
        `UPDATE agenda_jobs SET locked_at = now() + interval '1 hour' WHERE name = 'test.long'`,
      );
      const run = await waitForRun(a, runId, 30_000);
      expect(run).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/lost its hold on test.long/),
      });
      expect(starts).toHaveLength(1);
    },
    twoWorkerTimeoutMs,
  );
});
