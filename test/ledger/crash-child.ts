/**
 * A posting worker for the crash test: runs inventory posting against DATABASE_URL and, when LEDGER_KILL_AT names a
 * statement number, kills itself with SIGKILL at that statement — before sending it ("before") or right after
 * sending it, before the reply ("sent") — so every kill point is reproducible. Prints what it did when it lives.
 */
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { beginRun } from '../../src/jobs/runs.js';
import { postStock } from '../../src/ledger/index.js';
import { createLogger } from '../../src/log.js';

const killAt = Number(process.env.LEDGER_KILL_AT ?? 0);
const killMode = process.env.LEDGER_KILL_MODE === 'sent' ? 'sent' : 'before';
let statements = 0;

const send = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  if (statements === killAt && killMode === 'before') process.kill(process.pid, 'SIGKILL');
  const reply = send.apply(this, args);
  if (statements === killAt) setImmediate(() => process.kill(process.pid, 'SIGKILL'));
  return reply;
} as typeof pg.Client.prototype.query;

const handle = await openDatabase({ databaseUrl: process.env.DATABASE_URL!, dataDir: '', poolSize: 2 });
const log = createLogger({ level: 'silent', destination: process.stderr });
const run = await beginRun(handle.db, log, {
  job: 'inventory.post-stock',
  trigger: 'cli',
  signal: new AbortController().signal,
});
const result = await postStock(handle.db, run, { batchSize: Number(process.env.LEDGER_BATCH_SIZE ?? 3) });
await run.finish(undefined);
await handle.close();
process.stdout.write(
  JSON.stringify({ statements, movements: result.movements, documents: result.documents }),
);
