/**
 * The poll: the safety net under the CRM's webhook, which may be lost. The CRM cannot list what changed since a time
 * (its lists carry no dates, see the client's header), so each poll
 *  1. pages through every identity — a few requests for thousands — and syncs those it has never seen and those
 *     whose display name or customer number differ from what was last synced;
 *  2. reads in full a bounded, rotating batch of mapped customers (least recently compared first) and syncs those
 *     whose checksum changed: edits that keep the name and number are found within a few polls;
 *  3. tries again the quotes that wait for their customer, and those whose pre-invoice was left unfinished.
 * It waits for the initial import to finish: before it, every CRM customer would look new and be created in Siagh
 * next to the Siagh contact the import is about to link it to.
 */
import type { IdentityKind } from '../../connectors/payamgostar/webhook-notification.js';
import type { RunContext } from '../../jobs/types.js';
import type { FlowDeps } from './context.js';
import { clean } from './customer-mapping.js';
import { syncCustomer } from './customer-sync.js';
import type { ImportCheckpoint } from './initial-import.js';
import { syncQuote } from './quote-sync.js';
import {
  checkpointNames,
  customerListView,
  leastRecentlyChecked,
  mappingsInState,
  readCheckpoint,
  writeCheckpoint,
} from './store.js';

export interface PollCheckpoint {
  runId: string;
  finishedAt: string;
  identities: number;
  newOrRenamed: number;
  rechecked: number;
  quotesRetried: number;
}

/** Runs `work` for each item, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export async function runPoll(deps: FlowDeps, ctx: RunContext): Promise<PollCheckpoint | undefined> {
  const imported = await readCheckpoint<ImportCheckpoint>(deps.db, checkpointNames.initialImport);
  if (imported?.status !== 'finished') {
    await ctx.event({
      level: 'info',
      message:
        'The poll waits for the initial import (POST /api/sync/payamgostar-siagh/initial): before it, every CRM customer would be created in Siagh beside the contact the import links it to',
    });
    return undefined;
  }
  await ctx.progress({ processed: 0, note: 'listing CRM identities' });
  const known = await customerListView(deps.db);
  const candidates: { id: string; kind: IdentityKind }[] = [];
  let identities = 0;
  for await (const row of deps.crm.identities({ signal: ctx.signal })) {
    identities++;
    const id = row.identityId.toLowerCase();
    const seen = known.get(id);
    const renamed =
      seen?.state === 'synced' &&
      (clean(row.nickName) !== seen.nickName || clean(row.customerNo) !== seen.customerNumber);
    if (!seen || renamed) candidates.push({ id, kind: row.kind });
  }
  const listed = new Set(candidates.map((c) => c.id));
  const recheck = (await leastRecentlyChecked(deps.db, deps.settings.pollRecheck + listed.size))
    .filter((row) => !listed.has(row.crmId!))
    .slice(0, deps.settings.pollRecheck);
  let processed = 0;
  const total = candidates.length + recheck.length;
  const step = async () => {
    processed++;
    if (processed % 20 === 0) await ctx.progress({ processed, total, note: 'customers' });
  };
  await eachLimited(candidates, 4, async (c) => {
    await syncCustomer(deps, ctx, c.id, { kind: c.kind });
    await step();
  });
  await eachLimited(recheck, 4, async (row) => {
    await syncCustomer(deps, ctx, row.crmId!, { kind: (row.crmKind as IdentityKind | null) ?? undefined });
    await step();
  });
  const quotes = await mappingsInState(deps.db, 'pre-invoice', ['waiting', 'creating', 'failed'], 50);
  for (const quote of quotes) await syncQuote(deps, ctx, quote.crmId!);
  const cp: PollCheckpoint = {
    runId: ctx.runId,
    finishedAt: new Date().toISOString(),
    identities,
    newOrRenamed: candidates.length,
    rechecked: recheck.length,
    quotesRetried: quotes.length,
  };
  await writeCheckpoint(deps.db, checkpointNames.poll, cp);
  await ctx.progress({ processed, total, note: 'finished' });
  await ctx.event({
    level: 'info',
    message: `Poll: ${identities} CRM identities listed, ${candidates.length} new or renamed, ${recheck.length} compared in full, ${quotes.length} held quotes tried again`,
  });
  return cp;
}
