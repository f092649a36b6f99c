/**
 * The local customer API under /api: list (search, cursor pages), get, create, update, deactivate; the conflicts to
 * review; the outbox with retry of failed deliveries; and the live event stream. A write answers as soon as it is
 * committed locally with its outbox entry; whoever delivers the outbox is told through `outboxChanged` and never
 * waited for. The routes come in three groups so a flow can place its own between them (see each group).
 */
import type { Response, Router } from 'express';
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { pageQuery, readPage, type PageQuery } from '../api/pagination.js';
import { HttpProblem, notFound, parseInput } from '../api/problem.js';
import type { Database, Queryable } from '../db/database.js';
import { customerSyncStates, outboxStatuses } from '../models/customers.js';
import { listConflicts } from './conflicts.js';
import type { CustomerEvent, CustomerEvents, CustomerEventType } from './events.js';
import { customerCreateInput, customerUpdateInput } from './fields.js';
import { getOutboxEntry, listOutbox, retryOutboxEntry } from './outbox.js';
import {
  createCustomer,
  CustomerNotFoundError,
  deactivateCustomer,
  getCustomer,
  InvalidCustomerError,
  listCustomers,
  updateCustomer,
  type CustomerRecord,
} from './store.js';

const listQuery = pageQuery.extend({
  search: z.string().trim().min(1).max(100).optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
const conflictQuery = pageQuery.extend({ customerId: z.uuid().optional() });
const outboxQuery = pageQuery.extend({
  status: z.enum(outboxStatuses).optional(),
  customerId: z.uuid().optional(),
});
const idParam = z.object({ id: z.uuid('expected a customer id (uuid)') });
const outboxIdParam = z.object({ id: z.coerce.number().int().positive('expected an outbox entry id') });

async function erpnextNames(
  db: Queryable,
  ids: string[],
): Promise<Map<string, { erpnextName: string | null; syncedAt: Date | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(customerSyncStates).where(inArray(customerSyncStates.customerId, ids));
  return new Map(rows.map((r) => [r.customerId, { erpnextName: r.erpnextName, syncedAt: r.syncedAt }]));
}

function present(row: CustomerRecord, erp?: { erpnextName: string | null; syncedAt: Date | null }) {
  return { ...row, erpnextName: erp?.erpnextName ?? null, syncedAt: erp?.syncedAt ?? null };
}

async function presentOne(db: Queryable, row: CustomerRecord) {
  const names = await erpnextNames(db, [row.id]);
  return present(row, names.get(row.id));
}

function toHttp(error: unknown): never {
  if (error instanceof InvalidCustomerError)
    throw new HttpProblem(400, 'Bad Request', 'The customer is not valid', { errors: error.errors });
  if (error instanceof CustomerNotFoundError) throw notFound(`Customer ${error.id}`);
  throw error;
}

/** What the customer API works with; the outbox's delivery is injected so the domain never imports a flow. */
export interface CustomerApi {
  db: Database;
  events: CustomerEvents;
  /** Country of a new address when none is given. */
  defaultCountry: string;
  /** Called once a local write or a retried outbox entry is committed: the outbox has something to deliver. */
  outboxChanged(): void;
}

const tags = ['customers'];

/** Tells the event stream about a change made through the API and wakes the outbox's delivery. */
function announce(api: CustomerApi, type: CustomerEventType, row: CustomerRecord): void {
  api.events.publish({ type, customerId: row.id, name: row.name, source: 'api' });
  api.outboxChanged();
}

/**
 * The list, the conflicts and the outbox. Registered before `customerRecordRoutes`, whose `/customers/:id` would
 * otherwise take `/customers/conflicts` for a customer id.
 */
export function customerCollectionRoutes(router: Router, api: CustomerApi): void {
  const { db } = api;

  documentRoute({
    method: 'get',
    path: '/api/customers',
    summary: 'List customers (search, cursor pages)',
    tags,
    query: listQuery,
    responses: { '200': { description: 'A page of customers' }, '400': { description: 'Bad query' } },
  });
  router.get('/customers', async (req, res) => {
    const q = parseInput(listQuery, req.query, 'query');
    const page = await readPage(
      q,
      z.tuple([z.string(), z.uuid()]),
      (after, limit) =>
        listCustomers(db, {
          search: q.search,
          active: q.active,
          limit,
          after: after && { name: after[0], id: after[1] },
        }),
      (r) => [r.name, r.id],
    );
    const names = await erpnextNames(
      db,
      page.items.map((r) => r.id),
    );
    res.json({ items: page.items.map((r) => present(r, names.get(r.id))), nextCursor: page.nextCursor });
  });

  /** Conflicts and outbox entries are keyed by a growing id; newest first, a page continues below the last id. */
  const newestFirstRoute = <Query extends PageQuery, Row extends { id: number }>(
    path: string,
    summary: string,
    description: string,
    query: z.ZodType<Query>,
    list: (q: Query, beforeId: number | undefined, limit: number) => Promise<Row[]>,
  ) => {
    documentRoute({
      method: 'get',
      path: `/api${path}`,
      summary,
      tags,
      query,
      responses: { '200': { description } },
    });
    router.get(path, async (req, res) => {
      const q = parseInput(query, req.query, 'query');
      res.json(
        await readPage(
          q,
          z.tuple([z.number().int()]),
          (before, limit) => list(q, before?.[0], limit),
          (r) => [r.id],
        ),
      );
    });
  };
  newestFirstRoute(
    '/customers/conflicts',
    'Fields changed on both sides, with both values, newest first',
    'A page of conflicts',
    conflictQuery,
    (q, beforeId, limit) => listConflicts(db, { customerId: q.customerId, beforeId, limit }),
  );
  newestFirstRoute(
    '/customers/outbox',
    'Local changes waiting for, delivered to or refused by ERPNext',
    'A page of outbox entries',
    outboxQuery,
    (q, beforeId, limit) => listOutbox(db, { status: q.status, customerId: q.customerId, beforeId, limit }),
  );

  documentRoute({
    method: 'post',
    path: '/api/customers/outbox/:id/retry',
    summary: 'Try a failed delivery to ERPNext again',
    tags,
    responses: {
      '202': { description: 'Queued again' },
      '404': { description: 'No such entry' },
      '409': { description: 'The entry has not failed' },
    },
  });
  router.post('/customers/outbox/:id/retry', async (req, res) => {
    const { id } = parseInput(outboxIdParam, req.params, 'path');
    const entry = await retryOutboxEntry(db, id);
    if (!entry) {
      const existing = await getOutboxEntry(db, id);
      if (!existing) throw notFound(`Outbox entry ${id}`);
      throw new HttpProblem(
        409,
        'Conflict',
        `Outbox entry ${id} is ${existing.status}, not failed; only failed entries are retried`,
      );
    }
    api.outboxChanged();
    res.status(202).json(entry);
  });
}

/** One customer: read, create, change, deactivate. */
export function customerRecordRoutes(router: Router, api: CustomerApi): void {
  const { db } = api;
  const country = api.defaultCountry;

  documentRoute({
    method: 'get',
    path: '/api/customers/:id',
    summary: 'One customer with its ERPNext name',
    tags,
    responses: { '200': { description: 'The customer' }, '404': { description: 'No such customer' } },
  });
  router.get('/customers/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const row = await getCustomer(db, id);
    if (!row) throw notFound(`Customer ${id}`);
    const pending = await listOutbox(db, { customerId: id, status: 'pending', limit: 1 });
    const failed = await listOutbox(db, { customerId: id, status: 'failed', limit: 1 });
    res.json({
      ...(await presentOne(db, row)),
      pendingPush: pending.length > 0,
      failedPush: failed[0] ?? null,
    });
  });

  documentRoute({
    method: 'post',
    path: '/api/customers',
    summary: 'Create a customer (sent to ERPNext through the outbox)',
    tags,
    body: customerCreateInput,
    responses: { '201': { description: 'Created' }, '400': { description: 'Not valid; nothing written' } },
  });
  router.post('/customers', async (req, res) => {
    const input = parseInput(customerCreateInput, req.body ?? {}, 'customer');
    const row = await createCustomer(db, input, country).catch(toHttp);
    announce(api, 'customer.created', row);
    res.status(201).location(`/api/customers/${row.id}`).json(present(row));
  });

  documentRoute({
    method: 'patch',
    path: '/api/customers/:id',
    summary: 'Change some fields of a customer',
    tags,
    body: customerUpdateInput,
    responses: {
      '200': { description: 'Updated' },
      '400': { description: 'Not valid; nothing written' },
      '404': { description: 'No such customer' },
    },
  });
  router.patch('/customers/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const input = parseInput(customerUpdateInput, req.body ?? {}, 'customer');
    const { row, changed } = await updateCustomer(db, id, input, country).catch(toHttp);
    if (changed) announce(api, 'customer.updated', row);
    res.json(await presentOne(db, row));
  });

  documentRoute({
    method: 'post',
    path: '/api/customers/:id/deactivate',
    summary: 'Deactivate a customer (disabled in ERPNext); never deleted',
    tags,
    responses: { '200': { description: 'Inactive' }, '404': { description: 'No such customer' } },
  });
  router.post('/customers/:id/deactivate', async (req, res) => {
    const { id } = parseInput(idParam, req.params, 'path');
    const { row, changed } = await deactivateCustomer(db, id).catch(toHttp);
    if (changed) announce(api, 'customer.deactivated', row);
    res.json(await presentOne(db, row));
  });
}

/** The live stream of customer changes. */
export function customerEventRoutes(router: Router, api: CustomerApi): void {
  documentRoute({
    method: 'get',
    path: '/api/events',
    summary: 'Server-Sent Events: customer.created, customer.updated, customer.deactivated',
    tags,
    responses: { '200': { description: 'text/event-stream' } },
  });
  router.get('/events', (req, res) => streamEvents(api.events, req.on.bind(req), res));
}

/** One SSE connection: a comment every 15 s keeps proxies from closing it; it ends when the client goes away. */
function streamEvents(
  events: CustomerEvents,
  onRequest: (event: 'close', fn: () => void) => unknown,
  res: Response,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  const write = (event: CustomerEvent) => {
    res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  };
  const unsubscribe = events.subscribe(write);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  onRequest('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}
