/** What the API reads from the ledger: items with their balances, an item's movements, documents with their postings. */
import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import {
  items,
  purchaseOrderLines,
  purchaseOrders,
  salesInvoiceLines,
  salesInvoices,
} from '../models/index.js';
import { normaliseCode } from './items.js';

export type InventoryFilter = 'low' | 'oversold' | 'unmapped';

export interface InventoryRow {
  sku: string;
  name: string;
  unit: string;
  status: string;
  unmapped: boolean;
  reorderPoint: string | null;
  onHand: string;
  lastRestockOn: string | null;
  lastRestockQty: string | null;
  oversold: boolean;
  low: boolean;
}

const inventoryColumns = (threshold: number) => sql`
  i.sku, i.name, i.unit, i.status, i.unmapped, i.reorder_point::text AS "reorderPoint",
  coalesce(b.on_hand, 0)::text AS "onHand", b.last_restock_on::text AS "lastRestockOn",
  b.last_restock_qty::text AS "lastRestockQty",
  coalesce(b.on_hand, 0) < 0 AS oversold,
  coalesce(b.on_hand, 0) <= coalesce(i.reorder_point, ${threshold}) AS low`;

/** Items by SKU, optionally only the low, oversold or unmapped ones; `afterSku` continues a page. */
export async function listInventory(
  db: Queryable,
  options: { filter?: InventoryFilter; threshold: number; limit: number; afterSku?: string },
): Promise<InventoryRow[]> {
  const filter =
    options.filter === 'low'
      ? sql`i.status = 'active' AND coalesce(b.on_hand, 0) <= coalesce(i.reorder_point, ${options.threshold})`
      : options.filter === 'oversold'
        ? sql`coalesce(b.on_hand, 0) < 0`
        : options.filter === 'unmapped'
          ? sql`i.unmapped`
          : sql`true`;
  const { rows } = await db.execute<InventoryRow & Record<string, unknown>>(sql`
    SELECT ${inventoryColumns(options.threshold)}
      FROM items i LEFT JOIN stock_balances b ON b.item_id = i.id
     WHERE ${filter} AND ${options.afterSku === undefined ? sql`true` : sql`i.sku > ${options.afterSku}`}
     ORDER BY i.sku
     LIMIT ${options.limit}`);
  return rows;
}

export interface ItemDetail extends InventoryRow {
  id: string;
  totals: { in: string; out: string; adjust: string };
  aliases: { source: string; code: string }[];
}

export async function itemDetail(db: Queryable, sku: string, threshold: number): Promise<ItemDetail | null> {
  const { rows } = await db.execute<ItemDetail & Record<string, unknown>>(sql`
    SELECT i.id, ${inventoryColumns(threshold)},
           json_build_object(
             'in', coalesce(sum(m.qty) FILTER (WHERE m.type = 'IN'), 0)::text,
             'out', coalesce(sum(m.qty) FILTER (WHERE m.type = 'OUT'), 0)::text,
             'adjust', coalesce(sum(m.qty) FILTER (WHERE m.type = 'ADJUST'), 0)::text) AS totals,
           coalesce((SELECT json_agg(json_build_object('source', a.source, 'code', a.code) ORDER BY a.source, a.code)
                       FROM sku_aliases a WHERE a.item_id = i.id), '[]'::json) AS aliases
      FROM items i
      LEFT JOIN stock_balances b ON b.item_id = i.id
      LEFT JOIN stock_movements m ON m.item_id = i.id
     WHERE i.sku = ${normaliseCode(sku)}
     GROUP BY i.id, b.item_id`);
  return rows[0] ?? null;
}

export type MovementRow = {
  id: number;
  sku: string;
  qty: string;
  type: string;
  documentType: string;
  documentNumber: string | null;
  lineNo: number | null;
  reason: string;
  runId: string | null;
  occurredOn: string;
  recordedAt: string;
};

const movementColumns = sql`
  m.id, i.sku, m.qty::text AS qty, m.type, m.document_type AS "documentType", m.document_number AS "documentNumber",
  m.line_no AS "lineNo", m.reason, m.run_id AS "runId", m.occurred_on::text AS "occurredOn", m.recorded_at AS "recordedAt"`;

