/**
 * NetSuite records: the initial load of 200,000 invoice lines (and their customers and credit memos) at the seed's
 * 1 request per second, beside the floor that rate allows — one SuiteQL page of 1,000 rows a second, for every page
 * the account's rows fill — and the peak memory of the loading process at a tenth of the size and at full size: the
 * load holds one page at a time, so its memory must not grow with the rows. The simulator runs in a process of its
 * own; PGlite keeps its data on disk here, as the worker does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TokenBasedAuth } from '../src/connectors/netsuite/auth.js';
import { NetSuiteClient } from '../src/connectors/netsuite/client.js';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { beginRun } from '../src/jobs/runs.js';
import { runInitialLoad } from '../src/sync/netsuite-records/passes.js';
import { createTestDatabase, databaseKinds, type DatabaseKind } from '../test/helpers/databases.js';
import { silentLog, tba } from '../test/netsuite/setup.js';
import { recordsDeps } from '../test/netsuite-records/setup.js';
import { startSimProcess } from './sim-process.js';
import type { Benchmark, BenchRow } from './types.js';

const lines = Number(process.env.BENCH_NETSUITE_LINES ?? 200_000);
// What the load keeps is measured after a full collection; a peak of heapUsed alone mostly measures when GC ran.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const requestsPerSecond = Number(process.env.BENCH_NETSUITE_RPS ?? 1);
const pageSize = 1000;

interface SimInfo {
  url: string;
  accountId: string;
  customers: number;
  invoiceLines: number;
  creditLines: number;
}

const startSim = (invoiceLines: number) =>
  startSimProcess<SimInfo>(new URL('./netsuite-sim-process.ts', import.meta.url), {
    BENCH_SIM_LINES: String(invoiceLines),
    BENCH_SIM_TBA: JSON.stringify(tba),
  });

/** PGlite on disk, as `npm start` runs it; PostgreSQL as the tests make it. */
async function database(kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === 'postgres') return createTestDatabase(kind);
  const dir = mkdtempSync(join(tmpdir(), 'bench-netsuite-records-'));
  const handle = await openDatabase({ dataDir: dir });
  await applyMigrations(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Load {
  seconds: number;
  floorSeconds: number;
  requests: number;
  floorRequests: number;
  /** Largest heap still in use after a full collection, sampled after each page. */
  retainedHeapMb: number;
  peakHeapMb: number;
  peakRssMb: number;
  sim: SimInfo;
}

async function load(kind: DatabaseKind, invoiceLines: number): Promise<Load> {
  const simProcess = await startSim(invoiceLines);
  const sim = simProcess.info;
  const db = await database(kind);
  const client = new NetSuiteClient({
    accountId: sim.accountId,
    baseUrl: sim.url,
    auth: new TokenBasedAuth({ accountId: sim.accountId, ...tba }),
    requestsPerSecond,
    concurrency: 5,
    retry: { maxRetries: 6, baseDelayMs: 1000, maxDelayMs: 60_000 },
  });
  let peakHeap = 0;
  let peakRss = 0;
  let retained = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  try {
    const recorder = await beginRun(db.db, silentLog, {
      job: 'netsuite.records.initial',
      trigger: 'cli',
      signal: new AbortController().signal,
    });
    collectGarbage();
    sample();
    const timer = setInterval(sample, 100);
    const progress = recorder.progress.bind(recorder);
    recorder.progress = async (p) => {
      await progress(p);
      collectGarbage();
      retained = Math.max(retained, process.memoryUsage().heapUsed);
    };
    const started = performance.now();
    await runInitialLoad(recordsDeps(db.db, client, { pageSize }), recorder);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    sample();
    const status = await recorder.finish(undefined);
    if (status !== 'succeeded') throw new Error(`the load ended ${status}`);
    // Every object's rows fill whole pages; an empty object still costs the one request that says so.
    const floorRequests = [sim.customers, sim.invoiceLines, sim.creditLines].reduce(
      (n, rows) => n + Math.max(1, Math.ceil(rows / pageSize)),
      0,
    );
    return {
      seconds,
      floorSeconds: floorRequests / requestsPerSecond,
      requests: client.requestsSent,
      floorRequests,
      retainedHeapMb: retained / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      peakRssMb: peakRss / 2 ** 20,
      sim,
    };
  } finally {
    await client.stop();
    await db.close();
    await simProcess.close();
  }
}

const mb = (n: number) => `${Math.round(n)} MB`;

const bench: Benchmark = {
  name: 'netsuite-records',
  async run() {
    const rows: BenchRow[] = [];
    for (const kind of databaseKinds) {
      const small = await load(kind, Math.ceil(lines / 10));
      const full = await load(kind, lines);
      rows.push(
        {
          benchmark: 'netsuite-records',
          database: kind,
          measure: `initial load, ${full.sim.invoiceLines} invoice lines at ${requestsPerSecond} req/s`,
          value: `${full.seconds.toFixed(1)} s`,
          goal: `≤ ${(full.floorSeconds * 1.1).toFixed(1)} s (1.1× floor)`,
          note: `${full.requests} requests (floor ${full.floorRequests}); ${full.sim.customers} customers, ${full.sim.creditLines} credit memo lines`,
        },
        {
          benchmark: 'netsuite-records',
          database: kind,
          measure: 'floor allowed by the rate',
          value: `${full.floorSeconds.toFixed(1)} s`,
          note: `${full.floorRequests} pages of ${pageSize} rows at ${requestsPerSecond} req/s`,
        },
        {
          benchmark: 'netsuite-records',
          database: kind,
          measure: 'initial load / floor',
          value: `${(full.seconds / full.floorSeconds).toFixed(2)}×`,
          goal: '≤ 1.10×',
        },
        {
          benchmark: 'netsuite-records',
          database: kind,
          measure: `heap kept by the load, ${small.sim.invoiceLines} → ${full.sim.invoiceLines} lines`,
          value: `${mb(small.retainedHeapMb)} → ${mb(full.retainedHeapMb)}`,
          goal: '≤ 1.25× (bounded: not growing with rows)',
          note: `${(full.retainedHeapMb / small.retainedHeapMb).toFixed(2)}×; largest after a full GC, after each page`,
        },
        {
          benchmark: 'netsuite-records',
          database: kind,
          measure: 'peak JS heap, garbage included',
          value: `${mb(small.peakHeapMb)} → ${mb(full.peakHeapMb)}`,
        },
        {
          benchmark: 'netsuite-records',
          database: kind,
          measure: 'peak resident memory of the loading process',
          value: `${mb(small.peakRssMb)} → ${mb(full.peakRssMb)}`,
          note: kind === 'pglite' ? 'includes the embedded database' : 'the database is a server of its own',
        },
      );
    }
    return rows;
  },
};
export default bench;
