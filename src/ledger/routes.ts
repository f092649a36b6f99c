/**
 * The ledger's control API (mounted under /api): inventory and movements, manual adjustments, item and alias
 * mapping, analytics, and the stored documents with their postings. Bad input is answered with problem+json and
 * nothing is written.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage, type PageQuery } from '../api/pagination.js';
import { HttpProblem, notFound, parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
import type { JobQueue } from '../jobs/types.js';
import { itemStatuses, skuAliases, items } from '../models/index.js';
import {
  margin,
  purchaseStats,
  salesStats,
  stockSummary,
  topCustomers,
  topPurchasedProducts,
  topVendors,
  type DateRange,
} from './analytics.js';
import { adjustStock } from './balances.js';
import { addDriftRoute } from './drift-routes.js';
import { ItemNotFoundError } from './errors.js';
import {
  documentDetail,
  itemDetail,
  itemMovements,
  listDocuments,
  listInventory,
  type DocumentType,
  type InventoryFilter,
} from './inventory-queries.js';
import { mapAlias, normaliseCode, upsertItem } from './items.js';
import { businessToday } from './lock.js';
import type { PostingRules } from './posting-rules.js';

export const POST_STOCK_JOB = 'inventory.post-stock';
export const RECONCILE_JOB = 'inventory.reconcile';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date as YYYY-MM-DD' })
  // zod runs this even when the pattern failed, so it must not throw on text that is no date at all.
  .refine(
    (d) => {
      const at = Date.parse(`${d}T00:00:00Z`);
      return !Number.isNaN(at) && new Date(at).toISOString().startsWith(d);
    },
    { message: 'is not a calendar date' },
  );

const inventoryQuery = pageQuery.extend({
  filter: z.enum(['low', 'oversold', 'unmapped']).optional(),
  threshold: z.coerce.number({ message: 'expected a number' }).optional(),
});
const adjustmentBody = z
  .object({
    qty: z
      .number({ message: 'expected a signed quantity, e.g. -2 for two damaged units' })
      .finite()
      .refine((q) => q !== 0, { message: 'must not be zero' }),
    reason: z
      .string()
      .trim()
      .min(3, { message: 'say why the stock changed (at least 3 characters)' })
      .max(500),
    occurredOn: day.optional(),
  })
  .strict();
const itemBody = z
  .object({
    name: z.string().trim().min(1, { message: 'must not be empty' }),
    unit: z.string().trim().min(1).optional(),
    status: z.enum(itemStatuses).optional(),
    reorderPoint: z.number().finite().min(0).nullable().optional(),
  })
  .strict();
const aliasBody = z
  .object({ sku: z.string().trim().min(1, { message: 'name the item the code means' }) })
  .strict();
const aliasQuery = pageQuery.extend({ source: z.string().min(1).optional() });
const postBody = z.object({ full: z.boolean().optional(), source: z.string().min(1).optional() }).strict();

const rangeQuery = z
  .object({ from: day.optional(), to: day.optional() })
  .transform((q): DateRange => {
    const to = q.to ?? businessToday();
    const from =
      q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    return { from, to };
  })
  .refine((r) => r.from <= r.to, { message: '"from" must not be after "to"', path: ['from'] });
const rankingQuery = z
  .object({
    from: day.optional(),
    to: day.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .transform((q) => ({ range: parseInput(rangeQuery, { from: q.from, to: q.to }, 'query'), limit: q.limit }));
const summaryQuery = pageQuery.extend({ from: day.optional(), to: day.optional() });
const documentsQuery = pageQuery.extend({
  source: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
});

function itemProblem(error: unknown): never {
  if (error instanceof ItemNotFoundError) throw new HttpProblem(404, 'Not Found', error.message);
  throw error;
}

export interface LedgerRouteDeps {
  db: Database;
  jobs: JobQueue;
  rules: PostingRules;
  lowStockThreshold: number;
}

export function ledgerRoutes({ db, jobs, rules, lowStockThreshold }: LedgerRouteDeps): Router {
  const router = Router();
  const tags = ['inventory'];
  const skuKey = z.tuple([z.string()]);
  const inventoryPage = (q: PageQuery & { threshold?: number }, filter: InventoryFilter | undefined) =>
    readPage(
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
    res.json(await inventoryPage(q, q.filter));
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

  documentRoute({
    method: 'post',
    path: '/api/inventory/:sku/adjustments',
    summary: 'Adjust stock by hand (ADJUST movement) with a required reason',
    tags,
    body: adjustmentBody,
    responses: {
      '201': { description: 'The movement and the new on-hand' },
      '400': { description: 'Missing reason, zero or non-numeric quantity; nothing written' },
      '404': { description: 'No such SKU' },
    },
  });
  router.post('/inventory/:sku/adjustments', async (req, res) => {
    const body = parseInput(adjustmentBody, req.body, 'request body');
    const result = await adjustStock(db, { sku: String(req.params.sku), ...body }).catch(itemProblem);
    res.status(201).json(result);
  });

  documentRoute({
    method: 'put',
    path: '/api/items/:sku',
    summary: 'Create or describe an item (clears its unmapped flag)',
    tags,
    body: itemBody,
    responses: {
      '200': { description: 'Updated' },
      '201': { description: 'Created' },
      '400': { description: 'Bad item' },
    },
  });
  router.put('/items/:sku', async (req, res) => {
    const body = parseInput(itemBody, req.body, 'request body');
    const sku = normaliseCode(String(req.params.sku));
    if (sku === '') throw new HttpProblem(400, 'Bad Request', 'The SKU must not be empty');
    const result = await upsertItem(db, { sku, ...body });
    res.status(result.created ? 201 : 200).json({ sku, ...result });
  });

  documentRoute({
    method: 'get',
    path: '/api/items/aliases',
    summary: 'Portal codes mapped to items, by source and code',
    tags,
    query: aliasQuery,
    responses: { '200': { description: 'A page of aliases' } },
  });
  router.get('/items/aliases', async (req, res) => {
    const q = parseInput(aliasQuery, req.query, 'query');
    const page = await readPage(
      q,
      z.tuple([z.string(), z.string()]),
      (after, limit) =>
        db
          .select({
            source: skuAliases.source,
            code: skuAliases.code,
            sku: items.sku,
            name: items.name,
            updatedAt: skuAliases.updatedAt,
          })
          .from(skuAliases)
          .innerJoin(items, eq(items.id, skuAliases.itemId))
          .where(
            and(
              q.source ? eq(skuAliases.source, q.source) : undefined,
              after
                ? sql`(${skuAliases.source}, ${skuAliases.code}) > (${after[0]}, ${after[1]})`
                : undefined,
            ),
          )
          .orderBy(asc(skuAliases.source), asc(skuAliases.code))
          .limit(limit),
      (r) => [r.source, r.code],
    );
    res.json(page);
  });

  documentRoute({
    method: 'put',
    path: '/api/items/aliases/:source/:code',
    summary: "Map a portal's code to an item; documents that used it are re-posted onto that item",
    tags,
    body: aliasBody,
    responses: {
      '200': { description: 'Mapped; runId names the re-posting run when documents were affected' },
      '400': { description: 'Bad body' },
      '404': { description: 'No item with that SKU' },
    },
  });
  router.put('/items/aliases/:source/:code', async (req, res) => {
    const body = parseInput(aliasBody, req.body, 'request body');
    const mapping = { source: String(req.params.source), code: String(req.params.code), sku: body.sku };
    const result = await mapAlias(db, mapping).catch(itemProblem);
    const affected = result.affectedPurchaseOrders + result.affectedSalesInvoices;
    const run =
      affected > 0 ? await jobs.enqueue(POST_STOCK_JOB, { source: mapping.source }, 'manual') : null;
    res.json({
      source: mapping.source,
      code: normaliseCode(mapping.code),
      sku: normaliseCode(mapping.sku),
      ...result,
      runId: run?.runId ?? null,
    });
  });

  const analytics = ['analytics'];
  const rangeRoute = (path: string, summary: string, compute: (range: DateRange) => Promise<unknown>) => {
    documentRoute({
      method: 'get',
      path: `/api/analytics/${path}`,
      summary,
      tags: analytics,
      query: rangeQuery,
      responses: { '200': { description: summary }, '400': { description: 'Bad date range' } },
    });
    router.get(`/analytics/${path}`, async (req, res) => {
      const range = parseInput(rangeQuery, req.query, 'query');
      res.json({ ...range, ...((await compute(range)) as object) });
    });
  };
  rangeRoute(
    'purchases',
    'Purchase orders counted toward stock in a date range: count, total, average',
    (r) => purchaseStats(db, rules, r),
  );
  rangeRoute('sales', 'Sales invoices counted toward stock in a date range: count, total, average', (r) =>
    salesStats(db, rules, r),
  );
  rangeRoute('margin', 'Sales minus purchases in a date range', (r) => margin(db, rules, r));

  const rankingRoute = (
    path: string,
    summary: string,
    compute: (range: DateRange, limit: number) => Promise<unknown[]>,
  ) => {
    documentRoute({
      method: 'get',
      path: `/api/analytics/${path}`,
      summary,
      tags: analytics,
      query: rankingQuery,
      responses: { '200': { description: summary }, '400': { description: 'Bad date range or limit' } },
    });
    router.get(`/analytics/${path}`, async (req, res) => {
      const q = parseInput(rankingQuery, req.query, 'query');
      res.json({ ...q.range, items: await compute(q.range, q.limit) });
    });
  };
  rankingRoute('top-vendors', 'Vendors by purchase total', (r, n) => topVendors(db, rules, r, n));
  rankingRoute('top-customers', 'Customers by sales total', (r, n) => topCustomers(db, rules, r, n));
  rankingRoute('top-products', 'Products by quantity purchased', (r, n) =>
    topPurchasedProducts(db, rules, r, n),
  );

  documentRoute({
    method: 'get',
    path: '/api/analytics/stock-summary',
    summary: 'Per SKU: in, out, adjust (in the range when given) and on-hand now',
    tags: analytics,
    query: summaryQuery,
    responses: { '200': { description: 'A page of SKUs' }, '400': { description: 'Bad range or cursor' } },
  });
  router.get('/analytics/stock-summary', async (req, res) => {
    const q = parseInput(summaryQuery, req.query, 'query');
    const range = q.from || q.to ? parseInput(rangeQuery, { from: q.from, to: q.to }, 'query') : undefined;
    const page = await readPage(
      q,
      skuKey,
      (after, limit) => stockSummary(db, { range, limit, afterSku: after?.[0] }),
      (r) => [r.sku],
    );
    res.json(page);
  });

  documentRoute({
    method: 'get',
    path: '/api/analytics/low-stock',
    summary: 'Active items at or below their reorder point (or the threshold when they have none)',
    tags: analytics,
    query: inventoryQuery.omit({ filter: true }),
    responses: { '200': { description: 'A page of items' } },
  });
  router.get('/analytics/low-stock', async (req, res) => {
    const q = parseInput(inventoryQuery.omit({ filter: true }), req.query, 'query');
    res.json(await inventoryPage(q, 'low'));
  });

  const documentRoutes = (path: string, type: DocumentType, label: string) => {
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
  };
  documentRoutes('purchase-orders', 'purchase_order', 'Purchase order');
  documentRoutes('sales-invoices', 'sales_invoice', 'Sales invoice');

  return router;
}
