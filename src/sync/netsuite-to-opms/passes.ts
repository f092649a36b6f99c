/**
 * The ways prices move from NetSuite to OPMS: the initial bulk pass (resumable from its last committed page), the
 * incremental pass by last-modified cursor with an overlap window, manual passes over ids or a date range, and one
 * item at a time (webhook or API).
 */
import { z } from 'zod';
import type { RunContext } from '../../jobs/types.js';
import type { NetSuiteClient } from '../../connectors/netsuite/client.js';
import { parseAccountTimestamp } from '../../connectors/netsuite/dates.js';
import type { SuiteQlRow } from '../../connectors/netsuite/schemas.js';
import { applyPriceSnapshots, type ApplyDeps, type ApplyOptions, type ApplyResult } from './apply.js';
import { isTicked, type PriceSnapshot } from './mapping.js';
import { itemPriceQuery, type ItemFilter, type QuerySettings } from './query.js';
import {
  checkpointNames,
  readCheckpoint,
  writeCheckpoint,
  type IncrementalCheckpoint,
  type InitialCheckpoint,
} from './store.js';

export interface PriceSyncDeps extends ApplyDeps {
  netsuite: NetSuiteClient;
  query: QuerySettings;
  pageSize: number;
  overlapMs: number;
}

const suiteQlItemRow = z.object({
  id: z.string().regex(/^\d+$/),
  itemid: z.string().min(1),
  lastmodified: z.string().optional(),
});

export function snapshotFromRow(row: SuiteQlRow, settings: QuerySettings): PriceSnapshot {
  const checked = suiteQlItemRow.safeParse(row);
  if (!checked.success)
    throw new Error(
      `NetSuite returned an item row without a usable id or itemid: ${JSON.stringify(row).slice(0, 200)}`,
    );
  const values: Record<string, unknown> = {};
  for (const f of settings.fields) values[f.from] = row[f.from];
  return {
    itemId: checked.data.id,
    itemCode: checked.data.itemid,
    modifiedAt: checked.data.lastmodified
      ? parseAccountTimestamp(checked.data.lastmodified, settings.timeZone)
      : undefined,
    skip: isTicked(row[settings.skipField]),
    values,
  };
}

class Interrupted extends Error {
  constructor(where: string) {
    super(
      `Stopped at a safe point (${where}) because the worker is shutting down; the next run continues from there`,
    );
    this.name = 'Interrupted';
  }
}

async function eachPage(
  deps: PriceSyncDeps,
  ctx: RunContext,
  filter: Omit<ItemFilter, 'afterId'>,
  startAfter: number,
  onPage: (
    snapshots: PriceSnapshot[],
    page: { lastItemId: number; matchedByQuery: number; firstOfQuery: boolean },
  ) => Promise<void>,
): Promise<void> {
  for await (const page of deps.netsuite.suiteqlKeyset(
    (afterId) => itemPriceQuery(deps.query, { ...filter, afterId }),
    deps.pageSize,
    startAfter,
  )) {
    const snapshots = page.rows.map((row) => snapshotFromRow(row, deps.query));
    await onPage(snapshots, {
      lastItemId: Number(snapshots.at(-1)!.itemId),
      matchedByQuery: page.matchedByQuery,
      firstOfQuery: page.firstOfQuery,
    });
    if (ctx.signal.aborted) throw new Interrupted(`after NetSuite item ${snapshots.at(-1)!.itemId}`);
  }
}

/**
 * Every item, page by page. Each page's bookkeeping and cursor commit together, so a crash resumes after the last
 * committed page. `restart` ignores a checkpoint left by an unfinished pass.
 */
export async function runInitialSync(
  deps: PriceSyncDeps,
  ctx: RunContext,
  options: { restart?: boolean } = {},
): Promise<InitialCheckpoint> {
  const saved = await readCheckpoint<InitialCheckpoint>(deps.db, checkpointNames.initial);
  const now = new Date().toISOString();
  const resuming = saved?.status === 'running' && !options.restart;
  let cp: InitialCheckpoint = resuming
    ? { ...saved, runId: ctx.runId, resumedAt: now, processedBeforeResume: saved.processed }
    : {
        status: 'running',
        runId: ctx.runId,
        lastItemId: 0,
        processed: 0,
        pages: 0,
        startedAt: now,
        resumedAt: now,
        processedBeforeResume: 0,
      };
  await writeCheckpoint(deps.db, checkpointNames.initial, cp);
  await ctx.event({
    level: 'info',
    message: resuming
      ? `Initial sync resumed after NetSuite item ${cp.lastItemId} (${cp.processed} items already done in ${cp.pages} pages)`
      : 'Initial sync started',
  });
  await eachPage(deps, ctx, {}, cp.lastItemId, async (snapshots, page) => {
    const next: InitialCheckpoint = {
      ...cp,
      lastItemId: page.lastItemId,
      processed: cp.processed + snapshots.length,
      pages: cp.pages + 1,
      total: cp.total === undefined || page.firstOfQuery ? cp.processed + page.matchedByQuery : cp.total,
    };
    await applyPriceSnapshots(deps, ctx, snapshots, {
      checkpoint: (tx) => writeCheckpoint(tx, checkpointNames.initial, next),
    });
    cp = next;
    await ctx.progress({
      processed: cp.processed,
      total: cp.total,
      note: `page ${cp.pages}, after NetSuite item ${cp.lastItemId}`,
    });
  });
  cp = { ...cp, status: 'finished', total: cp.processed, finishedAt: new Date().toISOString() };
  await deps.db.transaction(async (tx) => {
    await writeCheckpoint(tx, checkpointNames.initial, cp);
    // Edits made while the pass ran are caught by the incremental pass from the pass's start.
    const incremental = await readCheckpoint<IncrementalCheckpoint>(tx, checkpointNames.incremental);
    if (!incremental || incremental.modifiedThrough < cp.startedAt)
      await writeCheckpoint(tx, checkpointNames.incremental, {
        modifiedThrough: cp.startedAt,
      } satisfies IncrementalCheckpoint);
  });
  await ctx.progress({ processed: cp.processed, total: cp.total, note: `finished in ${cp.pages} pages` });
  return cp;
}

