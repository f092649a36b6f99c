/**
 * Balances and manual adjustments. A balance is a cache of the sum of an item's movements, kept in step in the same
 * transaction as every movement; reconcileBalances recomputes it from the ledger and repairs any drift it finds.
 */
import { eq, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import type { RunContext } from '../jobs/types.js';
import { items } from '../models/index.js';
import { ItemNotFoundError } from './errors.js';
import { normaliseCode } from './items.js';
import { businessToday, inLedgerTransaction } from './lock.js';

export interface AdjustmentInput {
  sku: string;
  /** Signed: positive adds to on-hand (found stock), negative takes from it (damage, shrinkage). */
  qty: number;
  reason: string;
  occurredOn?: string;
  runId?: string;
}

export interface AdjustmentResult {
  movementId: number;
  itemId: string;
  onHand: string;
}

/** Records an ADJUST movement and updates the balance with it, atomically. */
export async function adjustStock(db: Queryable, input: AdjustmentInput): Promise<AdjustmentResult> {
  const sku = normaliseCode(input.sku);
  return inLedgerTransaction(db, async (tx) => {
    const [item] = await tx.select({ id: items.id }).from(items).where(eq(items.sku, sku));
    if (!item) throw new ItemNotFoundError(sku);
    const { rows } = await tx.execute<{ id: number; on_hand: string }>(sql`
      WITH ins AS (
        INSERT INTO stock_movements (item_id, qty, type, document_type, reason, run_id, occurred_on)
        VALUES (${item.id}, ${String(input.qty)}, 'ADJUST', 'adjustment', ${input.reason}, ${input.runId ?? null}::uuid,
                ${input.occurredOn ?? businessToday()})
        RETURNING id, qty
      ), bal AS (
        INSERT INTO stock_balances AS b (item_id, on_hand, updated_at)
        SELECT ${item.id}, qty, now() FROM ins
        ON CONFLICT (item_id) DO UPDATE SET on_hand = b.on_hand + excluded.on_hand, updated_at = now()
        RETURNING b.on_hand
      )
      SELECT ins.id, bal.on_hand::text AS on_hand FROM ins, bal`);
    return { movementId: rows[0]!.id, itemId: item.id, onHand: rows[0]!.on_hand };
  });
}

export interface BalanceMismatch {
  sku: string;
  stored: string;
  fromLedger: string;
}

export interface ReconcileResult {
  items: number;
  mismatches: BalanceMismatch[];
}

/**
 * Recomputes every balance (on-hand and last restock) from the movements, reports each one that disagreed, and
 * repairs it. Holding the ledger lock means no posting can slip in between the sum and the repair.
 */
export async function reconcileBalances(db: Database, ctx: RunContext): Promise<ReconcileResult> {
  const { mismatches, itemCount } = await inLedgerTransaction(db, async (tx) => {
    const { rows } = await tx.execute<{
      sku: string;
      stored: string;
      from_ledger: string;
      on_hand_differs: boolean;
    }>(sql`
      WITH truth AS (
        SELECT item_id, sum(qty) AS on_hand,
               max(occurred_on) FILTER (WHERE type = 'IN' AND qty > 0) AS restock_on
          FROM stock_movements GROUP BY item_id
      ), restock AS (
        SELECT t.item_id, t.on_hand, t.restock_on,
               (SELECT sum(m.qty) FROM stock_movements m
                 WHERE m.item_id = t.item_id AND m.type = 'IN' AND m.qty > 0 AND m.occurred_on = t.restock_on) AS restock_qty
          FROM truth t
      ), wrong AS (
        SELECT coalesce(r.item_id, b.item_id) AS item_id,
               coalesce(r.on_hand, 0) AS on_hand, r.restock_on, r.restock_qty,
               coalesce(b.on_hand, 0) AS stored,
               coalesce(r.on_hand, 0) <> coalesce(b.on_hand, 0) AS on_hand_differs
          FROM restock r FULL JOIN stock_balances b ON b.item_id = r.item_id
         WHERE coalesce(r.on_hand, 0) <> coalesce(b.on_hand, 0)
            OR r.restock_on IS DISTINCT FROM b.last_restock_on
            OR r.restock_qty IS DISTINCT FROM b.last_restock_qty
      ), repaired AS (
        INSERT INTO stock_balances AS b (item_id, on_hand, last_restock_on, last_restock_qty, updated_at)
        SELECT item_id, on_hand, restock_on, restock_qty, now() FROM wrong
        ON CONFLICT (item_id) DO UPDATE SET on_hand = excluded.on_hand, last_restock_on = excluded.last_restock_on,
          last_restock_qty = excluded.last_restock_qty, updated_at = now()
        RETURNING b.item_id
      )
      SELECT i.sku, w.stored::text AS stored, w.on_hand::text AS from_ledger, w.on_hand_differs
        FROM wrong w JOIN items i ON i.id = w.item_id
       WHERE w.item_id IN (SELECT item_id FROM repaired)
       ORDER BY i.sku`);
    const { rows: counted } = await tx.execute<{ n: number }>(sql`SELECT count(*) AS n FROM items`);
    return { mismatches: rows, itemCount: Number(counted[0]!.n) };
  });
  const result: BalanceMismatch[] = [];
  for (const row of mismatches) {
    ctx.count('updated');
    result.push({ sku: row.sku, stored: row.stored, fromLedger: row.from_ledger });
    await ctx.event({
      level: 'warn',
      entity: `item:${row.sku}`,
      message: row.on_hand_differs
        ? `Balance of ${row.sku} was ${Number(row.stored)} but its movements sum to ${Number(row.from_ledger)}; repaired to ${Number(row.from_ledger)}.`
        : `Last restock of ${row.sku} did not match its movements; repaired.`,
      details: { stored: row.stored, fromLedger: row.from_ledger },
    });
  }
  ctx.count('unchanged', itemCount - mismatches.length);
  await ctx.event({
    level: 'info',
    message: `Checked ${itemCount} balances against the ledger: ${mismatches.length} repaired.`,
  });
  return { items: itemCount, mismatches: result };
}
