/**
 * The initial import's bookkeeping in batches: the CRM's rate limit is what an import of thousands should be bound
 * by, not one database round trip per record. Creates are claimed (recorded as under way, before any is sent) a batch
 * at a time in one statement, and completed ones are recorded a batch at a time, with their log lines, in one
 * transaction. A crash loses at most the completions not yet flushed: their rows stay unfinished, and the next run
 * finds those customers in the CRM by their customer number.
 */
import { sql } from 'drizzle-orm';
import type { CustomerNumberFormat } from '../../connectors/payamgostar/customer-number.js';
import type { SiaghContact } from '../../connectors/siagh/schemas.js';
import type { Database } from '../../db/database.js';
import { payamgostarSiaghLog, payamgostarSiaghMappings } from '../../models/index.js';
import { checksumOf } from './checksum.js';
import {
  crmInputFromSiagh,
  crmStateOfInput,
  siaghStateOfContact,
  type CrmCustomerState,
  type CrmIdentityInput,
  type SiaghCustomerState,
} from './customer-mapping.js';

const m = payamgostarSiaghMappings;

/** One Siagh contact to create in the CRM, with the states and checksums its create will leave on each side. */
export interface PlannedCreate {
  contact: SiaghContact;
  code: string;
  input: CrmIdentityInput;
  crmState: CrmCustomerState;
  crmChecksum: string;
  siaghState: SiaghCustomerState;
  siaghChecksum: string;
}

export function planCreate(contact: SiaghContact, format: CustomerNumberFormat): PlannedCreate {
  const input = crmInputFromSiagh(contact, format);
  const crmState = crmStateOfInput(input);
  const siaghState = siaghStateOfContact(contact);
  return {
    contact,
    code: String(contact.Code),
    input,
    crmState,
    crmChecksum: checksumOf(crmState),
    siaghState,
    siaghChecksum: checksumOf(siaghState),
  };
}

/**
 * Records the creates as under way, stamped with the import's transaction and the checksum each will leave in the
 * CRM; a row left unfinished by an earlier run is taken over. Returns the mapping row of each Siagh code claimed;
 * a code already linked to a CRM customer is not claimed.
 */
export async function claimCreates(
  db: Database,
  transactionId: string,
  creates: PlannedCreate[],
): Promise<Map<string, number>> {
  if (creates.length === 0) return new Map();
  const now = new Date();
  const rows = await db
    .insert(m)
    .values(
      creates.map((c) => ({
        entityType: 'customer',
        siaghId: c.code,
        state: 'creating',
        pendingTransactionId: transactionId,
        pendingTarget: 'crm',
        pendingChecksum: c.crmChecksum,
        pendingSince: now,
      })),
    )
    .onConflictDoUpdate({
      target: [m.entityType, m.siaghId],
      set: {
        state: sql`excluded.state`,
        pendingTransactionId: sql`excluded.pending_transaction_id`,
        pendingTarget: sql`excluded.pending_target`,
        pendingChecksum: sql`excluded.pending_checksum`,
        pendingSince: sql`excluded.pending_since`,
        updatedAt: now,
      },
      setWhere: sql`${m.crmId} IS NULL`,
    })
    .returning({ id: m.id, siaghId: m.siaghId });
  return new Map(rows.map((r) => [r.siaghId!, r.id]));
}

export interface CompletedCreate {
  rowId: number;
  crmId: string;
  plan: PlannedCreate;
}

/**
 * Completed creates waiting to be recorded. They are written as a group commit: while one write is under way the
 * next completions gather, and the next write takes them all, with a log line each, in one transaction.
 */
export class CompletionBuffer {
  private waiting: CompletedCreate[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly db: Database,
    private readonly transactionId: string,
    private readonly runId: string,
  ) {}

  add(done: CompletedCreate): void {
    this.waiting.push(done);
    if (this.waiting.length === 1)
      this.writing = this.writing
        .then(() => this.flush())
        .catch((error: unknown) => {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        });
  }

  /** Resolves when everything added so far is recorded; rejects when a write failed. */
  async drain(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.writing;
      await current;
    } while (current !== this.writing);
    if (this.failure !== undefined) throw this.failure;
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    const at = new Date();
    await this.db.transaction(async (tx) => {
      await tx
        .insert(m)
        .values(
          batch.map(({ rowId, crmId, plan }) => ({
            id: rowId,
            entityType: 'customer',
            siaghId: plan.code,
            crmId: crmId.toLowerCase(),
            crmKind: plan.input.kind,
            state: 'synced',
            crmState: plan.crmState,
            crmChecksum: plan.crmChecksum,
            siaghState: plan.siaghState,
            siaghChecksum: plan.siaghChecksum,
            lastSyncTransactionId: this.transactionId,
            lastSyncSource: 'siagh',
            lastSyncedAt: at,
            crmWrittenAt: at,
            crmWrittenFields: ['*'],
            checkedAt: at,
          })),
        )
        .onConflictDoUpdate({
          target: m.id,
          set: {
            crmId: sql`excluded.crm_id`,
            crmKind: sql`excluded.crm_kind`,
            state: sql`excluded.state`,
            reason: null,
            lastError: null,
            crmState: sql`excluded.crm_state`,
            crmChecksum: sql`excluded.crm_checksum`,
            siaghState: sql`excluded.siagh_state`,
            siaghChecksum: sql`excluded.siagh_checksum`,
            lastSyncTransactionId: sql`excluded.last_sync_transaction_id`,
            lastSyncSource: sql`excluded.last_sync_source`,
            lastSyncedAt: sql`excluded.last_synced_at`,
            crmWrittenAt: sql`excluded.crm_written_at`,
            crmWrittenFields: sql`excluded.crm_written_fields`,
            checkedAt: sql`excluded.checked_at`,
            pendingTransactionId: null,
            pendingTarget: null,
            pendingChecksum: null,
            pendingSince: null,
            updatedAt: at,
          },
        });
      await tx.insert(payamgostarSiaghLog).values(
        batch.map(({ crmId, plan }) => ({
          runId: this.runId,
          transactionId: this.transactionId,
          entityType: 'customer',
          crmId: crmId.toLowerCase(),
          siaghId: plan.code,
          direction: 'siagh→crm',
          action: 'created',
          message: `Created in the CRM from Siagh contact ${plan.code} with customer number ${plan.input.input.customerNumber}`,
        })),
      );
    });
  }
}
