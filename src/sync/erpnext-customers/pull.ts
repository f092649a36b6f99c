/**
 * erpnext.pull-customers: reads customers modified in ERPNext since the saved cursor, with their Address and Contact,
 * page by page in (modified, name) order, and brings each into the local records. The cursor is ERPNext's own
 * naive `modified` text at full resolution plus the names already read at that instant: the next page asks for
 * `modified >= cursor` and skips those, so rows sharing one timestamp across a page boundary are neither lost nor
 * read twice. It is saved after every page, so a crash resumes where it stopped, and held back once a row fails. Each run starts a little before the
 * cursor (ERPNEXT_PULL_OVERLAP_MS) to catch rows committed late; re-read rows match their checksum and write nothing.
 */
import { z } from 'zod';
import {
  compareFrappeTimestamps,
  frappeTimestampMinus,
  normaliseFrappeTimestamp,
} from '../../connectors/erpnext/timestamps.js';
import type { JobDefinition, RunContext } from '../../jobs/types.js';
import { applyRemoteCustomers } from './apply-remote.js';
import { pullJobName, requireRemote, type CustomerSync } from './context.js';
import { loadPullCursor, savePullCursor } from './sync-state.js';

export const pullData = z.strictObject({
  /** Ignore the saved cursor and read every customer (the manual full sync). */
  full: z.boolean().default(false),
});
export type PullData = z.infer<typeof pullData>;

export function pullCustomersJob(sync: CustomerSync): JobDefinition<PullData> {
  return {
    name: pullJobName,
    description: 'Reads customers changed in ERPNext (with Address and Contact) since the last pull into the local records.',
    data: pullData,
    schedule: (config) => (sync.remote ? config.ERPNEXT_PULL_SCHEDULE : undefined),
    run: (ctx, data) => pullCustomers(sync, ctx, data),
  };
}

export async function pullCustomers(sync: CustomerSync, ctx: RunContext, data: PullData): Promise<void> {
  const remote = requireRemote(sync);
  const saved = data.full ? undefined : await loadPullCursor(sync.db);
  let since = saved ? frappeTimestampMinus(saved.modified, sync.settings.pullOverlapMs) : null;
  // Names already read at `since`; empty after stepping back by the overlap, where re-reads are harmless.
  let seenAtSince = new Set<string>(saved && sync.settings.pullOverlapMs === 0 ? saved.namesAtModified : []);
  let processed = 0;
  // After a row fails, the cursor stays where it was, so the next run reads that row again.
  let cursorHeld = false;
  const outcomes: Record<string, number> = {};
  for (let pageNumber = 1; !ctx.signal.aborted; pageNumber++) {
    const page = await remote.readChangedSince(
      since,
      { limitStart: seenAtSince.size, pageSize: sync.settings.pageSize },
      { signal: ctx.signal },
    );
    const fresh = page.filter(
      (c) => !(since && compareFrappeTimestamps(c.customer.modified, since) === 0 && seenAtSince.has(c.customer.name)),
    );
    const results = await applyRemoteCustomers(sync, fresh);
    for (const [i, applied] of results.entries()) {
      const name = fresh[i]!.customer.name;
      if (applied instanceof Error) {
        cursorHeld = true;
        ctx.count('failed');
        await ctx.event({
          level: 'error',
          entity: `erpnext-customer:${name}`,
          message: `Customer ${name} from ERPNext was not applied: ${applied.message}`,
        });
        continue;
      }
      outcomes[applied.outcome] = (outcomes[applied.outcome] ?? 0) + 1;
      ctx.count(
        applied.outcome === 'created'
          ? 'created'
          : applied.outcome === 'unchanged' || applied.outcome === 'stale'
            ? 'unchanged'
            : 'updated',
      );
      if (applied.conflicts > 0)
        await ctx.event({
          level: 'warn',
          entity: `customer:${applied.customerId}`,
          message: `Customer ${name} changed on both sides: ${applied.conflicts} field(s) in conflict, see GET /api/customers/conflicts`,
        });
    }
    processed += page.length;
    const last = page.at(-1);
    if (last) {
      const lastModified = normaliseFrappeTimestamp(last.customer.modified);
      const atLast = page.filter((c) => compareFrappeTimestamps(c.customer.modified, lastModified) === 0).map((c) => c.customer.name);
      if (since !== null && compareFrappeTimestamps(lastModified, since) === 0) {
        for (const name of atLast) seenAtSince.add(name);
      } else {
        since = lastModified;
        seenAtSince = new Set(atLast);
      }
      if (!cursorHeld) await savePullCursor(sync.db, { modified: since, namesAtModified: [...seenAtSince] });
    }
    await ctx.progress({ processed, note: `page ${pageNumber}, cursor ${since ?? 'start'}` });
    if (page.length < sync.settings.pageSize) break;
  }
  ctx.log.info({ outcomes, processed }, 'customers pulled from ERPNext');
}
