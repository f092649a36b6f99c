/**
 * The receiver of NetSuite's user-event webhook (research §1.8): bearer secret checked in constant time, payload
 * validated, the same edit delivered twice recognised, a single-item run enqueued, and an answer within
 * milliseconds. NetSuite's N/https does not retry, so refusals say exactly what is wrong for its script log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import type { JobQueue } from '../../jobs/types.js';
import { HttpProblem, parseInput } from '../../api/problem.js';
import { isTicked, type PriceSnapshot } from './mapping.js';
import { attachReceiptRun, claimWebhookReceipt, releaseWebhookReceipt } from './store.js';

export const webhookPayloadSchema = z.object({
  eventType: z.literal('item.pricing.updated', { message: 'eventType must be "item.pricing.updated"' }),
  source: z.string().optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  itemData: z.looseObject({
    internalid: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).transform(String),
    itemid: z.string().trim().min(1),
    lastmodifieddate: z.iso.datetime({ offset: true }).optional(),
  }),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export function snapshotFromWebhook(
  payload: WebhookPayload,
  fields: string[],
  skipField: string,
): PriceSnapshot {
  const data = payload.itemData as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const f of fields) values[f] = data[f];
  const modified = payload.itemData.lastmodifieddate ?? payload.timestamp;
  return {
    itemId: payload.itemData.internalid,
    itemCode: payload.itemData.itemid,
    modifiedAt: modified ? new Date(modified) : undefined,
    skip: isTicked(data[skipField]),
    values,
  };
}

/** The same item, modification time and values: one delivery however many times it arrives. */
export function webhookDedupKey(snapshot: PriceSnapshot): string {
  const canonical = JSON.stringify([
    snapshot.itemId,
    snapshot.modifiedAt?.toISOString() ?? null,
    snapshot.skip,
    Object.entries(snapshot.values).sort(),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function bearerMatches(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookDeps {
  db: Database;
  jobs: JobQueue;
  /** undefined: the webhook answers 503 and says which variable to set. */
  secret?: string;
  fields: string[];
  skipField: string;
  itemJob: string;
}

export function webhookRouter(deps: WebhookDeps): Router {
  const router = Router();
  router.post('/sync/netsuite-to-opms/webhook', async (req, res) => {
    if (!deps.secret)
      throw new HttpProblem(
        503,
        'Service Unavailable',
        'The NetSuite → OPMS webhook is not configured: set NETSUITE_OPMS_WEBHOOK_SECRET (and NetSuite/OPMS settings)',
      );
    if (!bearerMatches(req.headers.authorization, deps.secret))
      throw new HttpProblem(
        401,
        'Unauthorized',
        'Unauthorized webhook: the Authorization header must be "Bearer <NETSUITE_OPMS_WEBHOOK_SECRET>"',
      );
    const payload = parseInput(webhookPayloadSchema, req.body, 'webhook payload');
    const snapshot = snapshotFromWebhook(payload, deps.fields, deps.skipField);
    const dedupKey = webhookDedupKey(snapshot);
    if (!(await claimWebhookReceipt(deps.db, { dedupKey, itemId: snapshot.itemId, payload }))) {
      res.json({
        success: true,
        message: 'Already received; not processed again',
        itemId: snapshot.itemId,
        duplicate: true,
      });
      return;
    }
    let runId: string;
    try {
      ({ runId } = await deps.jobs.enqueue(
        deps.itemJob,
        {
          itemId: snapshot.itemId,
          snapshot: { ...snapshot, modifiedAt: snapshot.modifiedAt?.toISOString() },
        },
        'webhook',
      ));
    } catch (error) {
      // Not queued: forget the receipt so a resend (or the scheduled pass) is not mistaken for a duplicate.
      await releaseWebhookReceipt(deps.db, dedupKey);
      throw error;
    }
    await attachReceiptRun(deps.db, dedupKey, runId);
    res.json({
      success: true,
      message: 'Webhook accepted; OPMS is updated by run ' + runId,
      itemId: snapshot.itemId,
      runId,
    });
  });
  return router;
}
