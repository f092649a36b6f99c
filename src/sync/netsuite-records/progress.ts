/** Progress of the initial load, for the API (rows processed / total per object, rate, ETA) and a CLI progress bar. */
import type { Database } from '../../db/database.js';
import { renderProgressBar } from '../../jobs/progress-bar.js';
import { getRun } from '../../jobs/runs.js';
import {
  checkpointNames,
  objectNames,
  readCheckpoint,
  type InitialCheckpoint,
  type ObjectName,
  type ObjectProgress,
} from './store.js';

export interface InitialLoadStatus {
  /** interrupted: the last load stopped before the end; POST …/initial (or the schedule) continues it. */
  state: 'not-started' | 'running' | 'interrupted' | 'finished';
  runId?: string;
  /** SuiteQL rows read and committed: customers plus transaction lines. */
  processed: number;
  total?: number;
  percent?: number;
  rowsPerSecond?: number;
  etaSeconds?: number;
  objects?: Record<ObjectName, ObjectProgress>;
  startedAt?: string;
  finishedAt?: string;
}

export function initialStatusFrom(
  cp: InitialCheckpoint | undefined,
  runActive: boolean,
  now = Date.now(),
): InitialLoadStatus {
  if (!cp) return { state: 'not-started', processed: 0 };
  const state = cp.status === 'finished' ? 'finished' : runActive ? 'running' : 'interrupted';
  const processed = objectNames.reduce((n, o) => n + cp.objects[o].rows, 0);
  // Until every object's query has answered once, only a lower bound of the total is known: none is shown.
  const total = objectNames.every((o) => cp.objects[o].total !== undefined)
    ? objectNames.reduce((n, o) => n + cp.objects[o].total!, 0)
    : undefined;
  const end = cp.finishedAt ? new Date(cp.finishedAt).getTime() : now;
  const seconds = (end - new Date(cp.resumedAt).getTime()) / 1000;
  const done = processed - cp.rowsBeforeResume;
  const rate = seconds > 0 && done > 0 ? done / seconds : undefined;
  return {
    state,
    runId: cp.runId,
    processed,
    total,
    percent:
      state === 'finished'
        ? 100
        : total
          ? Math.min(100, Math.round((processed / total) * 1000) / 10)
          : undefined,
    rowsPerSecond: rate === undefined ? undefined : Math.round(rate * 10) / 10,
    etaSeconds:
      state === 'finished'
        ? 0
        : state === 'running' && rate && total !== undefined
          ? Math.round(Math.max(0, total - processed) / rate)
          : undefined,
    objects: cp.objects,
    startedAt: cp.startedAt,
    finishedAt: cp.finishedAt,
  };
}

export async function initialLoadStatus(db: Database): Promise<InitialLoadStatus> {
  const cp = await readCheckpoint<InitialCheckpoint>(db, checkpointNames.initial);
  const run = cp ? await getRun(db, cp.runId) : undefined;
  return initialStatusFrom(cp, run?.status === 'running' || run?.status === 'queued');
}

/** The initial load as one terminal line (see renderProgressBar). */
export function renderInitialProgress(status: InitialLoadStatus, width = 30): string {
  return renderProgressBar(
    {
      processed: status.processed,
      total: status.total,
      perSecond: status.rowsPerSecond,
      etaSeconds: status.etaSeconds,
      unit: 'rows',
      state: status.state,
    },
    width,
  );
}
