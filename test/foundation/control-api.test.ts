import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncRunEvents, syncRuns } from '../../src/models/index.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, testApiKey, waitForRun, type TestWorker } from '../helpers/worker.js';

describe.each(databaseKinds)('control API on %s', (kind) => {
  let tw: TestWorker;
  beforeAll(async () => {
    tw = await startTestWorker(kind);
  });
  afterAll(async () => {
    await tw?.stop();
  });

  const runCount = async () => (await tw.database.db.select({ n: count() }).from(syncRuns))[0]!.n;

  it('answers /health and /ready without a key', async () => {
    expect((await tw.api('/health', { auth: false })).status).toBe(200);
    const ready = await tw.api('/ready', { auth: false });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      checks: { database: true, migrations: true, jobRunner: true },
    });
  });

  it('refuses /api and /dash without a key or with a wrong one, as problem+json', async () => {
    for (const path of ['/api/jobs', '/dash/']) {
      const none = await tw.api(path, { auth: false });
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      expect(await none.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(none.headers.get('www-authenticate')).toContain('Basic realm="syncworker"');
      expect((await tw.api(path, { auth: 'wrong-key' })).status).toBe(401);
      expect((await tw.api(path)).status).toBe(200);
    }
  });

  it('takes the key as the password of HTTP Basic auth, which a browser sends for the dashboard and EventSource', async () => {
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const asBrowser = (path: string, authorization: string) =>
      fetch(new URL(path, tw.url), { headers: { authorization } });
    expect((await asBrowser('/dash/', basic('ops', testApiKey))).status).toBe(200);
    expect((await asBrowser('/api/jobs', basic('', testApiKey))).status).toBe(200);
    const wrong = await asBrowser('/dash/', basic('ops', 'not-the-key'));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ detail: 'The API key is not valid' });
  });

  it('lists the jobs with their schedule and last run', async () => {
    const body = (await (await tw.api('/api/jobs')).json()) as {
      items: { name: string; schedule: unknown }[];
    };
    expect(body.items.map((j) => j.name)).toContain('maintenance.prune-history');
  });

  it('rejects bad input with field errors and writes nothing', async () => {
    const before = await runCount();
    const bad = await tw.api('/api/jobs/maintenance.prune-history/run', {
      method: 'POST',
      json: { retentionDays: 'soon' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await bad.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors[0]!.field).toBe('retentionDays');

    const malformed = await tw.api('/api/jobs/maintenance.prune-history/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"retentionDays": ',
    });
    expect(malformed.status).toBe(400);
    expect(await runCount()).toBe(before);
  });

  it('answers 404 problem+json for unknown jobs, runs and routes', async () => {
    for (const [method, path] of [
      ['POST', '/api/jobs/no.such-job/run'],
      ['GET', '/api/runs/6b0d3c7e-0000-4000-8000-000000000000'],
      ['GET', '/api/nothing-here'],
    ] as const) {
      const res = await tw.api(path, { method, json: method === 'POST' ? {} : undefined });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await tw.api('/api/runs/not-a-uuid')).status).toBe(400);
  });

  it('runs maintenance.prune-history on request and records the run with its counters', async () => {
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await tw.database.db.insert(syncRuns).values([
      { job: 'old.job', trigger: 'schedule', status: 'succeeded', queuedAt: old, finishedAt: old },
      { job: 'old.job', trigger: 'schedule', status: 'failed', queuedAt: old, finishedAt: old },
    ]);
    const res = await tw.api('/api/jobs/maintenance.prune-history/run', { method: 'POST', json: {} });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const run = await waitForRun(tw, runId);
    expect(run).toMatchObject({
      job: 'maintenance.prune-history',
      trigger: 'manual',
      status: 'succeeded',
      deleted: 2,
    });
    expect(run.events[0]!.message).toContain('2 sync runs older than 30 days');
    expect(await tw.database.db.select().from(syncRuns).where(eq(syncRuns.job, 'old.job'))).toHaveLength(0);
    const events = await tw.database.db.select().from(syncRunEvents).where(eq(syncRunEvents.runId, runId));
    expect(events.length).toBeGreaterThan(0);
  });

  it('pages through runs with a cursor and filters by job and status', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await tw.api('/api/jobs/maintenance.prune-history/run', { method: 'POST', json: {} });
      await waitForRun(tw, ((await res.json()) as { runId: string }).runId);
    }
    const first = (await (await tw.api('/api/runs?limit=2&job=maintenance.prune-history')).json()) as {
      items: { id: string }[];
      nextCursor: string;
    };
    expect(first.items).toHaveLength(2);
    const second = (await (
      await tw.api(`/api/runs?limit=2&job=maintenance.prune-history&cursor=${first.nextCursor}`)
    ).json()) as { items: { id: string }[] };
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items.map((r) => r.id)).not.toContain(first.items[0]!.id);
    const failed = (await (await tw.api('/api/runs?status=failed')).json()) as { items: unknown[] };
    expect(failed.items).toHaveLength(0);
    expect((await tw.api('/api/runs?status=exploded')).status).toBe(400);
    expect((await tw.api('/api/runs?cursor=garbage!')).status).toBe(400);
  });

  it('publishes an OpenAPI 3.1 document generated from the request schemas', async () => {
    const doc = (await (await tw.api('/api/openapi.json')).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const prune = doc.paths['/api/jobs/maintenance.prune-history/run']!.post!;
    expect(prune.requestBody!.content['application/json']!.schema).toMatchObject({
      properties: { retentionDays: { type: 'integer' } },
    });
    expect(doc.paths['/api/runs/{id}']).toBeDefined();
  });
});
