/**
 * CustomerConnect: time for one customerconnect.sync run (mode full) to read 300 purchase orders with their order
 * info pages from the simulator in Chromium into a fresh worker on PGlite, next to the simulator's own latency floor:
 * login and account page, the list pages' delays (read one after another) and the order pages' delays divided by the
 * pages allowed at once. The CPU time the run needs (worker, which here includes the simulator and the embedded
 * database, plus Chromium) per page and divided by the machine's cores is printed too: on a small machine it is CPU,
 * not the portal's delays, that bounds the run. Also the peak resident memory of the worker process plus its Chromium
 * processes. BENCH_CUSTOMERCONNECT_ORDERS=40 measures a smaller sample to compare changes quickly.
 */
import { availableParallelism } from 'node:os';
import { customerConnectFeature } from '../src/scrapers/customerconnect/feature.js';
import { startTestWorker } from '../test/helpers/worker.js';
import { startCustomerConnectSimulator } from '../test/sim/customerconnect/server.js';
import { timedRun } from './timed-run.js';
import type { Benchmark, BenchRow } from './types.js';

const orders = Number(process.env.BENCH_CUSTOMERCONNECT_ORDERS ?? 300);
const ordersPerPage = 10;
const pageDelayMs = 100;
const concurrency = 4;
const cores = availableParallelism();

const benchmark: Benchmark = {
  name: 'customerconnect',
  async run(): Promise<BenchRow[]> {
    const sim = await startCustomerConnectSimulator({
      seed: 11,
      orders,
      oddRows: false,
      delays: {
        login: pageDelayMs,
        account: pageDelayMs,
        'order-list': pageDelayMs,
        'order-info': pageDelayMs,
      },
    });
    const tw = await startTestWorker('pglite', {
      features: [customerConnectFeature],
      env: {
        CUSTOMERCONNECT_BASE_URL: sim.url,
        CUSTOMERCONNECT_EMAIL: sim.email,
        CUSTOMERCONNECT_PASSWORD: sim.password,
        CUSTOMERCONNECT_CONCURRENCY: String(concurrency),
        CUSTOMERCONNECT_MIN_SPACING_MS: '0',
        PORTAL_TRACE: 'false',
      },
    });
    try {
      const {
        run,
        seconds,
        workerCpuSeconds: workerCpu,
        childCpuSeconds: chromiumCpu,
        ...usage
      } = await timedRun(tw, 'customerconnect.sync', { mode: 'full' });

      const listPages = Math.ceil(orders / ordersPerPage);
      const listFloor = (2 * pageDelayMs + listPages * pageDelayMs) / 1000;
      const detailFloor = (orders * pageDelayMs) / concurrency / 1000;
      const floor = listFloor + detailFloor;
      const pages = listPages + orders;
      const perPage = (cpuSeconds: number) => `${((cpuSeconds * 1000) / pages).toFixed(1)} ms`;
      return [
        {
          benchmark: 'customerconnect',
          database: 'pglite',
          measure: `sync ${orders} orders with details (${concurrency} pages at once)`,
          value: `${seconds.toFixed(1)} s`,
          goal: `≤ ${(1.5 * floor).toFixed(1)} s (1.5 × floor)`,
          note:
            `floor ${floor.toFixed(1)} s = login and lists ${listFloor.toFixed(1)} s + details ${detailFloor.toFixed(1)} s; ` +
            `ratio ${(seconds / floor).toFixed(2)}; CPU: worker ${workerCpu.toFixed(1)} s (${perPage(workerCpu)} a page) ` +
            `+ Chromium ${chromiumCpu.toFixed(1)} s (${perPage(chromiumCpu)} a page), ≥ ` +
            `${((workerCpu + chromiumCpu) / cores).toFixed(1)} s on ${cores} cores; created ${run.created}`,
        },
        {
          benchmark: 'customerconnect',
          database: 'pglite',
          measure: 'peak RSS, worker + Chromium',
          value: `${Math.round(usage.peakRssBytes / 1024 / 1024)} MiB`,
          note: 'sampled every 250 ms',
        },
      ];
    } finally {
      await tw.stop();
      await sim.close();
    }
  },
};

export default benchmark;
