/**
 * State of the Payamgostar CRM → Siagh finance flow: the entity mapping (CRM id ↔ Siagh code or pre-invoice number,
 * with each side's last synced state and its checksum, the transaction that last wrote it and the write in flight),
 * the flow's log, named checkpoints (initial import, poll), and CRM notifications waiting for their run.
 *
 * Run ids are not foreign keys to sync_runs on purpose: pruning old runs must never delete the mapping or its log.
 */
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const payamgostarSiaghMappings = pgTable(
  'payamgostar_siagh_mappings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** customer | pre-invoice */
    entityType: text('entity_type').notNull(),
    /** The CRM record's GUID, lower-case; null while the initial import's create is under way. */
    crmId: text('crm_id'),
    /** person | organization | quote */
    crmKind: text('crm_kind'),
    /** Siagh contact Code, or pre-invoice number; null until Siagh has the record. */
    siaghId: text('siagh_id'),
    /**
     * synced; creating (a write that makes the record is under way or was interrupted); waiting (a quote whose
     * customer is not in Siagh yet); quarantined (a value that cannot be sent); failed (the remote refused it).
     */
    state: text('state').notNull(),
    /** Why the record is waiting, quarantined or failed, in words a person can act on. */
    reason: text('reason'),
    /** The last failure: the remote's message, the request and the reply. */
    lastError: jsonb('last_error'),
    /** The pre-invoice's `_In_Suid`, chosen once and kept before the first send so a retry finds what it made. */
    suid: text('suid'),
    /** Each side's last synced state (the fields the flow compares) and the SHA-256 of its key-sorted JSON. */
    crmState: jsonb('crm_state'),
    crmChecksum: text('crm_checksum'),
    siaghState: jsonb('siagh_state'),
    siaghChecksum: text('siagh_checksum'),
    lastSyncTransactionId: text('last_sync_transaction_id'),
    /** crm | siagh: where the last synced change came from. */
    lastSyncSource: text('last_sync_source'),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true, mode: 'date' }),
    /** A write of ours in flight: its transaction, the system written to and the checksum it will leave there. */
    pendingTransactionId: text('pending_transaction_id'),
    pendingTarget: text('pending_target'),
    pendingChecksum: text('pending_checksum'),
    pendingSince: timestamp('pending_since', { withTimezone: true, mode: 'date' }),
    /** Our last write to each system: when, and which fields ("*" for all), for the echo time gate. */
    crmWrittenAt: timestamp('crm_written_at', { withTimezone: true, mode: 'date' }),
    crmWrittenFields: jsonb('crm_written_fields'),
    siaghWrittenAt: timestamp('siagh_written_at', { withTimezone: true, mode: 'date' }),
    siaghWrittenFields: jsonb('siagh_written_fields'),
    /** When the poll last compared the CRM record with its checksum (the rotating re-check takes the oldest). */
    checkedAt: timestamp('checked_at', { withTimezone: true, mode: 'date' }),
    /** Checksum of the Siagh state last reported as drift, so one drift is reported once. */
    driftChecksum: text('drift_checksum'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payamgostar_siagh_mappings_crm_uq').on(t.entityType, t.crmId),
    uniqueIndex('payamgostar_siagh_mappings_siagh_uq').on(t.entityType, t.siaghId),
    uniqueIndex('payamgostar_siagh_mappings_suid_uq').on(t.suid),
    index('payamgostar_siagh_mappings_state_idx').on(t.entityType, t.state),
    index('payamgostar_siagh_mappings_checked_idx').on(t.entityType, t.checkedAt),
  ],
);

/** What the flow did to each record, newest last: created, updated, linked, echo, drift, quarantined, failed, … */
export const payamgostarSiaghLog = pgTable(
  'payamgostar_siagh_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    runId: uuid('run_id'),
    transactionId: text('transaction_id'),
    entityType: text('entity_type').notNull(),
    crmId: text('crm_id'),
    siaghId: text('siagh_id'),
    /** crm→siagh, siagh→crm, or siagh (a check of Siagh only). */
    direction: text('direction').notNull(),
    action: text('action').notNull(),
    message: text('message').notNull(),
    details: jsonb('details'),
  },
  (t) => [
    index('payamgostar_siagh_log_crm_idx').on(t.crmId, t.id),
    index('payamgostar_siagh_log_siagh_idx').on(t.siaghId, t.id),
    index('payamgostar_siagh_log_run_idx').on(t.runId),
  ],
);

/** Stable names: a checkpoint must survive code moves. */
export const payamgostarSiaghCheckpoints = pgTable('payamgostar_siagh_checkpoints', {
  name: text('name').primaryKey(),
  state: jsonb('state').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * A CRM record with a run queued for it and not started yet: further notifications for it are answered "already
 * queued" (the run reads the record when it starts, so it sees their change too). The run removes the row as it starts.
 */
export const payamgostarSiaghQueuedNotifications = pgTable('payamgostar_siagh_queued_notifications', {
  /** "identity:<guid>", "quote:<guid>" or "siagh:<code>". */
  recordKey: text('record_key').primaryKey(),
  runId: uuid('run_id'),
  notifications: integer('notifications').notNull().default(1),
  receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
