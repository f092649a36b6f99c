/**
 * GET /api/inventory/drift: the drift report (see drift.ts) as a page of items, by SKU. Mounted among the inventory
 * routes, before /inventory/:sku, which would otherwise take "drift" for a SKU.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage } from '../api/pagination.js';
import { parseInput } from '../api/problem.js';
import type { Queryable } from '../db/database.js';
import { driftReport } from './drift.js';
import type { PostingRules } from './posting-rules.js';

export const driftQuery = pageQuery.extend({
  source: z
    .string()
    .max(40)
    .regex(/^[a-z][a-z0-9-]*$/, { message: 'expected the name of a portal, e.g. routestar' })
    .default('routestar'),
  tolerance: z.coerce
    .number({ message: 'expected a number of units, e.g. 0.5' })
    .min(0, { message: 'must not be negative' })
    .max(1_000_000_000)
    .default(0),
  all: z
    .enum(['true', 'false'], {
      message: 'expected true (every counted item) or false (only those that drift)',
    })
    .default('false'),
});

export function addDriftRoute(router: Router, deps: { db: Queryable; rules: PostingRules }): void {
  documentRoute({
    method: 'get',
    path: '/api/inventory/drift',
    summary:
      "Per item, the portal's own on-hand beside the ledger's, the difference and its likely reasons (unposted invoices, purchase orders, manual counts)",
    tags: ['inventory'],
    query: driftQuery,
    responses: {
      '200': { description: 'A page of items, by SKU, with their reasons' },
      '400': { description: 'Bad source, tolerance or cursor' },
    },
  });
  router.get('/inventory/drift', async (req, res) => {
    const q = parseInput(driftQuery, req.query, 'query');
    const page = await readPage(
      q,
      z.tuple([z.string()]),
      (after, limit) =>
        driftReport(deps.db, deps.rules, {
          source: q.source,
          tolerance: q.tolerance,
          includeMatching: q.all === 'true',
          limit,
          afterSku: after?.[0],
        }),
      (r) => [r.sku],
    );
    res.json({ source: q.source, ...page });
  });
}
