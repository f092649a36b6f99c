/**
 * Which run holds a job that allows one run at a time, across every worker process and CLI sharing the database.
 * A lease ends when its run ends; one whose process died simply expires, and the next run takes it.
 */
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const jobLeases = pgTable('job_leases', {
  job: text('job').primaryKey(),
  runId: uuid('run_id').notNull(),
  acquiredAt: timestamp('acquired_at', { withTimezone: true, mode: 'date' }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});
