/**
 * maintenance.prune-history: removes finished one-time job records and sync runs older than RETENTION_DAYS, so the
 * dashboard and run history stay fast (Agendash slows down at tens of thousands of jobs).
 */
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Database } from '../db/database.js';
import { pruneRuns } from './runs.js';
import type { JobDefinition } from './types.js';

const pruneData = z.object({
  /** Overrides RETENTION_DAYS for this run. */
  retentionDays: z.number().int().min(0).optional(),
});

export function pruneHistoryJob(deps: {
  config: Config;
  db: Database;
  pool: pg.Pool;
}): JobDefinition<z.infer<typeof pruneData>> {
  return {
    name: 'maintenance.prune-history',
    description: 'Removes finished job records and sync runs older than RETENTION_DAYS.',
    data: pruneData,
    schedule: (config) => config.PRUNE_SCHEDULE,
    async run(ctx, data) {
      const days = data.retentionDays ?? deps.config.RETENTION_DAYS;
      const cutoff = new Date(Date.now() - days * 24 * 60 * 60 * 1000);
      const jobs = await deps.pool.query(
        `DELETE FROM agenda_jobs
          WHERE next_run_at IS NULL AND locked_at IS NULL AND type = 'normal'
            AND coalesce(last_finished_at, failed_at, updated_at) < $1`,
        [cutoff],
      );
      const runs = await pruneRuns(deps.db, cutoff);
      await ctx.event({
        level: 'info',
        message: `Removed ${jobs.rowCount ?? 0} finished job records and ${runs} sync runs older than ${days} days`,
        details: { cutoff: cutoff.toISOString(), jobRecords: jobs.rowCount ?? 0, syncRuns: runs },
      });
      ctx.count('deleted', (jobs.rowCount ?? 0) + runs);
    },
  };
}
