/**
 * The records flow's writes in the worker's database: checkpoints, customers and transactions with their lines
 * (written only when their checksum changed, lines replaced as a whole so a removed line goes), quarantine, and
 * deletion marks. Every function takes a Queryable so a page's records and its checkpoint commit together.
 */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import {
  netsuiteCustomers,
  netsuiteRecordsCheckpoints,
  netsuiteRecordsQuarantine,
  netsuiteTransactions,
} from '../../models/index.js';
import type { MappedCustomer, MappedTransaction, RecordType } from './mapping.js';

/** Checkpoint names are part of the stored state: never rename them. */
export const checkpointNames = {
  initial: 'netsuite-records.initial',
  incremental: 'netsuite-records.incremental',
} as const;

/** The objects the flow reads, in the order the initial load reads them. */
export const objectNames = ['customers', 'invoices', 'creditNotes'] as const;
export type ObjectName = (typeof objectNames)[number];

export interface ObjectProgress {
  /** Internal id of the last record committed: the next slice starts after it. */
  lastId: number;
  done: boolean;
  /** SuiteQL rows read and committed (customers, or transaction lines). */
  rows: number;
  records: number;
  /** Rows the object's query matched, when known. */
  total?: number;
  pages: number;
}

export interface InitialCheckpoint {
  status: 'running' | 'finished';
  runId: string;
  objects: Record<ObjectName, ObjectProgress>;
  startedAt: string;
  /** When this attempt (the first or a resumption) started, and the rows done before it, for the rate. */
  resumedAt: string;
  rowsBeforeResume: number;
  finishedAt?: string;
}

/** Per object, the newest NetSuite last-modified (or deleted) time applied, UTC ISO. */
export type IncrementalCheckpoint = Record<ObjectName | 'deletions', string>;

export async function readCheckpoint<T>(db: Queryable, name: string): Promise<T | undefined> {
  const [row] = await db
    .select()
    .from(netsuiteRecordsCheckpoints)
    .where(eq(netsuiteRecordsCheckpoints.name, name));
  return row?.state as T | undefined;
}

export async function writeCheckpoint(db: Queryable, name: string, state: object): Promise<void> {
  await db
    .insert(netsuiteRecordsCheckpoints)
    .values({ name, state, updatedAt: new Date() })
    .onConflictDoUpdate({ target: netsuiteRecordsCheckpoints.name, set: { state, updatedAt: new Date() } });
}

/**
 * Rows given as one array parameter per column and spread by unnest(): a page of 1,000 lines is one short statement
 * instead of 11,000 parameters, which PostgreSQL (and Drizzle building it) took ten times longer to handle.
 */
function unnest<T>(rows: T[], columns: [string, string, (row: T) => unknown][]): SQL {
  const arrays = columns.map(([, type, pick]) => sql`${sql.param(rows.map(pick))}::${sql.raw(type)}[]`);
  return sql`unnest(${sql.join(arrays, sql`, `)}) AS u(${sql.raw(columns.map(([name]) => name).join(', '))})`;
}

/** Stored checksums by id: what a page's records are compared with. */
export async function storedChecksums(
  db: Queryable,
  kind: 'customer' | 'transaction',
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const table = kind === 'customer' ? netsuiteCustomers : netsuiteTransactions;
  const rows = await db
    .select({ id: table.id, checksum: table.checksum })
    .from(table)
    .where(sql`${table.id} = ANY(${sql.param(ids)}::text[])`);
  return new Map(rows.map((r) => [r.id, r.checksum]));
}

const iso = (at: Date | null) => at?.toISOString() ?? null;

export async function upsertCustomers(
  db: Queryable,
  customers: MappedCustomer[],
  runId: string,
): Promise<void> {
  if (customers.length === 0) return;
  const rows = unnest(customers, [
    ['id', 'text', (c) => c.id],
    ['entity_id', 'text', (c) => c.entityId],
    ['company_name', 'text', (c) => c.companyName],
    ['email', 'text', (c) => c.email],
    ['currency', 'text', (c) => c.currency],
    ['subsidiary', 'text', (c) => c.subsidiary],
    ['inactive', 'boolean', (c) => c.inactive],
    ['extra', 'jsonb', (c) => JSON.stringify(c.extra)],
    ['source_modified_at', 'timestamptz', (c) => iso(c.sourceModifiedAt)],
    ['checksum', 'text', (c) => c.checksum],
  ]);
  await db.execute(sql`
    INSERT INTO netsuite_customers
      (id, entity_id, company_name, email, currency, subsidiary, inactive, extra, source_modified_at, checksum, run_id)
    SELECT *, ${runId}::uuid FROM ${rows}
    ON CONFLICT (id) DO UPDATE SET
      entity_id = excluded.entity_id, company_name = excluded.company_name, email = excluded.email,
      currency = excluded.currency, subsidiary = excluded.subsidiary, inactive = excluded.inactive,
      extra = excluded.extra, source_modified_at = excluded.source_modified_at, checksum = excluded.checksum,
      run_id = excluded.run_id, synced_at = now()`);
}

