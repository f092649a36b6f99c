/** The ledger's API on a whole worker: inventory, movements, adjustments, aliases, analytics, documents, jobs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerFeature } from '../../src/ledger/feature.js';
import { upsertPurchaseOrder, upsertSalesInvoice } from '../../src/ledger/index.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';
import { movementCount, purchaseOrder, salesInvoice } from './helpers.js';

/** What the API answers, loosely: the assertions check the shape. */
type Row = Record<string, string>;
type Body = Row & {
  items: Row[];
  errors: Row[];
  lines: Row[];
  movements: Row[];
  aliases: Row[];
  totals: Row;
};

describe.each(databaseKinds)('ledger API on %s', (kind) => {
  let tw: TestWorker;
  beforeAll(async () => {
    tw = await startTestWorker(kind, { features: [ledgerFeature] });
    const db = tw.database.db;
    await upsertPurchaseOrder(
      db,
      purchaseOrder(
        '7001',
        [
          { sku: 'TOWEL', qty: 12 },
          { sku: 'SOAP', qty: 30 },
        ],
        { vendor: 'Acme', total: 84, orderDate: '2026-11-02' },
      ),
    );
    await upsertPurchaseOrder(
      db,
      purchaseOrder('7002', [{ sku: 'SOAP', qty: 6 }], {
        vendor: 'Bolt',
        total: 12,
        orderDate: '2026-11-05',
      }),
    );
    await upsertSalesInvoice(
      db,
      salesInvoice(
        'NRV10',
        [
          { item: 'Towel', qty: 2 },
          { item: 'Hand Soap', qty: 4 },
        ],
        { customer: 'Deli', total: 30, invoiceDate: '2026-11-06' },
      ),
    );
  });
  afterAll(async () => {
    await tw?.stop();
  });

  const json = async (path: string, init?: Parameters<TestWorker['api']>[1]) => {
    const res = await tw.api(path, init);
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (await res.json()) as Body,
    };
  };
  const runJob = async (path: string, body?: unknown) => {
    const queued = await json(path, { method: 'POST', json: body ?? {} });
    expect(queued.status).toBe(202);
    return waitForRun(tw, queued.body.runId!);
  };

  it('posts through the job and lists inventory with its filters', async () => {
    const run = await runJob('/api/inventory/post');
    expect(run.status).toBe('succeeded');
    expect(run).toMatchObject({ created: 3 });
    const all = await json('/api/inventory');
    expect(all.body.items.map((i: Row) => [i.sku, Number(i.onHand)])).toEqual([
      ['HAND SOAP', -4],
      ['SOAP', 36],
      ['TOWEL', 10],
    ]);
    const oversold = await json('/api/inventory?filter=oversold');
    expect(oversold.body.items.map((i: Row) => i.sku)).toEqual(['HAND SOAP']);
    const unmapped = await json('/api/inventory?filter=unmapped');
    expect(unmapped.body.items).toHaveLength(3);
    const low = await json('/api/inventory?filter=low&threshold=10');
    expect(low.body.items.map((i: Row) => i.sku)).toEqual(['HAND SOAP', 'TOWEL']);
    const page = await json('/api/inventory?limit=2');
    expect(page.body.items).toHaveLength(2);
    const next = await json(`/api/inventory?limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((i: Row) => i.sku)).toEqual(['TOWEL']);
    expect((await json('/api/inventory?filter=nonsense')).status).toBe(400);
  });

  it('maps an alias and re-posts the documents that used it', async () => {
    const missing = await json('/api/items/aliases/routestar/Hand%20Soap', {
      method: 'PUT',
      json: { sku: 'NOPE' },
    });
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
    const mapped = await json('/api/items/aliases/routestar/Hand%20Soap', {
      method: 'PUT',
      json: { sku: 'soap' },
    });
    expect(mapped.status).toBe(200);
    expect(mapped.body).toMatchObject({ code: 'HAND SOAP', sku: 'SOAP', affectedSalesInvoices: 1 });
    expect((await waitForRun(tw, mapped.body.runId!)).status).toBe('succeeded');
    const soap = await json('/api/inventory/soap');
    expect(Number(soap.body.onHand)).toBe(32);
    expect(soap.body.aliases).toEqual([{ source: 'routestar', code: 'HAND SOAP' }]);
    expect(soap.body.totals).toMatchObject({
      in: expect.stringMatching(/^36/),
      out: expect.stringMatching(/^-4/),
    });
    const aliases = await json('/api/items/aliases?source=routestar');
    expect(aliases.body.items).toEqual([expect.objectContaining({ code: 'HAND SOAP', sku: 'SOAP' })]);
    expect(Number((await json('/api/inventory/hand%20soap')).body.onHand)).toBe(0);
  });

  it('adjusts by hand with a reason and refuses a bad adjustment without writing', async () => {
    const before = await movementCount(tw.database.db);
    const bad = await json('/api/inventory/TOWEL/adjustments', { method: 'POST', json: { qty: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Row) => e.field).sort()).toEqual(['qty', 'reason']);
    expect(
      (await json('/api/inventory/NOPE/adjustments', { method: 'POST', json: { qty: 1, reason: 'count' } }))
        .status,
    ).toBe(404);
    expect(await movementCount(tw.database.db)).toBe(before);
    const ok = await json('/api/inventory/towel/adjustments', {
      method: 'POST',
      json: { qty: -3, reason: 'water damage' },
    });
    expect(ok.status).toBe(201);
    expect(Number(ok.body.onHand)).toBe(7);
    const moves = await json('/api/inventory/TOWEL/movements?limit=1');
    expect(moves.body.items[0]).toMatchObject({
      type: 'ADJUST',
      reason: 'water damage',
      qty: expect.stringMatching(/^-3/),
    });
    const older = await json(`/api/inventory/TOWEL/movements?limit=5&cursor=${moves.body.nextCursor}`);
    expect(older.body.items.map((m: Row) => m.type)).toEqual(['OUT', 'IN']);
  });

  it('describes an item, and reconciles balances through the job', async () => {
    const put = await json('/api/items/towel', {
      method: 'PUT',
      json: { name: 'Bath towel', reorderPoint: 8 },
    });
    expect(put.status).toBe(200);
    expect((await json('/api/items/x', { method: 'PUT', json: { name: '' } })).status).toBe(400);
    const towel = await json('/api/inventory/TOWEL');
    expect(towel.body).toMatchObject({ name: 'Bath towel', unmapped: false, low: true });
    const run = await runJob('/api/inventory/reconcile');
    expect(run.status).toBe('succeeded');
    expect(run.events.some((e) => e.message.includes('0 repaired'))).toBe(true);
  });

  it('answers analytics for a date range', async () => {
    const range = 'from=2026-11-01&to=2026-11-30';
    expect((await json(`/api/analytics/purchases?${range}`)).body).toMatchObject({
      count: 2,
      total: '96.00',
      average: '48.00',
    });
    expect((await json(`/api/analytics/sales?${range}`)).body).toMatchObject({ count: 1, total: '30.00' });
    expect((await json(`/api/analytics/margin?${range}`)).body).toMatchObject({ margin: '-66.00' });
    expect((await json(`/api/analytics/top-vendors?${range}`)).body.items.map((v: Row) => v.name)).toEqual([
      'Acme',
      'Bolt',
    ]);
    expect((await json(`/api/analytics/top-customers?${range}`)).body.items).toEqual([
      { name: 'Deli', count: 1, total: '30.00' },
    ]);
    expect((await json(`/api/analytics/top-products?${range}&limit=1`)).body.items).toEqual([
      expect.objectContaining({ sku: 'SOAP', orders: 2 }),
    ]);
    const summary = (await json('/api/analytics/stock-summary')).body.items.find(
      (r: Row) => r.sku === 'TOWEL',
    );
    expect([summary!.in, summary!.out, summary!.adjust, summary!.onHand].map(Number)).toEqual([12, 2, -3, 7]);
    expect((await json('/api/analytics/low-stock')).body.items.map((i: Row) => i.sku)).toContain('TOWEL');
    const reversed = await json('/api/analytics/sales?from=2026-12-01&to=2026-11-01');
    expect(reversed.status).toBe(400);
    expect((await json('/api/analytics/sales?from=2026-02-30')).status).toBe(400);
  });

  it('shows documents with their lines and the movements they posted', async () => {
    const list = await json('/api/purchase-orders?limit=1');
    expect(list.body.items.map((d: Row) => d.orderNumber)).toEqual(['7002']);
    const next = await json(`/api/purchase-orders?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.items.map((d: Row) => d.orderNumber)).toEqual(['7001']);
    const po = await json('/api/purchase-orders/customerconnect/7001');
    expect(po.body.lines.map((l: Row) => l.itemSku)).toEqual(['TOWEL', 'SOAP']);
    expect(po.body.movements).toHaveLength(2);
    expect(po.body.posted).toBe(true);
    const invoice = await json('/api/sales-invoices/routestar/NRV10');
    expect(invoice.body.movements.map((m: Row) => [m.sku, Number(m.qty)])).toEqual([
      ['TOWEL', -2],
      ['HAND SOAP', -4],
      ['HAND SOAP', 4],
      ['SOAP', -4],
    ]);
    expect((await json('/api/sales-invoices/routestar/NOPE')).status).toBe(404);
  });
});
