/**
 * What a portal says it has on hand of each of its items, as read from its own item list (RouteStar's Qty On Hand).
 * The ledger derives its own on-hand from movements; the drift report sets the two side by side. Kept per portal code,
 * since two codes of one portal may be aliases of the same item.
 */
import { index, numeric, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { items } from './items.js';

export const portalItemCounts = pgTable(
  'portal_item_counts',
  {
    source: text('source').notNull(),
    /** The item as the portal names it, upper-cased and trimmed (the alias code). */
    code: text('code').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    onHand: numeric('on_hand', { precision: 18, scale: 4 }).notNull(),
    onOrder: numeric('on_order', { precision: 18, scale: 4 }),
    /** When the portal's list was read: a count is only as current as this. */
    countedAt: timestamp('counted_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Set when a complete read of the portal's item list no longer showed the code. */
    missingSince: timestamp('missing_since', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.source, t.code] }), index('portal_item_counts_item_idx').on(t.itemId)],
);
