import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteQlResultCap } from '../../src/connectors/netsuite/client.js';
import { initialLoadStatus } from '../../src/sync/netsuite-records/progress.js';
import { runInitialLoad } from '../../src/sync/netsuite-records/passes.js';
import {
  checkpointNames,
  readCheckpoint,
  type InitialCheckpoint,
} from '../../src/sync/netsuite-records/store.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { tbaClient } from '../netsuite/setup.js';
import { expectTransactionsMatch, recordsDeps, recordsSim, run } from './setup.js';

// NetSuite's own cap, not a lowered one: the smallest account that crosses it once.
const invoiceLines = suiteQlResultCap + 1500;
// The cap is NetSuite's paging, not the database's: one database is enough (the server when there is one, as it is
// the faster); every other suite runs on both.
const kind = databaseKinds.at(-1)!;

describe(`NetSuite records initial load past the real 100,000-row cap on ${kind}`, () => {
  let db: TestDatabase;
  let ns: NetSuiteSim;
  beforeAll(async () => {
    [db, ns] = await Promise.all([
      createTestDatabase(kind),
      recordsSim({ records: { invoiceLines, customers: 50, creditMemoShare: 0.001 } }),
    ]);
  });
  afterAll(() => Promise.all([db.close(), ns.close()]));

  it('reads every invoice line once, in keyset slices, with the default page size', async () => {
    const netsuite = tbaClient(ns, { requestsPerSecond: 1000 });
    const result = await run(db.db, 'netsuite.records.initial', (ctx) =>
      runInitialLoad(recordsDeps(db.db, netsuite, { pageSize: 1000 }), ctx),
    );
    expect(result.status).toBe('succeeded');
    expect(result.counters.created).toBe(ns.records.customers.length + ns.records.transactions.length);
    const rows = ns.records.transactions
      .filter((t) => t.type === 'CustInvc')
      .reduce((n, t) => n + t.lines.length - 1, 0);
    expect(rows).toBeGreaterThan(suiteQlResultCap);
    const cp = (await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial))!;
    expect(cp.objects.invoices.rows).toBe(rows);
    // One page per 1,000 lines, and one more where the cap cut a slice and the next slice began.
    expect(cp.objects.invoices.pages).toBeLessThanOrEqual(Math.ceil(rows / 1000) + 2);
    expect(await initialLoadStatus(db.db)).toMatchObject({ state: 'finished' });
    // Nothing missing, nothing twice: as many lines as NetSuite has, adding up to the same revenue to the cent, and
    // each transaction's lines to its total.
    const invoices = ns.records.transactions.filter((t) => t.type === 'CustInvc');
    const revenueCents = invoices.reduce(
      (n, t) => n - t.lines.reduce((m, l) => m + (l.mainline ? 0 : (l.foreignCents ?? 0)), 0),
      0,
    );
    const stored = await db.db.execute<{ lines: number; cents: string }>(sql`
      SELECT count(*)::int AS lines, (sum(l.amount) * 100)::bigint::text AS cents
        FROM netsuite_transaction_lines l JOIN netsuite_transactions t ON t.id = l.transaction_id
       WHERE t.type = 'invoice'`);
    expect(stored.rows[0]).toEqual({ lines: rows, cents: String(revenueCents) });
    const mismatched = await db.db.execute(sql`
      SELECT t.id FROM netsuite_transactions t JOIN netsuite_transaction_lines l ON l.transaction_id = t.id
       GROUP BY t.id, t.total HAVING sum(coalesce(l.amount, 0)) <> t.total`);
    expect(mismatched.rows).toEqual([]);
    // The invoice the cap cut, and its neighbours, in full.
    let seen = 0;
    const cut = invoices.findIndex((t) => (seen += t.lines.length - 1) >= suiteQlResultCap);
    await expectTransactionsMatch(
      db.db,
      ns,
      invoices.slice(cut - 1, cut + 2).map((t) => t.id),
    );
    await netsuite.stop();
  }, 600_000);
});
