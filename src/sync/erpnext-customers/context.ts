/** What every part of the ERPNext customer sync works with: the database, ERPNext (when configured) and the live events. */
import type { Logger } from 'pino';
import { HttpProblem } from '../../api/problem.js';
import type { ErpNextCustomers } from '../../connectors/erpnext/customers.js';
import type { CustomerEvents } from '../../customers/events.js';
import type { Database } from '../../db/database.js';
import type { JobQueue } from '../../jobs/types.js';
import { ErpNextNotConfiguredError, type CustomerSyncSettings } from './settings.js';

export const pushJobName = 'erpnext.push-customers';
export const pullJobName = 'erpnext.pull-customers';

export interface CustomerSync {
  db: Database;
  settings: CustomerSyncSettings;
  /** Null when ERPNext is not configured. */
  remote: ErpNextCustomers | null;
  /** The variables still to set when ERPNext is not configured. */
  missingSettings: string[];
  events: CustomerEvents;
  jobs: JobQueue;
  log: Logger;
}

export function requireRemote(sync: CustomerSync): ErpNextCustomers {
  if (!sync.remote) throw new ErpNextNotConfiguredError(sync.missingSettings);
  return sync.remote;
}

/** For a request that needs ERPNext: its documents, or 503 saying what to set. */
export function remoteOrUnavailable(sync: CustomerSync): ErpNextCustomers {
  if (!sync.remote)
    throw new HttpProblem(
      503,
      'Service Unavailable',
      `ERPNext is not configured: set ${sync.missingSettings.join(', ')}`,
    );
  return sync.remote;
}

/** Asks for a push right after a commit; the scheduled push catches it if the queue is unavailable. */
export function requestPush(sync: CustomerSync, trigger: 'manual' | 'webhook' = 'manual'): void {
  if (!sync.remote) return;
  sync.jobs.enqueue(pushJobName, {}, trigger).catch((error: unknown) => {
    sync.log.warn(
      { err: error },
      'could not queue erpnext.push-customers; the scheduled push will deliver the change',
    );
  });
}
