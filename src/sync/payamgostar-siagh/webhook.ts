/**
 * The webhooks of the flow, mounted before the API-key check because the callers cannot send one:
 *
 * - GET /api/sync/payamgostar-siagh/webhook?token=…  — the CRM's webhook. The CRM calls it on every insert and update
 *   with `event`, `id`, `type` and `subtype` added to the query, signs nothing and sends no data, so the URL carries a
 *   secret token: without the right one the answer is 401 and nothing is done.
 * - GET /api/sync/payamgostar-siagh/webhook/siagh?token=…&code=<Code> — a Siagh contact changed. Siagh has no webhook
 *   of its own; a Siagh BPMS flow or a database trigger that calls a URL after a contact is saved can call this one.
 *   The contact is compared for drift (nothing is copied to the CRM).
 *
 * Both answer within milliseconds: the work is a queued run. A record that already has a run queued and not started
 * is not queued twice (that run reads the record when it starts, so it sees this change too); the CRM's insert
 * webhook for a customer our own import created is recognised from the mapping and queues nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { parseCrmNotification } from '../../connectors/payamgostar/webhook-notification.js';
import { documentRoute } from '../../api/openapi.js';
import { HttpProblem, parseInput } from '../../api/problem.js';
import type { Database } from '../../db/database.js';
import type { JobQueue } from '../../jobs/types.js';
import { flowJobs, type CreatedRecords } from './context.js';
import { attachQueueSlot, claimQueueSlot, mappingByCrmId, releaseQueueSlot } from './store.js';

export const webhookPath = '/sync/payamgostar-siagh/webhook';

export interface WebhookDeps {
  db: Database;
  jobs: JobQueue;
  /** undefined: webhooks answer 503 and say which variable to set. */
  token?: string;
  /** Why the flow cannot run, when the CRM or Siagh settings are missing. */
  notConfigured?: string;
  created: CreatedRecords;
}

function tokenMatches(given: unknown, expected: string): boolean {
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function authorise(deps: WebhookDeps, req: Request): void {
  if (!deps.token)
    throw new HttpProblem(
      503,
      'Service Unavailable',
      'The Payamgostar → Siagh webhooks are not configured: set PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN and give the CRM the URL with ?token=<it>',
    );
  if (!tokenMatches(req.query.token, deps.token))
    throw new HttpProblem(
      401,
      'Unauthorized',
      'Unauthorized webhook: the URL must carry ?token=<PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN>',
    );
  if (deps.notConfigured) throw new HttpProblem(503, 'Service Unavailable', deps.notConfigured);
}

/** Queues `job` for a record unless a run for it is queued and not started yet. */
async function queueOnce(
  deps: WebhookDeps,
  recordKey: string,
  job: string,
  data: Record<string, unknown>,
): Promise<{ runId: string | null; duplicate: boolean }> {
  const queued = await claimQueueSlot(deps.db, recordKey);
  // A slot without a run yet is being queued by a notification that came a moment earlier.
  if (queued) return { runId: queued.runId, duplicate: true };
  try {
    const { runId } = await deps.jobs.enqueue(job, { ...data, queueKey: recordKey }, 'webhook');
    await attachQueueSlot(deps.db, recordKey, runId);
    return { runId, duplicate: false };
  } catch (error) {
    // Not queued: free the slot so a resend (or the poll) is not taken for a duplicate.
    await releaseQueueSlot(deps.db, recordKey);
    throw error;
  }
}

const siaghQuery = z.object({
  code: z.coerce.number({ message: 'code must be a Siagh contact Code' }).int().positive(),
});

export function webhookRouter(deps: WebhookDeps): Router {
  const router = Router();
  documentRoute({
    method: 'get',
    path: `/api${webhookPath}`,
    summary:
      'Payamgostar CRM webhook (GET with event, id, type, subtype); the URL carries ?token=<PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN>',
    tags: ['payamgostar-siagh'],
    apiKey: false,
    responses: {
      '200': { description: 'Queued (runId), already queued, or recognised as the echo of our own write' },
      '400': { description: 'Not a CRM webhook call' },
      '401': { description: 'Missing or wrong token; nothing done' },
      '503': { description: 'Not configured' },
    },
  });
  router.get(webhookPath, async (req, res) => {
    authorise(deps, req);
    const parsed = parseCrmNotification(req.query);
    if (!parsed.ok) throw new HttpProblem(400, 'Bad Request', parsed.reason);
    const n = parsed.notification;
    if (n.type === 'Identity' && n.event === 'Insert') {
      const creator = deps.created.transactionOf(n.id);
      if (creator) {
        res.json({ accepted: true, echo: true, transactionId: creator });
        return;
      }
      const mapping = await mappingByCrmId(deps.db, 'customer', n.id);
      // A record our own transaction created in the CRM: its insert is that create's echo, whenever it arrives.
      const written = Array.isArray(mapping?.crmWrittenFields) ? (mapping.crmWrittenFields as string[]) : [];
      if (mapping && written.includes('*')) {
        res.json({ accepted: true, echo: true, transactionId: mapping.lastSyncTransactionId });
        return;
      }
    }
    const queued =
      n.type === 'Identity'
        ? await queueOnce(deps, `identity:${n.id}`, flowJobs.crmChange, {
            record: 'identity',
            id: n.id,
            ...(n.identityKind ? { kind: n.identityKind } : {}),
          })
        : await queueOnce(deps, `quote:${n.id}`, flowJobs.crmChange, { record: 'quote', id: n.id });
    res.json({ accepted: true, ...queued });
  });

  documentRoute({
    method: 'get',
    path: `/api${webhookPath}/siagh`,
    summary:
      'A Siagh contact changed (for a Siagh BPMS flow or trigger): compared for drift, nothing copied; ?token=…&code=<Code>',
    tags: ['payamgostar-siagh'],
    apiKey: false,
    query: siaghQuery,
    responses: {
      '200': { description: 'Queued (runId) or already queued' },
      '400': { description: 'No contact code' },
      '401': { description: 'Missing or wrong token; nothing done' },
      '503': { description: 'Not configured' },
    },
  });
  router.get(`${webhookPath}/siagh`, async (req, res) => {
    authorise(deps, req);
    const { code } = parseInput(siaghQuery, { code: req.query.code }, 'query');
    res.json({ accepted: true, ...(await queueOnce(deps, `siagh:${code}`, flowJobs.siaghChange, { code })) });
  });
  return router;
}
