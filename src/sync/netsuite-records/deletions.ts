/**
 * Deletions from NetSuite's deleted-record log: the customers, invoices and credit memos deleted since the cursor
 * (minus the overlap) are marked deleted here, kept with the date NetSuite gives. Marking is idempotent, so the
 * overlap's re-reads change nothing; a deletion of a record never stored here is counted as skipped.
 */
import type { NetSuiteClient } from '../../connectors/netsuite/client.js';
import type { SuiteQlRow } from '../../connectors/netsuite/schemas.js';
import type { Database } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import { mapDeletedRow, type Deletion, type RecordType } from './mapping.js';
import { deletedRecordQuery, type QuerySettings } from './query.js';
import { markDeleted } from './store.js';

export interface DeletionDeps {
  db: Database;
  netsuite: NetSuiteClient;
  query: Pick<QuerySettings, 'timeZone'>;
  pageSize: number;
}

async function applyDeletions(deps: DeletionDeps, ctx: RunContext, deletions: Deletion[]): Promise<void> {
  if (deletions.length === 0) return;
  const byType = new Map<RecordType, Deletion[]>();
  for (const d of deletions) byType.set(d.recordType, [...(byType.get(d.recordType) ?? []), d]);
  const marked = await deps.db.transaction(async (tx) => {
    const done: Deletion[] = [];
    for (const [recordType, list] of byType) {
      const result = await markDeleted(tx, recordType, list);
      ctx.count('deleted', result.marked.length);
      ctx.count('unchanged', result.alreadyDeleted);
      ctx.count('skipped', result.unknown);
      done.push(...list.filter((d) => result.marked.includes(d.id)));
    }
    return done;
  });
  // Events are written after the transaction: on the embedded database a write beside an open transaction waits for it.
  for (const d of marked)
    await ctx.event({
      level: 'info',
      entity: `netsuite-${d.recordType === 'credit_note' ? 'credit-note' : d.recordType}:${d.id}`,
      message: `Deleted in NetSuite at ${d.deletedAt.toISOString()}: kept and marked deleted`,
    });
}

/** Reads the log from `from` and returns the newest deletion time seen. */
export async function syncDeletions(
  deps: DeletionDeps,
  ctx: RunContext,
  from: Date,
): Promise<Date | undefined> {
  let newest: Date | undefined;
  let start = from;
  const seen = new Set<string>();
  const otherTypes = new Map<string, number>();
  for (;;) {
    let rowsInQuery = 0;
    let last: Date | undefined;
    for await (const page of deps.netsuite.suiteqlPages(
      deletedRecordQuery(deps.query, start),
      deps.pageSize,
    )) {
      rowsInQuery += page.items.length;
      const deletions: Deletion[] = [];
      for (const row of page.items as SuiteQlRow[]) {
        const read = mapDeletedRow(row, deps.query.timeZone);
        if (read.otherType) otherTypes.set(read.otherType, (otherTypes.get(read.otherType) ?? 0) + 1);
        if (read.problem) {
          ctx.count('failed');
          await ctx.event({ level: 'error', message: `${read.problem}; the deletion cannot be applied` });
        }
        const d = read.deletion;
        if (!d) continue;
        last = d.deletedAt;
        if (!newest || d.deletedAt > newest) newest = d.deletedAt;
        const key = `${d.recordType}:${d.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        deletions.push(d);
      }
      await applyDeletions(deps, ctx, deletions);
    }
    if (rowsInQuery < deps.netsuite.resultCap || !last) break;
    if (last.getTime() === start.getTime())
      throw new Error(
        `NetSuite's deleted-record log holds more than ${deps.netsuite.resultCap} rows deleted at ${start.toISOString()}: more than one SuiteQL query can return; they cannot all be read`,
      );
    // A slice past the cap starts again at the last deletion time read (ties re-read, and skipped above).
    start = last;
  }
  if (otherTypes.size > 0)
    await ctx.event({
      level: 'debug',
      message: `Deleted records of other types in the log, not synced here: ${[...otherTypes].map(([t, n]) => `${n} ${t}`).join(', ')}`,
    });
  return newest;
}
