/**
 * erpnext.pull-customers: reads what changed in ERPNext since the saved cursors and brings it into the local records.
 * Three streams are followed: Customers, and Addresses and Contacts (a person editing a customer's address in
 * ERPNext changes the Address, not the Customer), whose changes re-read the customers they are linked to.
 *
 * Each stream is read page by page in (modified, name) order. Its cursor is ERPNext's own naive `modified` text at
 * full resolution plus the names already read at that instant: the next page asks for `modified >= cursor` and skips
 * those, so rows sharing one timestamp across a page boundary are neither lost nor read twice. The cursor is saved
 * after every page, so a crash resumes where it stopped, and held back once a row fails. Each run starts a little
 * before the cursor (ERPNEXT_PULL_OVERLAP_MS) to catch rows committed late; re-read rows match their checksum and
 * write nothing.
 */
import { z } from 'zod';
import type { RemoteCustomer } from '../../connectors/erpnext/customers.js';
import {
  compareFrappeTimestamps,
  frappeTimestampMinus,
  normaliseFrappeTimestamp,
} from '../../connectors/erpnext/timestamps.js';
import type { JobDefinition, RunContext } from '../../jobs/types.js';
import { applyRemoteCustomers } from './apply-remote.js';
import { pullJobName, requireRemote, type CustomerSync } from './context.js';
import { loadPullCursor, pullStreams, savePullCursor, type PullStream } from './sync-state.js';

export const pullData = z.strictObject({
  /** Ignore the saved cursors and read every customer (the manual full sync). */
  full: z.boolean().default(false),
});
export type PullData = z.infer<typeof pullData>;

export function pullCustomersJob(sync: CustomerSync): JobDefinition<PullData> {
  return {
    name: pullJobName,
    description:
      'Reads customers changed in ERPNext (with Address and Contact) since the last pull into the local records.',
    data: pullData,
    schedule: (config) => (sync.remote ? config.ERPNEXT_PULL_SCHEDULE : undefined),
    run: (ctx, data) => pullCustomers(sync, ctx, data),
  };
}

interface Changed {
  name: string;
  modified: string;
}

type PageResult = { failed: boolean };

export async function pullCustomers(sync: CustomerSync, ctx: RunContext, data: PullData): Promise<void> {
  const remote = requireRemote(sync);
  const outcomes: Record<string, number> = {};
  const fullRead = data.full || !(await loadPullCursor(sync.db, pullStreams.customers));
  // A full read of the customers already brings every Address and Contact; their streams start at their newest change.
  const linkedStarts = fullRead
    ? {
        [pullStreams.addresses]: await remote.latestModified('Address', { signal: ctx.signal }),
        [pullStreams.contacts]: await remote.latestModified('Contact', { signal: ctx.signal }),
      }
    : undefined;

  // A customer can come twice in one run, through its own stream and through its Address's or Contact's: the run's
  // counters say how many customers ended each way, so only the first time counts.
  const counted = new Set<string>();
  const countOnce = (name: string, outcome: 'created' | 'updated' | 'unchanged' | 'failed') => {
    if (counted.has(name)) return;
    counted.add(name);
    ctx.count(outcome);
  };
  const applyCustomers = async (customers: RemoteCustomer[]): Promise<PageResult> => {
    const results = await applyRemoteCustomers(sync, customers);
    let failed = false;
    for (const [i, applied] of results.entries()) {
      const name = customers[i]!.customer.name;
      if (applied instanceof Error) {
        failed = true;
        countOnce(name, 'failed');
        await ctx.event({
          level: 'error',
          entity: `erpnext-customer:${name}`,
          message: `Customer ${name} from ERPNext was not applied: ${applied.message}`,
        });
        continue;
      }
      outcomes[applied.outcome] = (outcomes[applied.outcome] ?? 0) + 1;
      const counter =
        applied.outcome === 'created'
          ? 'created'
          : applied.outcome === 'unchanged' || applied.outcome === 'stale'
            ? 'unchanged'
            : 'updated';
      countOnce(name, counter);
      if (applied.conflicts > 0)
        await ctx.event({
          level: 'warn',
          entity: `customer:${applied.customerId}`,
          message: `Customer ${name} changed on both sides: ${applied.conflicts} field(s) in conflict, see GET /api/customers/conflicts`,
        });
    }
    return { failed };
  };

  await followStream(
    sync,
    ctx,
    pullStreams.customers,
    data.full ? null : undefined,
    async (since, page) => {
      const rows = await remote.readChangedSince(since, page, { signal: ctx.signal });
      return { rows: rows.map((r) => ({ name: r.customer.name, modified: r.customer.modified, item: r })) };
    },
    (items) => applyCustomers(items),
  );

  for (const [stream, doctype] of [
    [pullStreams.addresses, 'Address'],
    [pullStreams.contacts, 'Contact'],
  ] as const) {
    if (linkedStarts?.[stream] === null) continue;
    await followStream(
      sync,
      ctx,
      stream,
      linkedStarts?.[stream],
      async (since, page) => {
        const rows = await remote.readLinkedChangesSince(doctype, since, page, { signal: ctx.signal });
        return { rows: rows.map((r) => ({ name: r.name, modified: r.modified, item: r.customers })) };
      },
      async (linked) => applyCustomers(await remote.readByNames(linked.flat(), { signal: ctx.signal })),
    );
  }
  ctx.log.info({ outcomes }, 'customers pulled from ERPNext');
}

