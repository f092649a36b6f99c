/**
 * NetSuite → OPMS price sync speed under the seed's limits: the initial sync of 8,000 items with NetSuite at 1
 * request/s and OPMS at 10 writes/s, beside the floor those limits allow and beside a per-item client (one record GET
 * per item, measured on a sample and scaled); and webhook → OPMS latency over 200 webhooks in a running worker.
 */
import mysql from 'mysql2/promise';
import { beginRun } from '../src/jobs/runs.js';
import { OpmsDatabase } from '../src/connectors/opms/client.js';
import { defaultOpmsTables, opmsRetries } from '../src/connectors/opms/settings.js';
import { runInitialSync } from '../src/sync/netsuite-to-opms/passes.js';
import { netsuiteToOpmsFeature } from '../src/sync/netsuite-to-opms/feature.js';
import { createTestDatabase, databaseKinds, type DatabaseKind } from '../test/helpers/databases.js';
import { startTestWorker } from '../test/helpers/worker.js';
import { startMariaDb } from '../test/sim/opms/mariadb.js';
import {
  oauth2,
  oauth2Client,
  rsaKeys,
  seedOpms,
  silentLog,
  simWithAuth,
  syncDeps,
} from '../test/netsuite/setup.js';
import type { Benchmark, BenchRow } from './types.js';

const itemCount = Number(process.env.BENCH_ITEMS ?? 8000);
const pageSize = 1000;
const netsuitePerSecond = 1;
const opmsWritesPerSecond = 10;
const batchSize = 500;
const perItemSample = 6;
const webhookCount = Number(process.env.BENCH_WEBHOOKS ?? 200);
const webhooksPerSecond = 8;

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function initialSync(rows: BenchRow[], kind: DatabaseKind): Promise<void> {
  const [maria, sim, db] = await Promise.all([
    startMariaDb(),
    simWithAuth({ itemCount, seed: 2026 }),
    createTestDatabase(kind),
  ]);
  try {
    await seedOpms(maria.url, sim.items);
    const client = oauth2Client(sim, { requestsPerSecond: netsuitePerSecond, concurrency: 5 });
    const opms = new OpmsDatabase({
      url: maria.url,
      tables: defaultOpmsTables,
      writesPerSecond: opmsWritesPerSecond,
      batchSize,
      ...opmsRetries,
    });
    const deps = syncDeps(db.db, client, opms, { pageSize });
    const recorder = await beginRun(db.db, silentLog, {
      job: 'netsuite-to-opms.initial',
      trigger: 'cli',
      signal: new AbortController().signal,
    });
    const started = performance.now();
    await runInitialSync(deps, recorder);
    const elapsed = performance.now() - started;
    await recorder.finish(undefined);
    const pages = Math.ceil(itemCount / pageSize);
    // Each limit alone bounds the run: NetSuite needs `pages` request slots at 1/s, OPMS `writes` slots at 10/s.
    const floorMs =
      Math.max(
        pages / netsuitePerSecond,
        opmsWritesPerSecond > 0 ? opms.writesCommitted / opmsWritesPerSecond : 0,
      ) * 1000;
    rows.push(
      {
        benchmark: 'netsuite-opms',
        database: kind,
        measure: `initial sync, ${itemCount} items`,
        value: `${seconds(elapsed)} s`,
        goal: `≤ ${seconds(floorMs * 1.1)} s (1.1× floor)`,
        note: `${client.requestsSent} NetSuite requests, ${opms.writesCommitted} OPMS write transactions, ${recorder.counters.updated} items updated`,
      },
      {
        benchmark: 'netsuite-opms',
        measure: 'floor allowed by the limits',
        value: `${seconds(floorMs)} s`,
        note: `${pages} SuiteQL pages at ${netsuitePerSecond} req/s; OPMS ${opmsWritesPerSecond} writes/s`,
      },
      {
        benchmark: 'netsuite-opms',
        measure: 'initial sync / floor',
        value: `${(elapsed / floorMs).toFixed(2)}×`,
        goal: '≤ 1.10×',
      },
    );

    // The per-item way: one record GET per item (and one OPMS write each), measured on a sample at the same limits.
    const sample = sim.items.slice(0, perItemSample);
    const perItemStart = performance.now();
    for (const item of sample) {
      const record = await client.getItemRecord(
        item.lotNumbered ? 'lotNumberedInventoryItem' : 'inventoryItem',
        String(item.id),
      );
      const base = record.price?.items?.find((p) => p.priceLevel.id === '1')?.price ?? 0;
      await opms.applyChanges(
        [
          {
            code: item.itemid,
            productId: 0,
            table: 'price',
            column: 'p_res_cut',
            value: (base + 1).toFixed(2),
          },
        ],
        [{ table: 'price', column: 'p_res_cut' }],
      );
    }
    const perItemMs = (performance.now() - perItemStart) / perItemSample;
    rows.push({
      benchmark: 'netsuite-opms',
      measure: `per-item client, ${itemCount} items (scaled)`,
      value: `${seconds(perItemMs * itemCount)} s`,
      note: `${Math.round(perItemMs)} ms per item measured on ${perItemSample} items; ${((perItemMs * itemCount) / elapsed).toFixed(0)}× slower than paged SuiteQL`,
    });
    await Promise.all([client.stop(), opms.close()]);
  } finally {
    await Promise.all([sim.close(), maria.close(), db.close()]);
  }
}

