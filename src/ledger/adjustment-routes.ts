/**
 * POST /api/inventory/:sku/adjustments: the one way a person changes stock by hand, so it insists on a reason and
 * refuses a zero or non-numeric quantity before anything is written.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
import { adjustStock } from './balances.js';
import { calendarDay } from './calendar-day.js';
import { itemProblem } from './item-problem.js';

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
    occurredOn: calendarDay.optional(),
  })
  .strict();

export function addAdjustmentRoute(router: Router, { db }: { db: Database }): void {
  documentRoute({
    method: 'post',
    path: '/api/inventory/:sku/adjustments',
    summary: 'Adjust stock by hand (ADJUST movement) with a required reason',
    tags: ['inventory'],
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
}
