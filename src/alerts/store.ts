/**
 * Alerts in the database: opening one per problem key (at most one open at a time, whichever process notices it),
 * resolving it, and queueing the messages that announce both, in the same transaction as the change they announce.
 */
import { and, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import { alertDeliveries, alerts, type AlertStatus } from '../models/alerts.js';
import { alertMessage, type Message, type MessageKind } from './messages.js';
import type { Problem } from './problem.js';

export type Alert = typeof alerts.$inferSelect;

/** Which channels each new or resolved alert is announced on; none when only a digest is wanted. */
export interface Announce {
  channels: string[];
  redact: (text: string) => string;
}

export async function openAlerts(db: Queryable, rules?: readonly string[]): Promise<Alert[]> {
  return db
    .select()
    .from(alerts)
    .where(and(eq(alerts.status, 'open'), rules ? inArray(alerts.rule, [...rules]) : undefined))
    .orderBy(alerts.id);
}

export async function queueMessage(
  db: Queryable,
  input: { alertId: number | null; kind: MessageKind | 'digest'; message: Message },
  announce: Announce,
): Promise<void> {
  if (announce.channels.length === 0) return;
  const subject = announce.redact(input.message.subject);
  const body = announce.redact(input.message.body);
  await db.insert(alertDeliveries).values(
    announce.channels.map((channel) => ({
      alertId: input.alertId,
      kind: input.kind,
      channel,
      subject,
      body,
    })),
  );
}

/** Opens an alert for the problem unless one is open for its key; true when this call opened it. */
export async function openAlert(db: Database, problem: Problem, announce: Announce): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(alerts)
      .values({
        key: problem.key,
        rule: problem.rule,
        severity: problem.severity,
        title: announce.redact(problem.title),
        detail: announce.redact(problem.detail),
        links: problem.links,
      })
      .onConflictDoNothing({ target: alerts.key, where: sql`status = 'open'` })
      .returning();
    if (!row) return false;
    await queueMessage(
      tx,
      { alertId: row.id, kind: 'opened', message: alertMessage(row, 'opened') },
      announce,
    );
    return true;
  });
}

/** Resolves the open alert of a key; true when this call resolved it. */
export async function resolveAlert(db: Database, key: string, announce: Announce): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(alerts)
      .set({ status: 'resolved', resolvedAt: new Date() })
      .where(and(eq(alerts.key, key), eq(alerts.status, 'open')))
      .returning();
    if (!row) return false;
    await queueMessage(
      tx,
      { alertId: row.id, kind: 'resolved', message: alertMessage(row, 'resolved') },
      announce,
    );
    return true;
  });
}

export async function alertsResolvedSince(db: Queryable, since: Date): Promise<Alert[]> {
  return db
    .select()
    .from(alerts)
    .where(and(eq(alerts.status, 'resolved'), gte(alerts.resolvedAt, since)))
    .orderBy(alerts.id);
}

/** Newest first; `before` continues a page after (openedAt, id). */
export async function listAlerts(
  db: Queryable,
  filter: { status?: AlertStatus; before?: { openedAt: Date; id: number }; limit: number },
): Promise<Alert[]> {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(alerts.status, filter.status));
  if (filter.before)
    where.push(sql`(${alerts.openedAt}, ${alerts.id}) < (${filter.before.openedAt}, ${filter.before.id})`);
  return db
    .select()
    .from(alerts)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(alerts.openedAt), desc(alerts.id))
    .limit(filter.limit);
}
