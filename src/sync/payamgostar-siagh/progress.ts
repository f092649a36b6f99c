/** Where the initial import stands, for the API and the CLI: processed / total, rate, ETA and what was done. */
import type { Database } from '../../db/database.js';
import { bulkProgressFrom, runIsActive, type BulkProgress } from '../../jobs/bulk-progress.js';
import type { ImportCheckpoint, ImportCounts } from './initial-import.js';
import { checkpointNames, readCheckpoint } from './store.js';

export interface ImportStatus extends Omit<BulkProgress, 'perSecond'> {
  contactsPerSecond?: number;
  counts?: ImportCounts;
}

export async function importStatus(db: Database): Promise<ImportStatus> {
  const cp = await readCheckpoint<ImportCheckpoint>(db, checkpointNames.initialImport);
  const counts = cp ?? { processed: 0, processedBeforeResume: 0 };
  const { perSecond, ...progress } = bulkProgressFrom(cp, counts, await runIsActive(db, cp?.runId));
  return { ...progress, contactsPerSecond: perSecond, counts: cp?.counts };
}
