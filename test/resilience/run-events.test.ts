/** Every attempt a client makes during a job lands in that run's events, without the client knowing about runs. */
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureFactory } from '../../src/feature.js';
import { ResiliencePolicy } from '../../src/resilience/index.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';

class Flaky extends Error {}

describe.each(databaseKinds)('attempt events in a run on %s', (kind) => {
  let tw: TestWorker;
  let failuresLeft = 0;
  const policy = new ResiliencePolicy({
    system: 'Flaky system',
    concurrency: 1,
    retries: 2,
    retryBaseMs: 5,
    breakerThreshold: 0,
    classify: (error) => ({ class: error instanceof Flaky ? 'retryable' : 'permanent' }),
  });
  const flakyFeature: FeatureFactory = () => ({
    name: 'flaky',
    jobs: [
      {
        name: 'flaky.fetch',
        description: 'Calls a system that fails a set number of times first.',
        data: z.object({ failures: z.number().int().min(0) }),
        async run(ctx, data) {
          failuresLeft = data.failures;
          await policy.execute(
            async () => {
              if (failuresLeft-- > 0) throw new Flaky('503 Service Unavailable');
            },
            { what: 'GET /records', signal: ctx.signal },
          );
          ctx.count('created');
        },
      },
    ],
  });

  beforeAll(async () => {
    tw = await startTestWorker(kind, { features: [flakyFeature] });
  });
  afterAll(async () => {
    await tw?.stop();
  });

  const run = async (failures: number) => {
    const res = await tw.api('/api/jobs/flaky.fetch/run', { method: 'POST', json: { failures } });
    return waitForRun(tw, ((await res.json()) as { runId: string }).runId);
  };

  it('records each retry of a run that then succeeds', async () => {
    const result = await run(2);
    expect(result.status).toBe('succeeded');
    const retries = result.events.filter((e) => e.entity === 'system:Flaky system');
    expect(retries.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^Flaky system: GET \/records failed on attempt 1 \(503 Service Unavailable\); trying again in \d+ ms$/,
      ),
      expect.stringMatching(/failed on attempt 2/),
    ]);
  });

  it('records the give-up of a run that fails after its last retry', async () => {
    const result = await run(5);
    expect(result.status).toBe('failed');
    expect(result.events.map((e) => e.message)).toContain(
      'Flaky system: GET /records failed 3 times (503 Service Unavailable); giving up',
    );
  });
});
