/**
 * What the customer sync remembers: per customer, ERPNext's names and the last agreed fields; and the pull cursor,
 * stored under the stable stream name "erpnext.customers" so it survives code moves.
 */
import { eq } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import { customerSyncStates, erpnextPullCursors } from '../../models/customers.js';

export type CustomerSyncState = typeof customerSyncStates.$inferSelect;

export const customerPullStream = 'erpnext.customers';

export interface PullCursor {
  modified: string;
  namesAtModified: string[];
}

export async function syncStateByErpNextName(tx: Queryable, erpnextName: string): Promise<CustomerSyncState | undefined> {
  const [row] = await tx
    .select()
    .from(customerSyncStates)
    .where(eq(customerSyncStates.erpnextName, erpnextName))
    .for('update');
  return row;
}

export async function syncStateOf(tx: Queryable, customerId: string): Promise<CustomerSyncState | undefined> {
  const [row] = await tx.select().from(customerSyncStates).where(eq(customerSyncStates.customerId, customerId));
  return row;
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

export async function loadPullCursor(db: Queryable): Promise<PullCursor | undefined> {
  const [row] = await db.select().from(erpnextPullCursors).where(eq(erpnextPullCursors.stream, customerPullStream));
  return row ? { modified: row.modified, namesAtModified: row.namesAtModified } : undefined;
}

export async function savePullCursor(db: Queryable, cursor: PullCursor): Promise<void> {
  const values = { modified: cursor.modified, namesAtModified: cursor.namesAtModified, updatedAt: new Date() };
  await db
    .insert(erpnextPullCursors)
    .values({ stream: customerPullStream, ...values })
    .onConflictDoUpdate({ target: erpnextPullCursors.stream, set: values });
}
