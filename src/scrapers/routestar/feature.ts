/**
 * RouteStar in the worker: the `routestar.sync` job (one run at a time, scheduled only when the portal is
 * configured), the API routes that queue it and show what was read, and the "do my credentials work?" check.
 */
import { and, count, desc, eq, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { Router } from 'express';
import type { Browser } from 'playwright';
import { z } from 'zod';
import { portalSettings, type PortalSettings } from '../../config/portals.js';
import type { AppContext, Feature, FeatureFactory } from '../../feature.js';
import { addSyncModeRoutes } from '../sync-routes.js';
import { documentRoute } from '../../api/openapi.js';
import { decodeCursor, pageQuery, toPage } from '../../api/pagination.js';
import { HttpProblem, notFound, parseInput } from '../../api/problem.js';
import type { JobDefinition } from '../../jobs/types.js';
import { postingRulesFrom } from '../../ledger/index.js';
import { salesInvoiceLines, salesInvoices, syncRuns } from '../../models/index.js';
import { failureArtefactStore } from '../artefacts.js';
import { portalSessionStore } from '../portal-session-store.js';
import { loadRouteStarProfile } from './profile.js';
import { RouteStarSession } from './session.js';
import { routeStarSyncModes, SOURCE, syncRouteStar, type RouteStarSyncRequest } from './sync.js';

export const JOB_NAME = 'routestar.sync';

const invoiceNumber = z
  .string()
  .regex(/^[A-Za-z]{1,8}\d+$/, { message: 'expected an invoice number such as NRV5289' });

export const routeStarSyncData = z
  .object({
    mode: z.enum(routeStarSyncModes).default('full'),
    invoiceNumber: invoiceNumber.optional(),
    full: z.boolean().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .refine((d) => d.invoiceNumber === undefined || d.mode === 'details', {
    message: 'invoiceNumber is only used with mode "details"',
    path: ['invoiceNumber'],
  });

const syncOptions = z
  .object({ full: z.boolean().optional(), limit: z.number().int().min(1).max(100_000).optional() })
  .strict();

function notConfiguredMessage(settings: PortalSettings): string {
  return `RouteStar is not configured: set ${settings.missing.join(', ')} to scrape it.`;
}

export const routeStarFeature: FeatureFactory = (app: AppContext): Feature => {
  const settings = portalSettings(app.config, 'routestar');
  const log = app.log.child({ portal: 'routestar' });
  const configured = settings.missing.length === 0;
  async function newSession(browser: () => Promise<Browser>): Promise<RouteStarSession> {
    if (!configured) throw new Error(notConfiguredMessage(settings));
    return new RouteStarSession({
      browser,
      baseUrl: settings.baseUrl!,
      username: settings.username!,
      password: settings.password!,
      profile: await loadRouteStarProfile(settings.profileFile),
      sessionStore: portalSessionStore(settings.dataDir, 'routestar'),
      log,
      concurrency: settings.concurrency,
      minSpacingMs: settings.minSpacingMs,
      navigationTimeoutMs: settings.navigationTimeoutMs,
      retryAttempts: settings.retryAttempts,
      retryBaseMs: settings.retryBaseMs,
      sessionMaxAgeMs: settings.sessionMaxAgeMs,
      recycleAfterPages: settings.recycleAfterPages,
    });
  }

  const job: JobDefinition<z.infer<typeof routeStarSyncData>> = {
    name: JOB_NAME,
    description:
      'Reads RouteStar sales invoices (pending and closed lists, details) and takes their lines out of stock.',
    data: routeStarSyncData,
    schedule: () => (configured ? settings.schedule : undefined),
    concurrency: 1,
    async run(ctx, data) {
      const summary = await app.browser.lend(async (browser) =>
        syncRouteStar(
          ctx,
          {
            db: app.db,
            session: await newSession(browser),
            artefacts: failureArtefactStore({
              dataDir: settings.dataDir,
              portal: 'routestar',
              trace: settings.trace,
            }),
            baseUrl: settings.baseUrl!,
            stopAfterKnown: settings.stopAfterKnown,
            detailTabs: settings.concurrency,
            closedWindowDays: app.config.ROUTESTAR_CLOSED_WINDOW_DAYS,
            postingRules: postingRulesFrom(app.config),
          },
          data as RouteStarSyncRequest,
        ),
      );
      await ctx.event({ level: 'info', message: 'RouteStar sync finished', details: summary });
    },
  };

  const routes = Router();
  const enqueue = async (data: z.input<typeof routeStarSyncData>) => {
    if (!configured) throw new HttpProblem(409, 'Not Configured', notConfiguredMessage(settings));
    return app.jobs.enqueue(JOB_NAME, data, 'manual');
  };
  addSyncModeRoutes(
    routes,
    { path: 'routestar', label: 'RouteStar' },
    ['pending', 'closed', 'stock', 'full'] as const,
    syncOptions,
    enqueue,
  );
  documentRoute({
    method: 'post',
    path: '/api/routestar/sync/details/:invoiceNumber',
    summary: 'Queue a re-read of one RouteStar invoice detail page',
    tags: ['routestar'],
    responses: {
      '202': { description: 'Queued; the body holds the run id' },
      '400': { description: 'Not an invoice number' },
      '409': { description: 'RouteStar is not configured' },
    },
  });
  routes.post('/routestar/sync/details/:invoiceNumber', async (req, res) => {
    const number = parseInput(invoiceNumber, req.params.invoiceNumber, 'invoice number');
    const { runId } = await enqueue({ mode: 'details', invoiceNumber: number });
    res.status(202).location(`/api/runs/${runId}`).json({ runId });
  });

  const listQuery = pageQuery.extend({
    listType: z.enum(['pending', 'closed']).optional(),
    status: z.string().min(1).optional(),
    missing: z.enum(['true', 'false']).optional(),
  });
  documentRoute({
    method: 'get',
    path: '/api/routestar/invoices',
    summary: 'RouteStar invoices stored, newest first (cursor pagination)',
    tags: ['routestar'],
    query: listQuery,
    responses: { '200': { description: 'A page of invoices and the cursor of the next one' } },
  });
  routes.get('/routestar/invoices', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    // Invoice numbers grow with time; ordering by their numeric part keeps NRV999 before NRV1000.
    const numberKey = sql<number>`coalesce(nullif(regexp_replace(${salesInvoices.invoiceNumber}, '\\D', '', 'g'), ''), '0')::bigint`;
    const filters = [eq(salesInvoices.source, SOURCE)];
    if (query.listType) filters.push(eq(salesInvoices.listType, query.listType));
    if (query.status) filters.push(eq(salesInvoices.status, query.status));
    if (query.missing === 'true') filters.push(isNotNull(salesInvoices.missingSince));
    if (query.missing === 'false') filters.push(isNull(salesInvoices.missingSince));
    if (query.cursor) {
      const [n, number] = decodeCursor(query.cursor);
      if (typeof n !== 'number' || typeof number !== 'string') {
        throw new HttpProblem(
          400,
          'Bad Request',
          'The cursor is not valid; use the nextCursor of a previous page',
        );
      }
      filters.push(sql`(${numberKey}, ${salesInvoices.invoiceNumber}) < (${n}, ${number})`);
    }
    const rows = await app.db
      .select({
        invoiceNumber: salesInvoices.invoiceNumber,
        listType: salesInvoices.listType,
        status: salesInvoices.status,
        isComplete: salesInvoices.isComplete,
        isPosted: salesInvoices.isPosted,
        customer: salesInvoices.customer,
        invoiceDate: salesInvoices.invoiceDate,
        dateCompleted: salesInvoices.dateCompleted,
        total: salesInvoices.total,
        lineCount: salesInvoices.lineCount,
        missingSince: salesInvoices.missingSince,
        updatedAt: salesInvoices.updatedAt,
        numberKey,
      })
      .from(salesInvoices)
      .where(and(...filters))
      .orderBy(desc(numberKey), desc(salesInvoices.invoiceNumber))
      .limit(query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [Number(r.numberKey), r.invoiceNumber]);
    res.json({ ...page, items: page.items.map(({ numberKey: _key, ...item }) => item) });
  });

  documentRoute({
    method: 'get',
    path: '/api/routestar/invoices/:invoiceNumber',
    summary: 'One RouteStar invoice with its lines',
    tags: ['routestar'],
    responses: { '200': { description: 'The invoice' }, '404': { description: 'Not stored' } },
  });
  routes.get('/routestar/invoices/:invoiceNumber', async (req, res) => {
    const [invoice] = await app.db
      .select()
      .from(salesInvoices)
      .where(
        and(eq(salesInvoices.source, SOURCE), eq(salesInvoices.invoiceNumber, req.params.invoiceNumber)),
      );
    if (!invoice) throw notFound(`RouteStar invoice ${req.params.invoiceNumber}`);
    const lines = await app.db
      .select({
        lineNo: salesInvoiceLines.lineNo,
        itemName: salesInvoiceLines.itemName,
        description: salesInvoiceLines.description,
        qty: salesInvoiceLines.qty,
        rate: salesInvoiceLines.rate,
        amount: salesInvoiceLines.amount,
        class: salesInvoiceLines.class,
        warehouse: salesInvoiceLines.warehouse,
        taxCode: salesInvoiceLines.taxCode,
        location: salesInvoiceLines.location,
      })
      .from(salesInvoiceLines)
      .where(eq(salesInvoiceLines.salesInvoiceId, invoice.id))
      .orderBy(salesInvoiceLines.lineNo);
    res.json({ ...invoice, lines });
  });

  documentRoute({
    method: 'get',
    path: '/api/routestar/stats',
    summary: 'RouteStar invoices by list and status, those missing or without lines, and the last sync run',
    tags: ['routestar'],
    responses: { '200': { description: 'Counts' } },
  });
  routes.get('/routestar/stats', async (_req, res) => {
    const byList = await app.db
      .select({ listType: salesInvoices.listType, status: salesInvoices.status, invoices: count() })
      .from(salesInvoices)
      .where(eq(salesInvoices.source, SOURCE))
      .groupBy(salesInvoices.listType, salesInvoices.status);
    const [totals] = await app.db
      .select({
        invoices: count(),
        missing: count(salesInvoices.missingSince),
        withoutLines: sql<number>`count(*) filter (where ${salesInvoices.linesChecksum} is null)`.mapWith(
          Number,
        ),
        awaitingPosting:
          sql<number>`count(*) filter (where ${salesInvoices.postingRevision} <> ${salesInvoices.postedRevision})`.mapWith(
            Number,
          ),
      })
      .from(salesInvoices)
      .where(eq(salesInvoices.source, SOURCE));
    const [lastRun] = await app.db
      .select({
        id: syncRuns.id,
        status: syncRuns.status,
        queuedAt: syncRuns.queuedAt,
        finishedAt: syncRuns.finishedAt,
      })
      .from(syncRuns)
      .where(and(eq(syncRuns.job, JOB_NAME), ne(syncRuns.status, 'queued')))
      .orderBy(desc(syncRuns.queuedAt))
      .limit(1);
    res.json({ configured, ...totals, byList, lastRun: lastRun ?? null });
  });

  return {
    name: 'routestar',
    jobs: [job],
    routes,
    connections: [
      {
        system: 'routestar',
        async check() {
          if (!configured) return { ok: false, detail: notConfiguredMessage(settings) };
          return app.browser.lend(async (browser) => {
            const session = await newSession(browser);
            try {
              const page = await session.tab('check');
              await session.login(page);
              return { ok: true, detail: `logged in to ${settings.baseUrl} as ${settings.username}` };
            } catch (error) {
              return { ok: false, detail: (error as Error).message };
            } finally {
              await session.close();
            }
          });
        },
      },
    ],
  };
};