async function webhookLatency(rows: BenchRow[], kind: DatabaseKind): Promise<void> {
  const secret = 'bench-webhook-secret-0123456789';
  const [maria, sim] = await Promise.all([
    startMariaDb(),
    simWithAuth({ itemCount: webhookCount, seed: 99 }),
  ]);
  await seedOpms(maria.url, sim.items);
  const tw = await startTestWorker(kind, {
    features: [netsuiteToOpmsFeature],
    env: {
      // The worker's own default: the queue is polled every 5 seconds, webhooks must not wait for that poll.
      JOB_PROCESS_EVERY: '5 seconds',
      // Agenda checks each running job's lock every half lock lifetime on a timer that outlives the job and that
      // stopping the worker cannot cancel: at the default two hours it kept the bench alive for an hour after its
      // table. These runs last well under a second, so a 20-second lock lets the bench end seconds after them.
      JOB_LOCK_LIFETIME_MS: '20000',
      NETSUITE_ACCOUNT_ID: sim.accountId,
      NETSUITE_BASE_URL: sim.url,
      NETSUITE_CLIENT_ID: oauth2.clientId,
      NETSUITE_CERTIFICATE_ID: oauth2.certificateId,
      NETSUITE_PRIVATE_KEY: rsaKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      NETSUITE_OPMS_WEBHOOK_SECRET: secret,
      OPMS_DATABASE_URL: maria.url,
      OPMS_WRITES_PER_SECOND: String(opmsWritesPerSecond),
    },
  });
  const pool = mysql.createPool({ uri: maria.url, connectionLimit: 4 });
  try {
    const latencies: number[] = [];
    const failures: string[] = [];
    const pending: Promise<void>[] = [];
    for (let n = 0; n < webhookCount; n++) {
      const item = sim.items[n]!;
      const price = (100 + n / 100).toFixed(2);
      const sentAt = performance.now();
      pending.push(
        (async () => {
          const res = await fetch(`${tw.url}/api/sync/netsuite-to-opms/webhook`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              eventType: 'item.pricing.updated',
              timestamp: new Date().toISOString(),
              itemData: {
                internalid: String(item.id),
                itemid: item.itemid,
                lastmodifieddate: new Date().toISOString(),
                price_1_: Number(price),
                price_1_5: 1,
                cost: 1,
                custitem_f3_rollprice: 1,
              },
            }),
          });
          if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
          const deadline = sentAt + 60_000;
          for (;;) {
            const [found] = await pool.query<mysql.RowDataPacket[]>(
              'SELECT p.p_res_cut FROM T_ITEM i JOIN T_PRODUCT_PRICE p ON p.product_id = i.product_id WHERE i.code = ?',
              [item.itemid],
            );
            if (found[0]?.p_res_cut === price) break;
            if (performance.now() > deadline) throw new Error(`item ${item.itemid} not updated within 60 s`);
            await new Promise((r) => setTimeout(r, 20));
          }
          latencies.push(performance.now() - sentAt);
        })().catch((error: Error) => void failures.push(error.message)),
      );
      await new Promise((r) => setTimeout(r, 1000 / webhooksPerSecond));
    }
    await Promise.all(pending);
    latencies.sort((a, b) => a - b);
    rows.push(
      {
        benchmark: 'netsuite-opms',
        database: kind,
        measure: `webhook → OPMS p50 (${webhookCount} webhooks, ${webhooksPerSecond}/s)`,
        value: `${Math.round(percentile(latencies, 50))} ms`,
        goal: '< 2000 ms',
      },
      {
        benchmark: 'netsuite-opms',
        database: kind,
        measure: 'webhook → OPMS p99',
        value: `${Math.round(percentile(latencies, 99))} ms`,
        goal: '< 2000 ms (seed: 30 s)',
      },
      {
        benchmark: 'netsuite-opms',
        database: kind,
        measure: 'webhooks refused or not applied within 60 s',
        value: failures.length,
        goal: '0',
        note: failures[0]?.slice(0, 160) ?? '',
      },
    );
  } finally {
    await pool.end();
    await tw.stop();
    await Promise.all([sim.close(), maria.close()]);
  }
}

const bench: Benchmark = {
  name: 'netsuite-opms',
  async run() {
    const rows: BenchRow[] = [];
    for (const kind of databaseKinds) {
      await initialSync(rows, kind);
      await webhookLatency(rows, kind);
    }
    return rows;
  },
};
export default bench;
