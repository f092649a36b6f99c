/**
 * The NetSuite records as the API serves them, under /api/netsuite (behind the API key): customers and invoices with
 * filters and cursor paging, one invoice with its lines and credit notes, a CSV export of invoice lines streamed in
 * batches, and revenue by month split subscription / one-off per currency.
 */
import { once } from 'node:events';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { documentRoute } from '../../api/openapi.js';
import { pageQuery, readPage } from '../../api/pagination.js';
import { notFound, parseInput } from '../../api/problem.js';
import type { TransactionType } from './mapping.js';
import {
  customerById,
  invoiceLinesBetween,
  listCustomers,
  listTransactions,
  revenueByMonth,
  transactionDetail,
  type ExportLine,
} from './queries.js';

const tags = ['netsuite-records'];
const isoDate = z.iso.date({ message: 'a date as YYYY-MM-DD' });
const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');
const internalId = z.string().regex(/^\d+$/, { message: 'a NetSuite internal id is digits, e.g. 10452' });
const currencyCode = z.string().regex(/^[A-Za-z]{3}$/, { message: 'a currency code, e.g. USD' });
const inOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || q.from <= q.to;
const inOrderMessage = { message: 'from must not be after to', path: ['to'] };

const customersQuery = pageQuery.extend({
  search: z.string().min(1).max(100).optional(),
  inactive: booleanFlag.optional(),
  includeDeleted: booleanFlag.default(false),
});
const transactionsQuery = pageQuery
  .extend({
    customer: internalId.optional(),
    status: z.string().min(1).max(40).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    currency: currencyCode.optional(),
    includeDeleted: booleanFlag.default(false),
  })
  .refine(inOrder, inOrderMessage);
const exportQuery = z
  .object({ from: isoDate, to: isoDate, currency: currencyCode.optional() })
  .refine(inOrder, inOrderMessage);
const revenueQuery = z
  .object({ from: isoDate.optional(), to: isoDate.optional(), currency: currencyCode.optional() })
  .refine(inOrder, inOrderMessage);

const exportColumns: [string, keyof ExportLine][] = [
  ['invoice_id', 'invoiceId'],
  ['invoice_number', 'invoiceNumber'],
  ['date', 'tranDate'],
  ['customer_id', 'customerId'],
  ['currency', 'currency'],
  ['status', 'status'],
  ['line_id', 'lineId'],
  ['item', 'item'],
  ['memo', 'memo'],
  ['amount', 'amount'],
  ['net_amount', 'netAmount'],
  ['revenue_category', 'revenueCategory'],
  ['period_start', 'periodStart'],
  ['period_end', 'periodEnd'],
  ['classification', 'classification'],
  ['excluded_reason', 'excludedReason'],
];
const textColumns = new Set<keyof ExportLine>(['invoiceNumber', 'item', 'memo', 'revenueCategory', 'status']);

/** RFC 4180 quoting; text that a spreadsheet would run as a formula gets a leading apostrophe. */
function csvField(value: unknown, text: boolean): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes the export batch by batch, waiting whenever the client reads slower than the database answers. */
async function streamCsv(res: Response, batches: AsyncGenerator<ExportLine[]>): Promise<void> {
  const write = async (chunk: string) => {
    if (!res.write(chunk)) await once(res, 'drain');
  };
  await write(`${exportColumns.map(([name]) => name).join(',')}\r\n`);
  for await (const batch of batches) {
    if (res.destroyed) return;
    await write(
      batch
        .map((line) => exportColumns.map(([, key]) => csvField(line[key], textColumns.has(key))).join(','))
        .join('\r\n') + '\r\n',
    );
  }
  res.end();
}

export function recordsApi(db: Database): Router {
  const router = Router();
  const doc = (path: string, summary: string, query?: z.ZodType, extra: Record<string, string> = {}) =>
    documentRoute({
      method: 'get',
      path: `/api/netsuite${path}`,
      summary,
      tags,
      query,
      responses: {
        '200': { description: 'OK' },
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { description: v }])),
      },
    });

  doc('/customers', 'NetSuite customers by name; search, inactive, cursor paging', customersQuery, {
    '400': 'Bad filter or cursor',
  });
  router.get('/netsuite/customers', async (req, res) => {
    const q = parseInput(customersQuery, req.query, 'query');
    res.json(
      await readPage(
        q,
        z.tuple([z.string(), z.string()]),
        (after, limit) => listCustomers(db, q, after, limit),
        (c) => [c.entityId, c.id],
      ),
    );
  });

  doc('/customers/:id', 'One NetSuite customer', undefined, { '404': 'Not synced' });
  router.get('/netsuite/customers/:id', async (req, res) => {
    const id = parseInput(internalId, req.params.id, 'customer id');
    const customer = await customerById(db, id);
    if (!customer) throw notFound(`NetSuite customer ${id}`);
    res.json(customer);
  });

  const transactionRoutes = (path: string, type: TransactionType, what: string) => {
    doc(
      path,
      `NetSuite ${what}s, newest first; filters customer, status, date range, currency`,
      transactionsQuery,
      {
        '400': 'Bad filter or cursor',
      },
    );
    router.get(`/netsuite${path}`, async (req, res) => {
      const q = parseInput(transactionsQuery, req.query, 'query');
      res.json(
        await readPage(
          q,
          z.tuple([isoDate, z.string()]),
          (before, limit) => listTransactions(db, { ...q, type }, before, limit),
          (t) => [t.tranDate, t.id],
        ),
      );
    });
    doc(
      `${path}/:id`,
      `One NetSuite ${what} with its lines${type === 'invoice' ? ' and credit notes' : ''}`,
      undefined,
      {
        '404': 'Not synced',
      },
    );
    router.get(`/netsuite${path}/:id`, async (req, res) => {
      const id = parseInput(internalId, req.params.id, `${what} id`);
      const detail = await transactionDetail(db, id, type);
      if (!detail) throw notFound(`NetSuite ${what} ${id}`);
      res.json(detail);
    });
  };
  doc('/invoice-lines.csv', 'Invoice lines dated in a range as CSV, streamed', exportQuery, {
    '400': 'Bad range',
  });
  router.get('/netsuite/invoice-lines.csv', async (req, res) => {
    const q = parseInput(exportQuery, req.query, 'query');
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="invoice-lines-${q.from}-${q.to}.csv"`);
    try {
      await streamCsv(res, invoiceLinesBetween(db, q));
    } catch (error) {
      // Headers are gone: the only honest signal left is a cut connection, never a complete-looking file.
      res.destroy(error as Error);
    }
  });
  transactionRoutes('/invoices', 'invoice', 'invoice');
  transactionRoutes('/credit-notes', 'credit_note', 'credit note');

  doc(
    '/revenue',
    'Revenue by month and currency, subscription and one-off (credit notes deducted)',
    revenueQuery,
    {
      '400': 'Bad range',
    },
  );
  router.get('/netsuite/revenue', async (req, res) => {
    const q = parseInput(revenueQuery, req.query, 'query');
    res.json({ items: await revenueByMonth(db, q) });
  });
  return router;
}
