/**
 * Reads of the stored NetSuite records for the API: customer and transaction lists in keyset order, one invoice with
 * its lines and credit notes, invoice lines in batches for the streamed export, revenue by month, and the flow's
 * own state (quarantine, statuses kept unmapped, record counts).
 */
import { and, asc, desc, eq, gte, ilike, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import {
  netsuiteCustomers,
  netsuiteRecordsQuarantine,
  netsuiteTransactionLines,
  netsuiteTransactions,
} from '../../models/index.js';
import type { TransactionType } from './mapping.js';

export interface CustomerFilter {
  search?: string;
  inactive?: boolean;
  includeDeleted: boolean;
}

/** Customers by name (entity id), then id. */
export async function listCustomers(
  db: Database,
  filter: CustomerFilter,
  after: [string, string] | undefined,
  limit: number,
) {
  const c = netsuiteCustomers;
  const pattern = `%${filter.search?.replace(/[\\%_]/g, '\\$&')}%`;
  const where: (SQL | undefined)[] = [
    filter.includeDeleted ? undefined : isNull(c.deletedAt),
    filter.inactive === undefined ? undefined : eq(c.inactive, filter.inactive),
    filter.search
      ? or(ilike(c.entityId, pattern), ilike(c.companyName, pattern), ilike(c.email, pattern))
      : undefined,
    after ? sql`(${c.entityId}, ${c.id}) > (${after[0]}, ${after[1]})` : undefined,
  ];
  return db
    .select()
    .from(c)
    .where(and(...where))
    .orderBy(asc(c.entityId), asc(c.id))
    .limit(limit);
}

export async function customerById(db: Database, id: string) {
  const [row] = await db.select().from(netsuiteCustomers).where(eq(netsuiteCustomers.id, id));
  return row;
}

export interface TransactionFilter {
  type: TransactionType;
  customer?: string;
  status?: string;
  from?: string;
  to?: string;
  currency?: string;
  includeDeleted: boolean;
}

const transactionColumns = {
  id: netsuiteTransactions.id,
  type: netsuiteTransactions.type,
  number: netsuiteTransactions.number,
  tranDate: netsuiteTransactions.tranDate,
  status: netsuiteTransactions.status,
  statusCode: netsuiteTransactions.statusCode,
  currency: netsuiteTransactions.currency,
  total: netsuiteTransactions.total,
  appliesToId: netsuiteTransactions.appliesToId,
  customerId: netsuiteTransactions.customerId,
  customerName: netsuiteCustomers.entityId,
  customerCompany: netsuiteCustomers.companyName,
  extra: netsuiteTransactions.extra,
  sourceModifiedAt: netsuiteTransactions.sourceModifiedAt,
  deletedAt: netsuiteTransactions.deletedAt,
  syncedAt: netsuiteTransactions.syncedAt,
};

/** Newest first: by date, then id, both descending. */
export async function listTransactions(
  db: Database,
  filter: TransactionFilter,
  before: [string, string] | undefined,
  limit: number,
) {
  const t = netsuiteTransactions;
  const where: (SQL | undefined)[] = [
    eq(t.type, filter.type),
    filter.includeDeleted ? undefined : isNull(t.deletedAt),
    filter.customer ? eq(t.customerId, filter.customer) : undefined,
    filter.status ? or(eq(t.status, filter.status), eq(t.statusCode, filter.status)) : undefined,
    filter.from ? gte(t.tranDate, filter.from) : undefined,
    filter.to ? lte(t.tranDate, filter.to) : undefined,
    filter.currency ? eq(t.currency, filter.currency.toUpperCase()) : undefined,
    before ? sql`(${t.tranDate}, ${t.id}) < (${before[0]}, ${before[1]})` : undefined,
  ];
  return db
    .select(transactionColumns)
    .from(t)
    .leftJoin(netsuiteCustomers, eq(netsuiteCustomers.id, t.customerId))
    .where(and(...where))
    .orderBy(desc(t.tranDate), desc(t.id))
    .limit(limit);
}

async function linesOf(db: Database, ids: string[]) {
  if (ids.length === 0) return new Map<string, (typeof netsuiteTransactionLines.$inferSelect)[]>();
  const rows = await db
    .select()
    .from(netsuiteTransactionLines)
    .where(inArray(netsuiteTransactionLines.transactionId, ids))
    .orderBy(asc(netsuiteTransactionLines.transactionId), asc(netsuiteTransactionLines.lineId));
  const byTransaction = new Map<string, typeof rows>();
  for (const row of rows)
    byTransaction.set(row.transactionId, [...(byTransaction.get(row.transactionId) ?? []), row]);
  return byTransaction;
}

/** An invoice (or credit note) with its lines, and for an invoice the credit notes applied to it, with theirs. */
export async function transactionDetail(db: Database, id: string, type: TransactionType) {
  const [header] = await db
    .select(transactionColumns)
    .from(netsuiteTransactions)
    .leftJoin(netsuiteCustomers, eq(netsuiteCustomers.id, netsuiteTransactions.customerId))
    .where(and(eq(netsuiteTransactions.id, id), eq(netsuiteTransactions.type, type)));
  if (!header) return undefined;
  const credits =
    type === 'invoice'
      ? await db
          .select(transactionColumns)
          .from(netsuiteTransactions)
          .leftJoin(netsuiteCustomers, eq(netsuiteCustomers.id, netsuiteTransactions.customerId))
          .where(and(eq(netsuiteTransactions.appliesToId, id), eq(netsuiteTransactions.type, 'credit_note')))
          .orderBy(asc(netsuiteTransactions.tranDate), asc(netsuiteTransactions.id))
      : [];
  const lines = await linesOf(db, [id, ...credits.map((c) => c.id)]);
  const withLines = (t: typeof header) => ({ ...t, lines: lines.get(t.id) ?? [] });
  return { ...withLines(header), creditNotes: credits.map(withLines) };
}

export interface ExportLine {
  invoiceId: string;
  invoiceNumber: string;
  tranDate: string;
  customerId: string;
  currency: string;
  status: string;
  lineId: number;
  item: string | null;
  memo: string | null;
  amount: string | null;
  netAmount: string | null;
  revenueCategory: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  classification: string;
  excludedReason: string | null;
}

/**
 * Lines of the invoices dated in a range (deleted invoices left out), in batches by (date, invoice, line), so an
 * export of any size holds one batch in memory at a time.
 */
export async function* invoiceLinesBetween(
  db: Database,
  range: { from: string; to: string; currency?: string },
  batchSize = 2000,
): AsyncGenerator<ExportLine[]> {
  const t = netsuiteTransactions;
  const l = netsuiteTransactionLines;
  let after: [string, string, number] | undefined;
  for (;;) {
    const rows: ExportLine[] = await db
      .select({
        invoiceId: t.id,
        invoiceNumber: t.number,
        tranDate: t.tranDate,
        customerId: t.customerId,
        currency: t.currency,
        status: t.status,
        lineId: l.lineId,
        item: l.item,
        memo: l.memo,
        amount: l.amount,
        netAmount: l.netAmount,
        revenueCategory: l.revenueCategory,
        periodStart: l.periodStart,
        periodEnd: l.periodEnd,
        classification: l.classification,
        excludedReason: l.excludedReason,
      })
      .from(l)
      .innerJoin(t, eq(t.id, l.transactionId))
      .where(
        and(
          eq(t.type, 'invoice'),
          isNull(t.deletedAt),
          gte(t.tranDate, range.from),
          lte(t.tranDate, range.to),
          range.currency ? eq(t.currency, range.currency.toUpperCase()) : undefined,
          after
            ? sql`(${t.tranDate}, ${t.id}, ${l.lineId}) > (${after[0]}, ${after[1]}, ${after[2]})`
            : undefined,
        ),
      )
      .orderBy(asc(t.tranDate), asc(t.id), asc(l.lineId))
      .limit(batchSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batchSize) return;
    const last = rows.at(-1)!;
    after = [last.tranDate, last.invoiceId, last.lineId];
  }
}

export interface RevenueMonth {
  month: string;
  currency: string;
  subscription: string;
  oneOff: string;
  total: string;
}

/**
 * Revenue by month of the transaction date and currency, split subscription / one-off: invoice lines less credit
 * note lines, only lines the filters count, deleted transactions left out. Sums are exact (NUMERIC).
 */
export async function revenueByMonth(
  db: Database,
  range: { from?: string; to?: string; currency?: string },
): Promise<RevenueMonth[]> {
  const t = netsuiteTransactions;
  const l = netsuiteTransactionLines;
  const month = sql<string>`to_char(${t.tranDate}, 'YYYY-MM')`;
  const sum = (classification?: 'subscription' | 'one_off') =>
    sql<string>`coalesce(sum(${l.amount}) ${classification ? sql`FILTER (WHERE ${l.classification} = ${classification})` : sql``}, 0)::text`;
  return db
    .select({
      month,
      currency: t.currency,
      subscription: sum('subscription'),
      oneOff: sum('one_off'),
      total: sum(),
    })
    .from(l)
    .innerJoin(t, eq(t.id, l.transactionId))
    .where(
      and(
        isNull(t.deletedAt),
        isNull(l.excludedReason),
        range.from ? gte(t.tranDate, range.from) : undefined,
        range.to ? lte(t.tranDate, range.to) : undefined,
        range.currency ? eq(t.currency, range.currency.toUpperCase()) : undefined,
      ),
    )
    .groupBy(month, t.currency)
    .orderBy(month, t.currency);
}

export async function quarantinedRecords(db: Database, limit = 100) {
  return db
    .select()
    .from(netsuiteRecordsQuarantine)
    .orderBy(desc(netsuiteRecordsQuarantine.lastSeenAt))
    .limit(limit);
}

/** What the flow holds: records by kind (deleted apart), quarantine, and statuses kept as NetSuite's codes. */
export async function recordsOverview(db: Database, statusMap: Record<string, string>) {
  const counts = await db.execute<{ kind: string; kept: number; deleted: number }>(sql`
    SELECT 'customers' AS kind, count(*) FILTER (WHERE deleted_at IS NULL)::int AS kept,
           count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted FROM netsuite_customers
    UNION ALL
    SELECT type, count(*) FILTER (WHERE deleted_at IS NULL)::int, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int
      FROM netsuite_transactions GROUP BY type`);
  const mapped = Object.keys(statusMap);
  const unmapped = await db
    .select({
      type: netsuiteTransactions.type,
      statusCode: netsuiteTransactions.statusCode,
      count: sql<number>`count(*)::int`,
    })
    .from(netsuiteTransactions)
    .where(
      mapped.length > 0
        ? sql`${netsuiteTransactions.statusCode} <> ALL(${sql.param(mapped)}::text[])`
        : undefined,
    )
    .groupBy(netsuiteTransactions.type, netsuiteTransactions.statusCode)
    .orderBy(netsuiteTransactions.type, netsuiteTransactions.statusCode);
  const [quarantine] = await db.select({ n: sql<number>`count(*)::int` }).from(netsuiteRecordsQuarantine);
  return {
    records: Object.fromEntries(counts.rows.map((r) => [r.kind, { kept: r.kept, deleted: r.deleted }])),
    quarantined: quarantine?.n ?? 0,
    unmappedStatuses: unmapped,
  };
}
