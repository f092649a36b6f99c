/**
 * Business figures from the stored documents and the ledger. Only documents that count toward stock under the
 * posting rules are counted, so these figures and the on-hand quantities tell the same story.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import type { PostingRules } from './posting-rules.js';

export interface DateRange {
  /** Inclusive business days, YYYY-MM-DD. */
  from: string;
  to: string;
}

export interface DocumentStats {
  count: number;
  total: string;
  average: string;
}

const lowered = (statuses: string[]) => JSON.stringify(statuses.map((s) => s.trim().toLowerCase()));

function countedPurchaseOrders(rules: PostingRules, range: DateRange): SQL {
  return sql`
    SELECT p.*, coalesce(p.total, (SELECT sum(l.line_total) FROM purchase_order_lines l WHERE l.purchase_order_id = p.id), 0) AS amount
      FROM purchase_orders p
     WHERE p.order_date BETWEEN ${range.from}::date AND ${range.to}::date
       AND lower(p.status) IN (SELECT jsonb_array_elements_text(${lowered(rules.purchaseOrderStatuses)}::jsonb))`;
}

function countedSalesInvoices(rules: PostingRules, range: DateRange): SQL {
  return sql`
    SELECT s.*, coalesce(s.total, (SELECT sum(l.amount) FROM sales_invoice_lines l WHERE l.sales_invoice_id = s.id), 0) AS amount
      FROM sales_invoices s
     WHERE s.invoice_date BETWEEN ${range.from}::date AND ${range.to}::date AND s.is_complete
       AND lower(s.status) IN (SELECT jsonb_array_elements_text(${lowered(rules.salesInvoiceStatuses)}::jsonb))`;
}

async function stats(db: Queryable, documents: SQL): Promise<DocumentStats> {
  const { rows } = await db.execute<{ count: number; total: string; average: string }>(sql`
    SELECT count(*) AS count, coalesce(sum(amount), 0)::numeric(18, 2)::text AS total,
           coalesce(avg(amount), 0)::numeric(18, 2)::text AS average
      FROM (${documents}) d`);
  const row = rows[0]!;
  return { count: Number(row.count), total: row.total, average: row.average };
}

export function purchaseStats(db: Queryable, rules: PostingRules, range: DateRange): Promise<DocumentStats> {
  return stats(db, countedPurchaseOrders(rules, range));
}

export function salesStats(db: Queryable, rules: PostingRules, range: DateRange): Promise<DocumentStats> {
  return stats(db, countedSalesInvoices(rules, range));
}

export interface RankedParty {
  name: string;
  count: number;
  total: string;
}

async function topBy(
  db: Queryable,
  documents: SQL,
  column: 'vendor' | 'customer',
  limit: number,
): Promise<RankedParty[]> {
  const { rows } = await db.execute<{ name: string; count: number; total: string }>(sql`
    SELECT coalesce(${sql.raw(column)}, '(none)') AS name, count(*) AS count, sum(amount)::numeric(18, 2)::text AS total
      FROM (${documents}) d
     GROUP BY 1 ORDER BY sum(amount) DESC, 1 LIMIT ${limit}`);
  return rows.map((r) => ({ name: r.name, count: Number(r.count), total: r.total }));
}

export function topVendors(
  db: Queryable,
  rules: PostingRules,
  range: DateRange,
  limit: number,
): Promise<RankedParty[]> {
  return topBy(db, countedPurchaseOrders(rules, range), 'vendor', limit);
}

export function topCustomers(
  db: Queryable,
  rules: PostingRules,
  range: DateRange,
  limit: number,
): Promise<RankedParty[]> {
  return topBy(db, countedSalesInvoices(rules, range), 'customer', limit);
}

export interface RankedProduct {
  sku: string;
  name: string;
  qty: string;
  total: string;
  orders: number;
}

export async function topPurchasedProducts(
  db: Queryable,
  rules: PostingRules,
  range: DateRange,
  limit: number,
): Promise<RankedProduct[]> {
  const { rows } = await db.execute<RankedProduct & Record<string, unknown>>(sql`
    SELECT i.sku, i.name, sum(l.qty)::text AS qty, coalesce(sum(l.line_total), 0)::numeric(18, 2)::text AS total,
           count(DISTINCT l.purchase_order_id) AS orders
      FROM (${countedPurchaseOrders(rules, range)}) p
      JOIN purchase_order_lines l ON l.purchase_order_id = p.id
      JOIN items i ON i.id = l.item_id
     GROUP BY i.id ORDER BY sum(l.qty) DESC, i.sku LIMIT ${limit}`);
  return rows.map((r) => ({ ...r, orders: Number(r.orders) }));
}

export interface StockSummaryRow {
  sku: string;
  name: string;
  in: string;
  out: string;
  adjust: string;
  onHand: string;
}

/** Per SKU: what came in, went out and was adjusted (in the range, or ever), and the on-hand now. */
export async function stockSummary(
  db: Queryable,
  options: { range?: DateRange; limit: number; afterSku?: string },
): Promise<StockSummaryRow[]> {
  const inRange = options.range
    ? sql`m.occurred_on BETWEEN ${options.range.from}::date AND ${options.range.to}::date`
    : sql`true`;
  const { rows } = await db.execute<StockSummaryRow & Record<string, unknown>>(sql`
    SELECT i.sku, i.name,
           coalesce(sum(m.qty) FILTER (WHERE m.type = 'IN' AND ${inRange}), 0)::text AS "in",
           coalesce(-sum(m.qty) FILTER (WHERE m.type = 'OUT' AND ${inRange}), 0)::text AS "out",
           coalesce(sum(m.qty) FILTER (WHERE m.type = 'ADJUST' AND ${inRange}), 0)::text AS adjust,
           coalesce(b.on_hand, 0)::text AS "onHand"
      FROM items i
      LEFT JOIN stock_movements m ON m.item_id = i.id
      LEFT JOIN stock_balances b ON b.item_id = i.id
     WHERE ${options.afterSku === undefined ? sql`true` : sql`i.sku > ${options.afterSku}`}
     GROUP BY i.id, b.on_hand
     ORDER BY i.sku LIMIT ${options.limit}`);
  return rows;
}

export interface Margin {
  sales: string;
  purchases: string;
  margin: string;
}

/** Sales minus purchases over the range, as the business reads it off its documents. */
export async function margin(db: Queryable, rules: PostingRules, range: DateRange): Promise<Margin> {
  const [sales, purchases] = await Promise.all([
    salesStats(db, rules, range),
    purchaseStats(db, rules, range),
  ]);
  const { rows } = await db.execute<{ margin: string }>(
    sql`SELECT (${sales.total}::numeric - ${purchases.total}::numeric)::numeric(18, 2)::text AS margin`,
  );
  return { sales: sales.total, purchases: purchases.total, margin: rows[0]!.margin };
}
