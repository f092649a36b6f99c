/**
 * The stored documents (purchase orders and sales invoices) as the API shows them: newest first, each saying whether
 * the ledger has posted its latest state, and one at a time with the movements it posted.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage } from '../api/pagination.js';
import { notFound, parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
import { documentDetail, listDocuments, type DocumentType } from './inventory-queries.js';

const documentsQuery = pageQuery.extend({
  source: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
});

function addDocumentTypeRoutes(
  router: Router,
  db: Database,
  path: string,
  type: DocumentType,
  label: string,
) {
  documentRoute({
    method: 'get',
    path: `/api/${path}`,
    summary: `${label}s newest first, with whether the ledger has posted their latest state`,
    tags: ['documents'],
    query: documentsQuery,
    responses: {
      '200': { description: `A page of ${label.toLowerCase()}s` },
      '400': { description: 'Bad filter or cursor' },
    },
  });
  router.get(`/${path}`, async (req, res) => {
    const q = parseInput(documentsQuery, req.query, 'query');
    const page = await readPage(
      q,
      z.tuple([z.string(), z.string()]),
      (after, limit) =>
        listDocuments(db, type, {
          source: q.source,
          status: q.status,
          limit,
          after: after && { date: after[0], id: after[1] },
        }),
      (r) => [r.sortDay, r.id],
    );
    res.json(page);
  });
  documentRoute({
    method: 'get',
    path: `/api/${path}/:source/:number`,
    summary: `One ${label.toLowerCase()} with its lines and the stock movements it posted`,
    tags: ['documents'],
    responses: { '200': { description: label }, '404': { description: `No such ${label.toLowerCase()}` } },
  });
  router.get(`/${path}/:source/:number`, async (req, res) => {
    const doc = await documentDetail(db, type, String(req.params.source), String(req.params.number));
    if (!doc) throw notFound(`${label} ${String(req.params.source)}/${String(req.params.number)}`);
    res.json(doc);
  });
}

export function addDocumentRoutes(router: Router, { db }: { db: Database }): void {
  addDocumentTypeRoutes(router, db, 'purchase-orders', 'purchase_order', 'Purchase order');
  addDocumentTypeRoutes(router, db, 'sales-invoices', 'sales_invoice', 'Sales invoice');
}
