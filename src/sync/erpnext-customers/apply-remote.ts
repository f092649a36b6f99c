/**
 * Brings one customer as ERPNext has it into the local records — the one path shared by the pull, the webhook and
 * the push's pre-check. The checksum of the last agreed state recognises echoes of our own pushes and duplicate
 * webhook deliveries (nothing is written); a customer changed on both sides is merged field by field, conflicts are
 * recorded, and the merged result goes back to ERPNext through the outbox.
 */
import { fieldsFromRemote, type RemoteCustomer } from '../../connectors/erpnext/mapping.js';
import { compareFrappeTimestamps, frappeTimestampToDate, normaliseFrappeTimestamp } from '../../connectors/erpnext/timestamps.js';
import { recordConflicts } from '../../customers/conflicts.js';
import { fieldsChecksum, newCustomerFields, type CustomerFields } from '../../customers/fields.js';
import { mergeCustomer } from '../../customers/merge.js';
import { addOutboxEntry } from '../../customers/outbox.js';
import { fieldsOf, insertSyncedCustomer, lockCustomer, writeSyncedFields } from '../../customers/store.js';
import type { Queryable } from '../../db/database.js';
import { requestPush, type CustomerSync } from './context.js';
import { saveSyncState, syncStateByErpNextName, type CustomerSyncState } from './sync-state.js';

export type RemoteOutcome = 'created' | 'updated' | 'merged' | 'unchanged' | 'stale' | 'deactivated' | 'unknown';

export interface RemoteApplied {
  outcome: RemoteOutcome;
  customerId?: string;
  conflicts: number;
}

interface Pending {
  events: { type: 'customer.created' | 'customer.updated' | 'customer.deactivated'; customerId: string; name: string }[];
  push: boolean;
}

/** Applies it in its own transaction, then announces the change and asks for a push when one is due. */
export async function applyRemoteCustomer(
  sync: CustomerSync,
  remote: RemoteCustomer,
  trigger: 'manual' | 'webhook' = 'manual',
): Promise<RemoteApplied> {
  const pending: Pending = { events: [], push: false };
  const result = await sync.db.transaction((tx) => applyRemoteIn(tx, sync, remote, pending));
  announce(sync, pending, trigger);
  return result;
}

function announce(sync: CustomerSync, pending: Pending, trigger: 'manual' | 'webhook'): void {
  for (const e of pending.events) sync.events.publish({ ...e, source: 'erpnext' });
  if (pending.push) requestPush(sync, trigger);
}

export async function applyRemoteIn(
  tx: Queryable,
  sync: CustomerSync,
  remote: RemoteCustomer,
  pending: Pending,
): Promise<RemoteApplied> {
  const { settings } = sync;
  const names = settings.syncedFields;
  const remoteFields = fieldsFromRemote(remote, settings.mapping);
  const remoteSum = fieldsChecksum(remoteFields, names);
  const modified = normaliseFrappeTimestamp(remote.customer.modified);
  const linkNames = {
    erpnextName: remote.customer.name,
    addressName: remote.address?.name ?? null,
    contactName: remote.contact?.name ?? null,
  };
  const agreed = (fields: Partial<CustomerFields>) => ({
    ...linkNames,
    syncedFields: fields,
    syncedChecksum: fieldsChecksum(fields, names),
    remoteModified: modified,
    remoteDeleted: false,
    syncedAt: new Date(),
  });

  const state = await syncStateByErpNextName(tx, remote.customer.name);
  if (!state) {
    const fields = { ...newCustomerFields({ name: remoteFields.name ?? remote.customer.name }, settings.defaultCountry), ...remoteFields };
    const row = await insertSyncedCustomer(tx, fields as CustomerFields, new Date());
    await saveSyncState(tx, row.id, agreed(remoteFields));
    pending.events.push({ type: 'customer.created', customerId: row.id, name: row.name });
    return { outcome: 'created', customerId: row.id, conflicts: 0 };
  }
  if (state.remoteModified && compareFrappeTimestamps(modified, state.remoteModified) < 0)
    return { outcome: 'stale', customerId: state.customerId, conflicts: 0 };
  if (remoteSum === state.syncedChecksum && !state.remoteDeleted) {
    if (state.remoteModified !== modified) await saveSyncState(tx, state.customerId, { ...linkNames, remoteModified: modified });
    return { outcome: 'unchanged', customerId: state.customerId, conflicts: 0 };
  }

  const row = (await lockCustomer(tx, state.customerId))!;
  const local = fieldsOf(row);
  const localSum = fieldsChecksum(local, names);
  if (localSum === remoteSum) {
    await saveSyncState(tx, row.id, agreed(remoteFields));
    return { outcome: 'unchanged', customerId: row.id, conflicts: 0 };
  }
  // A null base means our first push is still under way (its Customer exists, its Address may not): merge, never overwrite.
  if (localSum === state.syncedChecksum) {
    const updated = await writeSyncedFields(tx, row.id, remoteFields, new Date());
    await saveSyncState(tx, row.id, agreed(remoteFields));
    pending.events.push({ type: eventFor(local, remoteFields), customerId: row.id, name: updated.name });
    return { outcome: 'updated', customerId: row.id, conflicts: 0 };
  }
  return mergeBothChanged(tx, sync, { state, row, local, remoteFields, remoteSum, modified, agreed, pending });
}

