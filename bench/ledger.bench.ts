/**
 * Inventory ledger: lines posted per second for a first posting of 10,000 documents × 5 lines (5,000 purchase orders
 * and 5,000 sales invoices over 50 items), then the time of a re-post that changes nothing — both the everyday one
 * (only documents changed since their last posting) and a full re-check of every line against the ledger — and
 * how fast the document store takes documents from a sync. PGlite always; PostgreSQL when DATABASE_URL is set.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/database.js';
import { postStock, upsertPurchaseOrder } from '../src/ledger/index.js';
import { createTestDatabase, type DatabaseKind } from '../test/helpers/databases.js';
import { purchaseOrder, startRun } from '../test/ledger/helpers.js';
import type { Benchmark, BenchRow } from './types.js';

const documentsPerKind = 5_000;
const linesPerDocument = 5;
const upsertSample = 500;

/** Documents written straight in SQL: the store's own speed is measured separately, on a smaller sample. */
async function seed(db: Database): Promise<void> {
  await db.execute(sql`
    INSERT INTO items (sku, name) SELECT 'B' || lpad(g::text, 3, '0'), 'Bench item ' || g FROM generate_series(1, 50) g`);
  await db.execute(sql`
    INSERT INTO purchase_orders (source, order_number, vendor, status, order_date, total, list_checksum, header_checksum,
                                 lines_checksum, line_count)
    SELECT 'bench', 'PO' || g, 'Vendor ' || (g % 20), 'Complete', date '2026-01-01' + (g % 300), 100,
           'bench', 'bench', 'bench', ${linesPerDocument}
      FROM generate_series(1, ${documentsPerKind}) g`);
  await db.execute(sql`
    INSERT INTO purchase_order_lines (purchase_order_id, line_no, sku, item_id, name, qty, unit_price, line_total)
    SELECT p.id, l, i.sku, i.id, i.name, 10 + l, 2, 2 * (10 + l)
      FROM purchase_orders p CROSS JOIN generate_series(1, ${linesPerDocument}) l
      JOIN items i ON i.sku = 'B' || lpad(((substr(p.order_number, 3)::int + l) % 50 + 1)::text, 3, '0')`);
  await db.execute(sql`
    INSERT INTO sales_invoices (source, invoice_number, list_type, status, is_complete, is_posted, customer, invoice_date,
                                total, list_checksum, header_checksum, lines_checksum, line_count)
    SELECT 'bench', 'NRV' || g, 'closed', 'Closed', true, true, 'Customer ' || (g % 40), date '2026-01-02' + (g % 300), 40,
           'bench', 'bench', 'bench', ${linesPerDocument}
      FROM generate_series(1, ${documentsPerKind}) g`);
  await db.execute(sql`
    INSERT INTO sales_invoice_lines (sales_invoice_id, line_no, item_name, item_id, qty, rate, amount)
    SELECT s.id, l, i.sku, i.id, l, 4, 4 * l
      FROM sales_invoices s CROSS JOIN generate_series(1, ${linesPerDocument}) l
      JOIN items i ON i.sku = 'B' || lpad(((substr(s.invoice_number, 4)::int + 7 * l) % 50 + 1)::text, 3, '0')`);
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

async function measure(kind: DatabaseKind): Promise<BenchRow[]> {
  const database = await createTestDatabase(kind);
  const db = database.db;
  try {
    await seed(db);
    const lines = 2 * documentsPerKind * linesPerDocument;
    const first = await timed(async () => postStock(db, await startRun(db)));
    if (first.result.movements !== lines)
      throw new Error(`first post wrote ${first.result.movements} movements, expected ${lines}`);
    const again = await timed(async () => postStock(db, await startRun(db)));
    const full = await timed(async () => postStock(db, await startRun(db), { full: true }));
    if (again.result.movements !== 0 || full.result.movements !== 0)
      throw new Error(
        `a re-post that should change nothing wrote ${again.result.movements + full.result.movements} movements`,
      );

    const store = await timed(async () => {
      for (let n = 0; n < upsertSample; n++)
        await upsertPurchaseOrder(
          db,
          purchaseOrder(
            `U${n}`,
            Array.from({ length: linesPerDocument }, (_, l) => ({
              sku: `B${String(((n + l) % 50) + 1).padStart(3, '0')}`,
              qty: l + 1,
            })),
          ),
        );
    });

    const linesPerSecond = Math.round(lines / first.seconds);
    return [
      {
        benchmark: 'ledger',
        database: kind,
        measure: `first post, ${2 * documentsPerKind} docs × ${linesPerDocument} lines`,
        value: `${linesPerSecond} lines/s`,
        goal: kind === 'postgres' ? '≥ 5000 lines/s' : undefined,
        note: `${first.seconds.toFixed(2)} s for ${lines} movements, batches of 500 documents`,
      },
      {
        benchmark: 'ledger',
        database: kind,
        measure: 're-post, nothing changed (changed documents only)',
        value: `${(again.seconds * 1000).toFixed(0)} ms`,
        goal: '≥ 10× faster than first',
        note: `${Math.round(first.seconds / again.seconds)}× faster`,
      },
      {
        benchmark: 'ledger',
        database: kind,
        measure: 're-post, nothing changed (full re-check of every line)',
        value: `${(full.seconds * 1000).toFixed(0)} ms`,
        goal: '≥ 10× faster than first',
        note: `${(first.seconds / full.seconds).toFixed(1)}× faster; every line compared with the ledger in one pass`,
      },
      {
        benchmark: 'ledger',
        database: kind,
        measure: `store ${upsertSample} purchase orders × ${linesPerDocument} lines (upsert)`,
        value: `${Math.round(upsertSample / store.seconds)} docs/s`,
        note: `${store.seconds.toFixed(2)} s`,
      },
    ];
  } finally {
    await database.close();
  }
}

const benchmark: Benchmark = {
  name: 'ledger',
  async run() {
    const rows = await measure('pglite');
    if (process.env.DATABASE_URL) rows.push(...(await measure('postgres')));
    else
      rows.push({
        benchmark: 'ledger',
        database: 'postgres',
        measure: 'first post / re-post',
        value: 'skipped',
        note: 'DATABASE_URL is not set: no PostgreSQL server to measure',
      });
    return rows;
  },
};

export default benchmark;
