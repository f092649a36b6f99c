/**
 * Applies a batch of NetSuite price snapshots to OPMS: map and validate, compare with OPMS, write only what changed,
 * then record the audit trail, item states, quarantine and (for paged passes) the checkpoint in ONE transaction of
 * the worker's database. OPMS is written before that transaction, so a crash between the two re-reads the batch and
 * finds OPMS already up to date: nothing is written twice and nothing is lost.
 */
import type { Database, Transaction } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import {
  columnKey,
  sameMoney,
  type AppliedChange,
  type OpmsChange,
  type OpmsColumn,
  type OpmsDatabase,
} from '../../connectors/opms/client.js';
import { mapPriceSnapshot, type MappedItem, type MappingRules, type PriceSnapshot } from './mapping.js';
import {
  itemStates,
  quarantineItems,
  recordChanges,
  recordItemStates,
  releaseFromQuarantine,
  type ItemOutcome,
} from './store.js';

export interface ApplyDeps {
  db: Database;
  opms: OpmsDatabase;
  rules: MappingRules;
}

export interface ApplyOptions {
  /** Leave out snapshots not newer than what was already applied (webhooks, incremental overlap). */
  skipAlreadyApplied?: boolean;
  /** Written in the same transaction as the batch's bookkeeping: the page cursor of a resumable pass. */
  checkpoint?: (tx: Transaction) => Promise<void>;
}

export interface ApplyResult {
  updated: number;
  unchanged: number;
  skipped: number;
  quarantined: number;
  notInOpms: number;
  valuesChanged: number;
}

export function opmsColumnsOf(rules: MappingRules): OpmsColumn[] {
  const seen = new Map<string, OpmsColumn>();
  for (const f of rules.fields) seen.set(columnKey(f.to), f.to);
  return [...seen.values()];
}

interface Quarantined {
  itemId: string;
  itemCode: string;
  reason: string;
  values: Record<string, unknown>;
}

type WriteItem = Extract<MappedItem, { kind: 'write' }>;
type TracedChange = OpmsChange & { itemId: string; field: string };

const emptyResult = (): ApplyResult => ({
  updated: 0,
  unchanged: 0,
  skipped: 0,
  quarantined: 0,
  notInOpms: 0,
  valuesChanged: 0,
});

const outcomeOf = (snapshot: PriceSnapshot, outcome: ItemOutcome['outcome']): ItemOutcome => ({
  itemId: snapshot.itemId,
  itemCode: snapshot.itemCode,
  modifiedAt: snapshot.modifiedAt,
  outcome,
});

