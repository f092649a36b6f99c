/**
 * The inventory routes: what is on hand (all items, one item, its movements) and the buttons that queue posting and
 * reconciliation. The drift report is mounted among them because /inventory/:sku would otherwise take "drift" for a
 * SKU.
 */
import { eq } from 'drizzle-orm';
import type { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage, type PageQuery } from '../api/pagination.js';
import { notFound, parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
import type { JobQueue } from '../jobs/types.js';
import { items } from '../models/index.js';
import { addDriftRoute } from './drift-routes.js';
import { itemDetail, itemMovements, listInventory, type InventoryFilter } from './inventory-queries.js';
import { normaliseCode } from './items.js';
import { POST_STOCK_JOB, RECONCILE_JOB } from './job-names.js';
import type { PostingRules } from './posting-rules.js';

export const inventoryQuery = pageQuery.extend({
  filter: z.enum(['low', 'oversold', 'unmapped']).optional(),
  threshold: z.coerce.number({ message: 'expected a number' }).optional(),
});
const postBody = z.object({ full: z.boolean().optional(), source: z.string().min(1).optional() }).strict();

/** Pages keyed by SKU: the inventory list, low stock and the stock summary. */
export const skuKey = z.tuple([z.string()]);

/** A page of the inventory list; the low-stock analytics read the same page with the filter fixed. */
export function inventoryPage(
  db: Database,
  lowStockThreshold: number,
  q: PageQuery & { threshold?: number },
  filter: InventoryFilter | undefined,
) {
  return readPage(
    q,
    skuKey,
    (after, limit) =>
      listInventory(db, {
        filter,
        threshold: q.threshold ?? lowStockThreshold,
        limit,
        afterSku: after?.[0],
      }),
    (r) => [r.sku],
  );
}

export function addInventoryRoutes(
  router: Router,
  deps: { db: Database; jobs: JobQueue; rules: PostingRules; lowStockThreshold: number },
): void {
  const { db, jobs, rules, lowStockThreshold } = deps;
  const tags = ['inventory'];

  documentRoute({
    method: 'get',
    path: '/api/inventory',
    summary:
      'Items with on-hand, by SKU; filter low (at or below reorder point/threshold), oversold or unmapped',
    tags,
    query: inventoryQuery,
    responses: { '200': { description: 'A page of items' }, '400': { description: 'Bad filter or cursor' } },
  });
  router.get('/inventory', async (req, res) => {
    const q = parseInput(inventoryQuery, req.query, 'query');
    res.json(await inventoryPage(db, lowStockThreshold, q, q.filter));
  });

  documentRoute({
    method: 'post',
    path: '/api/inventory/reconcile',
    summary: 'Queue inventory.reconcile: recompute every balance from the ledger and repair mismatches',
    tags,
    responses: { '202': { description: 'Queued; the body holds the run id' } },
  });
  router.post('/inventory/reconcile', async (_req, res) => {
    const { runId } = await jobs.enqueue(RECONCILE_JOB, {}, 'manual');
    res.status(202).location(`/api/runs/${runId}`).json({ runId });
  });

  documentRoute({
    method: 'post',
    path: '/api/inventory/post',
    summary:
      'Queue inventory.post-stock now (full: re-check every document, e.g. after changing posting statuses)',
    tags,
    body: postBody,
    responses: {
      '202': { description: 'Queued; the body holds the run id' },
      '400': { description: 'Bad options' },
    },
  });
  router.post('/inventory/post', async (req, res) => {
    const body = parseInput(postBody, req.body ?? {}, 'request body');
    const { runId } = await jobs.enqueue(POST_STOCK_JOB, body, 'manual');
    res.status(202).location(`/api/runs/${runId}`).json({ runId });
  });

  addDriftRoute(router, { db, rules });

  documentRoute({
    method: 'get',
    path: '/api/inventory/:sku',
    summary: 'One item: on-hand, last restock, totals in/out/adjust, aliases',
    tags,
    responses: { '200': { description: 'The item' }, '404': { description: 'No such SKU' } },
  });
  router.get('/inventory/:sku', async (req, res) => {
    const item = await itemDetail(db, String(req.params.sku), lowStockThreshold);
    if (!item) throw notFound(`Item ${normaliseCode(String(req.params.sku))}`);
    res.json(item);
  });

  documentRoute({
    method: 'get',
    path: '/api/inventory/:sku/movements',
    summary: "An item's stock movements, newest first",
    tags,
    query: pageQuery,
    responses: { '200': { description: 'A page of movements' }, '404': { description: 'No such SKU' } },
  });
  router.get('/inventory/:sku/movements', async (req, res) => {
    const q = parseInput(pageQuery, req.query, 'query');
    const [item] = await db
      .select({ id: items.id })
      .from(items)
      .where(eq(items.sku, normaliseCode(String(req.params.sku))));
    if (!item) throw notFound(`Item ${normaliseCode(String(req.params.sku))}`);
    // A movement id is a bigint, which node-postgres hands over as text; the key reads text or number alike.
    const page = await readPage(
      q,
      z.tuple([z.coerce.number().int()]),
      (before, limit) => itemMovements(db, item.id, { limit, beforeId: before?.[0] }),
      (r) => [r.id],
    );
    res.json(page);
  });
}
