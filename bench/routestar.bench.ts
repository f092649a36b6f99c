/**
 * RouteStar: time for one routestar.sync run (mode full) to read invoices — half pending, half closed, every one with
 * its detail page — from the simulator in Chromium into a fresh worker on PGlite, next to the simulator's own latency
 * floor: the lists' delays (read one page after another) plus the detail pages' delays divided by the tabs allowed at
 * once. The CPU time the run needs (worker plus Chromium) divided by the machine's cores is printed as a second floor,
 * set by the machine and not by the portal. Also the peak resident memory of the worker process plus its Chromium
 * processes.
 *
 * Two portals are measured. A fast one (100 ms a page, 200 ms a grid load) shows what the scraper itself costs: at
 * that speed a detail page's own rendering, with the real grid library, is as long as the wait for it. A slow one
 * shows what a user of the real portal gets: the research reports 10–20 s an invoice and grids that take seconds to
 * draw, and this one, at 1 s a page and 2 s a grid load, is still faster than that.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeStarFeature } from '../src/scrapers/routestar/feature.js';
import { startTestWorker } from '../test/helpers/worker.js';
import { startRouteStarSimulator } from '../test/sim/routestar/server.js';
import { timedRun } from './timed-run.js';
import type { Benchmark, BenchRow } from './types.js';

interface Scenario {
  portal: string;
  invoices: number;
  pageDelayMs: number;
  gridDelayMs: number;
}

// BENCH_ROUTESTAR_INVOICES=40 measures a smaller sample of the fast portal to compare changes quickly, and
// BENCH_ROUTESTAR_SLOW=false leaves the slow portal out; BENCH_ROUTESTAR_TABS changes the detail tabs allowed at once.
const scenarios: Scenario[] = [
  {
    portal: 'fast portal',
    invoices: Number(process.env.BENCH_ROUTESTAR_INVOICES ?? 300),
    pageDelayMs: 100,
    gridDelayMs: 200,
  },
  ...(process.env.BENCH_ROUTESTAR_SLOW === 'false'
    ? []
    : [{ portal: 'slow portal', invoices: 100, pageDelayMs: 1_000, gridDelayMs: 2_000 }]),
];
const tabs = Number(process.env.BENCH_ROUTESTAR_TABS ?? 4);
const rowsPerPage = 10;
const cores = availableParallelism();

async function measure(scenario: Scenario): Promise<BenchRow[]> {
  const { portal, invoices, pageDelayMs, gridDelayMs } = scenario;
  const pending = Math.ceil(invoices / 2);
  const closed = invoices - pending;
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
  writeFileSync(profileFile, JSON.stringify({ waits: { gridMs: 30_000, pollMs: 25, pageChangeMs: 10_000 } }));
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
    const label = `${portal} (${pageDelayMs} ms a page, ${gridDelayMs} ms a grid)`;
    return [
      {
        benchmark: 'routestar',
        database: 'pglite',
        measure: `sync ${pending + closed} invoices with details (${tabs} tabs), ${label}`,
        value: `${seconds.toFixed(1)} s`,
        goal: `≤ ${(1.5 * floor).toFixed(1)} s (1.5 × floor)`,
        note:
          `floor ${floor.toFixed(1)} s = lists ${listFloor.toFixed(1)} s + details ${detailFloor.toFixed(1)} s; ` +
          `ratio ${(seconds / floor).toFixed(2)}; CPU: worker ${workerCpu.toFixed(1)} s + Chromium ` +
          `${chromiumCpu.toFixed(1)} s = ${((workerCpu + chromiumCpu) / (pending + closed)).toFixed(2)} s per ` +
          `invoice, ≥ ${cpuFloor.toFixed(1)} s on ${cores} cores; ${run.created} records created`,
      },
      {
        benchmark: 'routestar',
        database: 'pglite',
        measure: `peak RSS, worker + Chromium, ${portal}`,
        value: `${Math.round(usage.peakRssBytes / 1024 / 1024)} MiB`,
        note: `sampled every 250 ms; context recycled every ${tw.worker.config.PORTAL_CONTEXT_RECYCLE_PAGES} pages`,
      },
    ];
  } finally {
    await tw.stop();
    await sim.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

const benchmark: Benchmark = {
  name: 'routestar',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    for (const scenario of scenarios) rows.push(...(await measure(scenario)));
    return rows;
  },
};

export default benchmark;
