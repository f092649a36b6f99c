/**
 * What earlier runs found on a list, so a list that suddenly reads empty can be told from one that is empty. A run
 * notes, as an event of its own, how many rows the first page of each list showed; a later run asks whether any
 * earlier run of the same job noted rows for the same list. The key names the list exactly (for a filtered list, its
 * filter too): only the same query is expected to show the same rows again. Other notes a run leaves for later runs
 * (the date format its lists proved) are asked after the same way.
 */
import { and, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { RunEventInput } from '../../jobs/types.js';
import { syncRunEvents, syncRuns } from '../../models/index.js';

export interface ListRead {
  /** The list and its filter, e.g. "closed invoices 2026-11-02 to 2026-12-01". */
  list: string;
  rows: number;
}

/** The event that notes what a list's first page showed. */
export function listReadEvent(read: ListRead): RunEventInput {
  return {
    level: 'debug',
    message: `The first page of the ${read.list} list showed ${read.rows} rows.`,
    details: { listRead: read },
  };
}

/** Whether an earlier run of `job` (not `runId`) has an event whose details match `details` (a condition on them). */
export async function earlierRunNoted(
  db: Database,
  where: { job: string; runId: string },
  details: (column: typeof syncRunEvents.details) => SQL,
): Promise<boolean> {
  const found = await db
    .select({ id: syncRunEvents.id })
    .from(syncRunEvents)
    .innerJoin(syncRuns, eq(syncRuns.id, syncRunEvents.runId))
    .where(and(eq(syncRuns.job, where.job), ne(syncRuns.id, where.runId), details(syncRunEvents.details)))
    .limit(1);
  return found.length > 0;
}

/** Whether an earlier run of `job` (not `runId`) noted rows on the first page of `list`. */
export function earlierRunFoundRows(
  db: Database,
  where: { job: string; runId: string; list: string },
): Promise<boolean> {
  return earlierRunNoted(
    db,
    where,
    (details) =>
      sql`${details} -> 'listRead' ->> 'list' = ${where.list} AND (${details} -> 'listRead' ->> 'rows')::int > 0`,
  );
}
