/** Progress of the initial load for the API: rows processed / total per object, rate and ETA. */
import type { Database } from '../../db/database.js';
import { bulkProgressFrom, runIsActive, type BulkProgress } from '../../jobs/bulk-progress.js';
import {
  checkpointNames,
  objectNames,
  readCheckpoint,
  type InitialCheckpoint,
  type ObjectName,
  type ObjectProgress,
} from './store.js';

/** `processed` counts SuiteQL rows read and committed: customers plus transaction lines. */
export interface InitialLoadStatus extends Omit<BulkProgress, 'perSecond'> {
  rowsPerSecond?: number;
  objects?: Record<ObjectName, ObjectProgress>;
}

function initialStatusFrom(
  cp: InitialCheckpoint | undefined,
  runActive: boolean,
  now = Date.now(),
): InitialLoadStatus {
  const processed = cp ? objectNames.reduce((n, o) => n + cp.objects[o].rows, 0) : 0;
  // Until every object's query has answered once, only a lower bound of the total is known: none is shown.
  const total =
    cp && objectNames.every((o) => cp.objects[o].total !== undefined)
      ? objectNames.reduce((n, o) => n + cp.objects[o].total!, 0)
      : undefined;
  const counts = { processed, processedBeforeResume: cp?.rowsBeforeResume ?? 0, total };
  const { perSecond, ...progress } = bulkProgressFrom(cp, counts, runActive, now);
  return { ...progress, rowsPerSecond: perSecond, objects: cp?.objects };
}

export async function initialLoadStatus(db: Database): Promise<InitialLoadStatus> {
  const cp = await readCheckpoint<InitialCheckpoint>(db, checkpointNames.initial);
  return initialStatusFrom(cp, await runIsActive(db, cp?.runId));
}
