/** Where the initial import stands, for the API and the CLI: processed / total, rate, ETA and what was done. */
import type { Database } from '../../db/database.js';
import { getRun } from '../../jobs/runs.js';
import type { ImportCheckpoint, ImportCounts } from './initial-import.js';
import { checkpointNames, readCheckpoint } from './store.js';

export interface ImportStatus {
  /** interrupted: the last run stopped before the end; POST …/initial continues it. */
  state: 'not-started' | 'running' | 'interrupted' | 'finished';
  runId?: string;
  processed: number;
  total?: number;
  percent?: number;
  contactsPerSecond?: number;
  etaSeconds?: number;
  counts?: ImportCounts;
  startedAt?: string;
  finishedAt?: string;
}

function importStatusFrom(
  cp: ImportCheckpoint | undefined,
  runActive: boolean,
  now = Date.now(),
): ImportStatus {
  if (!cp) return { state: 'not-started', processed: 0 };
  const state = cp.status === 'finished' ? 'finished' : runActive ? 'running' : 'interrupted';
  const end = cp.finishedAt ? new Date(cp.finishedAt).getTime() : now;
  const seconds = (end - new Date(cp.resumedAt).getTime()) / 1000;
  const done = cp.processed - cp.processedBeforeResume;
  const rate = seconds > 0 && done > 0 ? done / seconds : undefined;
  const remaining = cp.total !== undefined ? Math.max(0, cp.total - cp.processed) : undefined;
  return {
    state,
    runId: cp.runId,
    processed: cp.processed,
    total: cp.total,
    percent: cp.total ? Math.min(100, Math.round((cp.processed / cp.total) * 1000) / 10) : undefined,
    contactsPerSecond: rate === undefined ? undefined : Math.round(rate * 10) / 10,
    etaSeconds:
      state === 'finished'
        ? 0
        : state === 'running' && rate && remaining !== undefined
          ? Math.round(remaining / rate)
          : undefined,
    counts: cp.counts,
    startedAt: cp.startedAt,
    finishedAt: cp.finishedAt,
  };
}

export async function importStatus(db: Database): Promise<ImportStatus> {
  const cp = await readCheckpoint<ImportCheckpoint>(db, checkpointNames.initialImport);
  const run = cp ? await getRun(db, cp.runId) : undefined;
  return importStatusFrom(cp, run?.status === 'running' || run?.status === 'queued');
}
