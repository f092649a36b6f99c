/**
 * The analytics routes: the figures a buyer asks of the ledger (purchases, sales, margin, rankings, stock summary,
 * low stock) over a date range that defaults to the last 30 business days.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage } from '../api/pagination.js';
import { parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
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
import { calendarDay } from './calendar-day.js';
import { inventoryPage, inventoryQuery, skuKey } from './inventory-routes.js';
import { businessToday } from './lock.js';
import type { PostingRules } from './posting-rules.js';

const rangeQuery = z
  .object({ from: calendarDay.optional(), to: calendarDay.optional() })
  .transform((q): DateRange => {
    const to = q.to ?? businessToday();
    const from =
      q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    return { from, to };
  })
  .refine((r) => r.from <= r.to, { message: '"from" must not be after "to"', path: ['from'] });
const rankingQuery = z
  .object({
    from: calendarDay.optional(),
    to: calendarDay.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .transform((q) => ({ range: parseInput(rangeQuery, { from: q.from, to: q.to }, 'query'), limit: q.limit }));
const summaryQuery = pageQuery.extend({ from: calendarDay.optional(), to: calendarDay.optional() });

export function addAnalyticsRoutes(
  router: Router,
  deps: { db: Database; rules: PostingRules; lowStockThreshold: number },
): void {
  const { db, rules, lowStockThreshold } = deps;
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
    res.json(await inventoryPage(db, lowStockThreshold, q, 'low'));
  });
}
