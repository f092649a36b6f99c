/**
 * RouteStar in the worker: the `routestar.sync` job (one run at a time, scheduled only when the portal is
 * configured), the API routes that queue it and show what was read, and the "do my credentials work?" check.
 */
import { and, count, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Configured } from '../../config/configured.js';
import { portalConfigured, portalSettings, type PortalSettings } from '../../config/portals.js';
import type { AppContext, Feature, FeatureFactory } from '../../feature.js';
import {
  addStoredDocumentRoutes,
  lastSyncRun,
  lineAndPostingCounts,
  type StoredDocumentReads,
} from '../document-routes.js';
import { addSyncDetailsRoute, addSyncModeRoutes } from '../sync-routes.js';
import { decodeCursor, pageQuery, toPage } from '../../api/pagination.js';
import { HttpProblem } from '../../api/problem.js';
import type { JobDefinition } from '../../jobs/types.js';
import { postingRulesFrom } from '../../ledger/index.js';
import { salesInvoiceLines, salesInvoices } from '../../models/index.js';
import { checkPortalLogin } from '../crawl/check.js';
import { SOURCE } from './documents.js';
import { loadRouteStarProfile } from './profile.js';
import { routeStarSite } from './session.js';
import { routeStarSyncModes, syncRouteStar } from './sync.js';

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

const portal = { path: 'routestar', label: 'RouteStar' };

export const routeStarFeature: FeatureFactory = (app: AppContext): Feature => {
  const settings = portalSettings(app.config, 'routestar');
  const log = app.log.child({ portal: 'routestar' });
  const connection = portalConfigured(settings);

  const job: JobDefinition<z.infer<typeof routeStarSyncData>> = {
    name: JOB_NAME,
    description:
      "Reads RouteStar sales invoices (pending and closed lists, details) and takes their lines out of stock; reads its item list into the item catalogue with the portal's on-hand.",
    data: routeStarSyncData,
    schedule: () => (connection.configured ? settings.schedule : undefined),
    concurrency: 1,
    async run(ctx, data) {
      const request = data;
      if (!connection.configured && request.mode !== 'stock') throw new Error(connection.reason);
      // Read at every run, so a profile fixed after a site change applies without a restart.
      const profile = await loadRouteStarProfile(settings.profileFile);
      const summary = await app.browser.lend((browser) =>
        syncRouteStar(
          ctx,
          {
            db: app.db,
            settings,
            profile,
            browser,
            closedWindowDays: app.config.ROUTESTAR_CLOSED_WINDOW_DAYS,
            postingRules: postingRulesFrom(app.config),
          },
          request,
        ),
      );
      await ctx.event({ level: 'info', message: 'RouteStar sync finished', details: summary });
    },
  };

  const routes = Router();
  const enqueue = async (data: z.input<typeof routeStarSyncData>) => {
    if (!connection.configured) throw new HttpProblem(409, 'Not Configured', connection.reason);
    return app.jobs.enqueue(JOB_NAME, data, 'manual');
  };
  addSyncModeRoutes(
    routes,
    portal,
    ['pending', 'closed', 'stock', 'full', 'items'] as const,
    syncOptions,
    enqueue,
  );
  addSyncDetailsRoute(routes, portal, 'invoice', invoiceNumber, (number) =>
    enqueue({ mode: 'details', invoiceNumber: number }),
  );

  addStoredDocumentRoutes(routes, storedInvoiceReads(app, connection));

  return {
    name: 'routestar',
    jobs: [job],
    routes,
    connections: [
      {
        system: 'routestar',
        async check() {
          if (!connection.configured) return { ok: false, detail: connection.reason };
          const site = routeStarSite(await loadRouteStarProfile(settings.profileFile), settings);
          return checkPortalLogin(app.browser, site, settings, log);
        },
      },
    ],
  };
};

const invoiceListQuery = pageQuery.extend({
  listType: z.enum(['pending', 'closed']).optional(),
  status: z.string().min(1).optional(),
  missing: z.enum(['true', 'false']).optional(),
});

/** The read routes over the invoices stored from RouteStar. */
function storedInvoiceReads(
  app: AppContext,
  connection: Configured<PortalSettings>,
): StoredDocumentReads<z.infer<typeof invoiceListQuery>> {
  return {
    portal,
    noun: 'invoice',
    title: 'invoice',
    listQuery: invoiceListQuery,
    async list(query) {
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
      return { ...page, items: page.items.map(({ numberKey: _key, ...item }) => item) };
    },
    async one(number) {
      const [invoice] = await app.db
        .select()
        .from(salesInvoices)
        .where(and(eq(salesInvoices.source, SOURCE), eq(salesInvoices.invoiceNumber, number)));
      if (!invoice) return undefined;
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
      return { ...invoice, lines };
    },
    statsSummary:
      'RouteStar invoices by list and status, those missing or without lines, and the last sync run',
    async stats() {
      const byList = await app.db
        .select({ listType: salesInvoices.listType, status: salesInvoices.status, invoices: count() })
        .from(salesInvoices)
        .where(eq(salesInvoices.source, SOURCE))
        .groupBy(salesInvoices.listType, salesInvoices.status);
      const [totals] = await app.db
        .select({
          invoices: count(),
          missing: count(salesInvoices.missingSince),
          ...lineAndPostingCounts(salesInvoices),
        })
        .from(salesInvoices)
        .where(eq(salesInvoices.source, SOURCE));
      return {
        configured: connection.configured,
        ...(connection.configured ? {} : { detail: connection.reason }),
        ...totals,
        byList,
        lastRun: await lastSyncRun(app.db, JOB_NAME),
      };
    },
  };
}
