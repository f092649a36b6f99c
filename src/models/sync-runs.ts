/** Every job run, with its counters and per-record events: the history people read when numbers look wrong. */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    job: text('job').notNull(),
    trigger: text('trigger').notNull(),
    status: text('status').notNull(),
    data: jsonb('data'),
    queuedAt: timestamp('queued_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    attempt: integer('attempt').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    progress: jsonb('progress'),
    error: text('error'),
  },
  (t) => [
    index('sync_runs_job_queued_idx').on(t.job, t.queuedAt),
    index('sync_runs_status_idx').on(t.status),
    index('sync_runs_finished_idx').on(t.finishedAt),
  ],
);

export const syncRunEvents = pgTable(
  'sync_run_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    level: text('level').notNull(),
    entity: text('entity'),
    message: text('message').notNull(),
    details: jsonb('details'),
  },
  (t) => [index('sync_run_events_run_idx').on(t.runId, t.id)],
);
