/** The control API of the NetSuite → OPMS price sync, under /api/sync/netsuite-to-opms (behind the API key). */
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import type { ConnectionCheck } from '../../feature.js';
import type { JobQueue } from '../../jobs/types.js';
import { flowRouteKit, initialLoadBody } from '../../api/flow-routes.js';
import { decodeCursor, encodeCursor } from '../../api/pagination.js';
import { HttpProblem, parseInput } from '../../api/problem.js';
import { manualSyncData } from './passes.js';
import { initialSyncStatus } from './progress.js';
import {
  checkpointNames,
  itemStates,
  priceChanges,
  quarantineCount,
  quarantineEntry,
  readCheckpoint,
  type IncrementalCheckpoint,
} from './store.js';

export const priceSyncJobs = {
  initial: 'netsuite-to-opms.initial',
  item: 'netsuite-to-opms.item',
  incremental: 'netsuite-to-opms.incremental',
  manual: 'netsuite-to-opms.manual',
  forceFull: 'netsuite-to-opms.force-full',
} as const;

export interface RoutesDeps {
  db: Database;
  jobs: JobQueue;
  /** Why the sync cannot run, when NetSuite or OPMS settings are missing. */
  notConfigured?: string;
  schedule?: string;
  checks: ConnectionCheck[];
}

const base = '/sync/netsuite-to-opms';
const itemIdParam = z.string().regex(/^\d+$/, { message: 'a NetSuite internal id is digits, e.g. 43992' });
const logsQuery = z.object({
  itemId: itemIdParam.optional(),
  runId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});

export function priceSyncRoutes(deps: RoutesDeps): Router {
  const router = Router();
  const { doc, enqueue } = flowRouteKit({ base, tag: 'netsuite-to-opms', ...deps });

  doc('post', '/initial', 'Start (or continue after a crash) the initial bulk sync of every item', {
    body: initialLoadBody,
  });
  router.post(`${base}/initial`, async (req, res) => {
    const body = parseInput(initialLoadBody, req.body ?? {});
    const { runId } = await enqueue(priceSyncJobs.initial, body);
    res.status(202).json({ runId, status: `/api${base}/initial/status` });
  });

  doc('get', '/initial/status', 'Progress of the initial sync: processed / total, rate, ETA');
  router.get(`${base}/initial/status`, async (_req, res) => {
    res.json(await initialSyncStatus(deps.db));
  });

  doc('post', '/item/:itemId', 'Sync one item now, read from NetSuite');
  router.post(`${base}/item/:itemId`, async (req, res) => {
    const itemId = parseInput(itemIdParam, req.params.itemId, 'item id');
    const { runId } = await enqueue(priceSyncJobs.item, { itemId });
    res.status(202).json({ runId, status: `/api${base}/item/${itemId}/status` });
  });

  doc('get', '/item/:itemId/status', 'Last sync of one item, its quarantine entry and recent changes');
  router.get(`${base}/item/:itemId/status`, async (req, res) => {
    const itemId = parseInput(itemIdParam, req.params.itemId, 'item id');
    const state = (await itemStates(deps.db, [itemId])).get(itemId);
    const quarantine = await quarantineEntry(deps.db, itemId);
    const changes = await priceChanges(deps.db, { itemId, limit: 20 });
    if (!state && !quarantine && changes.length === 0)
      throw new HttpProblem(404, 'Not Found', `NetSuite item ${itemId} has not been synced yet`);
    res.json({ itemId, state: state ?? null, quarantine: quarantine ?? null, recentChanges: changes });
  });

  doc('post', '/manual', 'Sync a list of items or those modified in a date range', { body: manualSyncData });
  router.post(`${base}/manual`, async (req, res) => {
    const data = parseInput(manualSyncData, req.body ?? {});
    const { runId } = await enqueue(priceSyncJobs.manual, data);
    res.status(202).json({ runId });
  });

  doc('post', '/force-full', 'Re-check every item against OPMS, ignoring cursors');
  router.post(`${base}/force-full`, async (_req, res) => {
    const { runId } = await enqueue(priceSyncJobs.forceFull, {});
    res.status(202).json({ runId });
  });

  doc('get', '/status', 'Configuration, initial sync, incremental cursor and quarantine of the price sync');
  router.get(`${base}/status`, async (_req, res) => {
    const incremental = await readCheckpoint<IncrementalCheckpoint>(deps.db, checkpointNames.incremental);
    res.json({
      configured: !deps.notConfigured,
      ...(deps.notConfigured ? { detail: deps.notConfigured } : {}),
      schedule: deps.schedule ?? null,
      initial: await initialSyncStatus(deps.db),
      incremental: { modifiedThrough: incremental?.modifiedThrough ?? null },
      quarantined: await quarantineCount(deps.db),
      jobs: Object.values(priceSyncJobs),
    });
  });

  doc('get', '/logs', 'Audit trail of OPMS values changed, newest first', { query: logsQuery });
  router.get(`${base}/logs`, async (req, res) => {
    const q = parseInput(logsQuery, req.query, 'query');
    const beforeId = q.cursor ? Number(decodeCursor(q.cursor)[0]) : undefined;
    const rows = await priceChanges(deps.db, {
      itemId: q.itemId,
      runId: q.runId,
      beforeId,
      limit: q.limit + 1,
    });
    const items = rows.slice(0, q.limit);
    res.json({ items, nextCursor: rows.length > q.limit ? encodeCursor([items.at(-1)!.id]) : null });
  });

  doc(
    'get',
    '/health',
    'NetSuite and OPMS reachable with the configured credentials, and how far behind the cursor is',
  );
  router.get(`${base}/health`, async (_req, res) => {
    const checks = await Promise.all(
      deps.checks.map(async (c) => ({
        system: c.system,
        ...(await c.check().catch((e: Error) => ({ ok: false, detail: e.message }))),
      })),
    );
    const incremental = await readCheckpoint<IncrementalCheckpoint>(deps.db, checkpointNames.incremental);
    const ok = !deps.notConfigured && checks.every((c) => c.ok);
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      ...(deps.notConfigured ? { detail: deps.notConfigured } : {}),
      checks,
      lagSeconds: incremental
        ? Math.round((Date.now() - new Date(incremental.modifiedThrough).getTime()) / 1000)
        : null,
    });
  });
  return router;
}
