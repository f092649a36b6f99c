/**
 * Alerts: one row per distinct problem (a stable key) from when it is noticed until it is resolved, and the messages
 * that announce it, kept as an outbox so a channel that is down delays them without losing them.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const alertStatuses = ['open', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export const alertSeverities = ['warning', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

export interface AlertLink {
  label: string;
  /** A URL path of the API (/api/runs/…) or a file under DATA_DIR (artefacts). */
  href: string;
}

export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The same problem always has the same key, e.g. "run-failed:routestar.sync" or "oversold:ABC-1". */
    key: text('key').notNull(),
    rule: text('rule').notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    status: text('status').$type<AlertStatus>().notNull().default('open'),
    title: text('title').notNull(),
    detail: text('detail').notNull(),
    links: jsonb('links').$type<AlertLink[]>().notNull().default([]),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // At most one open alert per problem, whichever process notices it.
    uniqueIndex('alerts_open_key')
      .on(t.key)
      .where(sql`status = 'open'`),
    index('alerts_status_opened_idx').on(t.status, t.openedAt, t.id),
  ],
);

export const alertDeliveryStatuses = ['pending', 'sent', 'failed'] as const;
export type AlertDeliveryStatus = (typeof alertDeliveryStatuses)[number];

export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null for messages about no single alert (digest, test). */
    alertId: bigint('alert_id', { mode: 'number' }).references(() => alerts.id, { onDelete: 'cascade' }),
    /** 'opened', 'resolved', 'digest' or 'test'. */
    kind: text('kind').notNull(),
    channel: text('channel').notNull(),
    subject: text('subject').notNull(),
    /** Rendered when queued, secrets already removed, so a retry sends exactly what was announced. */
    body: text('body').notNull(),
    status: text('status').$type<AlertDeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('alert_deliveries_due_idx').on(t.status, t.nextAttemptAt)],
);
