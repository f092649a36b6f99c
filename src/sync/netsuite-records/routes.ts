/** The control API of the NetSuite records flow, under /api/sync/netsuite-records (behind the API key). */
import { Router } from 'express';
import type { Database } from '../../db/database.js';
import { listRuns } from '../../jobs/runs.js';
import type { JobQueue } from '../../jobs/types.js';
import { flowRouteKit, initialLoadBody } from '../../api/flow-routes.js';
import { parseInput } from '../../api/problem.js';
import { initialLoadStatus } from './progress.js';
import { quarantinedRecords, recordsOverview } from './queries.js';
import { checkpointNames, readCheckpoint, type IncrementalCheckpoint } from './store.js';

export const recordsJobs = {
  initial: 'netsuite.records.initial',
  incremental: 'netsuite.records.incremental',
} as const;

export interface RoutesDeps {
  db: Database;
  jobs: JobQueue;
  /** Why the flow cannot run, when NetSuite settings are missing. */
  notConfigured?: string;
  schedule?: string;
  statusMap: Record<string, string>;
  /** One cheap authenticated read of the customer table. */
  check: () => Promise<{ ok: boolean; detail: string }>;
}

const base = '/sync/netsuite-records';

export function recordsRoutes(deps: RoutesDeps): Router {
  const router = Router();
  const { doc, enqueue } = flowRouteKit({ base, tag: 'netsuite-records', ...deps });

  doc(
    'post',
    '/initial',
    'Start (or continue after a crash) the initial load of customers, invoices and credit notes',
    { body: initialLoadBody },
  );
  router.post(`${base}/initial`, async (req, res) => {
    const body = parseInput(initialLoadBody, req.body ?? {});
    const { runId } = await enqueue(recordsJobs.initial, body);
    res
      .status(202)
      .location(`/api/runs/${runId}`)
      .json({ runId, status: `/api${base}/initial/status` });
  });

  doc('get', '/initial/status', 'Progress of the initial load: rows processed / total per object, rate, ETA');
  router.get(`${base}/initial/status`, async (_req, res) => {
    res.json(await initialLoadStatus(deps.db));
  });

  doc('post', '/incremental', 'Read what changed in NetSuite since the cursors now, deletions included');
  router.post(`${base}/incremental`, async (_req, res) => {
    const { runId } = await enqueue(recordsJobs.incremental, {});
    res.status(202).location(`/api/runs/${runId}`).json({ runId });
  });

  doc(
    'get',
    '/status',
    'Configuration, initial load, cursors, records held, quarantine, unmapped statuses, recent runs',
  );
  router.get(`${base}/status`, async (_req, res) => {
    const cursors = await readCheckpoint<IncrementalCheckpoint>(deps.db, checkpointNames.incremental);
    const runs = await Promise.all(
      Object.values(recordsJobs).map((job) => listRuns(deps.db, { job, limit: 5 })),
    );
    res.json({
      configured: !deps.notConfigured,
      ...(deps.notConfigured ? { detail: deps.notConfigured } : {}),
      schedule: deps.schedule ?? null,
      initial: await initialLoadStatus(deps.db),
      cursors: cursors ?? null,
      ...(await recordsOverview(deps.db, deps.statusMap)),
      jobs: Object.values(recordsJobs),
      recentRuns: runs
        .flat()
        .sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime())
        .map((r) => ({
          id: r.id,
          job: r.job,
          status: r.status,
          trigger: r.trigger,
          queuedAt: r.queuedAt,
          finishedAt: r.finishedAt,
          created: r.created,
          updated: r.updated,
          unchanged: r.unchanged,
          skipped: r.skipped,
          deleted: r.deleted,
          failed: r.failed,
          href: `/api/runs/${r.id}`,
        })),
    });
  });

  doc('get', '/quarantine', 'Records NetSuite returned with values that could not be read, and why');
  router.get(`${base}/quarantine`, async (_req, res) => {
    res.json({ items: await quarantinedRecords(deps.db) });
  });

  doc(
    'get',
    '/health',
    'NetSuite reachable with the records the flow reads, and how far behind the cursors are',
  );
  router.get(`${base}/health`, async (_req, res) => {
    const check = deps.notConfigured
      ? { ok: false, detail: deps.notConfigured }
      : await deps.check().catch((e: Error) => ({ ok: false, detail: e.message }));
    const cursors = await readCheckpoint<IncrementalCheckpoint>(deps.db, checkpointNames.incremental);
    const oldest = cursors
      ? Math.min(...Object.values(cursors).map((c) => new Date(c).getTime()))
      : undefined;
    res.status(check.ok ? 200 : 503).json({
      status: check.ok ? 'ok' : 'degraded',
      check,
      lagSeconds: oldest === undefined ? null : Math.round((Date.now() - oldest) / 1000),
    });
  });
  return router;
}
