/**
 * A separate process running the initial import, so a test can kill it with SIGKILL in the middle (a real crash: no
 * finally blocks, no shutdown hooks). Where the database and both simulators are comes from the environment.
 */
import { PayamgostarClient } from '../../src/connectors/payamgostar/client.js';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { SiaghClient } from '../../src/connectors/siagh/client.js';
import { openDatabase } from '../../src/db/database.js';
import { beginRun } from '../../src/jobs/runs.js';
import { CreatedRecords, RecordLocks } from '../../src/sync/payamgostar-siagh/context.js';
import { runInitialImport } from '../../src/sync/payamgostar-siagh/initial-import.js';
import { lookupPath, silentLog } from './harness.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const handle = await openDatabase({ databaseUrl: env('CRASH_DATABASE_URL'), dataDir: '' });
const crm = new PayamgostarClient({
  baseUrl: env('CRASH_CRM_URL'),
  username: env('CRASH_CRM_USERNAME'),
  password: env('CRASH_CRM_PASSWORD'),
  deviceId: 'syncworker-crash-test',
  pageSize: 150,
  requestsPerSecond: 40,
  concurrency: 4,
  timeoutMs: 10_000,
  retries: 3,
  retryBaseMs: 10,
  loginCooldownMs: 60_000,
});
const siagh = new SiaghClient({
  baseUrl: env('CRASH_SIAGH_URL'),
  userName: env('CRASH_SIAGH_USERNAME'),
  passwordHash: siaghPasswordHash(env('CRASH_SIAGH_PASSWORD')),
  timeZone: 'Asia/Tehran',
  requestsPerSecond: 1000,
  concurrency: 4,
  timeoutMs: 10_000,
  retries: 3,
  retryBaseMs: 10,
  preInvoiceLookupPath: lookupPath,
});
const recorder = await beginRun(handle.db, silentLog, {
  job: 'payamgostar-siagh.initial-import',
  trigger: 'cli',
  signal: new AbortController().signal,
});
await runInitialImport(
  {
    db: handle.db,
    crm,
    siagh,
    log: silentLog,
    locks: new RecordLocks(),
    created: new CreatedRecords(),
    settings: {
      customerNumbers: { prefix: '100-', offset: 1000 },
      echoWindowMs: 10_000,
      importParallelism: 4,
      pollRecheck: 100,
      pendingStaleMs: 120_000,
    },
  },
  recorder,
);
process.stdout.write('finished\n');
process.exit(0);
