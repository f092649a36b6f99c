/**
 * Payamgostar CRM → Siagh finance: the initial import of 10,000 Siagh contacts into a CRM that answers at most
 * CRM_PER_SECOND requests a second (429 beyond), beside the floor that limit allows (every CRM request the import
 * needs, one limit slot each); and the latency from a customer edited in the CRM to its Siagh contact showing the
 * edit (the CRM's webhook, the run it queues, the CRM read and the Siagh update). Both simulators run in this
 * process, so the peak memory printed includes them. Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
 */
import { payamgostarSiaghFeature } from '../src/sync/payamgostar-siagh/feature.js';
import { databaseKinds, type DatabaseKind } from '../test/helpers/databases.js';
import { startTestWorker } from '../test/helpers/worker.js';
import { webhookToken, workerEnv } from '../test/payamgostar-siagh/harness.js';
import { startPayamgostarSimulator } from '../test/sim/payamgostar/server.js';
import { startSiaghSim } from '../test/sim/siagh/server.js';
import { timedRun } from './timed-run.js';
import type { Benchmark, BenchRow } from './types.js';

const contactCount = Number(process.env.BENCH_PGS_CONTACTS ?? 10_000);
const crmPerSecond = Number(process.env.BENCH_PGS_CRM_PER_SECOND ?? 100);
const webhookSamples = Number(process.env.BENCH_PGS_WEBHOOKS ?? 100);
const admins = 3;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(kind: DatabaseKind): Promise<BenchRow[]> {
  const [crmSim, siaghSim] = await Promise.all([
    startPayamgostarSimulator({ seed: 31, rateLimitPerSecond: crmPerSecond }),
    startSiaghSim({ seed: 31, contactCount, adminCount: admins }),
  ]);
  const tw = await startTestWorker(kind, {
    features: [payamgostarSiaghFeature],
    env: {
      ...workerEnv(crmSim, siaghSim),
      // The CRM's own limit, as an operator would set it; a request it still refuses is retried after Retry-After.
      PAYAMGOSTAR_REQUESTS_PER_SECOND: String(crmPerSecond),
      PAYAMGOSTAR_PAGE_SIZE: '500',
      PAYAMGOSTAR_SIAGH_IMPORT_PARALLELISM: '10',
    },
  });
  const rows: BenchRow[] = [];
  try {
    const rssBefore = process.memoryUsage().rss;
    const imported = await timedRun(tw, 'payamgostar-siagh.initial-import', {});
    const expected = contactCount - admins;
    if (imported.run.created !== expected)
      throw new Error(`the import created ${imported.run.created} CRM customers, not ${expected}`);
    // Every request the import sent to the CRM (login, the list of customer numbers, the creates) takes one slot.
    const crmRequests = crmSim.requests.filter((r) => r.status !== 429).length;
    const floorSeconds = crmRequests / crmPerSecond;
    rows.push({
      benchmark: 'payamgostar-siagh',
      database: kind,
      measure: `initial import, ${contactCount} Siagh contacts → CRM at ${crmPerSecond} req/s`,
      value: `${imported.seconds.toFixed(1)} s (${(imported.seconds / floorSeconds).toFixed(2)}× floor)`,
      goal: '≤ 1.2× floor',
      note: `floor ${floorSeconds.toFixed(1)} s = ${crmRequests} CRM requests; ${crmSim.requests.filter((r) => r.status === 429).length} refused with 429; peak RSS ${Math.round(imported.peakRssBytes / 2 ** 20)} MiB, ${Math.round(rssBefore / 2 ** 20)} MiB before the import (worker, its embedded database and both simulators)`,
    });

    crmSim.webhooks.settings.url = `${tw.url}/api/sync/payamgostar-siagh/webhook?token=${webhookToken}`;
    crmSim.webhooks.settings.enabled = true;
    const latencies: number[] = [];
    for (let i = 1; i <= webhookSamples; i++) {
      const code = admins + i;
      const customer = crmSim.crm.listIdentities({ searchTerm: `100-${code + 1000}` })[0]!;
      const description = `bench edit ${i}`;
      const started = performance.now();
      crmSim.salesperson.editIdentity(customer.crmId as string, { description });
      while (siaghSim.contacts.get(code)!.Description !== description) {
        if (performance.now() - started > 30_000)
          throw new Error(`Siagh contact ${code} was not updated in 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    rows.push({
      benchmark: 'payamgostar-siagh',
      database: kind,
      measure: 'CRM edit → webhook → Siagh update (p50 / p99)',
      value: `${percentile(latencies, 50).toFixed(0)} ms / ${percentile(latencies, 99).toFixed(0)} ms`,
      goal: 'p99 < 1000 ms',
      note: `${webhookSamples} edits one after another, until the Siagh contact shows the edit`,
    });
  } finally {
    await tw.stop();
    await Promise.all([crmSim.close(), siaghSim.close()]);
  }
  return rows;
}

const benchmark: Benchmark = {
  name: 'payamgostar-siagh',
  async run() {
    const rows: BenchRow[] = [];
    for (const kind of databaseKinds) rows.push(...(await measure(kind)));
    return rows;
  },
};

export default benchmark;
