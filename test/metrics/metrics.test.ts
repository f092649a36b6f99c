/**
 * GET /metrics as Prometheus scrapes it: behind the API key or the metrics token, in the text format, with the runs,
 * external requests, circuits, webhooks, outbox, quarantine, pool and process figures of a working worker.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Feature, FeatureFactory } from '../../src/feature.js';
import { ResiliencePolicy } from '../../src/resilience/index.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, testApiKey, type TestWorker } from '../helpers/worker.js';

const metricsToken = 'scraper-token-0123456789';

class Flaky extends Error {}

/** A job that calls a system through the resilience kit: two attempts fail and are retried, then one succeeds. */
const callingFeature: FeatureFactory = (): Feature => {
  const policy = new ResiliencePolicy({
    system: 'Example',
    concurrency: 1,
    retries: 3,
    retryBaseMs: 1,
    breakerThreshold: 0,
    classify: (error) => ({ class: error instanceof Flaky ? 'retryable' : 'permanent' }),
  });
  const webhooks = express.Router();
  webhooks.post('/example/webhook', (req, res) => {
    res.status(req.get('x-secret') === 'right' ? 202 : 401).end();
  });
  return {
    name: 'example',
    webhooks,
    jobs: [
      {
        name: 'example.sync',
        description: 'Calls Example',
        data: z.object({}),
        async run(ctx) {
          let calls = 0;
          await policy.execute(
            async () => {
              calls += 1;
              if (calls < 3) throw new Flaky('Example answered 503');
            },
            { what: 'GET /things' },
          );
          ctx.count('created', 5);
          ctx.count('failed', 1);
        },
      },
    ],
    stop: () => policy.stop(),
  };
};

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each(databaseKinds)('metrics on %s', (kind) => {
  let tw: TestWorker;
  // One worker for the suite, started in a hook: a whole worker takes long to start on a loaded machine.
  beforeAll(async () => {
    tw = await startTestWorker(kind, { features: [callingFeature], env: { METRICS_TOKEN: metricsToken } });
  });
  afterAll(async () => tw?.stop());

  it('counts runs, records, requests, retries and webhooks, and reads the pool and the quarantine', async () => {
    const run = await tw.worker.runner.runNow('example.sync', {});
    expect(run.status).toBe('partial');
    expect(
      (
        await tw.api('/api/example/webhook', {
          method: 'POST',
          auth: false,
          headers: { 'x-secret': 'right' },
        })
      ).status,
    ).toBe(202);
    expect((await tw.api('/api/example/webhook', { method: 'POST', auth: false })).status).toBe(401);
    // Not a webhook: must not be counted as one.
    expect((await tw.api('/api/jobs')).status).toBe(200);

    const response = await tw.api('/metrics', { auth: metricsToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'syncworker_runs_total', { job: 'example.sync', outcome: 'partial' })).toBe(1);
    expect(sample(text, 'syncworker_run_duration_seconds_count', { job: 'example.sync' })).toBe(1);
    expect(sample(text, 'syncworker_records_total', { job: 'example.sync', outcome: 'created' })).toBe(5);
    expect(sample(text, 'syncworker_records_total', { job: 'example.sync', outcome: 'failed' })).toBe(1);
    expect(sample(text, 'syncworker_external_requests_total', { system: 'Example', outcome: 'ok' })).toBe(1);
    expect(
      sample(text, 'syncworker_external_requests_total', { system: 'Example', outcome: 'retryable' }),
    ).toBe(2);
    expect(sample(text, 'syncworker_resilience_events_total', { system: 'Example', event: 'retrying' })).toBe(
      2,
    );
    expect(sample(text, 'syncworker_rate_limit_wait_seconds_count', { system: 'Example' })).toBe(3);
    expect(sample(text, 'syncworker_circuit_state', { system: 'Example', state: 'closed' })).toBe(1);
    expect(sample(text, 'syncworker_webhooks_total', { feature: 'example', outcome: 'received' })).toBe(1);
    expect(sample(text, 'syncworker_webhooks_total', { feature: 'example', outcome: 'rejected' })).toBe(1);
    expect(text).not.toMatch(/syncworker_webhooks_total\{[^}]*feature="example"[^}]*\} [^1]/);
    expect(sample(text, 'syncworker_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'syncworker_quarantined_records', { kind: 'sales_invoice' })).toBe(0);
    expect(sample(text, 'syncworker_chromium_resident_bytes')).toBeDefined();
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('refuses a scrape without a key or token and accepts the API key too', async () => {
    expect((await tw.api('/metrics', { auth: false })).status).toBe(401);
    expect((await tw.api('/metrics', { auth: 'wrong-token-0123456789' })).status).toBe(401);
    expect((await tw.api('/metrics', { auth: testApiKey })).status).toBe(200);
    // The metrics token opens nothing else.
    expect((await tw.api('/api/jobs', { auth: metricsToken })).status).toBe(401);
  });
});
