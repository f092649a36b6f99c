/**
 * CustomerConnect in the worker: the `customerconnect.sync` job (one run at a time, scheduled only when the portal
 * is configured), the API routes that queue it and show the purchase orders read, and the "do my credentials
 * work?" check.
 */
import { and, count, desc, eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import {
  addStoredDocumentRoutes,
  lastSyncRun,
  lineAndPostingCounts,
  type StoredDocumentReads,
} from '../document-routes.js';
import { addSyncDetailsRoute, addSyncModeRoutes } from '../sync-routes.js';
import { decodeCursor, pageQuery, toPage } from '../../api/pagination.js';
import { HttpProblem } from '../../api/problem.js';
import type { Configured } from '../../config/configured.js';
import { portalConfigured, portalSettings, type PortalSettings } from '../../config/portals.js';
import type { AppContext, Feature, FeatureFactory } from '../../feature.js';
import type { JobDefinition } from '../../jobs/types.js';
import { postingRulesFrom } from '../../ledger/index.js';
import { purchaseOrderLines, purchaseOrders } from '../../models/index.js';
import { checkPortalLogin } from '../crawl/check.js';
import { customerConnectSource } from './documents.js';
import { loadCustomerConnectProfile } from './profile.js';
import { customerConnectSite } from './session.js';
import { syncCustomerConnect, syncModes } from './sync.js';

export const JOB_NAME = 'customerconnect.sync';

const orderNumber = z.string().regex(/^\d{1,12}$/, { message: 'expected an order number such as 75938' });

export const customerConnectSyncData = z
  .object({
    mode: z.enum(syncModes).default('orders'),
    orderNumber: orderNumber.optional(),
    full: z.boolean().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .refine((d) => (d.mode === 'details') === (d.orderNumber !== undefined), {
    message: 'orderNumber is required with mode "details" and only used there',
    path: ['orderNumber'],
  });
export type CustomerConnectSyncData = z.infer<typeof customerConnectSyncData>;

const syncOptions = z
  .object({ full: z.boolean().optional(), limit: z.number().int().min(1).max(100_000).optional() })
  .strict();

const portal = { path: 'customerconnect', label: 'CustomerConnect' };

export const customerConnectFeature: FeatureFactory = (app: AppContext): Feature => {
  const settings = portalSettings(app.config, 'customerconnect');
  const log = app.log.child({ portal: 'customerconnect' });
  const connection = portalConfigured(settings);
  const job: JobDefinition<CustomerConnectSyncData> = {
    name: JOB_NAME,
    description:
      'Reads CustomerConnect purchase orders (list newest first, details of new or changed orders) and adds their lines to stock.',
    data: customerConnectSyncData,
    schedule: () => (connection.configured ? settings.schedule : undefined),
    concurrency: 1,
    async run(ctx, data) {
      // Read at every run, so a profile fixed after a site change applies without a restart.
      const profile = await loadCustomerConnectProfile(settings.profileFile);
      const summary = await app.browser.lend((lend) =>
        syncCustomerConnect(
          ctx,
          { db: app.db, settings, profile, browser: lend, postingRules: postingRulesFrom(app.config) },
          data,
        ),
      );
      await ctx.event({ level: 'info', message: 'CustomerConnect sync finished', details: summary });
    },
  };

  const routes = Router();
  const enqueue = async (data: z.input<typeof customerConnectSyncData>) => {
    // Posting stock needs only the database, so it is allowed without the portal.
    if (!connection.configured && data.mode !== 'stock')
      throw new HttpProblem(409, 'Not Configured', connection.reason);
    return app.jobs.enqueue(JOB_NAME, data, 'manual');
  };

  addSyncModeRoutes(
    routes,
    portal,
    ['orders', 'all-details', 'stock', 'full'] as const,
    syncOptions,
    enqueue,
  );

  addSyncDetailsRoute(routes, portal, 'order', orderNumber, (number) =>
    enqueue({ mode: 'details', orderNumber: number }),
  );

  addStoredDocumentRoutes(routes, storedOrderReads(app, connection));

  return {
    name: 'customerconnect',
    jobs: [job],
    routes,
    connections: [
      {
        system: 'customerconnect',
        async check() {
          if (!connection.configured) return { ok: false, detail: connection.reason };
          const site = customerConnectSite(await loadCustomerConnectProfile(settings.profileFile), settings);
          return checkPortalLogin(app.browser, site, settings, log);
        },
      },
    ],
  };
};

const orderListQuery = pageQuery.extend({
  status: z.string().min(1).optional(),
  withoutLines: z.enum(['true', 'false']).optional(),
});

/** The read routes over the purchase orders stored from CustomerConnect. */
function storedOrderReads(
  app: AppContext,
  connection: Configured<PortalSettings>,
): StoredDocumentReads<z.infer<typeof orderListQuery>> {
  return {
    portal,
    noun: 'order',
    title: 'purchase order',
    listQuery: orderListQuery,
    async list(query) {
      // Order IDs grow with time; comparing them as numbers keeps 99999 before 100000.
      const numberKey = sql<string>`(${purchaseOrders.orderNumber})::numeric`;
      const filters = [eq(purchaseOrders.source, customerConnectSource)];
      if (query.status) filters.push(eq(purchaseOrders.status, query.status));
      if (query.withoutLines === 'true') filters.push(sql`${purchaseOrders.linesChecksum} is null`);
      if (query.withoutLines === 'false') filters.push(sql`${purchaseOrders.linesChecksum} is not null`);
      if (query.cursor) {
        const [number] = decodeCursor(query.cursor);
        if (typeof number !== 'string' || !/^\d+$/.test(number)) {
          throw new HttpProblem(
            400,
            'Bad Request',
            'The cursor is not valid; use the nextCursor of a previous page',
            {
              errors: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
            },
          );
        }
        filters.push(sql`${numberKey} < ${number}::numeric`);
      }
      const rows = await app.db
        .select({
          orderNumber: purchaseOrders.orderNumber,
          poNumber: purchaseOrders.poNumber,
          vendor: purchaseOrders.vendor,
          status: purchaseOrders.status,
          orderDate: purchaseOrders.orderDate,
          subtotal: purchaseOrders.subtotal,
          tax: purchaseOrders.tax,
          shipping: purchaseOrders.shipping,
          total: purchaseOrders.total,
          lineCount: purchaseOrders.lineCount,
          linesRead: sql<boolean>`${purchaseOrders.linesChecksum} is not null`,
          posted: sql<boolean>`${purchaseOrders.postingRevision} = ${purchaseOrders.postedRevision}`,
          updatedAt: purchaseOrders.updatedAt,
        })
        .from(purchaseOrders)
        .where(and(...filters))
        .orderBy(desc(numberKey))
        .limit(query.limit + 1);
      return toPage(rows, query.limit, (r) => [r.orderNumber]);
    },
    async one(number) {
      const [order] = await app.db
        .select()
        .from(purchaseOrders)
        .where(and(eq(purchaseOrders.source, customerConnectSource), eq(purchaseOrders.orderNumber, number)));
      if (!order) return undefined;
      const lines = await app.db
        .select({
          lineNo: purchaseOrderLines.lineNo,
          sku: purchaseOrderLines.sku,
          name: purchaseOrderLines.name,
          qty: purchaseOrderLines.qty,
          unitPrice: purchaseOrderLines.unitPrice,
          lineTotal: purchaseOrderLines.lineTotal,
        })
        .from(purchaseOrderLines)
        .where(eq(purchaseOrderLines.purchaseOrderId, order.id))
        .orderBy(purchaseOrderLines.lineNo);
      return { ...order, lines };
    },
    statsSummary:
      'CustomerConnect orders by status, those without lines or awaiting posting, and the last sync run',
    async stats() {
      const byStatus = await app.db
        .select({ status: purchaseOrders.status, orders: count() })
        .from(purchaseOrders)
        .where(eq(purchaseOrders.source, customerConnectSource))
        .groupBy(purchaseOrders.status)
        .orderBy(purchaseOrders.status);
      const [totals] = await app.db
        .select({
          orders: count(),
          ...lineAndPostingCounts(purchaseOrders),
          newestOrderDate: sql<string | null>`max(${purchaseOrders.orderDate})`,
        })
        .from(purchaseOrders)
        .where(eq(purchaseOrders.source, customerConnectSource));
      return {
        configured: connection.configured,
        ...(connection.configured ? {} : { detail: connection.reason }),
        ...totals,
        byStatus,
        lastRun: await lastSyncRun(app.db, JOB_NAME),
      };
    },
  };
}
