/** Shared set-up of the NetSuite records tests: the flow's settings, a run recorder, and the check against NetSuite. */
import { asc, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { NetSuiteClient } from '../../src/connectors/netsuite/client.js';
import type { Database } from '../../src/db/database.js';
import { beginRun } from '../../src/jobs/runs.js';
import type { RunContext, Trigger } from '../../src/jobs/types.js';
import { netsuiteCustomers, netsuiteTransactionLines, netsuiteTransactions } from '../../src/models/index.js';
import type { MappingRules } from '../../src/sync/netsuite-records/mapping.js';
import type { RecordsSyncDeps } from '../../src/sync/netsuite-records/passes.js';
import type { QuerySettings } from '../../src/sync/netsuite-records/query.js';
import type { NetSuiteSim, NetSuiteSimOptions } from '../sim/netsuite/server.js';
import type { SimTransaction } from '../sim/netsuite/records.js';
import { silentLog, simWithAuth } from '../netsuite/setup.js';

export const timeZone = 'America/Los_Angeles';

export const rules: MappingRules = {
  dateFormat: 'M/D/YYYY',
  periodDates: 'iso',
  subscriptionCategories: ['Subscription'],
  lineFilters: ['category', 'net_amount'],
  statusMap: { A: 'open', B: 'paid', D: 'pending' },
  timeZone,
  customerFields: [],
  transactionFields: [],
};

export const querySettings: QuerySettings = {
  revenueCategoryField: 'custcol_revenue_category',
  periodStartField: 'custcol_rev_period_start',
  periodEndField: 'custcol_rev_period_end',
  periodDates: 'iso',
  appliesToField: 'createdfrom',
  customerFields: [],
  transactionFields: [],
  timeZone,
};

export function recordsSim(options: NetSuiteSimOptions = {}): Promise<NetSuiteSim> {
  return simWithAuth({ itemCount: 1, seed: 14, timeZone, records: { invoiceLines: 300 }, ...options });
}

export function recordsDeps(
  db: Database,
  netsuite: NetSuiteClient,
  overrides: Partial<RecordsSyncDeps> = {},
): RecordsSyncDeps {
  return { db, netsuite, rules, query: querySettings, pageSize: 50, overlapMs: 10 * 60_000, ...overrides };
}

export async function run(
  db: Database,
  job: string,
  work: (ctx: RunContext) => Promise<unknown>,
  options: { trigger?: Trigger; signal?: AbortSignal } = {},
) {
  const recorder = await beginRun(db, silentLog, {
    job,
    trigger: options.trigger ?? 'manual',
    signal: options.signal ?? new AbortController().signal,
  });
  let error: unknown;
  try {
    await work(recorder);
  } catch (caught) {
    error = caught;
  }
  const status = await recorder.finish(error);
  return { status, counters: { ...recorder.counters }, runId: recorder.runId, error };
}

const cents = (value: string | null | undefined) => (value == null ? null : Math.round(Number(value) * 100));

/** NetSuite's view of a transaction in our convention: lines as revenue (minus the accounting amount). */
export function expectedTransaction(sim: NetSuiteSim, t: SimTransaction) {
  return {
    id: String(t.id),
    type: t.type === 'CustInvc' ? 'invoice' : 'credit_note',
    number: t.tranid,
    customerId: String(t.entity),
    tranDate: t.trandate,
    currency: sim.records.currencies.find((c) => c.id === t.currency)!.symbol,
    totalCents: sim.records.totalCents(t),
    appliesToId: t.type === 'CustCred' && t.createdfrom !== undefined ? String(t.createdfrom) : null,
    lines: t.lines
      .filter((l) => !l.mainline)
      .map((l) => ({ lineId: l.id, cents: l.foreignCents === undefined ? null : -l.foreignCents })),
  };
}

/** Every transaction NetSuite has is stored exactly: header, total, and the same lines with the same amounts. */
export async function expectTransactionsMatch(db: Database, sim: NetSuiteSim, ids?: number[]): Promise<void> {
  const wanted = sim.records.transactions.filter((t) => !ids || ids.includes(t.id));
  const stored = new Map((await db.select().from(netsuiteTransactions)).map((t) => [t.id, t]));
  const lines = new Map<string, { lineId: number; cents: number | null }[]>();
  for (const l of await db
    .select()
    .from(netsuiteTransactionLines)
    .orderBy(asc(netsuiteTransactionLines.transactionId), asc(netsuiteTransactionLines.lineId)))
    lines.set(l.transactionId, [
      ...(lines.get(l.transactionId) ?? []),
      { lineId: l.lineId, cents: cents(l.amount) },
    ]);
  for (const t of wanted) {
    const expected = expectedTransaction(sim, t);
    const row = stored.get(String(t.id));
    expect(row, `transaction ${t.id}`).toBeDefined();
    expect({
      id: row!.id,
      type: row!.type,
      number: row!.number,
      customerId: row!.customerId,
      tranDate: row!.tranDate,
      currency: row!.currency,
      totalCents: cents(row!.total),
      appliesToId: row!.appliesToId,
      lines: lines.get(row!.id) ?? [],
    }).toEqual(expected);
  }
}

export async function storedCustomer(db: Database, id: number) {
  const [row] = await db
    .select()
    .from(netsuiteCustomers)
    .where(eq(netsuiteCustomers.id, String(id)));
  return row;
}
