/**
 * The two passes of the records flow. The initial load reads customers, then invoices, then credit memos, each by
 * keyset slices past the 100,000-row cap, committing every page with its checkpoint so a crash resumes after the last
 * committed record. The incremental pass reads what was modified since each object's cursor minus the overlap window,
 * writes only what changed, then applies the deleted-record log. The two never run at once: they share one lease.
 */
import type { NetSuiteClient } from '../../connectors/netsuite/client.js';
import { holdJobLease, LeaseLostError, type HeldLease } from '../../jobs/leases.js';
import type { RunContext } from '../../jobs/types.js';
import {
  applyCustomerPage,
  applyTransactionPage,
  RunTally,
  type ApplyDeps,
  type ApplyOptions,
} from './apply.js';
import { syncDeletions } from './deletions.js';
import { completeRecords } from './extract.js';
import type { SuiteQlRow } from '../../connectors/netsuite/schemas.js';
import { customerQuery, transactionQuery, type QuerySettings, type SliceFilter } from './query.js';
import {
  checkpointNames,
  objectNames,
  readCheckpoint,
  writeCheckpoint,
  type IncrementalCheckpoint,
  type InitialCheckpoint,
  type ObjectName,
  type ObjectProgress,
} from './store.js';

export interface RecordsSyncDeps extends ApplyDeps {
  netsuite: NetSuiteClient;
  query: QuerySettings;
  pageSize: number;
  overlapMs: number;
}

/** The lease both passes hold: its name is stored state, never rename it. */
export const recordsLeaseName = 'netsuite.records';

const objects: Record<
  ObjectName,
  {
    label: string;
    query: (settings: QuerySettings, filter: SliceFilter) => string;
    apply: (
      deps: RecordsSyncDeps,
      ctx: RunContext,
      records: SuiteQlRow[][],
      options: ApplyOptions,
    ) => Promise<{ newestModifiedAt?: Date }>;
  }
> = {
  customers: { label: 'customers', query: customerQuery, apply: applyCustomerPage },
  invoices: {
    label: 'invoice lines',
    query: (s, f) => transactionQuery(s, 'invoice', f),
    apply: (deps, ctx, records, options) => applyTransactionPage(deps, ctx, 'invoice', records, options),
  },
  creditNotes: {
    label: 'credit memo lines',
    query: (s, f) => transactionQuery(s, 'credit_note', f),
    apply: (deps, ctx, records, options) => applyTransactionPage(deps, ctx, 'credit_note', records, options),
  },
};

class Interrupted extends Error {
  constructor(where: string) {
    super(
      `Stopped at a safe point (${where}) because the worker is shutting down; the next run continues from there`,
    );
    this.name = 'Interrupted';
  }
}

/**
 * Runs `work` holding the records lease. `waitIfBusy` false: when the other pass holds it, says so and returns
 * undefined at once (a scheduled incremental pass must not queue behind an initial load of hours).
 */
async function withRecordsLease<T>(
  deps: RecordsSyncDeps,
  ctx: RunContext,
  waitIfBusy: boolean,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const lost = new AbortController();
  const busy = new AbortController();
  let holder: string | undefined;
  let lease: HeldLease;
  try {
    lease = await holdJobLease(deps.db, recordsLeaseName, ctx.runId, {
      signal: AbortSignal.any([ctx.signal, busy.signal]),
      onWait: async (runId) => {
        holder = runId;
        if (!waitIfBusy) busy.abort();
        else
          await ctx.event({
            level: 'info',
            message: `Waiting for run ${runId}, which is syncing NetSuite records`,
          });
      },
      onLost: () => lost.abort(new LeaseLostError(recordsLeaseName)),
    });
  } catch (error) {
    if (!busy.signal.aborted) throw error;
    await ctx.event({
      level: 'info',
      message: `Run ${holder} is syncing NetSuite records (the initial load or another pass); this pass has nothing to do`,
    });
    return undefined;
  }
  try {
    const signal = AbortSignal.any([ctx.signal, lost.signal]);
    const result = await work(signal);
    lost.signal.throwIfAborted();
    return result;
  } finally {
    await lease.release();
  }
}

const totalRows = (cp: InitialCheckpoint) => objectNames.reduce((n, o) => n + cp.objects[o].rows, 0);
const knownTotal = (cp: InitialCheckpoint) =>
  objectNames.every((o) => cp.objects[o].total !== undefined)
    ? objectNames.reduce((n, o) => n + cp.objects[o].total!, 0)
    : undefined;
const freshObject = (): ObjectProgress => ({ lastId: 0, done: false, rows: 0, records: 0, pages: 0 });

