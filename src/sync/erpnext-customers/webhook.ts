/**
 * POST /api/webhooks/erpnext/customers: ERPNext's webhooks on Customer (and Address and Contact), real time. Set up
 * in ERPNext a Webhook on DocType Customer for after_insert, on_update and on_trash, Request URL this route, Enable
 * Security with ERPNEXT_WEBHOOK_SECRET, and any Request Structure: fields under "Webhook Data" that include
 * "Name (Doc Name)" (key `name`), or a JSON template with at least `"name": "{{ doc.name }}"`, e.g.
 *   {"event": "on_update", "doctype": "Customer", "name": "{{ doc.name }}", "modified": "{{ doc.modified }}"}
 * Frappe sends only those fields and names no event unless the template does. Without an event the customer is read
 * from ERPNext: found, it is applied; gone, it is deactivated here (so one webhook may serve every event). With
 * "event": "on_trash" (or ?event=on_trash) it is deactivated without asking ERPNext. Webhooks on Address and Contact
 * say their doctype with "doctype": "Address" / "Contact" in the template or, since "Webhook Data" cannot, with
 * ?doctype=Address in the URL; they make edits of those documents real time too (the pull reads them either way).
 *
 * The signature is checked over the raw bytes before anything is read; a forged or unsigned request gets 401 and
 * nothing is written. The customer is read from ERPNext with its Address and Contact and applied; duplicate
 * deliveries and echoes of our own pushes match the agreed checksum and change nothing. When ERPNext cannot be read
 * the reply is 503, so Frappe retries (and the pull catches up).
 */
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { ErpNextError } from '../../connectors/erpnext/errors.js';
import {
  customerWebhookPayload,
  frappeDocEvents,
  webhookDoctypes,
  type CustomerWebhookPayload,
} from '../../connectors/erpnext/schemas.js';
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

/** For webhooks whose body cannot say it (Webhook Data offers no doctype, and no event at all). */
const webhookQuery = z.object({
  event: z.enum(frappeDocEvents).optional(),
  doctype: z.enum(webhookDoctypes).optional(),
});

/**
 * The bytes as sent. Frappe adds no Content-Type of its own, and its webhook form adds one a person may keep: without
 * one, or with x-www-form-urlencoded over the JSON body, the bytes arrive here; with application/json the JSON parser
 * kept them.
 */
function rawBodyOf(req: Request): Buffer | undefined {
  if (req.rawBody) return req.rawBody;
  return Buffer.isBuffer(req.body) ? req.body : undefined;
}

/** The body, once its signature proves it came from ERPNext. */
function verifiedPayload(sync: CustomerSync, req: Request): CustomerWebhookPayload {
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
      'The webhook body is not JSON, which Frappe always sends; check what sends to this URL',
    );
  }
  return parseInput(customerWebhookPayload, json, 'webhook body');
}

/** ERPNext could not be read: 503, so Frappe tries the delivery again. */
function unreadable(what: string, error: unknown): unknown {
  if (!(error instanceof ErpNextError)) return error;
  return new HttpProblem(
    503,
    'Service Unavailable',
    `${what} could not be read from ERPNext: ${error.message}`,
  );
}

/** A Customer changed, created or deleted in ERPNext, as ERPNext has it now: applied, or deactivated when gone. */
async function applyCustomerNow(sync: CustomerSync, name: string): Promise<RemoteApplied> {
  const remote = remoteOrUnavailable(sync);
  try {
    const current = await remote.read(name);
    return current
      ? await applyRemoteCustomer(sync, current, 'webhook')
      : await applyRemoteDeletion(sync, name);
  } catch (error) {
    throw unreadable(`Customer ${name}`, error);
  }
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
    throw unreadable(`${doctype} ${name}`, error);
  }
}

export function customerWebhookRoutes(sync: CustomerSync): Router {
  const router = Router();
  documentRoute({
    method: 'post',
    path: `/api${path}`,
    summary:
      'ERPNext webhook on Customer, Address or Contact (any Request Structure), signed with X-Frappe-Webhook-Signature',
    tags: ['customers'],
    apiKey: false,
    query: webhookQuery,
    body: customerWebhookPayload,
    responses: {
      '200': { description: 'Applied (or recognised as a duplicate or echo)' },
      '400': { description: 'Signed, but not JSON naming a document' },
      '401': { description: 'Missing or wrong signature; nothing written' },
      '503': {
        description: 'Webhooks or ERPNext not configured, or ERPNext could not be read; Frappe retries',
      },
    },
  });
  router.post(path, express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const payload = verifiedPayload(sync, req);
    const query = parseInput(webhookQuery, req.query, 'query');
    const event = payload.event ?? query.event ?? null;
    const doctype = payload.doctype ?? query.doctype ?? 'Customer';
    const { name } = payload;
    if (doctype !== 'Customer') {
      const outcomes = await applyLinkedChange(sync, doctype, name);
      sync.log.info({ event, doctype, name, outcomes }, 'ERPNext webhook');
      res.json({ event, doctype, name, customers: outcomes });
      return;
    }
    const applied =
      event === 'on_trash' ? await applyRemoteDeletion(sync, name) : await applyCustomerNow(sync, name);
    sync.log.info({ event, erpnextName: name, outcome: applied.outcome }, 'ERPNext customer webhook');
    res.json({ event, name, outcome: applied.outcome, customerId: applied.customerId ?? null });
  });
  return router;
}