/** An item's movements, newest first; `beforeId` continues a page. */
export async function itemMovements(
  db: Queryable,
  itemId: string,
  options: { limit: number; beforeId?: number },
): Promise<MovementRow[]> {
  const { rows } = await db.execute<MovementRow & Record<string, unknown>>(sql`
    SELECT ${movementColumns}
      FROM stock_movements m JOIN items i ON i.id = m.item_id
     WHERE m.item_id = ${itemId} AND ${options.beforeId === undefined ? sql`true` : sql`m.id < ${options.beforeId}`}
     ORDER BY m.id DESC
     LIMIT ${options.limit}`);
  return rows;
}

export type DocumentType = 'purchase_order' | 'sales_invoice';

const documentTables = {
  purchase_order: {
    table: purchaseOrders,
    number: purchaseOrders.orderNumber,
    date: purchaseOrders.orderDate,
    lines: purchaseOrderLines,
    linesKey: purchaseOrderLines.purchaseOrderId,
    lineNo: purchaseOrderLines.lineNo,
  },
  sales_invoice: {
    table: salesInvoices,
    number: salesInvoices.invoiceNumber,
    date: salesInvoices.invoiceDate,
    lines: salesInvoiceLines,
    linesKey: salesInvoiceLines.salesInvoiceId,
    lineNo: salesInvoiceLines.lineNo,
  },
} as const;

/**
 * Documents newest first (by business date, then id), with whether the ledger has caught up with them;
 * `after` is the (date, id) of the last row of the previous page.
 */
export async function listDocuments(
  db: Queryable,
  type: DocumentType,
  options: { source?: string; status?: string; limit: number; after?: { date: string; id: string } },
) {
  const t = documentTables[type];
  const table = t.table;
  const day = sql<string>`coalesce(${t.date}, '0001-01-01'::date)::text`;
  const conditions: SQL[] = [];
  if (options.source !== undefined) conditions.push(eq(table.source, options.source));
  if (options.status !== undefined) conditions.push(sql`lower(${table.status}) = lower(${options.status})`);
  if (options.after !== undefined)
    conditions.push(
      sql`(${day}::date, ${table.id}) < (${options.after.date}::date, ${options.after.id}::uuid)`,
    );
  return db
    .select({
      ...getTableColumns(table),
      sortDay: day,
      posted: sql<boolean>`${table.postingRevision} = ${table.postedRevision}`,
    })
    .from(table)
    .where(and(...conditions))
    .orderBy(desc(day), desc(table.id))
    .limit(options.limit);
}

/** One document with its lines (and the item each resolved to) and every movement it posted. */
export async function documentDetail(db: Queryable, type: DocumentType, source: string, number: string) {
  const t = documentTables[type];
  const table = t.table;
  const [doc] = await db
    .select({
      ...getTableColumns(table),
      posted: sql<boolean>`${table.postingRevision} = ${table.postedRevision}`,
    })
    .from(table)
    .where(and(eq(table.source, source), eq(t.number, number)));
  if (!doc) return null;
  const lines = await db
    .select({ line: getTableColumns(t.lines), itemSku: items.sku, itemUnmapped: items.unmapped })
    .from(t.lines as typeof purchaseOrderLines)
    .innerJoin(items, eq(items.id, (t.lines as typeof purchaseOrderLines).itemId))
    .where(eq(t.linesKey, doc.id))
    .orderBy(t.lineNo);
  const { rows: movements } = await db.execute<MovementRow & { seq: number }>(sql`
    SELECT ${movementColumns}, m.seq
      FROM stock_movements m JOIN items i ON i.id = m.item_id
     WHERE m.document_type = ${type} AND m.document_id = ${doc.id}
     ORDER BY m.id`);
  return {
    ...doc,
    lines: lines.map((l) => ({ ...l.line, itemSku: l.itemSku, itemUnmapped: l.itemUnmapped })),
    movements,
  };
}
