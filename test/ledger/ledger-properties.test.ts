/**
 * Property: whatever happens to the documents — creates, edits, status changes, cancellations, SKU remaps, repeated
 * posts — after posting, each item's movements add up to exactly what the documents as they stand now imply, and
 * every balance equals the sum of its movements.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mapAlias,
  postStock,
  upsertItem,
  upsertPurchaseOrder,
  upsertSalesInvoice,
} from '../../src/ledger/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { ledgerBySku, movementCount, purchaseOrder, salesInvoice, startRun } from './helpers.js';

const skus = ['A', 'B', 'C'] as const;
/** Invoice item names: the SKUs as RouteStar might spell them, plus a name only an alias can place. */
const invoiceNames = ['a', 'B ', 'C', 'STRAY'] as const;
const quantity = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0.25, 1.5, -2));

const poAction = fc.record({
  kind: fc.constant('po' as const),
  n: fc.integer({ min: 1, max: 3 }),
  status: fc.constantFrom(
    'Complete',
    'Processing',
    'Shipped',
    'Pending',
    'Cancelled',
    'Refunded',
    'Lost in transit',
  ),
  lines: fc.option(fc.array(fc.record({ sku: fc.constantFrom(...skus), qty: quantity }), { maxLength: 3 }), {
    nil: undefined,
  }),
});
const invoiceAction = fc.record({
  kind: fc.constant('invoice' as const),
  n: fc.integer({ min: 1, max: 3 }),
  status: fc.constantFrom('Completed', 'Closed', 'Pending', 'Cancelled', 'Mystery'),
  isComplete: fc.boolean(),
  lines: fc.option(
    fc.array(fc.record({ item: fc.constantFrom(...invoiceNames), qty: quantity }), { maxLength: 3 }),
    {
      nil: undefined,
    },
  ),
});
const remapAction = fc.record({ kind: fc.constant('remap' as const), to: fc.constantFrom(...skus) });
const action = fc.oneof(poAction, invoiceAction, remapAction);
const scenario = fc.record({
  actions: fc.array(action, { minLength: 1, maxLength: 10 }),
  /** Posts after each step: 2 = post twice (the second must add nothing), 'full' = re-check every document. */
  posts: fc.array(fc.constantFrom(1, 2, 'full' as const), { minLength: 10, maxLength: 10 }),
});

interface ModelLine {
  code: string;
  qty: number;
}

describe.each(databaseKinds)('ledger properties on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('after every step each item holds what the documents imply, and every balance is the sum of its movements', async () => {
    const db = database.db;
    let scenarioNo = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ actions, posts }) => {
        // Each scenario lives under its own prefix so one database serves every run.
        const p = `S${++scenarioNo}-`;
        const orders = new Map<number, { status: string; lines: ModelLine[] }>();
        const invoices = new Map<number, { status: string; isComplete: boolean; lines: ModelLine[] }>();
        let strayGoesTo: string | undefined;
        for (const sku of skus) await upsertItem(db, { sku: p + sku, name: sku });

        const resolve = (code: string) => {
          const c = code.trim().toUpperCase();
          return c === `${p}STRAY` && strayGoesTo ? strayGoesTo : c;
        };
        const expected = () => {
          const want = new Map<string, number>();
          const add = (code: string, qty: number) =>
            want.set(resolve(code), (want.get(resolve(code)) ?? 0) + qty);
          for (const o of orders.values())
            if (['complete', 'processing', 'shipped'].includes(o.status.toLowerCase()))
              for (const l of o.lines) add(l.code, l.qty);
          for (const i of invoices.values())
            if (i.isComplete && ['completed', 'closed'].includes(i.status.toLowerCase()))
              for (const l of i.lines) add(l.code, -l.qty);
          return want;
        };

        for (const [step, a] of actions.entries()) {
          if (a.kind === 'po') {
            const lines = a.lines?.map((l) => ({ sku: p + l.sku, qty: l.qty }));
            await upsertPurchaseOrder(db, purchaseOrder(`${p}PO${a.n}`, lines, { status: a.status }));
            const known = orders.get(a.n);
            orders.set(a.n, {
              status: a.status,
              lines: lines?.map((l) => ({ code: l.sku, qty: l.qty })) ?? known?.lines ?? [],
            });
          } else if (a.kind === 'invoice') {
            const lines = a.lines?.map((l) => ({ item: p + l.item, qty: l.qty }));
            await upsertSalesInvoice(
              db,
              salesInvoice(`${p}INV${a.n}`, lines, { status: a.status, isComplete: a.isComplete }),
            );
            const known = invoices.get(a.n);
            invoices.set(a.n, {
              status: a.status,
              isComplete: a.isComplete,
              lines: lines?.map((l) => ({ code: l.item, qty: l.qty })) ?? known?.lines ?? [],
            });
          } else {
            await mapAlias(db, { source: 'routestar', code: `${p}STRAY`, sku: p + a.to });
            strayGoesTo = p + a.to;
          }

          const how = posts[step]!;
          await postStock(db, await startRun(db), { full: how === 'full' });
          if (how === 2) {
            const before = await movementCount(db);
            await postStock(db, await startRun(db));
            expect(await movementCount(db)).toBe(before);
          }

          const ledger = await ledgerBySku(db);
          const want = expected();
          for (const [sku, l] of ledger) {
            expect(l.balance, `balance of ${sku}`).toBeCloseTo(l.movements, 6);
            if (sku.startsWith(p))
              expect(l.movements, `on hand of ${sku} after step ${step}`).toBeCloseTo(want.get(sku) ?? 0, 6);
          }
          for (const [sku, qty] of want)
            expect(ledger.get(sku)?.movements ?? 0, `on hand of ${sku}`).toBeCloseTo(qty, 6);
        }
      }),
      { numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 30), endOnFailure: true },
    );
  });
});
