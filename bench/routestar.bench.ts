/**
 * RouteStar: time for one routestar.sync run (mode full) to read 300 invoices — 150 pending and 150 closed, every one
 * with its detail page — from the simulator in Chromium into a fresh worker on PGlite, next to the simulator's own
 * latency floor: the lists' delays (read one page after another) plus the detail pages' delays divided by the tabs
 * allowed at once. The CPU time the run needs (worker plus Chromium) divided by the machine's cores is printed as a
 * second floor, set by the machine and not by the portal. Also the peak resident memory of the worker process plus its
 * Chromium processes.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeStarFeature } from '../src/scrapers/routestar/feature.js';
import { startTestWorker } from '../test/helpers/worker.js';
import { startRouteStarSimulator } from '../test/sim/routestar/server.js';
import { timedRun } from './timed-run.js';
import type { Benchmark, BenchRow } from './types.js';

// BENCH_ROUTESTAR_INVOICES=40 measures a smaller sample (half pending, half closed) to compare changes quickly;
// BENCH_ROUTESTAR_TABS changes the detail tabs allowed at once.
const invoices = Number(process.env.BENCH_ROUTESTAR_INVOICES ?? 300);
const tabs = Number(process.env.BENCH_ROUTESTAR_TABS ?? 4);
const pending = Math.ceil(invoices / 2);
const closed = invoices - pending;
const rowsPerPage = 10;
const pageDelayMs = 100;
const gridDelayMs = 200;
const cores = availableParallelism();

const benchmark: Benchmark = {
  name: 'routestar',
  async run(): Promise<BenchRow[]> {
    const sim = await startRouteStarSimulator({
      seed: 11,
      pendingInvoices: pending,
      closedInvoices: closed,
      closedWithinDays: 25,
      rowsPerPage,
      pageDelayMs,
      gridDelayMs,
    });
    const profileDir = mkdtempSync(join(tmpdir(), 'routestar-bench-'));
    const profileFile = join(profileDir, 'profile.json');
    writeFileSync(
      profileFile,
      JSON.stringify({ waits: { gridMs: 30_000, pollMs: 25, pageChangeMs: 10_000 } }),
    );
    const tw = await startTestWorker('pglite', {
      features: [routeStarFeature],
      env: {
        ROUTESTAR_BASE_URL: sim.url,
        ROUTESTAR_USERNAME: sim.username,
        ROUTESTAR_PASSWORD: sim.password,
        ROUTESTAR_CONCURRENCY: String(tabs),
        ROUTESTAR_MIN_SPACING_MS: '0',
        ROUTESTAR_PROFILE_FILE: profileFile,
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
      } = await timedRun(tw, 'routestar.sync', { mode: 'full' });

      const listPages = Math.ceil(pending / rowsPerPage) + Math.ceil(closed / rowsPerPage);
      // Each list: its HTML page and first data load; the closed list loads again for each of the two date inputs.
      const listFloor =
        (2 * (pageDelayMs + gridDelayMs) + 2 * gridDelayMs + (listPages - 2) * gridDelayMs) / 1000;
      const detailFloor = ((pending + closed) * (pageDelayMs + gridDelayMs)) / tabs / 1000;
      const floor = listFloor + detailFloor;
      const cpuFloor = (workerCpu + chromiumCpu) / cores;
      return [
        {
          benchmark: 'routestar',
          database: 'pglite',
          measure: `sync ${pending + closed} invoices with details (${tabs} tabs)`,
          value: `${seconds.toFixed(1)} s`,
          goal: `≤ ${(1.5 * floor).toFixed(1)} s (1.5 × floor)`,
          note:
            `floor ${floor.toFixed(1)} s = lists ${listFloor.toFixed(1)} s + details ${detailFloor.toFixed(1)} s; ` +
            `ratio ${(seconds / floor).toFixed(2)}; CPU: worker ${workerCpu.toFixed(1)} s + Chromium ` +
            `${chromiumCpu.toFixed(1)} s = ${((workerCpu + chromiumCpu) / (pending + closed)).toFixed(2)} s per ` +
            `invoice, ≥ ${cpuFloor.toFixed(1)} s on ${cores} cores; created ${run.created}`,
        },
        {
          benchmark: 'routestar',
          database: 'pglite',
          measure: 'peak RSS, worker + Chromium',
          value: `${Math.round(usage.peakRssBytes / 1024 / 1024)} MiB`,
          note: `sampled every 250 ms; context recycled every ${tw.worker.config.PORTAL_CONTEXT_RECYCLE_PAGES} pages`,
        },
      ];
    } finally {
      await tw.stop();
      await sim.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