/** Headers upserted and lines replaced: afterwards each transaction has exactly the lines NetSuite has. */
export async function replaceTransactions(
  db: Queryable,
  transactions: MappedTransaction[],
  runId: string,
): Promise<void> {
  if (transactions.length === 0) return;
  const headers = unnest(transactions, [
    ['id', 'text', (t) => t.id],
    ['type', 'text', (t) => t.type],
    ['number', 'text', (t) => t.number],
    ['customer_id', 'text', (t) => t.customerId],
    ['tran_date', 'date', (t) => t.tranDate],
    ['status', 'text', (t) => t.status],
    ['status_code', 'text', (t) => t.statusCode],
    ['currency', 'text', (t) => t.currency],
    ['total', 'numeric', (t) => t.total],
    ['applies_to_id', 'text', (t) => t.appliesToId],
    ['extra', 'jsonb', (t) => JSON.stringify(t.extra)],
    ['source_modified_at', 'timestamptz', (t) => iso(t.sourceModifiedAt)],
    ['checksum', 'text', (t) => t.checksum],
  ]);
  await db.execute(sql`
    INSERT INTO netsuite_transactions
      (id, type, number, customer_id, tran_date, status, status_code, currency, total, applies_to_id, extra,
       source_modified_at, checksum, run_id)
    SELECT *, ${runId}::uuid FROM ${headers}
    ON CONFLICT (id) DO UPDATE SET
      type = excluded.type, number = excluded.number, customer_id = excluded.customer_id,
      tran_date = excluded.tran_date, status = excluded.status, status_code = excluded.status_code,
      currency = excluded.currency, total = excluded.total, applies_to_id = excluded.applies_to_id,
      extra = excluded.extra, source_modified_at = excluded.source_modified_at, checksum = excluded.checksum,
      run_id = excluded.run_id, synced_at = now()`);
  const ids = transactions.map((t) => t.id);
  await db.execute(
    sql`DELETE FROM netsuite_transaction_lines WHERE transaction_id = ANY(${sql.param(ids)}::text[])`,
  );
  const lines = unnest(
    transactions.flatMap((t) => t.lines.map((line) => ({ line, transactionId: t.id }))),
    [
      ['transaction_id', 'text', (l) => l.transactionId],
      ['line_id', 'int', (l) => l.line.lineId],
      ['item', 'text', (l) => l.line.item],
      ['memo', 'text', (l) => l.line.memo],
      ['amount', 'numeric', (l) => l.line.amount],
      ['net_amount', 'numeric', (l) => l.line.netAmount],
      ['revenue_category', 'text', (l) => l.line.revenueCategory],
      ['period_start', 'date', (l) => l.line.periodStart],
      ['period_end', 'date', (l) => l.line.periodEnd],
      ['classification', 'text', (l) => l.line.classification],
      ['excluded_reason', 'text', (l) => l.line.excludedReason],
    ],
  );
  await db.execute(sql`
    INSERT INTO netsuite_transaction_lines
      (transaction_id, line_id, item, memo, amount, net_amount, revenue_category, period_start, period_end,
       classification, excluded_reason)
    SELECT * FROM ${lines}`);
}

export interface QuarantineEntry {
  recordType: RecordType;
  recordId: string;
  reason: string;
  values: unknown;
}

export async function quarantineRecords(
  db: Queryable,
  entries: QuarantineEntry[],
  runId: string,
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insert(netsuiteRecordsQuarantine)
    .values(entries.map((e) => ({ ...e, values: e.values as object, runId })))
    .onConflictDoUpdate({
      target: [netsuiteRecordsQuarantine.recordType, netsuiteRecordsQuarantine.recordId],
      set: {
        reason: sql`excluded.reason`,
        values: sql`excluded.values`,
        runId: sql`excluded.run_id`,
        lastSeenAt: new Date(),
      },
    });
}

/** A later good read (or the record's deletion) ends its quarantine. */
export async function releaseFromQuarantine(
  db: Queryable,
  recordType: RecordType,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .delete(netsuiteRecordsQuarantine)
    .where(
      and(
        eq(netsuiteRecordsQuarantine.recordType, recordType),
        inArray(netsuiteRecordsQuarantine.recordId, ids),
      ),
    );
}

/**
 * Marks records deleted in NetSuite, keeping them, and ends their quarantine. Says which were newly marked, how many
 * were already marked (a re-read inside the overlap) and how many were never stored here.
 */
export async function markDeleted(
  db: Queryable,
  recordType: RecordType,
  deletions: { id: string; deletedAt: Date }[],
): Promise<{ marked: string[]; alreadyDeleted: number; unknown: number }> {
  const table = recordType === 'customer' ? netsuiteCustomers : netsuiteTransactions;
  const ids = deletions.map((d) => d.id);
  const stored = new Set(
    (
      await db
        .select({ id: table.id })
        .from(table)
        .where(sql`${table.id} = ANY(${sql.param(ids)}::text[])`)
    ).map((r) => r.id),
  );
  const marked: string[] = [];
  if (stored.size > 0) {
    const name = recordType === 'customer' ? 'netsuite_customers' : 'netsuite_transactions';
    const rows = unnest(deletions, [
      ['id', 'text', (d) => d.id],
      ['deleted_at', 'timestamptz', (d) => d.deletedAt.toISOString()],
    ]);
    const updated = await db.execute<{ id: string }>(sql`
      UPDATE ${sql.identifier(name)} AS r SET deleted_at = u.deleted_at FROM ${rows}
       WHERE r.id = u.id AND r.deleted_at IS NULL RETURNING r.id`);
    marked.push(...updated.rows.map((r) => r.id));
  }
  await releaseFromQuarantine(db, recordType, ids);
  const unknown = deletions.filter((d) => !stored.has(d.id)).length;
  return { marked, alreadyDeleted: deletions.length - marked.length - unknown, unknown };
}
