/**
 * Brings one customer as ERPNext has it into the local records — the one path shared by the pull, the webhook and
 * the push's pre-check. The checksum of the last agreed state recognises echoes of our own pushes and duplicate
 * webhook deliveries (nothing is written); a customer changed on both sides is merged field by field, conflicts are
 * recorded, and the merged result goes back to ERPNext through the outbox.
 */
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import type { RemoteCustomer } from '../../connectors/erpnext/customers.js';
import {
  compareFrappeTimestamps,
  frappeTimestampToDate,
  normaliseFrappeTimestamp,
} from '../../connectors/erpnext/timestamps.js';
import { recordConflicts } from '../../customers/conflicts.js';
import { fieldsChecksum, newCustomerFields, type CustomerFields } from '../../customers/fields.js';
import { mergeCustomer } from '../../customers/merge.js';
import { addOutboxEntry } from '../../customers/outbox.js';
import { fieldsOf, lockCustomer, writeSyncedFields } from '../../customers/store.js';
import type { Queryable } from '../../db/database.js';
import { customers, customerSyncStates } from '../../models/customers.js';
import { firstUnstorable } from '../../storable-text.js';
import { requestPush, type CustomerSync } from './context.js';
import { fieldsFromRemote } from './mapping.js';
import {
  linkToCreateClaim,
  namesBeingCreated,
  saveSyncState,
  syncStateByErpNextName,
  type CustomerSyncState,
} from './sync-state.js';

export type RemoteOutcome =
  'created' | 'updated' | 'merged' | 'unchanged' | 'stale' | 'deactivated' | 'unknown';

export interface RemoteApplied {
  outcome: RemoteOutcome;
  customerId?: string;
  conflicts: number;
}

