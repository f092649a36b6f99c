/** Run history: list with filters and cursor pagination, and one run with its events. */
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { getRun, listRuns, runEvents } from '../../jobs/runs.js';
import { runStatuses } from '../../jobs/types.js';
import { documentRoute } from '../openapi.js';
import { decodeCursor, pageQuery, toPage } from '../pagination.js';
import { notFound, parseInput } from '../problem.js';

const runsQuery = pageQuery.extend({
  job: z.string().min(1).optional(),
  status: z.enum(runStatuses).optional(),
});
const runId = z.uuid({ message: 'a run id is a UUID' });

export function runRoutes(db: Database): Router {
  const router = Router();

  documentRoute({
    method: 'get',
    path: '/api/runs',
    summary: 'Sync runs, newest first, filtered by job and status',
    tags: ['runs'],
    query: runsQuery,
    responses: { '200': { description: 'A page of runs' }, '400': { description: 'Bad filter or cursor' } },
  });
  router.get('/runs', async (req, res) => {
    const query = parseInput(runsQuery, req.query, 'query');
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await listRuns(db, {
      job: query.job,
      status: query.status,
      before: before ? { queuedAt: new Date(String(before[0])), id: String(before[1]) } : undefined,
      limit: query.limit + 1,
    });
    res.json(toPage(rows, query.limit, (r) => [r.queuedAt.toISOString(), r.id]));
  });

  documentRoute({
    method: 'get',
    path: '/api/runs/:id',
    summary: 'One run with its counters and events',
    tags: ['runs'],
    responses: { '200': { description: 'The run' }, '404': { description: 'No such run' } },
  });
  router.get('/runs/:id', async (req, res) => {
    const id = parseInput(runId, req.params.id, 'run id');
    const run = await getRun(db, id);
    if (!run) throw notFound(`Run ${id}`);
    res.json({ ...run, events: await runEvents(db, id) });
  });

  return router;
}
