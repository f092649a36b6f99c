/**
 * One CustomerConnect sync run, as its steps: read the order list newest first, stopping after a run of orders that
 * are known and unchanged (unless asked to read everything), with the detail page of every order that is new, changed
 * on the list, or still without lines read beside it; or read one stored order again. Then post stock. Every order
 * ends as exactly one of created / updated / unchanged / failed. The crawl driver does the browser work, retries,
 * artefacts and reporting.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright';
import { portalConfigured, type PortalSettings } from '../../config/portals.js';
import type { Database } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import { postStock, type PostingRules, type PostStockResult } from '../../ledger/index.js';
import { purchaseOrders } from '../../models/index.js';
import { dayIn } from '../../time-zone.js';
import { Crawler, type CrawlStats } from '../crawl/crawler.js';
import { DateFormatEvidence, dateFormatVouchedBy } from '../crawl/date-evidence.js';
import { earlierRunFoundRows } from '../crawl/list-history.js';
import { AUTO_DATE_FORMAT } from '../date-format.js';
import type { Labelled } from '../crawl/router.js';
import { postStockAfterSync } from '../post-stock.js';
import { isDateFormatNamedInFile } from '../profile-file.js';
import { customerConnectSource } from './documents.js';
import { listRowFromRaw, parsePortalDate, type OrderListRow } from './parse.js';
import { portalDateFormats, type CustomerConnectProfile, type PortalDateFormat } from './profile.js';
import {
  customerConnectRouter,
  ORDER_LIST,
  type CustomerConnectRequests,
  type OrderReading,
} from './router.js';
import { customerConnectSite } from './session.js';

export const syncModes = ['orders', 'details', 'all-details', 'stock', 'full'] as const;
export type SyncMode = (typeof syncModes)[number];

export interface CustomerConnectSyncOptions {
  mode: SyncMode;
  /** Required by mode 'details'. */
  orderNumber?: string;
  /** Read the whole list instead of stopping after the known orders. */
  full?: boolean;
  /** Read at most this many list rows. */
  limit?: number;
}

export interface CustomerConnectSyncDeps {
  db: Database;
  settings: PortalSettings;
  profile: CustomerConnectProfile;
  browser: () => Promise<Browser>;
  postingRules?: PostingRules;
}

export interface CustomerConnectSyncSummary extends OrderReading {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  posting: PostStockResult | null;
  navigation: CrawlStats | null;
}

export async function syncCustomerConnect(
  ctx: RunContext,
  deps: CustomerConnectSyncDeps,
  options: CustomerConnectSyncOptions,
): Promise<CustomerConnectSyncSummary> {
  const reading: OrderReading = { listPages: 0, rowsRead: 0, detailsRead: 0, stoppedEarly: null };
  const summary: CustomerConnectSyncSummary = {
    ...reading,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    posting: null,
    navigation: null,
  };
  const { db, settings, profile, postingRules: rules } = deps;
  if (options.mode === 'stock') {
    summary.posting = await postStock(db, ctx, { source: customerConnectSource, rules });
    return summary;
  }
  const connection = portalConfigured(settings);
  if (!connection.configured) throw new Error(connection.reason);
  const crawler = new Crawler<CustomerConnectRequests>({
    ctx,
    site: customerConnectSite(profile, settings),
    settings,
    browser: deps.browser,
    lanes: { pages: settings.concurrency },
    routes: customerConnectRouter({
      db,
      profile,
      stopAfterKnown: settings.stopAfterKnown,
      limit: options.limit,
      // The portal prints business days in its own time zone; a date past tomorrow there is a misread date format.
      latestPlausibleDate: dayIn(profile.formats.timeZone, new Date(Date.now() + 24 * 60 * 60 * 1000)),
      reading,
      dateEvidence: new DateFormatEvidence('detail', {
        portal: 'customerconnect',
        format: profile.formats.date,
        vouchedBy: () =>
          dateFormatVouchedBy(db, ctx, {
            format: profile.formats.date,
            namedInProfileFile: isDateFormatNamedInFile(profile),
          }),
      }),
    }),
  });
  try {
    await crawler.run(
      options.mode === 'details'
        ? await storedOrder(db, profile, options, reading)
        : firstListPage(options, profile, {
            foundBefore: await earlierRunFoundRows(db, { job: ctx.job, runId: ctx.runId, list: ORDER_LIST }),
          }),
    );
  } finally {
    summary.navigation = await crawler.close();
    Object.assign(summary, reading, crawler.record.counters);
  }
  summary.posting = await postStockAfterSync(ctx, db, {
    source: customerConnectSource,
    rules,
    documents: 'purchase orders',
  });
  return summary;
}

function firstListPage(
  options: CustomerConnectSyncOptions,
  profile: CustomerConnectProfile,
  history: { foundBefore: boolean },
): Labelled<CustomerConnectRequests>[] {
  const walk = {
    readAll: options.mode === 'full' || options.mode === 'all-details' || options.full === true,
    everyDetail: options.mode === 'all-details',
    knownInARow: 0,
    lastPage: 0,
    foundBefore: history.foundBefore,
  };
  return [{ label: 'list', request: { walk, url: profile.routes.orderList, pageNo: 1 } }];
}

/** The detail page of one stored order, read again with the list row it was stored from. */
async function storedOrder(
  db: Database,
  profile: CustomerConnectProfile,
  options: CustomerConnectSyncOptions,
  reading: OrderReading,
): Promise<Labelled<CustomerConnectRequests>[]> {
  const { orderNumber } = options;
  if (!orderNumber) throw new Error('Mode "details" needs the orderNumber of the order to read.');
  const [stored] = await db
    .select({
      raw: purchaseOrders.raw,
      detailUrl: purchaseOrders.detailUrl,
      orderDate: purchaseOrders.orderDate,
    })
    .from(purchaseOrders)
    .where(
      and(eq(purchaseOrders.source, customerConnectSource), eq(purchaseOrders.orderNumber, orderNumber)),
    );
  const raw = stored?.raw as OrderListRow['raw'] | undefined;
  if (!raw) {
    throw new Error(
      `Order ${orderNumber} is not stored yet, so its list row (status, vendor) is unknown. Run the orders sync first ` +
        '(POST /api/customerconnect/sync/orders), then read its details.',
    );
  }
  const dateFormat = storedDateFormat(profile, raw.dateAdded, stored?.orderDate ?? null);
  const listed = listRowFromRaw(raw, stored?.detailUrl ?? null, profile, dateFormat);
  if ('reason' in listed)
    throw new Error(`The stored list row of order ${orderNumber} no longer reads: ${listed.reason}`);
  reading.rowsRead += 1;
  return [{ label: 'detail', request: { row: listed.row, dateFormat } }];
}

/**
 * The format a stored row's date was read in. Under "auto" one date is too few to judge by, but the date it was
 * stored with was read from a whole page: the format that reads the printed date as that day is the page's.
 */
function storedDateFormat(
  profile: CustomerConnectProfile,
  printed: string,
  storedDate: string | null,
): PortalDateFormat {
  const setting = profile.formats.date;
  if (setting !== AUTO_DATE_FORMAT) return setting;
  const format = portalDateFormats.find((f) => parsePortalDate(printed, f) === storedDate);
  if (format) return format;
  throw new Error(
    `The stored date "${printed}" of this order does not tell its format; set the CustomerConnect profile's ` +
      'formats.date to the portal\'s format instead of "auto", or run the orders sync first.',
  );
}