export async function applyPriceSnapshots(
  deps: ApplyDeps,
  ctx: RunContext,
  snapshots: PriceSnapshot[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const result = emptyResult();
  const batch = options.skipAlreadyApplied ? await notYetApplied(deps, snapshots, result) : snapshots;
  const mapped = batch.map((s) => mapPriceSnapshot(s, deps.rules));
  const outcomes: ItemOutcome[] = [];
  const toQuarantine: Quarantined[] = [];
  for (const m of mapped) {
    if (m.kind === 'skip') {
      result.skipped++;
      outcomes.push(outcomeOf(m.snapshot, 'skipped'));
    } else if (m.kind === 'quarantine') {
      result.quarantined++;
      outcomes.push(outcomeOf(m.snapshot, 'quarantined'));
      const { itemId, itemCode, values } = m.snapshot;
      toQuarantine.push({ itemId, itemCode, reason: m.reason, values });
    }
  }
  const writes = mapped.flatMap((m) => (m.kind === 'write' ? [m] : []));
  const written = await writeToOpms(deps, writes, result);
  outcomes.push(...written.outcomes);

  await deps.db.transaction(async (tx) => {
    await recordChanges(tx, written.applied, { runId: ctx.runId, trigger: ctx.trigger });
    await recordItemStates(tx, outcomes, ctx.runId);
    await quarantineItems(tx, toQuarantine, ctx.runId);
    await releaseFromQuarantine(
      tx,
      outcomes.filter((o) => o.outcome === 'synced' || o.outcome === 'skipped').map((o) => o.itemId),
    );
    await options.checkpoint?.(tx);
  });
  await report(ctx, result, toQuarantine, written.missing);
  return result;
}

/** Leaves out snapshots not newer than what was already applied, counting them unchanged. */
async function notYetApplied(
  deps: ApplyDeps,
  snapshots: PriceSnapshot[],
  result: ApplyResult,
): Promise<PriceSnapshot[]> {
  const states = await itemStates(
    deps.db,
    snapshots.map((s) => s.itemId),
  );
  return snapshots.filter((s) => {
    const applied = states.get(s.itemId)?.sourceModifiedAt;
    const alreadyApplied = applied && s.modifiedAt && s.modifiedAt.getTime() <= applied.getTime();
    if (alreadyApplied) result.unchanged++;
    return !alreadyApplied;
  });
}

/** Compares the items to write with OPMS and writes only the values that differ. */
async function writeToOpms(
  deps: ApplyDeps,
  writes: WriteItem[],
  result: ApplyResult,
): Promise<{ applied: (AppliedChange & TracedChange)[]; outcomes: ItemOutcome[]; missing: PriceSnapshot[] }> {
  const columns = opmsColumnsOf(deps.rules);
  const current = await deps.opms.readItems([...new Set(writes.map((w) => w.snapshot.itemCode))], columns);
  const changes: TracedChange[] = [];
  const missing: PriceSnapshot[] = [];
  for (const w of writes) {
    const item = current.get(w.snapshot.itemCode);
    if (!item) {
      missing.push(w.snapshot);
      continue;
    }
    for (const v of w.values) {
      if (!sameMoney(item.values.get(columnKey(v.to)), v.value))
        changes.push({
          code: item.code,
          productId: item.productId,
          ...v.to,
          value: v.value,
          itemId: w.snapshot.itemId,
          field: v.field,
        });
    }
  }
  const applied = changes.length > 0 ? await deps.opms.applyChanges(changes, columns) : [];
  const fieldOf = new Map(changes.map((c) => [`${c.code}|${columnKey(c)}`, c]));
  const appliedWithIds = applied.map((a) => {
    const origin = fieldOf.get(`${a.code}|${columnKey(a)}`)!;
    return { ...a, itemId: origin.itemId, field: origin.field };
  });
  const updatedCodes = new Set(applied.map((a) => a.code));
  const outcomes = writes.map((w) => {
    if (!current.has(w.snapshot.itemCode)) {
      result.notInOpms++;
      return outcomeOf(w.snapshot, 'not_in_opms');
    }
    if (updatedCodes.has(w.snapshot.itemCode)) result.updated++;
    else result.unchanged++;
    return outcomeOf(w.snapshot, 'synced');
  });
  result.valuesChanged = applied.length;
  return { applied: appliedWithIds, outcomes, missing };
}

/** The batch's counters and the events a person acts on: quarantined items and items OPMS does not know. */
async function report(
  ctx: RunContext,
  result: ApplyResult,
  quarantined: Quarantined[],
  missing: PriceSnapshot[],
): Promise<void> {
  ctx.count('updated', result.updated);
  ctx.count('unchanged', result.unchanged);
  ctx.count('skipped', result.skipped + result.notInOpms);
  ctx.count('failed', result.quarantined);
  for (const q of quarantined)
    await ctx.event({
      level: 'warn',
      entity: `item:${q.itemCode}`,
      message: `Item ${q.itemCode} (NetSuite id ${q.itemId}) quarantined: ${q.reason}`,
      details: q.values,
    });
  for (const m of missing)
    await ctx.event({
      level: 'warn',
      entity: `item:${m.itemCode}`,
      message: `Item ${m.itemCode} (NetSuite id ${m.itemId}) has no OPMS item with that code; create it in OPMS or fix the itemid in NetSuite`,
    });
}