interface Pending {
  events: {
    type: 'customer.created' | 'customer.updated' | 'customer.deactivated';
    customerId: string;
    name: string;
  }[];
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

/**
 * A page of customers in one transaction (one commit instead of hundreds, which is what a bulk import's speed comes
 * down to). If any row fails, the page is applied again one customer at a time, so one bad row holds back no other.
 */
export async function applyRemoteCustomers(
  sync: CustomerSync,
  remotes: RemoteCustomer[],
): Promise<(RemoteApplied | Error)[]> {
  const pending: Pending = { events: [], push: false };
  try {
    const results = await sync.db.transaction(async (tx) => {
      const known = await knownErpNextNames(
        tx,
        remotes.map((r) => r.customer.name),
      );
      // Those a push is creating right now are linked one by one, under their name's lock.
      const ours = await namesBeingCreated(
        tx,
        remotes.map((r) => customerNameOf(r)),
      );
      const fresh = remotes.filter((r) => !known.has(r.customer.name) && !ours.has(customerNameOf(r)));
      const created = await insertNewFromRemote(tx, sync, fresh, pending);
      const out: RemoteApplied[] = [];
      for (const remote of remotes)
        out.push(created.get(remote.customer.name) ?? (await applyRemoteIn(tx, sync, remote, pending)));
      return out;
    });
    announce(sync, pending, 'manual');
    return results;
  } catch {
    const out: (RemoteApplied | Error)[] = [];
    for (const remote of remotes)
      out.push(
        await applyRemoteCustomer(sync, remote).catch((e: unknown) =>
          e instanceof Error ? e : new Error(String(e)),
        ),
      );
    return out;
  }
}

function announce(sync: CustomerSync, pending: Pending, trigger: 'manual' | 'webhook'): void {
  for (const e of pending.events) sync.events.publish({ ...e, source: 'erpnext' });
  if (pending.push) requestPush(sync, trigger);
}

/** What a remote customer stands for locally, its checksum, and the sync state that records agreement on it. */
function snapshotOf(sync: CustomerSync, remote: RemoteCustomer) {
  const unstorable = firstUnstorable(remote);
  if (unstorable)
    throw new Error(
      `${unstorable.path} ${unstorable.reason}; nothing of it was stored. Correct it in ERPNext and the next pull reads it again`,
    );
  const names = sync.settings.syncedFields;
  const remoteFields = fieldsFromRemote(remote, sync.settings.mapping);
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
  return { remoteFields, remoteSum: fieldsChecksum(remoteFields, names), modified, linkNames, agreed };
}

async function knownErpNextNames(tx: Queryable, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await tx
    .select({ name: customerSyncStates.erpnextName })
    .from(customerSyncStates)
    .where(inArray(customerSyncStates.erpnextName, names));
  return new Set(rows.map((r) => r.name!));
}

/** The customer_name as a push sends it (local names are trimmed), and so as a create claim holds it. */
function customerNameOf(remote: RemoteCustomer): string {
  return remote.customer.customer_name.trim();
}

/**
 * Customers ERPNext has and we do not: inserted with their agreed state in two statements per chunk, not two per row.
 * The ERPNext name is unique: one that another transaction brought in meanwhile (a webhook on another worker while
 * this pull read its page) is not inserted twice but applied to the customer that has it.
 */
async function insertNewFromRemote(
  tx: Queryable,
  sync: CustomerSync,
  remotes: RemoteCustomer[],
  pending: Pending,
): Promise<Map<string, RemoteApplied>> {
  const out = new Map<string, RemoteApplied>();
  const now = new Date();
  const rowsPerStatement = 500;
  for (let i = 0; i < remotes.length; i += rowsPerStatement) {
    const chunk = remotes.slice(i, i + rowsPerStatement).map((remote) => {
      const snapshot = snapshotOf(sync, remote);
      const fields = {
        ...newCustomerFields(
          { name: snapshot.remoteFields.name ?? remote.customer.name },
          sync.settings.defaultCountry,
        ),
        ...snapshot.remoteFields,
      };
      return { id: randomUUID(), remote, fields, state: snapshot.agreed(snapshot.remoteFields) };
    });
    if (chunk.length === 0) continue;
    await tx
      .insert(customers)
      .values(chunk.map((c) => ({ id: c.id, ...c.fields, createdAt: now, updatedAt: now })));
    const inserted = await tx
      .insert(customerSyncStates)
      .values(chunk.map((c) => ({ customerId: c.id, ...c.state })))
      .onConflictDoNothing({ target: customerSyncStates.erpnextName })
      .returning({ customerId: customerSyncStates.customerId });
    const kept = new Set(inserted.map((r) => r.customerId));
    const beaten = chunk.filter((c) => !kept.has(c.id));
    if (beaten.length > 0)
      await tx.delete(customers).where(
        inArray(
          customers.id,
          beaten.map((c) => c.id),
        ),
      );
    for (const c of chunk) {
      if (!kept.has(c.id)) {
        out.set(c.state.erpnextName, await applyRemoteIn(tx, sync, c.remote, pending));
        continue;
      }
      pending.events.push({ type: 'customer.created', customerId: c.id, name: c.fields.name });
      out.set(c.state.erpnextName, { outcome: 'created', customerId: c.id, conflicts: 0 });
    }
  }
  return out;
}

async function applyRemoteIn(
  tx: Queryable,
  sync: CustomerSync,
  remote: RemoteCustomer,
  pending: Pending,
): Promise<RemoteApplied> {
  const { settings } = sync;
  const names = settings.syncedFields;
  const { remoteFields, remoteSum, modified, linkNames, agreed } = snapshotOf(sync, remote);

  const state = await syncStateByErpNextName(tx, remote.customer.name);
  if (!state) {
    // Our own push's Customer, told of before the push had its name: linked, and the push records the rest.
    const linked = await linkToCreateClaim(tx, remote.customer.name, customerNameOf(remote));
    if (linked) return { outcome: 'unchanged', customerId: linked.customerId, conflicts: 0 };
    return (await insertNewFromRemote(tx, sync, [remote], pending)).get(remote.customer.name)!;
  }
  if (state.remoteModified && compareFrappeTimestamps(modified, state.remoteModified) < 0)
    return { outcome: 'stale', customerId: state.customerId, conflicts: 0 };
  if (remoteSum === state.syncedChecksum && !state.remoteDeleted) {
    if (state.remoteModified !== modified)
      await saveSyncState(tx, state.customerId, { ...linkNames, remoteModified: modified });
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
  return mergeBothChanged(tx, sync, {
    state,
    row,
    local,
    remoteFields,
    remoteSum,
    modified,
    agreed,
    pending,
  });
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
    base: input.state.syncedFields ?? {},
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
  input.pending.events.push({
    type: eventFor(input.local, merged),
    customerId: input.row.id,
    name: updated.name,
  });
  return { outcome: 'merged', customerId: input.row.id, conflicts: conflicts.length };
}

function eventFor(
  before: CustomerFields,
  after: Partial<CustomerFields>,
): 'customer.updated' | 'customer.deactivated' {
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
