/** The price sync's bookkeeping in the worker's database: checkpoints, audit trail, quarantine, item states, receipts. */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import {
  netsuiteOpmsCheckpoints,
  netsuiteOpmsItemStates,
  netsuiteOpmsPriceChanges,
  netsuiteOpmsQuarantine,
  netsuiteOpmsWebhookReceipts,
} from '../../models/index.js';
import type { Trigger } from '../../jobs/types.js';
import type { AppliedChange } from '../../connectors/opms/client.js';
import { storableCopy } from '../../storable-text.js';

/** Checkpoint names are part of the stored state: never rename them. */
export const checkpointNames = {
  initial: 'netsuite-to-opms.initial',
  incremental: 'netsuite-to-opms.incremental',
} as const;

export interface InitialCheckpoint {
  status: 'running' | 'finished';
  runId: string;
  /** Last NetSuite item id of the last committed page: the next page starts after it. */
  lastItemId: number;
  processed: number;
  total?: number;
  pages: number;
  startedAt: string;
  /** When this attempt (the first or a resumption) started, and what was processed before it, for the rate. */
  resumedAt: string;
  processedBeforeResume: number;
  finishedAt?: string;
}

export interface IncrementalCheckpoint {
  /** Highest NetSuite last-modified time applied, UTC ISO. */
  modifiedThrough: string;
}

export async function readCheckpoint<T>(db: Queryable, name: string): Promise<T | undefined> {
  const [row] = await db.select().from(netsuiteOpmsCheckpoints).where(eq(netsuiteOpmsCheckpoints.name, name));
  return row?.state as T | undefined;
}

export async function writeCheckpoint(db: Queryable, name: string, state: object): Promise<void> {
  await db
    .insert(netsuiteOpmsCheckpoints)
    .values({ name, state, updatedAt: new Date() })
    .onConflictDoUpdate({ target: netsuiteOpmsCheckpoints.name, set: { state, updatedAt: new Date() } });
}

export async function recordChanges(
  db: Queryable,
  changes: (AppliedChange & { itemId: string; field: string })[],
  run: { runId: string; trigger: Trigger },
): Promise<void> {
  if (changes.length === 0) return;
  await db.insert(netsuiteOpmsPriceChanges).values(
    changes.map((c) => ({
      itemId: c.itemId,
      itemCode: c.code,
      field: c.field,
      target: `${c.table}.${c.column}`,
      oldValue: c.oldValue,
      newValue: c.value,
      runId: run.runId,
      trigger: run.trigger,
    })),
  );
}

export interface ItemOutcome {
  itemId: string;
  itemCode: string;
  modifiedAt?: Date;
  outcome: 'synced' | 'skipped' | 'quarantined' | 'not_in_opms';
}

export async function recordItemStates(db: Queryable, outcomes: ItemOutcome[], runId: string): Promise<void> {
  if (outcomes.length === 0) return;
  await db
    .insert(netsuiteOpmsItemStates)
    .values(
      outcomes.map((o) => ({
        itemId: o.itemId,
        itemCode: storableCopy(o.itemCode),
        sourceModifiedAt: o.modifiedAt ?? null,
        outcome: o.outcome,
        runId,
        syncedAt: new Date(),
      })),
    )
    .onConflictDoUpdate({
      target: netsuiteOpmsItemStates.itemId,
      set: {
        itemCode: sql`excluded.item_code`,
        // A delivery without a date (manual single item) must not erase the date an earlier one recorded.
        sourceModifiedAt: sql`coalesce(excluded.source_modified_at, ${netsuiteOpmsItemStates.sourceModifiedAt})`,
        outcome: sql`excluded.outcome`,
        runId: sql`excluded.run_id`,
        syncedAt: sql`excluded.synced_at`,
      },
    });
}

export async function itemStates(
  db: Queryable,
  itemIds: string[],
): Promise<Map<string, typeof netsuiteOpmsItemStates.$inferSelect>> {
  if (itemIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(netsuiteOpmsItemStates)
    .where(
      sql`${netsuiteOpmsItemStates.itemId} IN (${sql.join(
        itemIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
  return new Map(rows.map((r) => [r.itemId, r]));
}

export async function quarantineItems(
  db: Queryable,
  items: { itemId: string; itemCode: string; reason: string; values: Record<string, unknown> }[],
  runId: string,
): Promise<void> {
  if (items.length === 0) return;
  await db
    .insert(netsuiteOpmsQuarantine)
    .values(
      items.map((i) => ({
        itemId: i.itemId,
        itemCode: storableCopy(i.itemCode),
        reason: i.reason,
        values: storableCopy(i.values),
        runId,
      })),
    )
    .onConflictDoUpdate({
      target: netsuiteOpmsQuarantine.itemId,
      set: {
        reason: sql`excluded.reason`,
        values: sql`excluded.values`,
        runId: sql`excluded.run_id`,
        lastSeenAt: new Date(),
      },
    });
}

/** A later good read of an item ends its quarantine. */
export async function releaseFromQuarantine(db: Queryable, itemIds: string[]): Promise<void> {
  if (itemIds.length === 0) return;
  await db.delete(netsuiteOpmsQuarantine).where(
    sql`${netsuiteOpmsQuarantine.itemId} IN (${sql.join(
      itemIds.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
}

export async function quarantined(db: Queryable, limit = 100) {
  return db
    .select()
    .from(netsuiteOpmsQuarantine)
    .orderBy(desc(netsuiteOpmsQuarantine.lastSeenAt))
    .limit(limit);
}

export async function quarantineCount(db: Queryable): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(netsuiteOpmsQuarantine);
  return row?.n ?? 0;
}

export async function quarantineEntry(db: Queryable, itemId: string) {
  const [row] = await db
    .select()
    .from(netsuiteOpmsQuarantine)
    .where(eq(netsuiteOpmsQuarantine.itemId, itemId));
  return row;
}

/** The audit trail, newest first, keyset-paged by id. */
export async function priceChanges(
  db: Queryable,
  filter: { itemId?: string; runId?: string; beforeId?: number; limit: number },
) {
  const where = [
    filter.itemId ? eq(netsuiteOpmsPriceChanges.itemId, filter.itemId) : undefined,
    filter.runId ? eq(netsuiteOpmsPriceChanges.runId, filter.runId) : undefined,
    filter.beforeId !== undefined ? lt(netsuiteOpmsPriceChanges.id, filter.beforeId) : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select()
    .from(netsuiteOpmsPriceChanges)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(netsuiteOpmsPriceChanges.id))
    .limit(filter.limit);
}

/** True when this delivery is new; false when the same key was already received. */
export async function claimWebhookReceipt(
  db: Queryable,
  receipt: { dedupKey: string; itemId: string; payload: unknown },
): Promise<boolean> {
  const rows = await db
    .insert(netsuiteOpmsWebhookReceipts)
    .values({ dedupKey: receipt.dedupKey, itemId: receipt.itemId, payload: receipt.payload })
    .onConflictDoNothing()
    .returning({ key: netsuiteOpmsWebhookReceipts.dedupKey });
  return rows.length > 0;
}

export async function attachReceiptRun(db: Queryable, dedupKey: string, runId: string): Promise<void> {
  await db
    .update(netsuiteOpmsWebhookReceipts)
    .set({ runId })
    .where(eq(netsuiteOpmsWebhookReceipts.dedupKey, dedupKey));
}

export async function releaseWebhookReceipt(db: Queryable, dedupKey: string): Promise<void> {
  await db.delete(netsuiteOpmsWebhookReceipts).where(eq(netsuiteOpmsWebhookReceipts.dedupKey, dedupKey));
}
