import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NetSuiteClient } from '../../src/connectors/netsuite/client.js';
import { runEvents } from '../../src/jobs/runs.js';
import {
  netsuiteRecordsQuarantine,
  netsuiteTransactionLines,
  netsuiteTransactions,
} from '../../src/models/index.js';
import {
  recordsLeaseName,
  runIncrementalSync,
  runInitialLoad,
} from '../../src/sync/netsuite-records/passes.js';
import { initialLoadStatus } from '../../src/sync/netsuite-records/progress.js';
import {
  checkpointNames,
  readCheckpoint,
  type IncrementalCheckpoint,
  type InitialCheckpoint,
} from '../../src/sync/netsuite-records/store.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { tbaClient } from '../netsuite/setup.js';
import { expectTransactionsMatch, recordsDeps, recordsSim, run, storedCustomer } from './setup.js';

const initialJob = 'netsuite.records.initial';
const incrementalJob = 'netsuite.records.incremental';

describe.each(databaseKinds)('NetSuite records sync on %s', (kind) => {
  let db: TestDatabase;
  const open: { sims: NetSuiteSim[]; clients: NetSuiteClient[] } = { sims: [], clients: [] };
  const sim = async (options: Parameters<typeof recordsSim>[0] = {}) => {
    const s = await recordsSim(options);
    open.sims.push(s);
    return s;
  };
  const client = (s: NetSuiteSim, overrides: Parameters<typeof tbaClient>[1] = {}) => {
    const c = tbaClient(s, overrides);
    open.clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.db.execute(
      sql`TRUNCATE netsuite_customers, netsuite_transactions, netsuite_transaction_lines, netsuite_records_quarantine, netsuite_records_checkpoints`,
    );
  });
  afterEach(async () => {
    await Promise.all(open.clients.map((c) => c.stop()));
    await Promise.all(open.sims.map((s) => s.close()));
    open.sims = [];
    open.clients = [];
  });

  it('initial load keeps every customer, invoice and credit note as NetSuite has them, totals to the cent', async () => {
    const ns = await sim();
    const deps = recordsDeps(db.db, client(ns));
    const result = await run(db.db, initialJob, (ctx) => runInitialLoad(deps, ctx));
    expect(result.status).toBe('succeeded');

    const records = ns.records;
    const lines = records.transactions.flatMap((t) => t.lines.filter((l) => !l.mainline));
    const excluded = lines.filter((l) => l.category === undefined || l.netCents === undefined);
    expect(result.counters).toMatchObject({
      created: records.customers.length + records.transactions.length,
      updated: 0,
      unchanged: 0,
      failed: 0,
      skipped: excluded.length,
    });
    expect(excluded.length).toBeGreaterThan(0);
    await expectTransactionsMatch(db.db, ns);
    expect(records.transactions.some((t) => t.type === 'CustCred')).toBe(true);

    // The sign convention: every transaction's lines add up to its total (credit notes negative).
    const mismatched = await db.db.execute(sql`
      SELECT t.id FROM netsuite_transactions t JOIN netsuite_transaction_lines l ON l.transaction_id = t.id
       GROUP BY t.id, t.total HAVING sum(coalesce(l.amount, 0)) <> t.total`);
    expect(mismatched.rows).toEqual([]);
    const signs = await db.db.execute<{ type: string; negative: number; positive: number }>(sql`
      SELECT type, count(*) FILTER (WHERE total < 0)::int AS negative, count(*) FILTER (WHERE total > 0)::int AS positive
        FROM netsuite_transactions GROUP BY type ORDER BY type`);
    expect(signs.rows).toEqual([
      { type: 'credit_note', negative: expect.any(Number), positive: 0 },
      { type: 'invoice', negative: 0, positive: expect.any(Number) },
    ]);

    // Statuses: A/B/D mapped, the others kept as NetSuite's code and reported.
    const statuses = await db.db.execute<{ status_code: string; status: string }>(
      sql`SELECT DISTINCT status_code, status FROM netsuite_transactions WHERE type = 'invoice' ORDER BY status_code`,
    );
    const expected: Record<string, string> = { A: 'open', B: 'paid', D: 'pending', E: 'E', V: 'V' };
    for (const row of statuses.rows) expect(row.status).toBe(expected[row.status_code]);
    expect(statuses.rows.map((r) => r.status_code)).toEqual(expect.arrayContaining(['A', 'B', 'D', 'E']));
    const events = await runEvents(db.db, result.runId);
    expect(events.find((e) => e.level === 'warn')?.message).toMatch(
      /NETSUITE_RECORDS_STATUS_MAP.*invoice status E/,
    );

    // Classification: a subscription needs the category and a period that ends after it starts.
    const stored = await db.db.select().from(netsuiteTransactionLines);
    const byKey = new Map(stored.map((l) => [`${l.transactionId}:${l.lineId}`, l]));
    let subscriptions = 0;
    let badPeriods = 0;
    for (const t of records.transactions)
      for (const l of t.lines.filter((x) => !x.mainline)) {
        const line = byKey.get(`${t.id}:${l.id}`)!;
        const real = l.category === 'Subscription' && !!l.periodStart && l.periodEnd! > l.periodStart;
        if (l.category === 'Subscription' && l.periodStart && !real) badPeriods++;
        if (real) subscriptions++;
        expect(line.classification).toBe(real ? 'subscription' : 'one_off');
        expect(line.periodStart).toBe(l.periodStart ?? null);
        expect(line.excludedReason === null).toBe(l.category !== undefined && l.netCents !== undefined);
      }
    expect(subscriptions).toBeGreaterThan(0);
    expect(badPeriods).toBeGreaterThan(0);

    const customer = records.customers[0]!;
    expect(await storedCustomer(db.db, customer.id)).toMatchObject({
      entityId: customer.entityid,
      email: customer.email ?? null,
      currency: records.currencies.find((c) => c.id === customer.currency)!.symbol,
      inactive: customer.isinactive,
      deletedAt: null,
    });
    const status = await initialLoadStatus(db.db);
    expect(status).toMatchObject({ state: 'finished', percent: 100 });
    expect(status.processed).toBe(records.customers.length + lines.length);

    // Run again: everything is read, nothing is written.
    const again = await run(db.db, initialJob, (ctx) => runInitialLoad(deps, ctx, { restart: true }));
    expect(again.counters).toMatchObject({ created: 0, updated: 0, unchanged: result.counters.created });
  });

  it('reads past the result cap in keyset slices and resumes a failed load: nothing twice, nothing missing', async () => {
    const ns = await sim({ resultCap: 120, records: { invoiceLines: 700 } });
    const failing = client(ns, { resultCap: 120, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    // Customers take one request; the ninth request is an invoice page past the first cap.
    ns.refuseNext(1, 429, 8);
    const first = await run(db.db, initialJob, (ctx) => runInitialLoad(recordsDeps(db.db, failing), ctx));
    expect(first.status).toBe('failed');
    const crashed = (await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial))!;
    expect(crashed.status).toBe('running');
    expect(crashed.objects.customers.done).toBe(true);
    expect(crashed.objects.invoices.rows).toBeGreaterThan(120);
    expect((await initialLoadStatus(db.db)).state).toBe('interrupted');
    const committed = ns.records.transactions.filter((t) => t.id <= crashed.objects.invoices.lastId);
    await expectTransactionsMatch(
      db.db,
      ns,
      committed.filter((t) => t.type === 'CustInvc').map((t) => t.id),
    );
    const [{ n: storedInvoices }] = (
      await db.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM netsuite_transactions`)
    ).rows as [{ n: number }];
    expect(storedInvoices).toBe(committed.filter((t) => t.type === 'CustInvc').length);

    const resumed = await run(db.db, initialJob, (ctx) =>
      runInitialLoad(recordsDeps(db.db, client(ns, { resultCap: 120 })), ctx),
    );
    expect(resumed.status).toBe('succeeded');
    expect(resumed.counters).toMatchObject({
      created: ns.records.transactions.length - storedInvoices,
      unchanged: 0,
      updated: 0,
    });
    await expectTransactionsMatch(db.db, ns);
    const invoiceRows = ns.records.transactions
      .filter((t) => t.type === 'CustInvc')
      .reduce((n, t) => n + t.lines.length - 1, 0);
    expect(invoiceRows).toBeGreaterThan(5 * 120);
    expect(await initialLoadStatus(db.db)).toMatchObject({ state: 'finished' });
  });

  it.runIf(kind === 'postgres')('resumes after the worker process is killed mid-load (SIGKILL)', async () => {
    const ns = await sim({ resultCap: 200, latencyMs: 15, records: { invoiceLines: 900 } });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./initial-load-process.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          CRASH_DATABASE_URL: db.url,
          CRASH_NETSUITE_URL: ns.url,
          CRASH_ACCOUNT_ID: ns.accountId,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    for (;;) {
      const cp = await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial);
      if (cp && cp.objects.invoices.pages >= 6) break;
      if (child.exitCode !== null) throw new Error('the load process ended before it could be killed');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const crashed = (await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial))!;
    expect(crashed.objects.invoices.done).toBe(false);
    // The killed process's hold on the records would lapse a minute after its last renewal; not waited for here.
    await db.db.execute(sql`DELETE FROM job_leases WHERE job = ${recordsLeaseName}`);

    const resumed = await run(db.db, initialJob, (ctx) =>
      runInitialLoad(recordsDeps(db.db, client(ns, { resultCap: 200 })), ctx),
    );
    expect(resumed.status).toBe('succeeded');
    await expectTransactionsMatch(db.db, ns);
    // Records committed before the crash were not written again.
    const rewritten = await db.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM netsuite_transactions WHERE type = 'invoice' AND run_id = ${resumed.runId} AND id::int <= ${crashed.objects.invoices.lastId}`,
    );
    expect(rewritten.rows[0]!.n).toBe(0);
  });

  it('incremental: edits, a late commit inside the overlap, new records and deletions end up as NetSuite has them', async () => {
    const ns = await sim();
    const deps = recordsDeps(db.db, client(ns));
    await run(db.db, initialJob, (ctx) => runInitialLoad(deps, ctx));
    const cursor = (await readCheckpoint<IncrementalCheckpoint>(db.db, checkpointNames.incremental))!;
    const cursorAt = new Date(cursor.invoices).getTime();
    const invoices = ns.records.transactions.filter((t) => t.type === 'CustInvc' && t.lines.length > 3);
    const [shortened, repriced, late, removed] = invoices;
    const credit = ns.records.transactions.find((t) => t.type === 'CustCred')!;
    const lineGone = shortened!.lines.at(-1)!.id;
    ns.records.editTransaction(shortened!.id, { removeLine: lineGone });
    ns.records.editTransaction(repriced!.id, { lineAmounts: { 1: 1234.56 } });
    // Committed late: its last-modified time is before the cursor, but within the 10-minute overlap.
    ns.records.editTransaction(late!.id, { lineAmounts: { 2: 99.99 }, status: 'B' }, cursorAt - 2 * 60_000);
    const added = ns.records.addInvoice(ns.records.customers[1]!.id, [10, 20.5]);
    const customer = ns.records.editCustomer(ns.records.customers[2]!.id, { email: 'new@example.com' });
    ns.records.deleteTransaction(removed!.id);
    ns.records.deleteTransaction(credit.id);
    const gone = ns.records.customers[3]!;
    ns.records.deleteCustomer(gone.id);

    const result = await run(db.db, incrementalJob, (ctx) => runIncrementalSync(deps, ctx), {
      trigger: 'schedule',
    });
    expect(result.status).toBe('succeeded');
    expect(result.counters).toMatchObject({ created: 1, updated: 4, unchanged: 0, deleted: 3, failed: 0 });
    await expectTransactionsMatch(db.db, ns);
    const shortLines = await db.db
      .select()
      .from(netsuiteTransactionLines)
      .where(eq(netsuiteTransactionLines.transactionId, String(shortened!.id)));
    expect(shortLines.map((l) => l.lineId)).not.toContain(lineGone);
    expect(await storedCustomer(db.db, customer.id)).toMatchObject({ email: 'new@example.com' });
    const [deletedInvoice] = await db.db
      .select()
      .from(netsuiteTransactions)
      .where(eq(netsuiteTransactions.id, String(removed!.id)));
    const deletion = ns.records.deleted.find((d) => d.recordid === removed!.id)!;
    expect(deletedInvoice!.deletedAt?.getTime()).toBe(Math.floor(deletion.deletedDate / 1000) * 1000);
    expect((await storedCustomer(db.db, gone.id))!.deletedAt).not.toBeNull();
    const keptLines = await db.db
      .select()
      .from(netsuiteTransactionLines)
      .where(eq(netsuiteTransactionLines.transactionId, String(removed!.id)));
    expect(keptLines.length).toBe(removed!.lines.length - 1);
    const next = (await readCheckpoint<IncrementalCheckpoint>(db.db, checkpointNames.incremental))!;
    // The newest last-modified time read (NetSuite shows seconds), unless the load started later than that.
    expect(new Date(next.invoices).getTime()).toBe(
      Math.max(cursorAt, Math.floor(added.lastModified / 1000) * 1000),
    );

    // The next pass re-reads the overlap: the same records, unchanged, and the deletions already marked.
    const again = await run(db.db, incrementalJob, (ctx) => runIncrementalSync(deps, ctx), {
      trigger: 'schedule',
    });
    expect(again.counters).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 8 });
  });

  it('quarantines a record holding text PostgreSQL cannot store, keeps it escaped, and writes the rest', async () => {
    const ns = await sim();
    const deps = recordsDeps(db.db, client(ns));
    await run(db.db, initialJob, (ctx) => runInitialLoad(deps, ctx));
    const invoice = ns.records.transactions.find((t) => t.type === 'CustInvc' && t.lines.length > 2)!;
    ns.records.editTransaction(invoice.id, { line: { id: 1, change: { memo: 'pallet\u0000 wrap' } } });
    const customer = ns.records.editCustomer(ns.records.customers[4]!.id, {
      email: 'half\ud83d@example.com',
    });
    const fine = ns.records.editCustomer(ns.records.customers[5]!.id, { email: 'fine@example.com' });

    const result = await run(db.db, incrementalJob, (ctx) => runIncrementalSync(deps, ctx));
    expect(result.status).toBe('partial');
    expect(result.counters).toMatchObject({ failed: 2, updated: 1 });
    expect(await storedCustomer(db.db, fine.id)).toMatchObject({ email: 'fine@example.com' });
    expect(await storedCustomer(db.db, customer.id)).not.toMatchObject({
      email: expect.stringContaining('half'),
    });
    const entries = await db.db.select().from(netsuiteRecordsQuarantine);
    const byId = new Map(entries.map((e) => [e.recordId, e]));
    expect(byId.get(String(invoice.id))!.reason).toMatch(/memo contains a NUL character/);
    expect(JSON.stringify(byId.get(String(invoice.id))!.values)).toContain('pallet\\\\u0000 wrap');
    expect(byId.get(String(customer.id))!.reason).toMatch(/email contains an unpaired UTF-16 surrogate/);
    const events = await runEvents(db.db, result.runId);
    expect(events.some((e) => e.message.includes(`${invoice.id} quarantined`))).toBe(true);
  });

  it.each([
    ['DD/MM/YYYY', 'M/D/YYYY'],
    ['M/D/YYYY', 'DD/MM/YYYY'],
  ] as const)(
    'reads period dates typed in a %s account; set to the wrong format it quarantines instead of guessing',
    async (format, wrong) => {
      const ns = await sim({ dateFormat: format });
      const netsuite = client(ns);
      const account = (dateFormat: typeof format | typeof wrong) =>
        recordsDeps(db.db, netsuite, {
          rules: { ...recordsDeps(db.db, netsuite).rules, dateFormat, periodDates: 'account' },
          query: { ...recordsDeps(db.db, netsuite).query, periodDates: 'account' },
        });
      const right = await run(db.db, initialJob, (ctx) => runInitialLoad(account(format), ctx));
      expect(right.status).toBe('succeeded');
      const periods = await db.db
        .select()
        .from(netsuiteTransactionLines)
        .where(sql`${netsuiteTransactionLines.periodStart} IS NOT NULL`);
      const simLines = new Map(
        ns.records.transactions.flatMap((t) =>
          t.lines.map((l): [string, (typeof t.lines)[number]] => [`${t.id}:${l.id}`, l]),
        ),
      );
      expect(periods.length).toBeGreaterThan(5);
      for (const line of periods) {
        const l = simLines.get(`${line.transactionId}:${line.lineId}`)!;
        expect([line.periodStart, line.periodEnd]).toEqual([l.periodStart, l.periodEnd]);
      }

      // A text value that is no date in the account format: that invoice is quarantined, the rest written.
      const invoice = ns.records.transactions.find((t) => t.type === 'CustInvc' && t.lines.length > 2)!;
      ns.records.editTransaction(invoice.id, { line: { id: 1, change: { periodStartText: '2024-31-01' } } });
      const bad = await run(db.db, incrementalJob, (ctx) => runIncrementalSync(account(format), ctx));
      expect(bad.status).toBe('partial');
      expect(bad.counters.failed).toBe(1);
      const [entry] = await db.db.select().from(netsuiteRecordsQuarantine);
      expect(entry).toMatchObject({ recordType: 'invoice', recordId: String(invoice.id) });
      expect(entry!.reason).toMatch(
        /line 1 period start \(periodstart\) is "2024-31-01", not a date in the account format/,
      );
      expect(entry!.reason).toContain(format);

      // Corrected in NetSuite: the next pass reads it back as stored before, and ends the quarantine.
      ns.records.editTransaction(invoice.id, { line: { id: 1, change: { periodStartText: undefined } } });
      const fixed = await run(db.db, incrementalJob, (ctx) => runIncrementalSync(account(format), ctx));
      expect(fixed).toMatchObject({ status: 'succeeded', counters: { updated: 0, unchanged: 1, failed: 0 } });
      expect(await db.db.select().from(netsuiteRecordsQuarantine)).toEqual([]);

      // Set to the other format, dates that do not fit it are refused rather than read the other way round.
      const misread = await run(db.db, initialJob, (ctx) =>
        runInitialLoad(account(wrong), ctx, { restart: true }),
      );
      expect(misread.status).toBe('partial');
      expect(misread.counters.failed).toBeGreaterThan(1);
      const reasons = await db.db.select().from(netsuiteRecordsQuarantine);
      expect(reasons.every((r) => r.reason.includes('NETSUITE_DATE_FORMAT'))).toBe(true);
      const restored = await run(db.db, initialJob, (ctx) =>
        runInitialLoad(account(format), ctx, { restart: true }),
      );
      expect(restored.status).toBe('succeeded');
      expect(await db.db.select().from(netsuiteRecordsQuarantine)).toEqual([]);
      await expectTransactionsMatch(db.db, ns);
    },
  );
});
