/**
 * Customers kept in step with ERPNext: the local records, the last state both sides agreed on (for echo detection
 * and three-way merges), the outbox of local writes waiting to reach ERPNext, the conflicts a person may review, and
 * the pull cursor.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const customers = pgTable(
  'customers',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    name: text('name').notNull(),
    companyName: text('company_name'),
    contactPerson: text('contact_person'),
    email: text('email'),
    phone: text('phone'),
    address: text('address'),
    city: text('city'),
    state: text('state'),
    postalCode: text('postal_code'),
    country: text('country'),
    website: text('website'),
    taxNumber: text('tax_number'),
    vatNumber: text('vat_number'),
    creditLimit: numeric('credit_limit', { precision: 18, scale: 2 }),
    customerGroup: text('customer_group').notNull(),
    customerType: text('customer_type').notNull(),
    territory: text('territory').notNull(),
    language: text('language').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('customers_name_idx').on(t.name, t.id)],
);

/**
 * Per customer, what ERPNext calls it and the fields as both sides last agreed: the base of every merge. While a push
 * creates the Customer in ERPNext it holds a create claim: ERPNext's webhook for the new Customer can reach another
 * worker before the pusher has its name, and the claim (the customer_name sent) is how that worker recognises the
 * Customer as ours.
 */
export const customerSyncStates = pgTable(
  'customer_sync_states',
  {
    customerId: uuid('customer_id')
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    erpnextName: text('erpnext_name').unique(),
    addressName: text('address_name'),
    contactName: text('contact_name'),
    /** The synced fields as last agreed; null until the first successful push or pull. */
    syncedFields: jsonb('synced_fields'),
    syncedChecksum: text('synced_checksum'),
    /** ERPNext's `modified` of the agreed state, normalised to microseconds (naive site-local time). */
    remoteModified: text('remote_modified'),
    remoteDeleted: boolean('remote_deleted').notNull().default(false),
    syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'date' }),
    /** The customer_name a push is creating the Customer under; null when no create is under way. */
    createClaimName: text('create_claim_name'),
    /** When the first create attempt still unaccounted for was claimed: where a retry looks for what it left. */
    createClaimedAt: timestamp('create_claimed_at', { withTimezone: true, mode: 'date' }),
    /** The claim's lease: until then it holds back another push (it links webhooks until the push records the name). */
    createClaimUntil: timestamp('create_claim_until', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('customer_sync_states_create_claim_idx').on(t.createClaimName)],
);

export const outboxStatuses = ['pending', 'delivered', 'failed', 'superseded'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

/** A local write waiting to reach ERPNext; written in the same transaction as the write itself. */
export const customerOutbox = pgTable(
  'customer_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    /** The last request sent and the reply received, secrets removed, for a person to read. */
    lastRequest: jsonb('last_request'),
    lastResponse: jsonb('last_response'),
  },
  (t) => [
    index('customer_outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('customer_outbox_customer_idx').on(t.customerId, t.id),
  ],
);

/** A field changed on both sides since the last sync: both values, and which one was kept by the policy. */
export const customerConflicts = pgTable(
  'customer_conflicts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    erpnextName: text('erpnext_name'),
    field: text('field').notNull(),
    baseValue: jsonb('base_value'),
    localValue: jsonb('local_value'),
    remoteValue: jsonb('remote_value'),
    kept: text('kept').$type<'local' | 'remote'>().notNull(),
    policy: text('policy').notNull(),
    localChangedAt: timestamp('local_changed_at', { withTimezone: true, mode: 'date' }),
    remoteChangedAt: timestamp('remote_changed_at', { withTimezone: true, mode: 'date' }),
    detectedAt: timestamp('detected_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('customer_conflicts_detected_idx').on(t.detectedAt, t.id)],
);

/** Where the next pull starts: ERPNext's `modified` of the last row read, and the names already read at it. */
export const erpnextPullCursors = pgTable('erpnext_pull_cursors', {
  stream: text('stream').primaryKey(),
  modified: text('modified').notNull(),
  namesAtModified: jsonb('names_at_modified').$type<string[]>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
