/**
 * Sales invoices read from the route-sales portal (RouteStar): each one takes its lines out of stock once it is
 * complete and its status says the sale happened. Invoices are never deleted; one that vanishes from the pending
 * list is flagged (`missing_since`) for a person to look at.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
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

export const salesInvoiceListTypes = ['pending', 'closed'] as const;

export const salesInvoices = pgTable(
  'sales_invoices',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    source: text('source').notNull(),
    invoiceNumber: text('invoice_number').notNull(),
    listType: text('list_type', { enum: salesInvoiceListTypes }).notNull(),
    status: text('status').notNull(),
    isComplete: boolean('is_complete').notNull(),
    isPosted: boolean('is_posted').notNull(),
    customer: text('customer'),
    invoiceDate: date('invoice_date', { mode: 'string' }),
    /** As the portal wrote them (date, or date and time); kept verbatim rather than guessed into a timezone. */
    dateCompleted: text('date_completed'),
    lastModified: text('last_modified'),
    subtotal: numeric('subtotal', { precision: 18, scale: 4 }),
    tax: numeric('tax', { precision: 18, scale: 4 }),
    total: numeric('total', { precision: 18, scale: 4 }),
    detailUrl: text('detail_url'),
    /**
     * What the detail page shows besides totals and lines (signed by, memo, service notes, sales tax rate, customer
     * e-mail and phone); null until a detail page was read.
     */
    details: jsonb('details'),
    raw: jsonb('raw'),
    listChecksum: text('list_checksum').notNull(),
    headerChecksum: text('header_checksum').notNull(),
    linesChecksum: text('lines_checksum'),
    lineCount: integer('line_count').notNull().default(0),
    /** Set when a complete read of the pending list no longer showed this invoice and it was not closed. */
    missingSince: timestamp('missing_since', { withTimezone: true, mode: 'date' }),
    /** Why posting refused this invoice (negative-stock policy "quarantine"); cleared once it posts. */
    quarantineReason: text('quarantine_reason'),
    postingRevision: integer('posting_revision').notNull().default(1),
    postedRevision: integer('posted_revision').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    unique('sales_invoices_source_number_key').on(t.source, t.invoiceNumber),
    index('sales_invoices_unposted_idx')
      .on(t.id)
      .where(sql`${t.postingRevision} <> ${t.postedRevision}`),
    index('sales_invoices_date_idx').on(t.invoiceDate),
  ],
);

export const salesInvoiceLines = pgTable(
  'sales_invoice_lines',
  {
    salesInvoiceId: uuid('sales_invoice_id')
      .notNull()
      .references(() => salesInvoices.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    /** The item exactly as the portal names it (RouteStar: Item). */
    itemName: text('item_name').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    description: text('description'),
    qty: numeric('qty', { precision: 18, scale: 4 }).notNull(),
    rate: numeric('rate', { precision: 18, scale: 4 }),
    amount: numeric('amount', { precision: 18, scale: 4 }),
    /** RouteStar keeps the truck/route code here. */
    class: text('class'),
    warehouse: text('warehouse'),
    taxCode: text('tax_code'),
    location: text('location'),
  },
  (t) => [
    primaryKey({ columns: [t.salesInvoiceId, t.lineNo] }),
    index('sales_invoice_lines_item_idx').on(t.itemId),
  ],
);
