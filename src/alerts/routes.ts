/** The alerts as the API shows them: open or resolved, newest first, with cursor paging. */
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { documentRoute } from '../api/openapi.js';
import { decodeCursor, pageQuery, toPage } from '../api/pagination.js';
import { HttpProblem, parseInput } from '../api/problem.js';
import { alertStatuses } from '../models/alerts.js';
import { listAlerts } from './store.js';

const alertsQuery = pageQuery.extend({ status: z.enum(alertStatuses).optional() });
const cursorKey = z.tuple([z.iso.datetime(), z.number().int()]);

export function alertRoutes(db: Database): Router {
  const router = Router();

  documentRoute({
    method: 'get',
    path: '/api/alerts',
    summary: 'Alerts, newest first; status=open for those not yet resolved, status=resolved for the others',
    tags: ['alerts'],
    query: alertsQuery,
    responses: { '200': { description: 'A page of alerts' }, '400': { description: 'Bad filter or cursor' } },
  });
  router.get('/alerts', async (req, res) => {
    const query = parseInput(alertsQuery, req.query, 'query');
    let before: { openedAt: Date; id: number } | undefined;
    if (query.cursor) {
      const key = cursorKey.safeParse(decodeCursor(query.cursor));
      if (!key.success)
        throw new HttpProblem(
          400,
          'Bad Request',
          'The cursor is not valid here; use the nextCursor of this list',
          {
            errors: [{ field: 'cursor', message: 'not a cursor of this list' }],
          },
        );
      before = { openedAt: new Date(key.data[0]), id: key.data[1] };
    }
    const rows = await listAlerts(db, { status: query.status, before, limit: query.limit + 1 });
    res.json(toPage(rows, query.limit, (a) => [a.openedAt.toISOString(), a.id]));
  });

  return router;
}
