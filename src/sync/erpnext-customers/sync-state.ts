/**
 * What the customer sync remembers: per customer, ERPNext's names and the last agreed fields; and the pull cursors,
 * stored under stable stream names ("erpnext.customers", "erpnext.addresses", "erpnext.contacts") so they survive
 * code moves.
 */
import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import { customerSyncStates, erpnextPullCursors } from '../../models/customers.js';

export type CustomerSyncState = typeof customerSyncStates.$inferSelect;

export const pullStreams = {
  customers: 'erpnext.customers',
  addresses: 'erpnext.addresses',
  contacts: 'erpnext.contacts',
} as const;
export type PullStream = (typeof pullStreams)[keyof typeof pullStreams];

export interface PullCursor {
  modified: string;
  namesAtModified: string[];
}

/**
 * The sync state of an ERPNext customer, locked until the transaction ends. The name itself is locked first, so two
 * workers applying the same new customer (each got the webhook, or a webhook meets the pull) take turns: the second
 * finds the first's row instead of inserting it again.
 */
export async function syncStateByErpNextName(
  tx: Queryable,
  erpnextName: string,
): Promise<CustomerSyncState | undefined> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`erpnext.customer:${erpnextName}`}, 0))`,
  );
  const [row] = await tx
    .select()
    .from(customerSyncStates)
    .where(eq(customerSyncStates.erpnextName, erpnextName))
    .for('update');
  return row;
}

export async function syncStateOf(tx: Queryable, customerId: string): Promise<CustomerSyncState | undefined> {
  const [row] = await tx
    .select()
    .from(customerSyncStates)
    .where(eq(customerSyncStates.customerId, customerId));
  return row;
}

/** ERPNext names of the customers whose primary Address or Contact this is, as last synced. */
export async function customersUsing(
  tx: Queryable,
  doctype: 'Address' | 'Contact',
  name: string,
): Promise<string[]> {
  const column = doctype === 'Address' ? customerSyncStates.addressName : customerSyncStates.contactName;
  const rows = await tx
    .select({ erpnextName: customerSyncStates.erpnextName })
    .from(customerSyncStates)
    .where(eq(column, name));
  return rows.flatMap((r) => (r.erpnextName ? [r.erpnextName] : []));
}

export async function saveSyncState(
  tx: Queryable,
  customerId: string,
  values: Partial<Omit<CustomerSyncState, 'customerId'>>,
): Promise<void> {
  await tx
    .insert(customerSyncStates)
    .values({ customerId, ...values })
    .onConflictDoUpdate({ target: customerSyncStates.customerId, set: values });
}

export async function loadPullCursor(db: Queryable, stream: PullStream): Promise<PullCursor | undefined> {
  const [row] = await db.select().from(erpnextPullCursors).where(eq(erpnextPullCursors.stream, stream));
  return row ? { modified: row.modified, namesAtModified: row.namesAtModified } : undefined;
}

export async function savePullCursor(db: Queryable, stream: PullStream, cursor: PullCursor): Promise<void> {
  const values = {
    modified: cursor.modified,
    namesAtModified: cursor.namesAtModified,
    updatedAt: new Date(),
  };
  await db
    .insert(erpnextPullCursors)
    .values({ stream, ...values })
    .onConflictDoUpdate({ target: erpnextPullCursors.stream, set: values });
}
