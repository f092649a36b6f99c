/**
 * NetSuite customers, invoices and credit notes kept in the worker's database by the records flow, with each
 * transaction's lines, currency and revenue periods, for revenue reports and reconciliation. Nothing is ever deleted:
 * a record deleted in NetSuite keeps its row with `deleted_at` set from NetSuite's deleted-record log.
 *
 * Amounts are in our sign convention, not NetSuite's accounting one: an invoice and its revenue lines are positive,
 * a credit note and its lines negative, so a transaction's lines add up to its total. Money is NUMERIC, exact.
 * Run ids are not foreign keys to sync_runs on purpose: pruning old runs must not touch the records.
 */
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
  uuid,
} from 'drizzle-orm/pg-core';

export const netsuiteTransactionTypes = ['invoice', 'credit_note'] as const;
export const revenueClassifications = ['subscription', 'one_off'] as const;

/** Stable names: a checkpoint must survive code moves (a renamed cursor means a full re-read). */
export const netsuiteRecordsCheckpoints = pgTable('netsuite_records_checkpoints', {
  name: text('name').primaryKey(),
  state: jsonb('state').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const netsuiteCustomers = pgTable(
  'netsuite_customers',
  {
    /** NetSuite internal id. */
    id: text('id').primaryKey(),
    entityId: text('entity_id').notNull(),
    companyName: text('company_name'),
    email: text('email'),
    /** Currency code (currency.symbol). */
    currency: text('currency'),
    subsidiary: text('subsidiary'),
    inactive: boolean('inactive').notNull(),
    /** The extra columns configured for customers, by column name. */
    extra: jsonb('extra').$type<Record<string, string>>(),
    sourceModifiedAt: timestamp('source_modified_at', { withTimezone: true, mode: 'date' }),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    /** Of the mapped values: a re-read that changes nothing writes nothing. */
    checksum: text('checksum').notNull(),
    runId: uuid('run_id'),
    syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('netsuite_customers_entity_idx').on(t.entityId)],
);

export const netsuiteTransactions = pgTable(
  'netsuite_transactions',
  {
    /** NetSuite internal id (one sequence across transaction types). */
    id: text('id').primaryKey(),
    type: text('type', { enum: netsuiteTransactionTypes }).notNull(),
    /** tranid: the number people see. */
    number: text('number').notNull(),
    customerId: text('customer_id').notNull(),
    tranDate: date('tran_date', { mode: 'string' }).notNull(),
    /** open / paid / pending for the mapped codes; any other code kept as NetSuite gave it. */
    status: text('status').notNull(),
    statusCode: text('status_code').notNull(),
    currency: text('currency').notNull(),
    /** NetSuite's total in the transaction currency, our sign: negative for a credit note. */
    total: numeric('total').notNull(),
    /** The invoice a credit note applies to. */
    appliesToId: text('applies_to_id'),
    extra: jsonb('extra').$type<Record<string, string>>(),
    sourceModifiedAt: timestamp('source_modified_at', { withTimezone: true, mode: 'date' }),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    checksum: text('checksum').notNull(),
    runId: uuid('run_id'),
    syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('netsuite_transactions_type_date_idx').on(t.type, t.tranDate, t.id),
    index('netsuite_transactions_customer_idx').on(t.customerId),
    index('netsuite_transactions_applies_to_idx').on(t.appliesToId),
  ],
);

export const netsuiteTransactionLines = pgTable(
  'netsuite_transaction_lines',
  {
    transactionId: text('transaction_id').notNull(),
    /** transactionline.id: unique within its transaction. */
    lineId: integer('line_id').notNull(),
    item: text('item'),
    memo: text('memo'),
    /** Transaction currency, our sign (revenue of an invoice positive); null for a line without amount. */
    amount: numeric('amount'),
    /** Base currency (netamount), our sign. */
    netAmount: numeric('net_amount'),
    revenueCategory: text('revenue_category'),
    periodStart: date('period_start', { mode: 'string' }),
    periodEnd: date('period_end', { mode: 'string' }),
    classification: text('classification', { enum: revenueClassifications }).notNull(),
    /** Why the configured line filters leave this line out of revenue (no category, no net amount); null: counted. */
    excludedReason: text('excluded_reason'),
  },
  (t) => [primaryKey({ columns: [t.transactionId, t.lineId] })],
);

/** Records NetSuite returned with values that could not be read; the stored version (if any) is left as it was. */
export const netsuiteRecordsQuarantine = pgTable(
  'netsuite_records_quarantine',
  {
    /** customer | invoice | credit_note */
    recordType: text('record_type').notNull(),
    recordId: text('record_id').notNull(),
    reason: text('reason').notNull(),
    /** The rows as NetSuite returned them. */
    values: jsonb('values').notNull(),
    runId: uuid('run_id'),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.recordType, t.recordId] })],
);