async function initialLoad(
  deps: RecordsSyncDeps,
  ctx: RunContext,
  signal: AbortSignal,
  restart: boolean,
): Promise<InitialCheckpoint> {
  const saved = await readCheckpoint<InitialCheckpoint>(deps.db, checkpointNames.initial);
  const now = new Date().toISOString();
  const resuming = saved?.status === 'running' && !restart;
  let cp: InitialCheckpoint = resuming
    ? { ...saved, runId: ctx.runId, resumedAt: now, rowsBeforeResume: totalRows(saved) }
    : {
        status: 'running',
        runId: ctx.runId,
        objects: { customers: freshObject(), invoices: freshObject(), creditNotes: freshObject() },
        startedAt: now,
        resumedAt: now,
        rowsBeforeResume: 0,
      };
  await writeCheckpoint(deps.db, checkpointNames.initial, cp);
  const position = objectNames
    .map((o) => `${objects[o].label} after id ${cp.objects[o].lastId}${cp.objects[o].done ? ' (done)' : ''}`)
    .join(', ');
  await ctx.event({
    level: 'info',
    message: resuming ? `Initial load resumed: ${position}` : 'Initial load started',
  });
  const tally = new RunTally();
  for (const name of objectNames) {
    if (cp.objects[name].done) continue;
    const object = objects[name];
    const pages = completeRecords(
      deps.netsuite,
      (afterId) => object.query(deps.query, { afterId }),
      deps.pageSize,
      cp.objects[name].lastId,
    );
    for await (const page of pages) {
      const o = cp.objects[name];
      const next: InitialCheckpoint = {
        ...cp,
        objects: {
          ...cp.objects,
          [name]: {
            ...o,
            lastId: page.lastId,
            rows: o.rows + page.rows,
            records: o.records + page.records.length,
            pages: o.pages + 1,
            total: page.matchedByQuery !== undefined ? o.rows + page.matchedByQuery : o.total,
          },
        },
      };
      await object.apply(deps, ctx, page.records, {
        tally,
        checkpoint: (tx) => writeCheckpoint(tx, checkpointNames.initial, next),
      });
      cp = next;
      await ctx.progress({
        processed: totalRows(cp),
        total: knownTotal(cp),
        note: `${object.label}: ${cp.objects[name].rows} rows, after id ${page.lastId}`,
      });
      if (signal.aborted) throw new Interrupted(`${object.label} after id ${page.lastId}`);
    }
    const done = cp.objects[name];
    cp = { ...cp, objects: { ...cp.objects, [name]: { ...done, done: true, total: done.rows } } };
    await writeCheckpoint(deps.db, checkpointNames.initial, cp);
  }
  cp = { ...cp, status: 'finished', finishedAt: new Date().toISOString() };
  await deps.db.transaction(async (tx) => {
    await writeCheckpoint(tx, checkpointNames.initial, cp);
    // Edits and deletions made while the load ran are caught by the incremental pass from the load's start.
    const cursor = await readCheckpoint<IncrementalCheckpoint>(tx, checkpointNames.incremental);
    const from = (saved: string | undefined) => (saved && saved > cp.startedAt ? saved : cp.startedAt);
    await writeCheckpoint(tx, checkpointNames.incremental, {
      customers: from(cursor?.customers),
      invoices: from(cursor?.invoices),
      creditNotes: from(cursor?.creditNotes),
      deletions: from(cursor?.deletions),
    } satisfies IncrementalCheckpoint);
  });
  await tally.report(ctx);
  await ctx.progress({ processed: totalRows(cp), total: totalRows(cp), note: 'finished' });
  return cp;
}

/** Every customer, invoice and credit memo; continues an interrupted load unless `restart`. */
export async function runInitialLoad(
  deps: RecordsSyncDeps,
  ctx: RunContext,
  options: { restart?: boolean } = {},
): Promise<InitialCheckpoint | undefined> {
  return withRecordsLease(deps, ctx, true, (signal) =>
    initialLoad(deps, ctx, signal, options.restart ?? false),
  );
}

async function incremental(deps: RecordsSyncDeps, ctx: RunContext, signal: AbortSignal): Promise<void> {
  let cursor = (await readCheckpoint<IncrementalCheckpoint>(deps.db, checkpointNames.incremental))!;
  const tally = new RunTally();
  let processed = 0;
  for (const name of objectNames) {
    const object = objects[name];
    const saved = new Date(cursor[name]);
    const from = new Date(saved.getTime() - deps.overlapMs);
    let newest = saved;
    const pages = completeRecords(
      deps.netsuite,
      (afterId) => object.query(deps.query, { afterId, modifiedFrom: from }),
      deps.pageSize,
    );
    for await (const page of pages) {
      const result = await object.apply(deps, ctx, page.records, { tally });
      if (result.newestModifiedAt && result.newestModifiedAt > newest) newest = result.newestModifiedAt;
      processed += page.rows;
      await ctx.progress({ processed, note: `${object.label} modified since ${from.toISOString()}` });
      if (signal.aborted) throw new Interrupted(`${object.label} after id ${page.lastId}`);
    }
    cursor = { ...cursor, [name]: newest.toISOString() };
    await writeCheckpoint(deps.db, checkpointNames.incremental, cursor);
  }
  const saved = new Date(cursor.deletions);
  const newestDeletion = await syncDeletions(deps, ctx, new Date(saved.getTime() - deps.overlapMs));
  if (newestDeletion && newestDeletion > saved)
    await writeCheckpoint(deps.db, checkpointNames.incremental, {
      ...cursor,
      deletions: newestDeletion.toISOString(),
    });
  await tally.report(ctx);
}

/**
 * Records modified since each cursor (minus the overlap), then deletions. Until an initial load has finished there
 * is no cursor: the pass continues (or starts) the initial load instead, so the schedule finishes a load a crash
 * interrupted.
 */
export async function runIncrementalSync(deps: RecordsSyncDeps, ctx: RunContext): Promise<void> {
  await withRecordsLease(deps, ctx, false, async (signal) => {
    const initial = await readCheckpoint<InitialCheckpoint>(deps.db, checkpointNames.initial);
    if (initial?.status !== 'finished') {
      await ctx.event({
        level: 'info',
        message: initial
          ? 'The initial load has not finished: this pass continues it'
          : 'No initial load yet: this pass runs it',
      });
      await initialLoad(deps, ctx, signal, false);
      return;
    }
    await incremental(deps, ctx, signal);
  });
}
