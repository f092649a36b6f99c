/**
 * Sends the queued alert messages. A message is claimed before it is sent (so two workers never send it twice), and
 * a failed send is tried again later with growing waits; channels are sent to side by side, so one that is down
 * delays only its own messages.
 */
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { alertDeliveries } from '../models/alerts.js';
import type { AlertChannel } from './channels.js';

export interface DeliveryOptions {
  timeoutMs: number;
  attempts: number;
  retryBaseMs: number;
  redact: (text: string) => string;
  now?: Date;
}

export interface DeliveryResult {
  sent: number;
  retrying: number;
  failed: number;
}

const retryMaxMs = 60 * 60 * 1000;
const batch = 100;

type Delivery = typeof alertDeliveries.$inferSelect;

/** Takes the due messages by pushing their next attempt past the time a send can take. */
async function claimDue(db: Database, now: Date, holdMs: number): Promise<Delivery[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: alertDeliveries.id })
      .from(alertDeliveries)
      .where(
        and(
          eq(alertDeliveries.status, 'pending'),
          lte(alertDeliveries.nextAttemptAt, now),
          // First in, first out per channel: a "resolved" waits behind its alert while that one waits for a retry.
          sql`NOT EXISTS (SELECT 1 FROM alert_deliveries earlier
                           WHERE earlier.channel = ${alertDeliveries.channel} AND earlier.status = 'pending'
                             AND earlier.id < ${alertDeliveries.id} AND earlier.next_attempt_at > ${now})`,
        ),
      )
      .orderBy(asc(alertDeliveries.id))
      .limit(batch)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(alertDeliveries)
      .set({ nextAttemptAt: new Date(now.getTime() + holdMs) })
      .where(
        inArray(
          alertDeliveries.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
  });
}

export async function deliverDue(
  db: Database,
  channels: AlertChannel[],
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const now = options.now ?? new Date();
  const claimed = await claimDue(db, now, options.timeoutMs * 2 + 1000);
  const result: DeliveryResult = { sent: 0, retrying: 0, failed: 0 };
  const byChannel = new Map<string, Delivery[]>();
  for (const d of claimed) byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d]);
  await Promise.all(
    [...byChannel].map(async ([name, deliveries]) => {
      const channel = channels.find((c) => c.name === name);
      // In order within a channel: a "resolved" never arrives before its alert.
      for (const delivery of deliveries) {
        try {
          if (!channel) throw new Error(`the ${name} channel is no longer configured`);
          await channel.send({ subject: delivery.subject, body: delivery.body }, options.timeoutMs);
          await db
            .update(alertDeliveries)
            .set({
              status: 'sent',
              sentAt: new Date(),
              attempts: sql`${alertDeliveries.attempts} + 1`,
              lastError: null,
            })
            .where(eq(alertDeliveries.id, delivery.id));
          result.sent += 1;
        } catch (error) {
          const outcome = await recordFailure(db, delivery, error, options);
          result[outcome] += 1;
        }
      }
    }),
  );
  return result;
}

async function recordFailure(
  db: Database,
  delivery: Delivery,
  error: unknown,
  options: DeliveryOptions,
): Promise<'retrying' | 'failed'> {
  const attempts = delivery.attempts + 1;
  const givingUp = attempts >= options.attempts;
  const wait = Math.min(options.retryBaseMs * 2 ** (attempts - 1), retryMaxMs);
  await db
    .update(alertDeliveries)
    .set({
      status: givingUp ? 'failed' : 'pending',
      attempts,
      nextAttemptAt: new Date(Date.now() + wait),
      lastError: options.redact(error instanceof Error ? error.message : String(error)),
    })
    .where(eq(alertDeliveries.id, delivery.id));
  return givingUp ? 'failed' : 'retrying';
}
