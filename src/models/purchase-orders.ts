/**
 * Purchase orders read from a vendor portal (CustomerConnect): each one adds its lines to stock once its status says
 * the goods are coming. `posting_revision` moves on every change that can alter stock; posting catches up with it.
 */
import { sql } from 'drizzle-orm';
import {
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { items } from './items.js';

export const purchaseOrders = pgTable(
  'purchase_orders',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    source: text('source').notNull(),
    orderNumber: text('order_number').notNull(),
    poNumber: text('po_number'),
    vendor: text('vendor'),
    status: text('status').notNull(),
    orderDate: date('order_date', { mode: 'string' }),
    subtotal: numeric('subtotal', { precision: 18, scale: 4 }),
    tax: numeric('tax', { precision: 18, scale: 4 }),
    shipping: numeric('shipping', { precision: 18, scale: 4 }),
    total: numeric('total', { precision: 18, scale: 4 }),
    detailUrl: text('detail_url'),
    raw: jsonb('raw'),
    listChecksum: text('list_checksum').notNull(),
    headerChecksum: text('header_checksum').notNull(),
    /** Null until the detail page has been read: no lines known yet, which is not the same as no lines. */
    linesChecksum: text('lines_checksum'),
    lineCount: integer('line_count').notNull().default(0),
    postingRevision: integer('posting_revision').notNull().default(1),
    postedRevision: integer('posted_revision').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    unique('purchase_orders_source_number_key').on(t.source, t.orderNumber),
    index('purchase_orders_unposted_idx')
      .on(t.id)
      .where(sql`${t.postingRevision} <> ${t.postedRevision}`),
    index('purchase_orders_date_idx').on(t.orderDate),
  ],
);

export const purchaseOrderLines = pgTable(
  'purchase_order_lines',
  {
    purchaseOrderId: uuid('purchase_order_id')
      .notNull()
      .references(() => purchaseOrders.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    /** The product code exactly as the portal shows it (CustomerConnect: Model). */
    sku: text('sku').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    name: text('name').notNull(),
    qty: numeric('qty', { precision: 18, scale: 4 }).notNull(),
    unitPrice: numeric('unit_price', { precision: 18, scale: 4 }),
    lineTotal: numeric('line_total', { precision: 18, scale: 4 }),
  },
  (t) => [
    primaryKey({ columns: [t.purchaseOrderId, t.lineNo] }),
    index('purchase_order_lines_item_idx').on(t.itemId),
  ],
);
