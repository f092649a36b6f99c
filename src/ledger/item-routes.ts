/**
 * The item and alias routes: describing an item by hand and mapping a portal's code to one, which is how an unmapped
 * line in a document finds its stock (the documents that used the code are re-posted).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage } from '../api/pagination.js';
import { HttpProblem, parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
import type { JobQueue } from '../jobs/types.js';
import { itemStatuses, items, skuAliases } from '../models/index.js';
import { itemProblem } from './item-problem.js';
import { mapAlias, normaliseCode, upsertItem } from './items.js';
import { POST_STOCK_JOB } from './job-names.js';

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

export function addItemRoutes(router: Router, { db, jobs }: { db: Database; jobs: JobQueue }): void {
  const tags = ['inventory'];

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
}
