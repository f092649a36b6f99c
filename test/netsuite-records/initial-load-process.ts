/**
 * A separate worker process running the initial records load, so a test can kill it with SIGKILL mid-load (a real
 * crash: no finally blocks, no shutdown hooks). Settings come from the environment the test passes.
 */
import { TokenBasedAuth } from '../../src/connectors/netsuite/auth.js';
import { NetSuiteClient } from '../../src/connectors/netsuite/client.js';
import { openDatabase } from '../../src/db/database.js';
import { beginRun } from '../../src/jobs/runs.js';
import { runInitialLoad } from '../../src/sync/netsuite-records/passes.js';
import { silentLog, tba } from '../netsuite/setup.js';
import { recordsDeps } from './setup.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const handle = await openDatabase({ databaseUrl: env('CRASH_DATABASE_URL'), dataDir: '' });
const client = new NetSuiteClient({
  accountId: env('CRASH_ACCOUNT_ID'),
  baseUrl: env('CRASH_NETSUITE_URL'),
  auth: new TokenBasedAuth({ accountId: env('CRASH_ACCOUNT_ID'), ...tba }),
  requestsPerSecond: 20,
  concurrency: 2,
  resultCap: 200,
  retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 100 },
});
const recorder = await beginRun(handle.db, silentLog, {
  job: 'netsuite.records.initial',
  trigger: 'cli',
  signal: new AbortController().signal,
});
await runInitialLoad(recordsDeps(handle.db, client), recorder);
process.stdout.write('finished\n');
process.exit(0);
