/**
 * The items the business stocks, and the aliases that tie each portal's own product codes to them:
 * CustomerConnect names a product by its Model, RouteStar by its Item name, and the two rarely agree.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const itemStatuses = ['active', 'discontinued'] as const;
export type ItemStatus = (typeof itemStatuses)[number];

export const items = pgTable(
  'items',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    sku: text('sku').notNull().unique(),
    name: text('name').notNull(),
    unit: text('unit').notNull().default('each'),
    status: text('status', { enum: itemStatuses }).notNull().default('active'),
    reorderPoint: numeric('reorder_point', { precision: 18, scale: 4 }),
    /** Created because a document named a code nobody has mapped yet: a person should map or confirm it. */
    unmapped: boolean('unmapped').notNull().default(false),
    /** What a portal's own item list says of the item (RouteStar's /web/items/); null until one has described it. */
    description: text('description'),
    /** The portal's item type, e.g. Inventory or Service. */
    type: text('type'),
    category: text('category'),
    cost: numeric('cost', { precision: 18, scale: 4 }),
    price: numeric('price', { precision: 18, scale: 4 }),
    /** The source whose item list last described it. */
    describedBy: text('described_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('items_sku_upper', sql`${t.sku} = upper(${t.sku}) AND ${t.sku} <> ''`),
    index('items_unmapped_idx')
      .on(t.sku)
      .where(sql`${t.unmapped}`),
  ],
);

export const skuAliases = pgTable(
  'sku_aliases',
  {
    /** The system whose code this is: 'customerconnect', 'routestar', … */
    source: text('source').notNull(),
    /** The code as that system writes it, upper-cased and trimmed. */
    code: text('code').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.code] }), index('sku_aliases_item_idx').on(t.itemId)],
);
