/**
 * The inventory ledger: append-only stock movements, and the on-hand balance per item kept equal to their sum in the
 * same transaction. The posting key (document, line, item, seq) makes posting the same change twice impossible.
 */
import {
  bigserial,
  date,
  index,
  integer,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { items } from './items.js';

export const movementTypes = ['IN', 'OUT', 'ADJUST'] as const;
export type MovementType = (typeof movementTypes)[number];

export const movementDocumentTypes = ['purchase_order', 'sales_invoice', 'adjustment'] as const;
export type MovementDocumentType = (typeof movementDocumentTypes)[number];

export const stockMovements = pgTable(
  'stock_movements',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    /** Signed: positive adds to on-hand, negative takes from it. */
    qty: numeric('qty', { precision: 18, scale: 4 }).notNull(),
    type: text('type', { enum: movementTypes }).notNull(),
    documentType: text('document_type', { enum: movementDocumentTypes }).notNull(),
    documentId: uuid('document_id'),
    documentNumber: text('document_number'),
    lineNo: integer('line_no'),
    /** 0 for a line's first posting, then 1, 2, … for each correction or reversal of the same line and item. */
    seq: integer('seq'),
    reason: text('reason').notNull(),
    /** No foreign key: run history is pruned, the ledger is not. */
    runId: uuid('run_id'),
    /** The business day the movement belongs to (the document's date), for reports by period. */
    occurredOn: date('occurred_on', { mode: 'string' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('stock_movements_posting_key').on(t.documentType, t.documentId, t.lineNo, t.itemId, t.seq),
    index('stock_movements_item_idx').on(t.itemId, t.id),
    index('stock_movements_occurred_idx').on(t.occurredOn),
  ],
);

export const stockBalances = pgTable('stock_balances', {
  itemId: uuid('item_id')
    .primaryKey()
    .references(() => items.id),
  onHand: numeric('on_hand', { precision: 18, scale: 4 }).notNull().default('0'),
  lastRestockOn: date('last_restock_on', { mode: 'string' }),
  lastRestockQty: numeric('last_restock_qty', { precision: 18, scale: 4 }),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
