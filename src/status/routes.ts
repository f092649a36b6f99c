/**
 * /status: the page, its parts for live refresh (the systems rows, the chart figures, on-hand of one item), the run
 * event stream the page listens to, and uPlot's files served from node_modules (no build step for the browser).
 */
import { createRequire } from 'node:module';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { ConnectionCheck } from '../connection-check.js';
import type { Database } from '../db/database.js';
import type { JobRunner, RunChange } from '../jobs/runner.js';
import { parseInput } from '../api/problem.js';
import { onHandOverTime, statusCharts } from './charts.js';
import { statusPage, systemRows } from './page.js';
import { systemStatuses, type JobSchedule, type SystemStatus } from './systems.js';

export interface StatusDeps {
  config: Config;
  db: Database;
  runner: JobRunner;
  checks: ConnectionCheck[];
  version: string;
  /** A system is stale when its last success is older than this many schedule periods. */
  staleAfterPeriods?: number;
}

const require = createRequire(import.meta.url);
const assets: Record<string, { file: string; type: string }> = {
  'uPlot.iife.min.js': { file: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript' },
  'uPlot.min.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css' },
};

const onHandQuery = z.object({ sku: z.string().trim().min(1).max(200) });

async function schedules(runner: JobRunner): Promise<JobSchedule[]> {
  const names = runner.list().map((j) => j.name);
  const { jobs } = await runner.agenda.queryJobs({ names });
  return jobs.map((job) => ({
    name: job.name,
    nextRunAt: job.nextRunAt ? new Date(job.nextRunAt) : null,
    lastRunAt: job.lastRunAt ? new Date(job.lastRunAt) : null,
  }));
}

export function readSystems(deps: StatusDeps): Promise<SystemStatus[]> {
  return schedules(deps.runner).then((known) =>
    systemStatuses({
      config: deps.config,
      db: deps.db,
      jobs: deps.runner.list(),
      schedules: known,
      checks: deps.checks,
      now: new Date(),
      staleAfterPeriods: deps.staleAfterPeriods ?? 3,
    }),
  );
}

/** Run changes of this worker as SSE; runs taken by another worker process show when the page next refreshes. */
function streamRunChanges(runner: JobRunner, onClose: (fn: () => void) => void, res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  let id = 0;
  const stop = runner.onRunChange((change: RunChange) => {
    id += 1;
    res.write(`id: ${id}\nevent: run\ndata: ${JSON.stringify(change)}\n\n`);
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  onClose(() => {
    clearInterval(heartbeat);
    stop();
  });
}

export function statusRoutes(deps: StatusDeps): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const [systems, charts] = await Promise.all([readSystems(deps), statusCharts(deps.db)]);
    res
      .type('html')
      .set('cache-control', 'no-store')
      .send(statusPage({ systems, charts, version: deps.version, now: new Date() }));
  });
  router.get('/systems', async (_req, res) => {
    res
      .type('html')
      .set('cache-control', 'no-store')
      .send(systemRows(await readSystems(deps)));
  });
  router.get('/charts.json', async (_req, res) => {
    res.set('cache-control', 'no-store').json(await statusCharts(deps.db));
  });
  router.get('/on-hand.json', async (req, res) => {
    const { sku } = parseInput(onHandQuery, req.query, 'query');
    res.set('cache-control', 'no-store').json(await onHandOverTime(deps.db, sku.toUpperCase()));
  });
  router.get('/events', (req, res) => {
    streamRunChanges(deps.runner, (fn) => req.on('close', fn), res);
  });
  router.get('/assets/:name', (req, res, next) => {
    const asset = Object.hasOwn(assets, req.params.name) ? assets[req.params.name] : undefined;
    if (!asset) return next();
    res.type(asset.type).set('cache-control', 'public, max-age=86400').sendFile(asset.file);
  });
  return router;
}
