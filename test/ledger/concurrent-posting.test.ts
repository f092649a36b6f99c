/** Two posting runs started at the same moment, while documents keep changing, post each movement once. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStock, upsertPurchaseOrder, upsertSalesInvoice } from '../../src/ledger/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { ledgerBySku, movementCount, onHandBySku, purchaseOrder, salesInvoice, startRun } from './helpers.js';

describe.each(databaseKinds)('concurrent posting on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('posts every line exactly once when two runs race, and edits made meanwhile are caught up', async () => {
    const db = database.db;
    const skus = ['P', 'Q', 'R', 'S'];
    for (let n = 0; n < 40; n++) {
      await upsertPurchaseOrder(
        db,
        purchaseOrder(`C${n}`, [
          { sku: skus[n % 4]!, qty: 10 },
          { sku: skus[(n + 1) % 4]!, qty: 5 },
        ]),
      );
      await upsertSalesInvoice(db, salesInvoice(`V${n}`, [{ item: skus[(n + 2) % 4]!, qty: 3 }]));
    }
    const [a, b] = await Promise.all([startRun(db), startRun(db)]);
    const edits = (async () => {
      for (let n = 0; n < 40; n += 4)
        await upsertPurchaseOrder(db, purchaseOrder(`C${n}`, [{ sku: skus[n % 4]!, qty: 1 }]));
    })();
    const [ra, rb] = await Promise.all([
      postStock(db, a, { batchSize: 3 }),
      postStock(db, b, { batchSize: 3 }),
      edits,
    ]);
    // The edits may land after both runs passed their documents: one more run catches them up.
    await postStock(db, await startRun(db));

    // 40 orders of 10 + 5, ten of them edited down to one line of 1; 40 sales of 3.
    expect(await onHandBySku(db)).toEqual(expected());
    for (const [, l] of await ledgerBySku(db)) expect(l.balance).toBe(l.movements);
    const { rows } = await db.execute<{ n: number }>(sql`
      SELECT count(*) AS n FROM (
        SELECT document_id, line_no, item_id, seq FROM stock_movements GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d`);
    expect(rows[0]!.n).toBe(0);
    // Every document was marked for posting before the race, so one run or the other took each.
    expect(ra.documents + rb.documents).toBeGreaterThanOrEqual(80);
    const before = await movementCount(db);
    await Promise.all([
      postStock(db, await startRun(db), { full: true }),
      postStock(db, await startRun(db), { full: true }),
    ]);
    expect(await movementCount(db)).toBe(before);

    function expected(): Record<string, number> {
      const want: Record<string, number> = {};
      const add = (sku: string, q: number) => (want[sku] = (want[sku] ?? 0) + q);
      for (let n = 0; n < 40; n++) {
        if (n % 4 === 0) add(skus[n % 4]!, 1);
        else {
          add(skus[n % 4]!, 10);
          add(skus[(n + 1) % 4]!, 5);
        }
        add(skus[(n + 2) % 4]!, -3);
      }
      return want;
    }
  });
});
