/**
 * State of the NetSuite → OPMS price sync kept in the worker's database: named checkpoints (initial-sync page cursor,
 * incremental last-modified cursor), the audit trail of every OPMS value changed, webhook receipts for
 * de-duplication, items quarantined for bad values, and per-item sync state.
 *
 * Run ids are not foreign keys to sync_runs on purpose: pruning old runs must never delete the audit trail.
 */
import { bigserial, index, jsonb, numeric, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Stable names: a checkpoint must survive code moves (a renamed cursor means a full re-read). */
export const netsuiteOpmsCheckpoints = pgTable('netsuite_opms_checkpoints', {
  name: text('name').primaryKey(),
  state: jsonb('state').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const netsuiteOpmsPriceChanges = pgTable(
  'netsuite_opms_price_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    itemId: text('item_id').notNull(),
    itemCode: text('item_code').notNull(),
    /** NetSuite field the value came from (price_1_, cost…). */
    field: text('field').notNull(),
    /** OPMS destination, "<table>.<column>" as configured. */
    target: text('target').notNull(),
    oldValue: numeric('old_value'),
    newValue: numeric('new_value').notNull(),
    runId: uuid('run_id'),
    trigger: text('trigger').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('netsuite_opms_price_changes_item_idx').on(t.itemId, t.id),
    index('netsuite_opms_price_changes_run_idx').on(t.runId),
  ],
);

export const netsuiteOpmsWebhookReceipts = pgTable(
  'netsuite_opms_webhook_receipts',
  {
    /** Item id, last-modified time and values: the same edit delivered twice has the same key. */
    dedupKey: text('dedup_key').primaryKey(),
    itemId: text('item_id').notNull(),
    runId: uuid('run_id'),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('netsuite_opms_webhook_receipts_received_idx').on(t.receivedAt)],
);

export const netsuiteOpmsQuarantine = pgTable('netsuite_opms_quarantine', {
  itemId: text('item_id').primaryKey(),
  itemCode: text('item_code'),
  reason: text('reason').notNull(),
  values: jsonb('values').notNull(),
  runId: uuid('run_id'),
  firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const netsuiteOpmsItemStates = pgTable('netsuite_opms_item_states', {
  itemId: text('item_id').primaryKey(),
  itemCode: text('item_code').notNull(),
  /** NetSuite last-modified time of the values last applied: older deliveries are not applied over newer ones. */
  sourceModifiedAt: timestamp('source_modified_at', { withTimezone: true, mode: 'date' }),
  /** synced | skipped | quarantined | not_in_opms */
  outcome: text('outcome').notNull(),
  runId: uuid('run_id'),
  syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
