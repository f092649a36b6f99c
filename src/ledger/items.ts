/**
 * Items and their aliases: how a code written on a portal document (a CustomerConnect Model, a RouteStar Item name)
 * becomes one of our items, and how a person maps a code to an item so that stock moves to the right place.
 */
import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import { items, skuAliases, type ItemStatus } from '../models/index.js';
import { ItemNotFoundError } from './errors.js';

/** Codes compare upper-cased and trimmed: portals are not consistent about either. */
export function normaliseCode(code: string): string {
  return code.trim().toUpperCase();
}

export interface ResolvedItems {
  itemIdByCode: Map<string, string>;
  /** Codes seen for the first time: an unmapped item was created for each. */
  createdUnmapped: string[];
}

/**
 * Finds the item of every code: the source's alias first, then an item whose SKU is the code; a code that matches
 * neither gets a new item flagged unmapped, so the quantity is kept and a person can map it later.
 */
export async function resolveItems(
  db: Queryable,
  source: string,
  codes: { code: string; name: string }[],
): Promise<ResolvedItems> {
  const wanted = new Map<string, string>();
  for (const c of codes) {
    const code = normaliseCode(c.code);
    if (!wanted.has(code)) wanted.set(code, c.name.trim() || code);
  }
  const itemIdByCode = new Map<string, string>();
  if (wanted.size === 0) return { itemIdByCode, createdUnmapped: [] };
  const lookup = async (list: string[]) => {
    const { rows } = await db.execute<{ code: string; item_id: string | null }>(sql`
      SELECT c.code, coalesce(a.item_id, i.id) AS item_id
        FROM jsonb_array_elements_text(${JSON.stringify(list)}::jsonb) AS c(code)
        LEFT JOIN sku_aliases a ON a.source = ${source} AND a.code = c.code
        LEFT JOIN items i ON i.sku = c.code`);
    for (const row of rows) if (row.item_id) itemIdByCode.set(row.code, row.item_id);
  };
  await lookup([...wanted.keys()]);
  const missing = [...wanted]
    .filter(([code]) => !itemIdByCode.has(code))
    .map(([code, name]) => ({ code, name }));
  if (missing.length === 0) return { itemIdByCode, createdUnmapped: [] };
  const { rows: created } = await db.execute<{ sku: string; id: string }>(sql`
    INSERT INTO items (sku, name, unmapped)
    SELECT m.code, m.name, true FROM jsonb_to_recordset(${JSON.stringify(missing)}::jsonb) AS m(code text, name text)
    ON CONFLICT (sku) DO NOTHING
    RETURNING sku, id`);
  for (const row of created) itemIdByCode.set(row.sku, row.id);
  // Another writer may have created some of them between our lookup and insert: those resolve now.
  const stillMissing = missing.filter((m) => !itemIdByCode.has(m.code)).map((m) => m.code);
  if (stillMissing.length > 0) await lookup(stillMissing);
  return { itemIdByCode, createdUnmapped: created.map((r) => r.sku) };
}

export interface ItemInput {
  sku: string;
  name: string;
  unit?: string;
  status?: ItemStatus;
  reorderPoint?: number | null;
}

/** Creates or updates an item as a person described it; a person describing it means it is no longer unmapped. */
export async function upsertItem(db: Queryable, input: ItemInput): Promise<{ id: string; created: boolean }> {
  const sku = normaliseCode(input.sku);
  const values = {
    sku,
    name: input.name,
    unmapped: false,
    ...(input.unit !== undefined ? { unit: input.unit } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.reorderPoint !== undefined
      ? { reorderPoint: input.reorderPoint === null ? null : String(input.reorderPoint) }
      : {}),
  };
  const [row] = await db
    .insert(items)
    .values(values)
    .onConflictDoUpdate({ target: items.sku, set: { ...values, updatedAt: new Date() } })
    .returning({ id: items.id, created: sql<boolean>`(xmax = 0)` });
  return { id: row!.id, created: row!.created };
}

export interface AliasMapping {
  source: string;
  code: string;
  sku: string;
}

export interface AliasMappingResult {
  itemId: string;
  /** Documents whose lines now name another item: the next posting moves their quantities. */
  affectedPurchaseOrders: number;
  affectedSalesInvoices: number;
}

/**
 * Maps a source's code to an item and points every line of that source written with the code at the item. The
 * documents touched are marked for posting, which moves their quantities from the old item to this one.
 */
export async function mapAlias(db: Queryable, mapping: AliasMapping): Promise<AliasMappingResult> {
  const code = normaliseCode(mapping.code);
  const sku = normaliseCode(mapping.sku);
  return db.transaction(async (tx) => {
    const [item] = await tx.select({ id: items.id }).from(items).where(eq(items.sku, sku));
    if (!item) throw new ItemNotFoundError(sku);
    await tx
      .insert(skuAliases)
      .values({ source: mapping.source, code, itemId: item.id })
      .onConflictDoUpdate({
        target: [skuAliases.source, skuAliases.code],
        set: { itemId: item.id, updatedAt: new Date() },
      });
    await tx.update(items).set({ unmapped: false, updatedAt: new Date() }).where(eq(items.id, item.id));
    const po = await tx.execute(sql`
      WITH moved AS (
        UPDATE purchase_order_lines l SET item_id = ${item.id}
          FROM purchase_orders p
         WHERE p.id = l.purchase_order_id AND p.source = ${mapping.source}
           AND upper(trim(l.sku)) = ${code} AND l.item_id <> ${item.id}
        RETURNING l.purchase_order_id)
      UPDATE purchase_orders SET posting_revision = posting_revision + 1, updated_at = now()
       WHERE id IN (SELECT purchase_order_id FROM moved)`);
    const si = await tx.execute(sql`
      WITH moved AS (
        UPDATE sales_invoice_lines l SET item_id = ${item.id}
          FROM sales_invoices s
         WHERE s.id = l.sales_invoice_id AND s.source = ${mapping.source}
           AND upper(trim(l.item_name)) = ${code} AND l.item_id <> ${item.id}
        RETURNING l.sales_invoice_id)
      UPDATE sales_invoices SET posting_revision = posting_revision + 1, updated_at = now()
       WHERE id IN (SELECT sales_invoice_id FROM moved)`);
    return {
      itemId: item.id,
      affectedPurchaseOrders: po.rowCount ?? 0,
      affectedSalesInvoices: si.rowCount ?? 0,
    };
  });
}
