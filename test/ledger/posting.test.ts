import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvents } from '../../src/jobs/runs.js';
import {
  adjustStock,
  flagMissingPendingInvoices,
  mapAlias,
  postStock,
  purchaseOrderStates,
  reconcileBalances,
  upsertItem,
  upsertPurchaseOrder,
  upsertSalesInvoice,
} from '../../src/ledger/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { ledgerBySku, movementCount, onHandBySku, purchaseOrder, salesInvoice, startRun } from './helpers.js';

describe.each(databaseKinds)('posting stock on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });
  const db = () => database.db;
  const post = async (options: Parameters<typeof postStock>[2] = {}) => {
    const run = await startRun(db());
    const result = await postStock(db(), run, options);
    return { run, result, events: await runEvents(db(), run.runId) };
  };

  it('posts a purchase order once, its correction after an edit, and its reversal after a cancellation', async () => {
    await upsertPurchaseOrder(
      db(),
      purchaseOrder('A1', [
        { sku: 'wid-1', qty: 10 },
        { sku: 'GAD-2', qty: 4 },
      ]),
    );
    const first = await post();
    expect(first.result).toMatchObject({ created: 1, movements: 2 });
    expect(await onHandBySku(db())).toEqual({ 'WID-1': 10, 'GAD-2': 4 });

    expect((await post()).result).toMatchObject({ documents: 0, movements: 0 });
    expect((await post({ full: true })).result).toMatchObject({ documents: 0, movements: 0 });

    const edited = await upsertPurchaseOrder(
      db(),
      purchaseOrder('A1', [
        { sku: 'WID-1', qty: 7 },
        { sku: 'GAD-2', qty: 4 },
      ]),
    );
    expect(edited.outcome).toBe('updated');
    expect((await post()).result).toMatchObject({ updated: 1, movements: 1 });
    expect(await onHandBySku(db())).toEqual({ 'WID-1': 7, 'GAD-2': 4 });

    await upsertPurchaseOrder(db(), purchaseOrder('A1', undefined, { status: 'Cancelled' }));
    expect((await post()).result).toMatchObject({ updated: 1, movements: 2 });
    expect(await onHandBySku(db())).toEqual({});
    // Each line keeps its own sequence of postings: first post, correction, reversal.
    const history = await db().execute<{ line_no: number; qty: string; seq: number; reason: string }>(
      sql`SELECT line_no, qty::float8 AS qty, seq, reason FROM stock_movements WHERE document_number = 'A1' ORDER BY line_no, seq`,
    );
    expect(history.rows.map((r) => [r.line_no, r.qty, r.seq])).toEqual([
      [1, 10, 0],
      [1, -3, 1],
      [1, -7, 2],
      [2, 4, 0],
      [2, -4, 1],
    ]);
    expect(history.rows[2]!.reason).toContain('Cancelled');
  });

  it('keeps stored lines when a list read brings no lines, and tells the scraper what it has', async () => {
    const po = purchaseOrder('A2', [{ sku: 'WID-1', qty: 3 }]);
    await upsertPurchaseOrder(db(), po);
    const again = await upsertPurchaseOrder(db(), { ...po, lines: undefined });
    expect(again.outcome).toBe('unchanged');
    const states = await purchaseOrderStates(db(), 'customerconnect', ['A2', 'nope']);
    expect(states.get('A2')).toMatchObject({ lineCount: 1, linesFetched: true });
    expect(states.has('nope')).toBe(false);
    await post();
    expect((await onHandBySku(db()))['WID-1']).toBe(3);
  });

  it('refuses a document holding text PostgreSQL cannot store, naming the field, and writes nothing of it', async () => {
    const before = await movementCount(db());
    const bad = salesInvoice('NRV9', [
      { item: 'soap', qty: 1 },
      { item: 'script-made \ud83d', qty: 2 },
    ]);
    await expect(upsertSalesInvoice(db(), bad)).rejects.toThrow(
      /Sales invoice routestar\/NRV9 was not stored because lines\[1\]\.itemName: contains an unpaired UTF-16 surrogate/,
    );
    await post();
    expect(await movementCount(db())).toBe(before);
  });

  it('moves the quantity between items when a line changes its SKU, and when an alias is remapped', async () => {
    await upsertPurchaseOrder(db(), purchaseOrder('A3', [{ sku: 'OLD-1', qty: 5 }]));
    await post();
    await upsertPurchaseOrder(db(), purchaseOrder('A3', [{ sku: 'NEW-1', qty: 5 }]));
    await post();
    let onHand = await onHandBySku(db());
    expect(onHand['OLD-1']).toBeUndefined();
    expect(onHand['NEW-1']).toBe(5);

    const sold = await upsertSalesInvoice(db(), salesInvoice('NRV1', [{ item: 'New Widget', qty: 2 }]));
    expect(sold.unmappedItemsCreated).toEqual(['NEW WIDGET']);
    const { events } = await post();
    expect(events.some((e) => e.entity === 'item:NEW WIDGET' && e.message.includes('unmapped'))).toBe(true);
    expect((await onHandBySku(db()))['NEW WIDGET']).toBe(-2);

    const mapped = await mapAlias(db(), { source: 'routestar', code: 'new widget', sku: 'new-1' });
    expect(mapped.affectedSalesInvoices).toBe(1);
    await post();
    onHand = await onHandBySku(db());
    expect(onHand['NEW WIDGET']).toBeUndefined();
    expect(onHand['NEW-1']).toBe(3);
    // A later invoice with the alias resolves straight to the mapped item.
    await upsertSalesInvoice(db(), salesInvoice('NRV2', [{ item: 'NEW WIDGET ', qty: 1 }]));
    await post();
    expect((await onHandBySku(db()))['NEW-1']).toBe(2);
  });

  it('posts a sale only when complete with a posting status, and never counts an unknown status', async () => {
    await upsertPurchaseOrder(db(), purchaseOrder('A4', [{ sku: 'SOAP', qty: 20 }]));
    await upsertSalesInvoice(
      db(),
      salesInvoice('NRV3', [{ item: 'soap', qty: 5 }], {
        isComplete: false,
        status: 'Pending',
        listType: 'pending',
      }),
    );
    await upsertPurchaseOrder(
      db(),
      purchaseOrder('A5', [{ sku: 'SOAP', qty: 100 }], { status: 'Delivered-ish' }),
    );
    const { events, result } = await post();
    expect(result.unknownStatusDocuments).toEqual(['purchase_order:customerconnect/A5']);
    expect(events.find((e) => e.entity === 'purchase_order:customerconnect/A5')?.message).toContain(
      'LEDGER_PURCHASE_ORDER_POSTING_STATUSES',
    );
    expect((await onHandBySku(db())).SOAP).toBe(20);

    await upsertSalesInvoice(db(), salesInvoice('NRV3', [{ item: 'soap', qty: 5 }], { status: 'Completed' }));
    await post();
    expect((await onHandBySku(db())).SOAP).toBe(15);
  });

  it('records overselling truthfully and warns, or quarantines the sale under the quarantine policy', async () => {
    await upsertSalesInvoice(db(), salesInvoice('NRV4', [{ item: 'RARE', qty: 3 }]));
    const allowed = await post();
    expect(allowed.result.oversoldItems).toEqual(['RARE']);
    expect(allowed.events.some((e) => e.level === 'warn' && e.message.includes('oversold'))).toBe(true);
    expect((await onHandBySku(db())).RARE).toBe(-3);

    const rules = {
      purchaseOrderStatuses: ['Complete'],
      salesInvoiceStatuses: ['Closed'],
      negativeStock: 'quarantine' as const,
    };
    await upsertSalesInvoice(db(), salesInvoice('NRV5', [{ item: 'RARE', qty: 1 }]));
    const refused = await post({ rules });
    expect(refused.result.quarantinedInvoices).toEqual(['NRV5']);
    expect((await onHandBySku(db())).RARE).toBe(-3);
    const [{ reason }] = (
      await db().execute<{ reason: string }>(
        sql`SELECT quarantine_reason AS reason FROM sales_invoices WHERE invoice_number = 'NRV5'`,
      )
    ).rows as [{ reason: string }];
    expect(reason).toContain('RARE to -4');

    await upsertPurchaseOrder(db(), purchaseOrder('A6', [{ sku: 'RARE', qty: 10 }]));
    const covered = await post({ rules });
    expect(covered.result.quarantinedInvoices).toEqual([]);
    expect((await onHandBySku(db())).RARE).toBe(6);
  });

  it('catches up with changed posting rules on a full re-check, and only then', async () => {
    const narrow = {
      purchaseOrderStatuses: ['Complete'],
      salesInvoiceStatuses: ['Closed'],
      negativeStock: 'allow' as const,
    };
    await upsertPurchaseOrder(db(), purchaseOrder('A7', [{ sku: 'MOP', qty: 9 }], { status: 'Shipped' }));
    await post({ rules: narrow });
    expect((await onHandBySku(db())).MOP).toBeUndefined();
    expect((await post()).result.movements).toBe(0);
    const full = await post({ full: true });
    expect(full.result).toMatchObject({ documents: 1, created: 1, movements: 1 });
    expect((await onHandBySku(db())).MOP).toBe(9);
  });

  it('adjusts by hand with a reason, and reconcile repairs a balance that drifted', async () => {
    await upsertItem(db(), { sku: 'BROOM', name: 'Broom', reorderPoint: 2 });
    const adjusted = await adjustStock(db(), { sku: 'broom', qty: 4, reason: 'found in back room' });
    expect(Number(adjusted.onHand)).toBe(4);
    await db().execute(
      sql`UPDATE stock_balances SET on_hand = on_hand + 1 WHERE item_id = ${adjusted.itemId}`,
    );
    const run = await startRun(db(), 'inventory.reconcile');
    const result = await reconcileBalances(db(), run);
    expect(result.mismatches).toEqual([
      { sku: 'BROOM', stored: expect.stringMatching(/^5/), fromLedger: expect.stringMatching(/^4/) },
    ]);
    for (const [, l] of await ledgerBySku(db())) expect(l.balance).toBe(l.movements);
    const again = await reconcileBalances(db(), await startRun(db(), 'inventory.reconcile'));
    expect(again.mismatches).toEqual([]);
  });

  it('flags pending invoices missing from a complete pending list, and un-flags them when seen again', async () => {
    await upsertSalesInvoice(
      db(),
      salesInvoice('P1', undefined, { listType: 'pending', status: 'Pending', isComplete: false }),
    );
    await upsertSalesInvoice(
      db(),
      salesInvoice('P2', undefined, { listType: 'pending', status: 'Pending', isComplete: false }),
    );
    expect(await flagMissingPendingInvoices(db(), 'routestar', ['P2', 'NRV3'])).toEqual(['P1']);
    expect(await flagMissingPendingInvoices(db(), 'routestar', ['P2'])).toEqual([]);
    const seen = await upsertSalesInvoice(
      db(),
      salesInvoice('P1', undefined, { listType: 'pending', status: 'Pending', isComplete: false }),
    );
    expect(seen.outcome).toBe('updated');
  });

  it('rejects a malformed document whole, saying which record and field', async () => {
    const before = await movementCount(db());
    const bad = purchaseOrder('B1', [
      { sku: 'X', qty: 1 },
      { sku: 'Y', qty: Number.NaN },
    ]);
    await expect(upsertPurchaseOrder(db(), bad)).rejects.toThrow(
      /Purchase order customerconnect\/B1 .*lines\.1\.qty/,
    );
    const dup = purchaseOrder('B2', [{ sku: 'X', qty: 1 }]);
    dup.lines!.push({ ...dup.lines![0]! });
    await expect(upsertPurchaseOrder(db(), dup)).rejects.toThrow(/appears twice/);
    expect((await purchaseOrderStates(db(), 'customerconnect', ['B1'])).size).toBe(0);
    expect(await movementCount(db())).toBe(before);
  });
});
