/**
 * What the customer sync remembers: per customer, ERPNext's names and the last agreed fields; and the pull cursors,
 * stored under stable stream names ("erpnext.customers", "erpnext.addresses", "erpnext.contacts") so they survive
 * code moves.
 */
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Database, Queryable } from '../../db/database.js';
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
  await lockErpNextName(tx, erpnextName);
  const [row] = await tx
    .select()
    .from(customerSyncStates)
    .where(eq(customerSyncStates.erpnextName, erpnextName))
    .for('update');
  return row;
}

/** Until the transaction ends, no other applies or records this ERPNext name. */
async function lockErpNextName(tx: Queryable, erpnextName: string): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`erpnext.customer:${erpnextName}`}, 0))`,
  );
}

export async function syncStateOf(tx: Queryable, customerId: string): Promise<CustomerSyncState | undefined> {
  const [row] = await tx
    .select()
    .from(customerSyncStates)
    .where(eq(customerSyncStates.customerId, customerId));
  return row;
}

/** The local customer each of these ERPNext names is linked to, for those that are. */
export async function customersByErpNextName(tx: Queryable, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await tx
    .select({ erpnextName: customerSyncStates.erpnextName, customerId: customerSyncStates.customerId })
    .from(customerSyncStates)
    .where(inArray(customerSyncStates.erpnextName, names));
  return new Map(rows.map((r) => [r.erpnextName!, r.customerId]));
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

const interval = (ms: number) => sql`make_interval(secs => ${ms / 1000}::float8)`;
const noClaim = { createClaimName: null, createClaimedAt: null, createClaimUntil: null };
/** A claim whose lease still holds, by the database's clock (the one every worker shares). */
const claimLive = sql`${customerSyncStates.createClaimUntil} > now()`;
/** Not yet linked to a Customer that exists in ERPNext: what a create claim can be linked to. */
const unlinked = or(isNull(customerSyncStates.erpnextName), eq(customerSyncStates.remoteDeleted, true));

export type CreateClaim =
  { taken: true; earlierAttemptSince: Date | null } | { taken: false; heldUntil: Date };

/**
 * Claims the creation of the customer's ERPNext Customer under `customerName`, committed before the insert is sent, so
 * a webhook for the new Customer reaching any worker first finds it. The claim links such news until its push
 * records the name (or knows nothing was created), however late the news comes; its lease only says how long it holds
 * back another push, which may be creating it right now. One whose lease ran out (its push crashed, or could not tell
 * whether ERPNext took the insert) is taken over; `earlierAttemptSince` then says since when an earlier attempt may
 * have created the Customer.
 */
export async function claimCreate(
  db: Database,
  customerId: string,
  customerName: string,
  leaseMs: number,
): Promise<CreateClaim> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({
        claimedAt: customerSyncStates.createClaimedAt,
        until: customerSyncStates.createClaimUntil,
        live: sql<boolean>`coalesce(${claimLive}, false)`,
      })
      .from(customerSyncStates)
      .where(eq(customerSyncStates.customerId, customerId))
      .for('update');
    if (current?.live) return { taken: false, heldUntil: current.until! };
    const claim = {
      createClaimName: customerName,
      createClaimedAt: sql`coalesce(${customerSyncStates.createClaimedAt}, now())`,
      createClaimUntil: sql`now() + ${interval(leaseMs)}`,
    };
    await tx
      .insert(customerSyncStates)
      .values({ customerId, ...claim, createClaimedAt: sql`now()` })
      .onConflictDoUpdate({ target: customerSyncStates.customerId, set: claim });
    return { taken: true, earlierAttemptSince: current?.claimedAt ?? null };
  });
}

/** The create surely did not reach ERPNext (refused, or never sent): nothing is left to find or link. */
export async function releaseCreateClaim(db: Queryable, customerId: string): Promise<void> {
  await db.update(customerSyncStates).set(noClaim).where(eq(customerSyncStates.customerId, customerId));
}

export class CreatedNameTakenError extends Error {
  constructor(
    readonly erpnextName: string,
    readonly otherCustomerId: string,
  ) {
    super(
      `ERPNext Customer ${erpnextName}, created by this push, was already brought in as local customer ` +
        `${otherCustomerId} before this push's create claim could link it. The two are the same ` +
        'customer: keep one, deactivate the other, then retry this entry.',
    );
    this.name = 'CreatedNameTakenError';
  }
}

/**
 * The push created the Customer: its name is recorded and the claim ends. A webhook may have linked it already
 * (the same name); `displaced` is a different Customer a webhook linked by the claim in the meantime, a namesake
 * created in the same moment, which is then no longer this customer's and must be brought in on its own.
 */
export async function recordCreated(
  db: Database,
  customerId: string,
  erpnextName: string,
): Promise<{ displaced: string | null }> {
  return db.transaction(async (tx) => {
    const holder = await syncStateByErpNextName(tx, erpnextName);
    if (holder && holder.customerId !== customerId) {
      // Linked by its own claim of the same customer_name (two namesakes being created): it is ours, not theirs.
      if (holder.createClaimName === null) throw new CreatedNameTakenError(erpnextName, holder.customerId);
      await saveSyncState(tx, holder.customerId, { erpnextName: null });
    }
    const [own] = await tx
      .select()
      .from(customerSyncStates)
      .where(eq(customerSyncStates.customerId, customerId))
      .for('update');
    const displaced =
      own?.erpnextName && own.erpnextName !== erpnextName && !own.remoteDeleted && own.createClaimName
        ? own.erpnextName
        : null;
    await saveSyncState(tx, customerId, { erpnextName, remoteDeleted: false, ...noClaim });
    return { displaced };
  });
}

/**
 * An ERPNext Customer we have no record of: if a push is creating one under its customer_name, it is that push's, and
 * is linked to its customer instead of becoming a new one (the oldest claim, should two namesakes be under way; the
 * push that created it corrects that when it records its name). The agreed state is cleared, so what follows merges
 * and never overwrites: the push writes it when it finishes.
 */
export async function linkToCreateClaim(
  tx: Queryable,
  erpnextName: string,
  customerName: string,
): Promise<CustomerSyncState | undefined> {
  const [claim] = await tx
    .select({ customerId: customerSyncStates.customerId })
    .from(customerSyncStates)
    .where(and(eq(customerSyncStates.createClaimName, customerName), unlinked))
    .orderBy(asc(customerSyncStates.createClaimedAt))
    .limit(1)
    .for('update');
  if (!claim) return undefined;
  const [linked] = await tx
    .update(customerSyncStates)
    .set({
      erpnextName,
      remoteDeleted: false,
      syncedFields: null,
      syncedChecksum: null,
      remoteModified: null,
    })
    .where(eq(customerSyncStates.customerId, claim.customerId))
    .returning();
  return linked;
}

/** Of these customer_names, those a push is creating a Customer under. */
export async function namesBeingCreated(tx: Queryable, customerNames: string[]): Promise<Set<string>> {
  if (customerNames.length === 0) return new Set();
  const rows = await tx
    .select({ name: customerSyncStates.createClaimName })
    .from(customerSyncStates)
    .where(and(inArray(customerSyncStates.createClaimName, customerNames), unlinked));
  return new Set(rows.map((r) => r.name!));
}
