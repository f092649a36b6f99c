/** Progress of the initial bulk sync for the API: items processed / total, rate, ETA, and where the next page starts. */
import type { Database } from '../../db/database.js';
import { bulkProgressFrom, runIsActive, type BulkProgress } from '../../jobs/bulk-progress.js';
import { checkpointNames, readCheckpoint, type InitialCheckpoint } from './store.js';

export interface InitialSyncStatus extends Omit<BulkProgress, 'perSecond'> {
  pages: number;
  lastItemId: number;
  itemsPerSecond?: number;
}

export async function initialSyncStatus(db: Database): Promise<InitialSyncStatus> {
  const cp = await readCheckpoint<InitialCheckpoint>(db, checkpointNames.initial);
  const counts = cp ?? { processed: 0, processedBeforeResume: 0 };
  const { perSecond, ...progress } = bulkProgressFrom(cp, counts, await runIsActive(db, cp?.runId));
  return { ...progress, pages: cp?.pages ?? 0, lastItemId: cp?.lastItemId ?? 0, itemsPerSecond: perSecond };
}