/**
 * Follows one stream from its cursor to its end. `start`: undefined continues from the saved cursor, null reads from
 * the beginning, a timestamp starts there (just past a full read).
 */
async function followStream<T>(
  sync: CustomerSync,
  ctx: RunContext,
  stream: PullStream,
  start: string | null | undefined,
  readPage: (
    since: string | null,
    page: { limitStart: number; pageSize: number },
  ) => Promise<{ rows: (Changed & { item: T })[] }>,
  apply: (items: T[]) => Promise<PageResult>,
): Promise<void> {
  const saved = start === undefined ? await loadPullCursor(sync.db, stream) : undefined;
  let since = saved ? frappeTimestampMinus(saved.modified, sync.settings.pullOverlapMs) : (start ?? null);
  // Names already read at `since`; empty after stepping back by the overlap, where re-reads are harmless.
  let seenAtSince = new Set<string>(saved && sync.settings.pullOverlapMs === 0 ? saved.namesAtModified : []);
  let cursorHeld = false;
  let processed = 0;
  for (let pageNumber = 1; !ctx.signal.aborted; pageNumber++) {
    const { rows } = await readPage(since, {
      limitStart: seenAtSince.size,
      pageSize: sync.settings.pageSize,
    });
    const fresh = rows.filter(
      (r) => !(since && compareFrappeTimestamps(r.modified, since) === 0 && seenAtSince.has(r.name)),
    );
    if (fresh.length > 0 && (await apply(fresh.map((r) => r.item))).failed) cursorHeld = true;
    processed += rows.length;
    const last = rows.at(-1);
    if (last) {
      const lastModified = normaliseFrappeTimestamp(last.modified);
      const atLast = rows
        .filter((r) => compareFrappeTimestamps(r.modified, lastModified) === 0)
        .map((r) => r.name);
      if (since !== null && compareFrappeTimestamps(lastModified, since) === 0)
        for (const name of atLast) seenAtSince.add(name);
      else {
        since = lastModified;
        seenAtSince = new Set(atLast);
      }
    }
    if (!cursorHeld && since !== null)
      await savePullCursor(sync.db, stream, { modified: since, namesAtModified: [...seenAtSince] });
    await ctx.progress({ processed, note: `${stream} page ${pageNumber}, cursor ${since ?? 'start'}` });
    if (rows.length < sync.settings.pageSize) break;
  }
}