async function mergeBothChanged(
  tx: Queryable,
  sync: CustomerSync,
  input: {
    state: CustomerSyncState;
    row: { id: string; updatedAt: Date };
    local: CustomerFields;
    remoteFields: Partial<CustomerFields>;
    remoteSum: string;
    modified: string;
    agreed: (fields: Partial<CustomerFields>) => Record<string, unknown>;
    pending: Pending;
  },
): Promise<RemoteApplied> {
  const { settings } = sync;
  const remoteChangedAt = frappeTimestampToDate(input.modified, settings.timeZone);
  const { merged, conflicts } = mergeCustomer({
    fields: settings.syncedFields,
    base: (input.state.syncedFields ?? {}) as Partial<CustomerFields>,
    local: input.local,
    remote: input.remoteFields,
    policy: settings.policy,
    localChangedAt: input.row.updatedAt,
    remoteChangedAt,
  });
  await recordConflicts(tx, {
    customerId: input.row.id,
    erpnextName: input.state.erpnextName,
    conflicts,
    policy: settings.policy,
    localChangedAt: input.row.updatedAt,
    remoteChangedAt,
  });
  const updated = await writeSyncedFields(tx, input.row.id, merged, input.row.updatedAt);
  // ERPNext's current state is the new base; what the merge kept from the local side still has to reach it.
  await saveSyncState(tx, input.row.id, input.agreed(input.remoteFields));
  const needsPush = fieldsChecksum(merged, settings.syncedFields) !== input.remoteSum;
  if (needsPush) {
    await addOutboxEntry(tx, input.row.id, 'merge');
    input.pending.push = true;
  }
  input.pending.events.push({ type: eventFor(input.local, merged), customerId: input.row.id, name: updated.name });
  return { outcome: 'merged', customerId: input.row.id, conflicts: conflicts.length };
}

function eventFor(before: CustomerFields, after: Partial<CustomerFields>): 'customer.updated' | 'customer.deactivated' {
  return before.active && after.active === false ? 'customer.deactivated' : 'customer.updated';
}

/** A Customer deleted in ERPNext becomes inactive here, never deleted: its history and links stay. */
export async function applyRemoteDeletion(sync: CustomerSync, erpnextName: string): Promise<RemoteApplied> {
  const pending: Pending = { events: [], push: false };
  const result = await sync.db.transaction(async (tx): Promise<RemoteApplied> => {
    const state = await syncStateByErpNextName(tx, erpnextName);
    if (!state) return { outcome: 'unknown', conflicts: 0 };
    const row = (await lockCustomer(tx, state.customerId))!;
    if (state.remoteDeleted && !row.active) return { outcome: 'unchanged', customerId: row.id, conflicts: 0 };
    await saveSyncState(tx, row.id, { remoteDeleted: true, syncedAt: new Date() });
    if (!row.active) return { outcome: 'unchanged', customerId: row.id, conflicts: 0 };
    const updated = await writeSyncedFields(tx, row.id, { active: false }, new Date());
    pending.events.push({ type: 'customer.deactivated', customerId: row.id, name: updated.name });
    return { outcome: 'deactivated', customerId: row.id, conflicts: 0 };
  });
  announce(sync, pending, 'webhook');
  return result;
}
