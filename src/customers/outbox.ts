/**
 * The outbox of local customer writes waiting to reach ERPNext. An entry is written in the same transaction as the
 * write it announces, so no edit is ever lost between the two systems; the push job delivers it, with growing waits
 * between attempts, and leaves it visible as failed (with the last request and reply) after the last attempt.
 */
import { and, asc, desc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import { customerOutbox, type OutboxStatus } from '../models/customers.js';

export type OutboxEntry = typeof customerOutbox.$inferSelect;
export type OutboxReason = 'create' | 'update' | 'deactivate' | 'merge';

export async function addOutboxEntry(tx: Queryable, customerId: string, reason: OutboxReason): Promise<void> {
  await tx.insert(customerOutbox).values({ customerId, reason });
}

/** Customers with a delivery due now, oldest first. */
export async function customersDue(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ customerId: customerOutbox.customerId, first: sql<number>`min(${customerOutbox.id})` })
    .from(customerOutbox)
    .where(and(eq(customerOutbox.status, 'pending'), lte(customerOutbox.nextAttemptAt, now)))
    .groupBy(customerOutbox.customerId)
    .orderBy(sql`min(${customerOutbox.id})`)
    .limit(limit);
  return rows.map((r) => r.customerId);
}

export async function pendingEntries(db: Queryable, customerId: string): Promise<OutboxEntry[]> {
  return db
    .select()
    .from(customerOutbox)
    .where(and(eq(customerOutbox.customerId, customerId), eq(customerOutbox.status, 'pending')))
    .orderBy(asc(customerOutbox.id));
}

/**
 * The newest entry was delivered (it carries the customer's current state); older pending ones are superseded, and
 * earlier failures of the same customer are resolved by this success.
 */
export async function markDelivered(
  db: Queryable,
  customerId: string,
  upToId: number,
  exchange: { request: unknown; response: unknown },
): Promise<void> {
  const now = new Date();
  await db
    .update(customerOutbox)
    .set({ status: 'superseded', finishedAt: now })
    .where(
      and(
        eq(customerOutbox.customerId, customerId),
        inArray(customerOutbox.status, ['pending', 'failed']),
        lt(customerOutbox.id, upToId),
      ),
    );
  await db
    .update(customerOutbox)
    .set({
      status: 'delivered',
      finishedAt: now,
      attempts: sql`${customerOutbox.attempts} + 1`,
      lastError: null,
      lastRequest: exchange.request ?? null,
      lastResponse: exchange.response ?? null,
    })
    .where(eq(customerOutbox.id, upToId));
}

export async function markAttemptFailed(
  db: Queryable,
  entry: OutboxEntry,
  failure: { error: string; request: unknown; response: unknown; retryAt: Date | null },
): Promise<OutboxStatus> {
  const status: OutboxStatus = failure.retryAt ? 'pending' : 'failed';
  await db
    .update(customerOutbox)
    .set({
      status,
      attempts: entry.attempts + 1,
      nextAttemptAt: failure.retryAt ?? entry.nextAttemptAt,
      finishedAt: failure.retryAt ? null : new Date(),
      lastError: failure.error,
      lastRequest: failure.request ?? null,
      lastResponse: failure.response ?? null,
    })
    .where(eq(customerOutbox.id, entry.id));
  return status;
}

/** Not tried now, and not counted as an attempt: something else decides when it can go (see the push). */
export async function postponeEntry(db: Queryable, id: number, until: Date): Promise<void> {
  await db.update(customerOutbox).set({ nextAttemptAt: until }).where(eq(customerOutbox.id, id));
}

export async function supersedeOlder(db: Queryable, customerId: string, newestId: number): Promise<void> {
  await db
    .update(customerOutbox)
    .set({ status: 'superseded', finishedAt: new Date() })
    .where(
      and(
        eq(customerOutbox.customerId, customerId),
        eq(customerOutbox.status, 'pending'),
        lt(customerOutbox.id, newestId),
      ),
    );
}

/** A person asks for a failed entry to be tried again: it starts over with a fresh count of attempts. */
export async function retryOutboxEntry(db: Queryable, id: number): Promise<OutboxEntry | undefined> {
  const [row] = await db
    .update(customerOutbox)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(), finishedAt: null })
    .where(and(eq(customerOutbox.id, id), eq(customerOutbox.status, 'failed')))
    .returning();
  return row;
}

export async function getOutboxEntry(db: Queryable, id: number): Promise<OutboxEntry | undefined> {
  const [row] = await db.select().from(customerOutbox).where(eq(customerOutbox.id, id));
  return row;
}

export async function listOutbox(
  db: Queryable,
  filter: { status?: OutboxStatus; customerId?: string; beforeId?: number; limit: number },
): Promise<OutboxEntry[]> {
  const where = [
    filter.status ? eq(customerOutbox.status, filter.status) : undefined,
    filter.customerId ? eq(customerOutbox.customerId, filter.customerId) : undefined,
    filter.beforeId !== undefined ? lt(customerOutbox.id, filter.beforeId) : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select()
    .from(customerOutbox)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(customerOutbox.id))
    .limit(filter.limit);
}
