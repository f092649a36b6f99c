/**
 * The CustomerConnect feature inside a whole worker: routes queue runs of customerconnect.sync, the job reads the
 * simulator with real Chromium, and the read routes show what was stored. Also: without configuration nothing
 * that needs the portal can be queued, and every answer says what to set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerConnectFeature } from '../../../src/scrapers/customerconnect/feature.js';
import { databaseKinds } from '../../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../../helpers/worker.js';
import {
  startCustomerConnectSimulator,
  type CustomerConnectSimulator,
} from '../../sim/customerconnect/server.js';

describe('CustomerConnect feature without configuration', () => {
  let tw: TestWorker;
  beforeAll(async () => {
    tw = await startTestWorker('pglite', { features: [customerConnectFeature] });
  });
  afterAll(async () => {
    await tw?.stop();
  });

  it('refuses to queue a portal run and names the variables to set', async () => {
    const res = await tw.api('/api/customerconnect/sync/orders', { method: 'POST', json: {} });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { detail: string };
    expect(body.detail).toContain('CUSTOMERCONNECT_BASE_URL');
    expect(body.detail).toContain('CUSTOMERCONNECT_PASSWORD');
  });

  it('reports itself as not configured in stats and in the connection check', async () => {
    const stats = (await (await tw.api('/api/customerconnect/stats')).json()) as {
      configured: boolean;
      orders: number;
    };
    expect(stats).toMatchObject({ configured: false, orders: 0 });
    const check = await tw.api('/api/connections/customerconnect');
    expect(check.status).toBe(503);
    expect(((await check.json()) as { detail: string }).detail).toContain('CUSTOMERCONNECT_EMAIL');
  });

  it('still posts stock, which needs only the database', async () => {
    const res = await tw.api('/api/customerconnect/sync/stock', { method: 'POST', json: {} });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect((await waitForRun(tw, runId)).status).toBe('succeeded');
  });
});

describe.each(databaseKinds)('CustomerConnect feature against the simulator on %s', (kind) => {
  let tw: TestWorker;
  let sim: CustomerConnectSimulator;
  beforeAll(async () => {
    sim = await startCustomerConnectSimulator({ seed: 21, orders: 14, oddRows: false, newestOrderId: 90000 });
    tw = await startTestWorker(kind, {
      features: [customerConnectFeature],
      env: {
        CUSTOMERCONNECT_BASE_URL: sim.url,
        CUSTOMERCONNECT_EMAIL: sim.email,
        CUSTOMERCONNECT_PASSWORD: sim.password,
        CUSTOMERCONNECT_CONCURRENCY: '2',
        CUSTOMERCONNECT_MIN_SPACING_MS: '0',
        PORTAL_RETRY_BASE_MS: '50',
      },
    });
  });
  afterAll(async () => {
    await tw?.stop();
    await sim?.close();
  });

  it('rejects bad options and bad order numbers with a 400 naming the field', async () => {
    const bad = await tw.api('/api/customerconnect/sync/orders', {
      method: 'POST',
      json: { limit: 0, extra: true },
    });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toContain('limit');
    expect((await tw.api('/api/customerconnect/sync/details/abc', { method: 'POST' })).status).toBe(400);
  });

  it('queues a sync that stores every order, then serves them page by page and one by one', async () => {
    const res = await tw.api('/api/customerconnect/sync/orders', { method: 'POST', json: {} });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const run = await waitForRun(tw, runId, 60_000);
    expect(run.status).toBe('succeeded');
    expect(run).toMatchObject({ created: 14, failed: 0 });

    const first = (await (await tw.api('/api/customerconnect/orders?limit=10')).json()) as {
      items: { orderNumber: string; lineCount: number; posted: boolean }[];
      nextCursor: string | null;
    };
    expect(first.items.map((o) => o.orderNumber)).toEqual(
      sim
        .orders()
        .slice(0, 10)
        .map((o) => String(o.orderId)),
    );
    const second = (await (
      await tw.api(`/api/customerconnect/orders?limit=10&cursor=${first.nextCursor}`)
    ).json()) as typeof first;
    expect(second.items.map((o) => o.orderNumber)).toEqual(
      sim
        .orders()
        .slice(10)
        .map((o) => String(o.orderId)),
    );
    expect(second.nextCursor).toBeNull();

    const newest = sim.orders()[0]!;
    const one = (await (await tw.api(`/api/customerconnect/orders/${newest.orderId}`)).json()) as {
      lines: { sku: string }[];
    };
    expect(one.lines.map((l) => l.sku)).toEqual(newest.products.map((p) => p.model));
    expect((await tw.api('/api/customerconnect/orders/1')).status).toBe(404);

    const stats = (await (await tw.api('/api/customerconnect/stats')).json()) as {
      orders: number;
      withoutLines: number;
      awaitingPosting: number;
      lastRun: { id: string };
    };
    expect(stats).toMatchObject({ orders: 14, withoutLines: 0, awaitingPosting: 0 });
    expect(stats.lastRun.id).toBe(runId);
  });

  it('re-reads one order on request and checks the credentials', async () => {
    const number = sim.orders()[1]!.orderId;
    sim.setLineQuantity(number, 0, 77);
    const res = await tw.api(`/api/customerconnect/sync/details/${number}`, { method: 'POST' });
    expect(res.status).toBe(202);
    const run = await waitForRun(tw, ((await res.json()) as { runId: string }).runId, 60_000);
    expect(run).toMatchObject({ status: 'succeeded', updated: 1 });
    const check = await tw.api('/api/connections/customerconnect');
    expect(check.status).toBe(200);
    expect(((await check.json()) as { detail: string }).detail).toContain(sim.email);
  });
});
