/**
 * Where a resumable bulk load stands (an initial sync or import that continues after a crash from its checkpoint):
 * state, processed / total, rate and ETA. The rate counts only what this attempt did, so a load resumed at 90% does not
 * claim the speed of the attempt that did the first 90%.
 */
import type { Database } from '../db/database.js';
import { getRun } from './runs.js';

export interface BulkCheckpoint {
  status: string;
  runId: string;
  startedAt: string;
  resumedAt: string;
  finishedAt?: string;
}

export interface BulkCounts {
  processed: number;
  processedBeforeResume: number;
  /** Unknown until the remote has said how many there are. */
  total?: number;
}

export interface BulkProgress {
  /** interrupted: the last attempt stopped before the end; starting the load again continues it. */
  state: 'not-started' | 'running' | 'interrupted' | 'finished';
  runId?: string;
  processed: number;
  total?: number;
  percent?: number;
  perSecond?: number;
  etaSeconds?: number;
  startedAt?: string;
  finishedAt?: string;
}

const tenths = (n: number) => Math.round(n * 10) / 10;

export function bulkProgressFrom(
  cp: BulkCheckpoint | undefined,
  counts: BulkCounts,
  runActive: boolean,
  now = Date.now(),
): BulkProgress {
  if (!cp) return { state: 'not-started', processed: 0 };
  const state = cp.status === 'finished' ? 'finished' : runActive ? 'running' : 'interrupted';
  const end = cp.finishedAt ? new Date(cp.finishedAt).getTime() : now;
  const seconds = (end - new Date(cp.resumedAt).getTime()) / 1000;
  const done = counts.processed - counts.processedBeforeResume;
  const rate = seconds > 0 && done > 0 ? done / seconds : undefined;
  const { processed, total } = counts;
  return {
    state,
    runId: cp.runId,
    processed,
    total,
    percent:
      state === 'finished' ? 100 : total ? Math.min(100, tenths((processed / total) * 100)) : undefined,
    perSecond: rate === undefined ? undefined : tenths(rate),
    etaSeconds:
      state === 'finished'
        ? 0
        : state === 'running' && rate && total !== undefined
          ? Math.round(Math.max(0, total - processed) / rate)
          : undefined,
    startedAt: cp.startedAt,
    finishedAt: cp.finishedAt,
  };
}

/** Whether the run that last worked on a checkpoint is still queued or running. */
export async function runIsActive(db: Database, runId: string | undefined): Promise<boolean> {
  const run = runId ? await getRun(db, runId) : undefined;
  return run?.status === 'running' || run?.status === 'queued';
}
