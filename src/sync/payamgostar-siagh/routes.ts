/** The control API of the Payamgostar → Siagh flow, under /api/sync/payamgostar-siagh (behind the API key). */
import { Router } from 'express';
import { z } from 'zod';
import { flowRouteKit, initialLoadBody } from '../../api/flow-routes.js';
import { decodeCursor, toPage, type Page } from '../../api/pagination.js';
import { HttpProblem, parseInput } from '../../api/problem.js';
import type { Database } from '../../db/database.js';
import type { ConnectionCheck } from '../../connection-check.js';
import type { JobQueue } from '../../jobs/types.js';
import { flowJobs } from './context.js';
import type { PollCheckpoint } from './poll.js';
import { importStatus } from './progress.js';
import {
  checkpointNames,
  mappingCounts,
  readCheckpoint,
  readLog,
  searchMappings,
  type LogAction,
} from './store.js';
import { webhookPath } from './webhook.js';

export interface RoutesDeps {
  db: Database;
  jobs: JobQueue;
  notConfigured?: string;
  schedules: { poll?: string; driftCheck?: string };
  checks: ConnectionCheck[];
}

const base = '/sync/payamgostar-siagh';
const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'a CRM id is a GUID' })
  .transform((v) => v.toLowerCase());
const mappingsQuery = z.object({
  entityType: z.enum(['customer', 'pre-invoice']).optional(),
  state: z.enum(['synced', 'creating', 'waiting', 'quarantined', 'failed']).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});
const logActions = [
  'created',
  'updated',
  'linked',
  'unchanged',
  'echo',
  'drift',
  'quarantined',
  'failed',
  'waiting',
  'busy',
] as const satisfies readonly LogAction[];
const logsQuery = z.object({
  crmId: guid.optional(),
  siaghId: z.string().regex(/^\d+$/, 'a Siagh code or pre-invoice number is digits').optional(),
  runId: z.uuid().optional(),
  action: z.enum(logActions).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});

function cursorId(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const id = Number(decodeCursor(cursor)[0]);
  if (!Number.isSafeInteger(id))
    throw new HttpProblem(400, 'Bad Request', 'The cursor is not one this API gave');
  return id;
}

/**
 * One page of a list keyed by its numeric row id: `read` gets the id the cursor holds (none on the first page) and
 * one row more than the page holds, so that it is known whether another page follows.
 */
async function idPage<Row extends { id: unknown }>(
  query: { limit: number; cursor?: string },
  read: (cursorId: number | undefined, limit: number) => Promise<Row[]>,
): Promise<Page<Row>> {
  const rows = await read(cursorId(query.cursor), query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.id]);
}

type Kit = ReturnType<typeof flowRouteKit>;

export function flowRoutes(deps: RoutesDeps): Router {
  const router = Router();
  const kit = flowRouteKit({ base, tag: 'payamgostar-siagh', ...deps });
  runRoutes(router, kit);
  readRoutes(router, deps, kit.doc);
  return router;
}

/** The routes that queue a run. */
function runRoutes(router: Router, { doc, enqueue }: Kit): void {
  doc('post', '/initial', 'Start (or continue after a crash) the initial import Siagh → CRM', {
    body: initialLoadBody,
  });
  router.post(`${base}/initial`, async (req, res) => {
    const body = parseInput(initialLoadBody, req.body ?? {});
    const { runId } = await enqueue(flowJobs.initialImport, body);
    res.status(202).json({ runId, status: `/api${base}/initial/status` });
  });

  doc('post', '/customers/:crmId/sync', 'Sync one CRM customer to Siagh now (its CRM state is sent)');
  router.post(`${base}/customers/:crmId/sync`, async (req, res) => {
    const crmId = parseInput(guid, req.params.crmId, 'CRM id');
    const { runId } = await enqueue(flowJobs.customer, { crmId, force: true });
    res.status(202).json({ runId });
  });

  doc(
    'post',
    '/quotes/:quoteId/sync',
    'Make one CRM quote into a Siagh pre-invoice now (once; a held quote is retried)',
  );
  router.post(`${base}/quotes/:quoteId/sync`, async (req, res) => {
    const quoteId = parseInput(guid, req.params.quoteId, 'quote id');
    const { runId } = await enqueue(flowJobs.quote, { quoteId, force: true });
    res.status(202).json({ runId });
  });

  doc('post', '/poll', 'Run the poll now (CRM changes whose webhook was lost)');
  router.post(`${base}/poll`, async (_req, res) => {
    res.status(202).json(await enqueue(flowJobs.poll, {}));
  });

  doc('post', '/drift-check', 'Compare every Siagh contact with what was last synced now');
  router.post(`${base}/drift-check`, async (_req, res) => {
    res.status(202).json(await enqueue(flowJobs.driftCheck, {}));
  });
}

/** The routes that read: progress, status, mappings, the log and health. */
function readRoutes(router: Router, deps: RoutesDeps, doc: Kit['doc']): void {
  doc(
    'get',
    '/initial/status',
    'Progress of the initial import: processed / total, rate, ETA, what was done',
  );
  router.get(`${base}/initial/status`, async (_req, res) => {
    res.json(await importStatus(deps.db));
  });

  doc('get', '/status', 'Configuration, initial import, last poll and mapping counts of the flow');
  router.get(`${base}/status`, async (_req, res) => {
    const poll = await readCheckpoint<PollCheckpoint>(deps.db, checkpointNames.poll);
    res.json({
      configured: !deps.notConfigured,
      ...(deps.notConfigured ? { detail: deps.notConfigured } : {}),
      schedules: { poll: deps.schedules.poll ?? null, driftCheck: deps.schedules.driftCheck ?? null },
      webhooks: {
        crm: `/api${webhookPath}?token=<PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN>`,
        siagh: `/api${webhookPath}/siagh?token=<PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN>&code=<Code>`,
      },
      initialImport: await importStatus(deps.db),
      lastPoll: poll ?? null,
      mappings: await mappingCounts(deps.db),
      jobs: Object.values(flowJobs),
    });
  });

  doc('get', '/mappings', 'The entity mapping, searched by CRM id, Siagh code, name or customer number', {
    query: mappingsQuery,
  });
  router.get(`${base}/mappings`, async (req, res) => {
    const query = parseInput(mappingsQuery, req.query, 'query');
    const page = await idPage(query, (afterId, limit) =>
      searchMappings(deps.db, {
        entityType: query.entityType,
        state: query.state,
        q: query.q,
        afterId,
        limit,
      }),
    );
    res.json(page);
  });

  doc('get', '/logs', "The flow's log, newest first: what was created, updated, linked, held or reported", {
    query: logsQuery,
  });
  router.get(`${base}/logs`, async (req, res) => {
    const query = parseInput(logsQuery, req.query, 'query');
    const page = await idPage(query, (beforeId, limit) =>
      readLog(deps.db, {
        crmId: query.crmId,
        siaghId: query.siaghId,
        runId: query.runId,
        action: query.action,
        beforeId,
        limit,
      }),
    );
    res.json(page);
  });

  doc('get', '/health', 'Payamgostar and Siagh reachable with the configured credentials');
  router.get(`${base}/health`, async (_req, res) => {
    const checks = await Promise.all(
      deps.checks.map(async (c) => ({
        system: c.system,
        ...(await c.check().catch((e: Error) => ({ ok: false, detail: e.message }))),
      })),
    );
    const ok = !deps.notConfigured && checks.every((c) => c.ok);
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      ...(deps.notConfigured ? { detail: deps.notConfigured } : {}),
      checks,
    });
  });
}
