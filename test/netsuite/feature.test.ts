import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netsuiteToOpmsFeature } from '../../src/sync/netsuite-to-opms/feature.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { startMariaDb, type MariaDbServer } from '../sim/opms/mariadb.js';
import { opmsValuesOf } from '../sim/opms/schema.js';
import { oauth2, rsaKeys, seedOpms, simWithAuth } from './setup.js';

const secret = 'webhook-secret-for-tests-0123456789';
const base = '/api/sync/netsuite-to-opms';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(databaseKinds)('NetSuite → OPMS feature in a running worker on %s', (kind) => {
  let maria: MariaDbServer;
  let sim: NetSuiteSim;
  let tw: TestWorker;

  beforeAll(async () => {
    [maria, sim] = await Promise.all([startMariaDb(), simWithAuth({ itemCount: 40, seed: 11 })]);
    await seedOpms(maria.url, sim.items);
    tw = await startTestWorker(kind, {
      features: [netsuiteToOpmsFeature],
      env: {
        NETSUITE_ACCOUNT_ID: sim.accountId,
        NETSUITE_BASE_URL: sim.url,
        NETSUITE_TIMEZONE: 'America/Los_Angeles',
        NETSUITE_CLIENT_ID: oauth2.clientId,
        NETSUITE_CERTIFICATE_ID: oauth2.certificateId,
        NETSUITE_PRIVATE_KEY: rsaKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        NETSUITE_REQUESTS_PER_SECOND: '50',
        NETSUITE_RETRY_BASE_MS: '10',
        NETSUITE_OPMS_PAGE_SIZE: '15',
        NETSUITE_OPMS_WEBHOOK_SECRET: secret,
        OPMS_DATABASE_URL: maria.url,
      },
    });
  });
  afterAll(async () => {
    await tw?.stop();
    await Promise.all([sim?.close(), maria?.close()]);
  });

  const counts = async () => {
    const r = await tw.database.db.execute<{ receipts: number; runs: number }>(
      sql`SELECT (SELECT count(*)::int FROM netsuite_opms_webhook_receipts) AS receipts, (SELECT count(*)::int FROM sync_runs WHERE job = 'netsuite-to-opms.item') AS runs`,
    );
    return r.rows[0]!;
  };
  const webhook = (body: unknown, authorization = `Bearer ${secret}`) =>
    fetch(`${tw.url}${base}/webhook`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'user-agent': 'NetSuite-Webhook/1.0' },
      body: JSON.stringify(body),
    });

  it('checks both connections with one cheap call each', async () => {
    const ns = await tw.api('/api/connections/netsuite');
    expect(ns.status).toBe(200);
    expect((await ns.json()).detail).toMatch(/OAuth 2\.0; 40 items visible/);
    const opms = await tw.api('/api/connections/opms');
    expect(opms.status).toBe(200);
    expect((await opms.json()).detail).toMatch(/40 items in T_ITEM/);
  });

  it('refuses a wrong secret and a malformed payload with nothing written', async () => {
    const item = sim.items[0]!;
    const payload = {
      eventType: 'item.pricing.updated',
      source: 'netsuite_webhook',
      timestamp: new Date().toISOString(),
      itemData: { internalid: String(item.id), itemid: item.itemid, price_1_: 99 },
    };
    const before = await counts();
    const wrong = await webhook(payload, 'Bearer not-the-secret');
    expect(wrong.status).toBe(401);
    expect((await webhook(payload, '')).status).toBe(401);
    const malformed = await webhook({ eventType: 'item.deleted', itemData: { internalid: 'abc' } });
    expect(malformed.status).toBe(400);
    const problem = await malformed.json();
    expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'eventType',
      'itemData.internalid',
      'itemData.itemid',
    ]);
    expect(await counts()).toEqual(before);
    expect(await opmsValuesOf(maria.url, item.itemid)).toMatchObject({ p_res_cut: '1.00' });
  });

  it('applies a webhook to OPMS within seconds and ignores the same delivery twice', async () => {
    const item = sim.items[1]!;
    const payload = {
      eventType: 'item.pricing.updated',
      source: 'netsuite_webhook',
      timestamp: '2026-10-25T10:30:00.000Z',
      itemData: {
        internalid: String(item.id),
        itemid: item.itemid,
        lastmodifieddate: '2026-10-25T10:30:00.000Z',
        price_1_: 75,
        price_1_5: 150,
        cost: 40,
        custitem_f3_rollprice: 50,
        custitemf3_lisa_item: false,
      },
    };
    const res = await webhook(payload);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, itemId: String(item.id) });
    await until('OPMS to show the webhook prices', async () => {
      const v = await opmsValuesOf(maria.url, item.itemid);
      return v?.p_res_cut === '75.00' ? v : undefined;
    });
    expect(await opmsValuesOf(maria.url, item.itemid)).toEqual({
      p_res_cut: '75.00',
      p_hosp_roll: '150.00',
      cost_cut: '40.00',
      cost_roll: '50.00',
    });
    expect((await waitForRun(tw, body.runId)).status).toBe('succeeded');

    const again = await webhook(payload);
    expect(await again.json()).toMatchObject({ success: true, duplicate: true });
    const status = await (await tw.api(`${base}/item/${item.id}/status`)).json();
    expect(status.state).toMatchObject({ outcome: 'synced', sourceModifiedAt: '2026-10-25T10:30:00.000Z' });
    expect(status.recentChanges).toHaveLength(4);
  });

  it('runs the initial sync through the API with progress, then the audit log pages', async () => {
    const started = await tw.api(`${base}/initial`, { method: 'POST', json: {} });
    expect(started.status).toBe(202);
    const { runId } = await started.json();
    expect((await waitForRun(tw, runId)).status).toBe('succeeded');
    const status = await (await tw.api(`${base}/initial/status`)).json();
    expect(status).toMatchObject({ state: 'finished', processed: 40, total: 40, pages: 3, percent: 100 });

    const first = await (await tw.api(`${base}/logs?limit=10&runId=${runId}`)).json();
    expect(first.items).toHaveLength(10);
    const second = await (
      await tw.api(`${base}/logs?limit=10&runId=${runId}&cursor=${first.nextCursor}`)
    ).json();
    expect(second.items[0].id).toBeLessThan(first.items.at(-1).id);

    const overview = await (await tw.api(`${base}/status`)).json();
    expect(overview).toMatchObject({ configured: true, initial: { state: 'finished' } });
    expect(overview.incremental.modifiedThrough).toBe(status.startedAt);
    expect((await tw.api(`${base}/health`)).status).toBe(200);
  });

  it('validates manual requests and runs single-item and force-full passes', async () => {
    const bad = await tw.api(`${base}/manual`, { method: 'POST', json: { itemIds: ['x1'] } });
    expect(bad.status).toBe(400);
    expect((await tw.api(`${base}/manual`, { method: 'POST', json: {} })).status).toBe(400);
    expect((await tw.api(`${base}/item/abc`, { method: 'POST' })).status).toBe(400);

    const item = sim.editItem(sim.items[2]!.id, { prices: { 1: 12.34 } });
    const single = await (await tw.api(`${base}/item/${item.id}`, { method: 'POST' })).json();
    expect((await waitForRun(tw, single.runId)).status).toBe('succeeded');
    expect(await opmsValuesOf(maria.url, item.itemid)).toMatchObject({ p_res_cut: '12.34' });

    const full = await (await tw.api(`${base}/force-full`, { method: 'POST' })).json();
    const run = await waitForRun(tw, full.runId);
    expect(run).toMatchObject({ status: 'succeeded', updated: 0 });
  });
});

describe('NetSuite → OPMS feature without settings', () => {
  let tw: TestWorker;
  beforeAll(async () => {
    tw = await startTestWorker(databaseKinds[0]!, { features: [netsuiteToOpmsFeature] });
  });
  afterAll(() => tw?.stop());

  it('loads, schedules nothing and says what to set', async () => {
    const status = await (await tw.api(`${base}/status`)).json();
    expect(status).toMatchObject({ configured: false, schedule: null });
    expect(status.detail).toMatch(/NETSUITE_ACCOUNT_ID/);
    expect(status.detail).toMatch(/OPMS_DATABASE_URL/);
    const start = await tw.api(`${base}/initial`, { method: 'POST', json: {} });
    expect(start.status).toBe(503);
    const check = await tw.api('/api/connections/netsuite');
    expect(check.status).toBe(503);
    expect((await check.json()).detail).toMatch(/NETSUITE_CLIENT_ID/);
    const hook = await fetch(`${tw.url}${base}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(hook.status).toBe(503);
  });
});
