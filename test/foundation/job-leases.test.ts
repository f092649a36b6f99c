import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureFactory } from '../../src/feature.js';
import { holdJobLease } from '../../src/jobs/leases.js';
import { createRun, getRun } from '../../src/jobs/runs.js';
import { jobLeases, syncRuns } from '../../src/models/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';

/** A job that works until the test lets it go, recording when each run worked. */
function gatedJobs() {
  const spans: { run: string; start: number; end?: number }[] = [];
  const gates: (() => void)[] = [];
  const started: (() => void)[] = [];
  const work = async (runId: string) => {
    const span = { run: runId, start: performance.now() } as (typeof spans)[number];
    spans.push(span);
    started.splice(0).forEach((wake) => wake());
    await new Promise<void>((resolve) => gates.push(resolve));
    span.end = performance.now();
  };
  const feature: FeatureFactory = () => ({
    name: 'lease-test',
    jobs: [
      {
        name: 'test.exclusive',
        description: 'one at a time',
        data: z.strictObject({}),
        run: (ctx) => work(ctx.runId),
      },
      {
        name: 'test.parallel',
        description: 'two at a time',
        data: z.strictObject({}),
        concurrency: 2,
        run: (ctx) => work(ctx.runId),
      },
    ],
  });
  return {
    spans,
    feature,
    release: () => gates.shift()?.(),
    nextStart: () => new Promise<void>((resolve) => started.push(resolve)),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(databaseKinds)('job leases on %s', (kind) => {
  let database: TestDatabase | undefined;
  const workers: TestWorker[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await database?.close();
    database = undefined;
  });

  async function twoProcesses(feature: FeatureFactory) {
    database = await createTestDatabase(kind);
    for (let i = 0; i < 2; i++) workers.push(await startTestWorker(kind, { database, features: [feature] }));
    return workers as [TestWorker, TestWorker];
  }

  it('runs a one-at-a-time job in one process while the other process waits for it', async () => {
    const jobs = gatedJobs();
    const [a, b] = await twoProcesses(jobs.feature);
    const firstStarted = jobs.nextStart();
    const first = a.worker.runner.runNow('test.exclusive', {}, 'cli');
    await firstStarted;
    const second = b.worker.runner.runNow('test.exclusive', {}, 'cli');
    await sleep(1_500);
    expect(jobs.spans).toHaveLength(1);
    const secondStarted = jobs.nextStart();
    jobs.release();
    await secondStarted;
    jobs.release();
    const [r1, r2] = await Promise.all([first, second]);
    expect([r1.status, r2.status]).toEqual(['succeeded', 'succeeded']);
    expect(jobs.spans[1]!.start).toBeGreaterThanOrEqual(jobs.spans[0]!.end!);
    const { rows } = await database!.db.execute<{ message: string }>(
      sql`SELECT message FROM sync_run_events WHERE run_id = ${r2.id}`,
    );
    expect(rows.map((r) => r.message)).toContainEqual(
      expect.stringContaining(`Waiting for run ${r1.id} of test.exclusive to end`),
    );
    expect(await database!.db.select().from(jobLeases)).toEqual([]);
  });

  it('lets a job that allows two runs at once run in both processes together', async () => {
    const jobs = gatedJobs();
    const [a, b] = await twoProcesses(jobs.feature);
    const firstStarted = jobs.nextStart();
    const first = a.worker.runner.runNow('test.parallel', {}, 'cli');
    await firstStarted;
    const secondStarted = jobs.nextStart();
    const second = b.worker.runner.runNow('test.parallel', {}, 'cli');
    await secondStarted;
    expect(jobs.spans).toHaveLength(2);
    jobs.release();
    jobs.release();
    expect((await Promise.all([first, second])).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('takes over the lease of a process that died, once it has expired', async () => {
    const jobs = gatedJobs();
    const [a] = await twoProcesses(jobs.feature);
    await database!.db.insert(jobLeases).values({
      job: 'test.exclusive',
      runId: '00000000-0000-4000-8000-000000000001',
      acquiredAt: new Date(Date.now() - 120_000),
      expiresAt: sql`now() - interval '1 second'`,
    });
    const started = jobs.nextStart();
    const run = a.worker.runner.runNow('test.exclusive', {}, 'cli');
    await started;
    jobs.release();
    expect((await run).status).toBe('succeeded');
  });

  it('tells the holder when its lease was taken from it, so it can stop', async () => {
    database = await createTestDatabase(kind);
    const runId = '00000000-0000-4000-8000-000000000002';
    let lost = false;
    const lease = await holdJobLease(database.db, 'test.exclusive', runId, {
      signal: new AbortController().signal,
      ttlMs: 300,
      onLost: () => (lost = true),
    });
    await database.db
      .update(jobLeases)
      .set({ runId: '00000000-0000-4000-8000-000000000003' })
      .where(eq(jobLeases.job, 'test.exclusive'));
    for (let i = 0; i < 50 && !lost; i++) await sleep(50);
    expect(lost).toBe(true);
    await lease.release();
    // Giving back a lease that is no longer ours leaves the new holder's alone.
    expect(await database.db.select({ runId: jobLeases.runId }).from(jobLeases)).toEqual([
      { runId: '00000000-0000-4000-8000-000000000003' },
    ]);
  });

  it('leaves a long run alone at start-up while its worker still renews its lease, and fails one nobody holds', async () => {
    database = await createTestDatabase(kind);
    const db = database.db;
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const held = await createRun(db, { job: 'test.exclusive', trigger: 'schedule', status: 'running' });
    const dead = await createRun(db, { job: 'test.parallel', trigger: 'schedule', status: 'running' });
    await db
      .update(syncRuns)
      .set({ startedAt: twoHoursAgo })
      .where(inArray(syncRuns.id, [held, dead]));
    const lease = await holdJobLease(db, 'test.exclusive', held, {
      signal: new AbortController().signal,
      ttlMs: 60_000,
      onLost: () => undefined,
    });
    try {
      workers.push(await startTestWorker(kind, { database, features: [gatedJobs().feature] }));
      expect((await getRun(db, held))!.status).toBe('running');
      expect(await getRun(db, dead)).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('Interrupted'),
      });
    } finally {
      await lease.release();
    }
  });
});