/**
 * Items modified since the saved cursor minus the overlap window. Rows re-read inside the overlap that were already
 * applied are counted unchanged without touching OPMS. The cursor moves only when the pass completes, to the newest
 * last-modified time seen (NetSuite's clock, not ours).
 */
export async function runIncrementalSync(
  deps: PriceSyncDeps,
  ctx: RunContext,
): Promise<IncrementalCheckpoint | undefined> {
  const saved = await readCheckpoint<IncrementalCheckpoint>(deps.db, checkpointNames.incremental);
  const from = saved ? new Date(new Date(saved.modifiedThrough).getTime() - deps.overlapMs) : undefined;
  let newest = saved ? new Date(saved.modifiedThrough) : undefined;
  let processed = 0;
  await ctx.event({
    level: 'info',
    message: from
      ? `Reading items modified since ${from.toISOString()}`
      : 'No cursor yet: reading every item',
  });
  await eachPage(deps, ctx, { modifiedFrom: from }, 0, async (snapshots, page) => {
    await applyPriceSnapshots(deps, ctx, snapshots, { skipAlreadyApplied: true });
    for (const s of snapshots) if (s.modifiedAt && (!newest || s.modifiedAt > newest)) newest = s.modifiedAt;
    processed += snapshots.length;
    await ctx.progress({
      processed,
      total: page.firstOfQuery ? processed - snapshots.length + page.matchedByQuery : undefined,
    });
  });
  if (!newest) return undefined;
  const next = { modifiedThrough: newest.toISOString() };
  await writeCheckpoint(deps.db, checkpointNames.incremental, next);
  return next;
}

/** Every item again, compared with OPMS value by value; cursors are neither read nor moved. */
export async function runForceFullSync(deps: PriceSyncDeps, ctx: RunContext): Promise<void> {
  let processed = 0;
  await eachPage(deps, ctx, {}, 0, async (snapshots, page) => {
    await applyPriceSnapshots(deps, ctx, snapshots);
    processed += snapshots.length;
    await ctx.progress({
      processed,
      total: page.firstOfQuery ? processed - snapshots.length + page.matchedByQuery : undefined,
    });
  });
}

export const manualSyncData = z
  .object({
    itemIds: z
      .array(z.string().regex(/^\d+$/, { message: 'NetSuite internal ids are digits' }))
      .min(1)
      .max(10_000)
      .optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((d) => d.itemIds !== undefined || d.from !== undefined, {
    message: 'give itemIds, or a date range with from (and optionally to)',
  })
  .refine((d) => !d.from || !d.to || d.from < d.to, { message: 'from must be before to', path: ['to'] });
export type ManualSyncData = z.infer<typeof manualSyncData>;

/** The items named, or modified in a date range (both when both are given). */
export async function runManualSync(
  deps: PriceSyncDeps,
  ctx: RunContext,
  data: ManualSyncData,
): Promise<void> {
  const range = {
    modifiedFrom: data.from ? new Date(data.from) : undefined,
    modifiedBefore: data.to ? new Date(data.to) : undefined,
  };
  const idChunks: (number[] | undefined)[] = [];
  if (data.itemIds)
    for (let i = 0; i < data.itemIds.length; i += 1000)
      idChunks.push(data.itemIds.slice(i, i + 1000).map(Number));
  else idChunks.push(undefined);
  let processed = 0;
  const seen = new Set<string>();
  for (const ids of idChunks) {
    await eachPage(deps, ctx, { ...range, ids }, 0, async (snapshots) => {
      await applyPriceSnapshots(deps, ctx, snapshots);
      for (const s of snapshots) seen.add(s.itemId);
      processed += snapshots.length;
      await ctx.progress({ processed, total: data.itemIds?.length });
    });
  }
  for (const id of data.itemIds ?? []) {
    if (!seen.has(id)) {
      ctx.count('failed');
      await ctx.event({
        level: 'error',
        entity: `netsuite-item:${id}`,
        message: `NetSuite has no synced item type with internal id ${id}${data.from ? ' modified in the range' : ''}; check the id`,
      });
    }
  }
}

/** One item: from the webhook's values when given, else read from NetSuite. */
export async function runSingleItemSync(
  deps: PriceSyncDeps,
  ctx: RunContext,
  item: { itemId: string; snapshot?: PriceSnapshot },
): Promise<ApplyResult | undefined> {
  const options: ApplyOptions = { skipAlreadyApplied: item.snapshot !== undefined };
  if (item.snapshot) return applyPriceSnapshots(deps, ctx, [item.snapshot], options);
  const page = await deps.netsuite.suiteql(itemPriceQuery(deps.query, { ids: [Number(item.itemId)] }), {
    limit: 1,
  });
  const row = page.items[0] as SuiteQlRow | undefined;
  if (!row) {
    ctx.count('failed');
    await ctx.event({
      level: 'error',
      entity: `netsuite-item:${item.itemId}`,
      message: `NetSuite has no synced item type with internal id ${item.itemId}; check the id`,
    });
    return undefined;
  }
  return applyPriceSnapshots(deps, ctx, [snapshotFromRow(row, deps.query)], options);
}
