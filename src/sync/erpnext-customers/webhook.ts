/**
 * POST /api/webhooks/erpnext/customers: ERPNext's Customer webhooks, real time. Configure in ERPNext one Webhook per
 * event (after_insert, on_update, on_trash) on DocType Customer, Request URL this route, Enable Security with
 * ERPNEXT_WEBHOOK_SECRET, Request Structure JSON with the template
 *   {"event": "on_update", "doctype": "Customer", "name": "{{ doc.name }}", "modified": "{{ doc.modified }}"}
 * (the event may instead be given as ?event=on_update). Webhooks on Address and Contact with
 * "doctype": "Address" / "Contact" in the template make edits of those documents real time too (the pull reads them
 * either way). The signature is checked over the raw bytes before anything
 * is read; a forged or unsigned request gets 401 and nothing is written. The customer is then read from ERPNext with
 * its Address and Contact and applied; duplicate deliveries and echoes of our own pushes match the agreed checksum
 * and change nothing. When ERPNext cannot be read the reply is 503, so Frappe retries (and the pull catches up).
 */
import express, { Router, type Request } from 'express';
import { ErpNextError } from '../../connectors/erpnext/errors.js';
import { customerWebhookPayload } from '../../connectors/erpnext/schemas.js';
import { signatureHeader, signatureMatches } from '../../connectors/erpnext/signature.js';
import { documentRoute } from '../../api/openapi.js';
import { HttpProblem, parseInput } from '../../api/problem.js';
import {
  applyRemoteCustomer,
  applyRemoteCustomers,
  applyRemoteDeletion,
  type RemoteApplied,
} from './apply-remote.js';
import { remoteOrUnavailable, type CustomerSync } from './context.js';
import { customersUsing } from './sync-state.js';

const path = '/webhooks/erpnext/customers';

/** Frappe adds no Content-Type; then the JSON parser leaves the body alone and it is read here as bytes. */
function rawBodyOf(req: Request): Buffer | undefined {
  if (req.rawBody) return req.rawBody;
  return Buffer.isBuffer(req.body) ? req.body : undefined;
}

/** An Address or Contact changed or deleted in ERPNext: the customers it belongs to are read again and applied. */
async function applyLinkedChange(
  sync: CustomerSync,
  doctype: 'Address' | 'Contact',
  name: string,
): Promise<{ customer: string; outcome: string }[]> {
  const remote = remoteOrUnavailable(sync);
  try {
    const linked = new Set([
      ...(await customersUsing(sync.db, doctype, name)),
      ...(await remote.customersLinkedTo(doctype, name)),
    ]);
    const customers = await remote.readByNames([...linked]);
    const results = await applyRemoteCustomers(sync, customers);
    return results.map((r, i) => ({
      customer: customers[i]!.customer.name,
      outcome: r instanceof Error ? `failed: ${r.message}` : r.outcome,
    }));
  } catch (error) {
    if (error instanceof ErpNextError)
      throw new HttpProblem(
        503,
        'Service Unavailable',
        `${doctype} ${name} could not be read from ERPNext: ${error.message}`,
      );
    throw error;
  }
}

export function customerWebhookRoutes(sync: CustomerSync): Router {
  const router = Router();
  documentRoute({
    method: 'post',
    path: `/api${path}`,
    summary:
      'ERPNext Customer webhook (after_insert, on_update, on_trash), signed with X-Frappe-Webhook-Signature',
    tags: ['customers'],
    apiKey: false,
    body: customerWebhookPayload,
    responses: {
      '200': { description: 'Applied (or recognised as a duplicate or echo)' },
      '400': { description: 'Signed, but not a Customer event' },
      '401': { description: 'Missing or wrong signature; nothing written' },
      '503': {
        description: 'Webhooks or ERPNext not configured, or ERPNext could not be read; Frappe retries',
      },
    },
  });
  router.post(path, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const secret = sync.settings.webhookSecret;
    if (!secret)
      throw new HttpProblem(
        503,
        'Service Unavailable',
        'ERPNext webhooks are not configured: set ERPNEXT_WEBHOOK_SECRET to the Webhook Secret of the ERPNext webhooks',
      );
    const raw = rawBodyOf(req);
    if (!raw || !signatureMatches(secret, raw, req.get(signatureHeader)))
      throw new HttpProblem(
        401,
        'Unauthorized',
        `The ${signatureHeader} header is missing or does not match the body; check the Webhook Secret in ERPNext`,
      );
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpProblem(
        400,
        'Bad Request',
        'The webhook body is not JSON; use Request Structure JSON in the ERPNext webhook',
      );
    }
    const payload = parseInput(customerWebhookPayload, json, 'webhook body');
    const event = payload.event ?? (typeof req.query.event === 'string' ? req.query.event : undefined);
    if (event !== 'after_insert' && event !== 'on_update' && event !== 'on_trash')
      throw new HttpProblem(
        400,
        'Bad Request',
        'The webhook does not say its event: add "event" to the template or ?event= to the URL',
        {
          errors: [{ field: 'event', message: 'expected after_insert, on_update or on_trash' }],
        },
      );
    const doctype = payload.doctype ?? 'Customer';
    if (doctype !== 'Customer') {
      const outcomes = await applyLinkedChange(sync, doctype, payload.name);
      sync.log.info({ event, doctype, name: payload.name, outcomes }, 'ERPNext webhook');
      res.json({ event, doctype, name: payload.name, customers: outcomes });
      return;
    }
    let applied: RemoteApplied;
    if (event === 'on_trash') applied = await applyRemoteDeletion(sync, payload.name);
    else {
      const remote = remoteOrUnavailable(sync);
      try {
        const current = await remote.read(payload.name);
        applied = current
          ? await applyRemoteCustomer(sync, current, 'webhook')
          : await applyRemoteDeletion(sync, payload.name);
      } catch (error) {
        if (error instanceof ErpNextError)
          throw new HttpProblem(
            503,
            'Service Unavailable',
            `Customer ${payload.name} could not be read from ERPNext: ${error.message}`,
          );
        throw error;
      }
    }
    sync.log.info({ event, erpnextName: payload.name, outcome: applied.outcome }, 'ERPNext customer webhook');
    res.json({ event, name: payload.name, outcome: applied.outcome, customerId: applied.customerId ?? null });
  });
  return router;
}
