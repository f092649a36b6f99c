/**
 * Posting at the end of a portal sync: the ledger posts what the run stored. The run's counters describe the
 * documents read, so posting's own outcome is reported as one event instead of being counted a second time.
 */
import type { Database } from '../db/database.js';
import type { RunContext } from '../jobs/types.js';
import { postStock, type PostingRules, type PostStockResult } from '../ledger/index.js';

export async function postStockAfterSync(
  ctx: RunContext,
  db: Database,
  posting: { source: string; rules?: PostingRules; documents: string },
): Promise<PostStockResult> {
  const uncounted: RunContext = {
    runId: ctx.runId,
    job: ctx.job,
    trigger: ctx.trigger,
    log: ctx.log,
    signal: ctx.signal,
    count: () => undefined,
    event: (event) => ctx.event(event),
    progress: (progress) => ctx.progress(progress),
  };
  const result = await postStock(db, uncounted, { source: posting.source, rules: posting.rules });
  if (result.documents > 0) {
    await ctx.event({
      level: 'info',
      message: `Posted stock for ${result.documents} ${posting.documents}: ${result.movements} movements.`,
      details: result,
    });
  }
  return result;
}
