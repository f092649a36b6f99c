/** Progress of the initial bulk sync, for the API (processed / total, rate, ETA) and as a one-line CLI progress bar. */
import type { Database } from '../../db/database.js';
import { renderProgressBar } from '../../jobs/progress-bar.js';
import { getRun } from '../../jobs/runs.js';
import { checkpointNames, readCheckpoint, type InitialCheckpoint } from './store.js';

export interface InitialSyncStatus {
  /** interrupted: the last pass stopped before the end; POST …/initial continues it from its last committed page. */
  state: 'not-started' | 'running' | 'interrupted' | 'finished';
  runId?: string;
  processed: number;
  total?: number;
  percent?: number;
  pages: number;
  lastItemId: number;
  itemsPerSecond?: number;
  etaSeconds?: number;
  startedAt?: string;
  finishedAt?: string;
}

export function initialStatusFrom(
  cp: InitialCheckpoint | undefined,
  runActive: boolean,
  now = Date.now(),
): InitialSyncStatus {
  if (!cp) return { state: 'not-started', processed: 0, pages: 0, lastItemId: 0 };
  const state = cp.status === 'finished' ? 'finished' : runActive ? 'running' : 'interrupted';
  const end = cp.finishedAt ? new Date(cp.finishedAt).getTime() : now;
  const seconds = (end - new Date(cp.resumedAt).getTime()) / 1000;
  const doneThisAttempt = cp.processed - cp.processedBeforeResume;
  const rate = seconds > 0 && doneThisAttempt > 0 ? doneThisAttempt / seconds : undefined;
  const remaining = cp.total !== undefined ? Math.max(0, cp.total - cp.processed) : undefined;
  return {
    state,
    runId: cp.runId,
    processed: cp.processed,
    total: cp.total,
    percent: cp.total
      ? Math.min(100, Math.round((cp.processed / cp.total) * 1000) / 10)
      : cp.status === 'finished'
        ? 100
        : undefined,
    pages: cp.pages,
    lastItemId: cp.lastItemId,
    itemsPerSecond: rate === undefined ? undefined : Math.round(rate * 10) / 10,
    etaSeconds:
      state === 'running' && rate && remaining !== undefined
        ? Math.round(remaining / rate)
        : state === 'finished'
          ? 0
          : undefined,
    startedAt: cp.startedAt,
    finishedAt: cp.finishedAt,
  };
}

export async function initialSyncStatus(db: Database): Promise<InitialSyncStatus> {
  const cp = await readCheckpoint<InitialCheckpoint>(db, checkpointNames.initial);
  const run = cp ? await getRun(db, cp.runId) : undefined;
  return initialStatusFrom(cp, run?.status === 'running' || run?.status === 'queued');
}

/** The initial sync as one terminal line (see renderProgressBar). */
export function renderInitialProgress(status: InitialSyncStatus, width = 30): string {
  return renderProgressBar(
    {
      processed: status.processed,
      total: status.total,
      perSecond: status.itemsPerSecond,
      etaSeconds: status.etaSeconds,
      unit: 'items',
      state: status.state,
    },
    width,
  );
}
