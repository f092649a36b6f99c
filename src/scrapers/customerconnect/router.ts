/**
 * CustomerConnect's routes for the crawl driver. An order list page: its rows are planned against what is stored —
 * known and unchanged, or to be read — the next list page is queued ahead of everything else, then the detail page of
 * each order that is new, changed on the list, or still without lines — held until a list page proves the date
 * format (see date-evidence.ts). An order detail page: the order is stored with its lines. Both kinds of page share
 * the portal's tabs.
 */
import type { Database } from '../../db/database.js';
import { listChecksum, purchaseOrderStates, upsertPurchaseOrder } from '../../ledger/index.js';
import type { Crawl, Route, Routes } from '../crawl/router.js';
import type { Visit } from '../crawl/visit.js';
import type { DateFormatEvidence, HeldDetail } from '../crawl/date-evidence.js';
import { listReadEvent } from '../crawl/list-history.js';
import { ListIncompleteError, MarkupChangedError, SessionExpiredError } from '../errors.js';
import {
  customerConnectSource,
  orderEntity,
  orderRef,
  orderWarnings,
  purchaseOrderInput,
} from './documents.js';
import {
  dateReadings,
  isLoginPage,
  loadPage,
  parseOrderDetailPage,
  parseOrderListPage,
  type OrderDetailResult,
  type OrderListPage,
  type OrderListRow,
  type PortalPage,
} from './parse.js';
import { orderInfoPath, type CustomerConnectProfile, type PortalDateFormat } from './profile.js';

/** The order list's key in the run history (see list-history.ts). */
export const ORDER_LIST = 'CustomerConnect order';

/** The order list as read this run. */
export interface OrderListWalk {
  /** Read the whole list instead of stopping after the known orders. */
  readAll: boolean;
  /** Read the detail page of every order, known or not. */
  everyDetail: boolean;
  knownInARow: number;
  /** The last page read: the pager must move forward. */
  lastPage: number;
  /**
   * An earlier run found orders on the list. An account's order history only grows (OpenCart keeps cancelled orders
   * too), so an empty list after that is a page that did not show its orders, never an account without any.
   */
  foundBefore: boolean;
  /** The format the list's earlier pages were read in this run. */
  dateFormat?: PortalDateFormat;
}

export interface CustomerConnectRequests {
  list: { walk: OrderListWalk; url: string; pageNo: number };
  /** `dateFormat`: the format the order's list page was read in. */
  detail: { row: OrderListRow; dateFormat: PortalDateFormat };
}

/** What the sync reports of its reading. */
export interface OrderReading {
  listPages: number;
  rowsRead: number;
  detailsRead: number;
  /** Why the list was not read to its end, when it was not. */
  stoppedEarly: string | null;
}

export interface CustomerConnectRouteSettings {
  db: Database;
  profile: CustomerConnectProfile;
  stopAfterKnown: number;
  /** At most this many list rows read. */
  limit?: number;
  /** The latest order date that is not a misread date. */
  latestPlausibleDate: string;
  reading: OrderReading;
  /** Holds the detail pages of list pages that did not prove the date format (see date-evidence.ts). */
  dateEvidence: DateFormatEvidence<CustomerConnectRequests, 'detail'>;
}

type CustomerConnectCrawl = Crawl<CustomerConnectRequests>;

export function customerConnectRouter(
  settings: CustomerConnectRouteSettings,
): Routes<CustomerConnectRequests> {
  return { list: listRoute(settings), detail: detailRoute(settings) };
}

/** A portal page's HTML, parsed once; the login form in its place means the session ended. */
async function readPage(visit: Visit, path: string, profile: CustomerConnectProfile) {
  const { url, html } = await visit.read(path, {
    asServed: profile.pageLoad.waitUntil === 'commit',
    waitUntil: profile.pageLoad.waitUntil,
  });
  const page: PortalPage = loadPage(html);
  if (isLoginPage(page, profile)) throw new SessionExpiredError('customerconnect', visit.where);
  return { url, page };
}

function listRoute(
  settings: CustomerConnectRouteSettings,
): Route<CustomerConnectRequests, CustomerConnectRequests['list'], OrderListPage> {
  const { profile, reading } = settings;
  return {
    lane: 'pages',
    step: () => 'order list',
    where: ({ pageNo }) => `page ${pageNo} of the order list`,
    async read(visit, { walk, url, pageNo }) {
      const read = await readPage(visit, url, profile);
      const page = parseOrderListPage(read.page, profile, read.url, walk.dateFormat);
      if (pageNo === 1 && walk.foundBefore && page.rows.length + page.quarantined.length === 0) {
        throw new ListIncompleteError(
          'customerconnect',
          visit.where,
          "an earlier run found orders on it, and orders never leave an account's history",
        );
      }
      if (page.paging.page <= walk.lastPage) {
        throw new MarkupChangedError('customerconnect', 'order list page', [
          `the pager went back: page ${walk.lastPage} was followed by page ${page.paging.page}`,
        ]);
      }
      return page;
    },
    async handle(page, { walk, pageNo }, crawl) {
      reading.listPages += 1;
      if (pageNo === 1) {
        await crawl.record.event(
          listReadEvent({ list: ORDER_LIST, rows: page.rows.length + page.quarantined.length }),
        );
      }
      walk.lastPage = page.paging.page;
      // Dates seen on this page settle the format for the pages after it; a page without rows settles nothing.
      if (page.rows.length > 0) walk.dateFormat = page.dateFormat;
      const needDetail = await planRows(page, walk, crawl, settings);
      let next: CustomerConnectRequests['list'] | undefined;
      if (!walk.readAll && walk.knownInARow >= settings.stopAfterKnown) {
        reading.stoppedEarly = `${walk.knownInARow} known, unchanged orders in a row`;
      } else if (settings.limit !== undefined && reading.rowsRead >= settings.limit) {
        reading.stoppedEarly = `the limit of ${settings.limit} orders was reached`;
      } else if (page.paging.nextUrl) {
        // Queued ahead of this page's details, so it takes the first tab that frees up and the list keeps ahead of
        // the detail tabs instead of waiting behind the orders it has just queued.
        next = { walk, url: page.paging.nextUrl, pageNo: page.paging.page + 1 };
        await crawl.enqueue('list', next, { first: true });
      }
      const details = needDetail.map((row) => heldDetail(row, page));
      await settings.dateEvidence.pageRead(page.dateFormatConfirmed, details, crawl);
      if (!next) await settings.dateEvidence.listEnded(crawl);
      await crawl.record.progress(
        `order list page ${page.paging.page} of ${page.paging.pages}`,
        walk.readAll ? page.paging.totalOrders : undefined,
      );
    },
  };
}

/** An order's detail page, to be queued once the list's dates have proven their format. */
function heldDetail(row: OrderListRow, page: OrderListPage): HeldDetail<CustomerConnectRequests['detail']> {
  return {
    request: { row, dateFormat: page.dateFormat },
    entity: orderEntity(row.orderNumber),
    what: `order ${row.orderNumber}`,
    where: `order list page ${page.paging.page}`,
    date: row.raw.dateAdded,
    readings: dateReadings(row.raw.dateAdded),
  };
}

/**
 * Walks the page's rows in page order, quarantined ones included (a quarantined row breaks a run of known orders like
 * any order that is not unchanged), counting the known, unchanged ones; returns those whose detail page is needed.
 */
async function planRows(
  page: OrderListPage,
  walk: OrderListWalk,
  crawl: CustomerConnectCrawl,
  settings: CustomerConnectRouteSettings,
): Promise<OrderListRow[]> {
  const { reading } = settings;
  const rows = [...page.rows];
  const numbers = rows.map((row) => row.orderNumber);
  const stored = await crawl.record.write(
    () => purchaseOrderStates(settings.db, customerConnectSource, numbers),
    { first: true },
  );
  const quarantinedAt = new Map(page.quarantined.map((q) => [q.position, q]));
  const needDetail: OrderListRow[] = [];
  const entries = rows.length + page.quarantined.length;
  for (let position = 0; position < entries; position++) {
    if (settings.limit !== undefined && reading.rowsRead >= settings.limit) break;
    const q = quarantinedAt.get(position);
    if (q) {
      walk.knownInARow = 0;
      crawl.record.count('failed');
      await crawl.record.quarantine({
        entity: q.orderNumber ? orderEntity(q.orderNumber) : undefined,
        what: q.orderNumber ? `order ${q.orderNumber}` : 'an order row',
        where: `order list page ${page.paging.page}`,
        reason: q.reason,
        html: q.html,
        consequence: 'It was not stored; it is read again next run.',
      });
      continue;
    }
    const row = rows.shift()!;
    reading.rowsRead += 1;
    const state = stored.get(row.orderNumber);
    const rowChanged = !state || state.listChecksum !== listChecksum(row.raw);
    const withoutLines = !state || !state.linesFetched || state.lineCount === 0;
    if (!rowChanged && !withoutLines && !walk.everyDetail) {
      walk.knownInARow += 1;
      crawl.record.count('unchanged');
      continue;
    }
    walk.knownInARow = 0;
    needDetail.push(row);
  }
  return needDetail;
}

function detailRoute(
  settings: CustomerConnectRouteSettings,
): Route<CustomerConnectRequests, CustomerConnectRequests['detail'], OrderDetailResult> {
  const { profile, reading } = settings;
  return {
    lane: 'pages',
    step: () => 'order detail',
    where: ({ row }) => `the detail page of order ${row.orderNumber}`,
    entity: ({ row }) => orderEntity(row.orderNumber),
    async read(visit, { row, dateFormat }) {
      const read = await readPage(visit, row.detailUrl ?? orderInfoPath(profile, row.orderNumber), profile);
      return parseOrderDetailPage(read.page, profile, row.orderNumber, dateFormat);
    },
    async handle(result, { row }, crawl) {
      reading.detailsRead += 1;
      if (!result.ok) {
        crawl.record.count('failed');
        await crawl.record.quarantine({
          entity: orderEntity(row.orderNumber),
          what: `order ${row.orderNumber}`,
          where: 'order detail page',
          reason: result.quarantined.reason,
          html: result.quarantined.html,
          consequence: 'It was not stored; it is read again next run.',
        });
        return;
      }
      for (const message of orderWarnings(row, result.detail, profile, settings.latestPlausibleDate)) {
        await crawl.record.event({ level: 'warn', entity: orderEntity(row.orderNumber), message });
      }
      const input = purchaseOrderInput(row, result.detail);
      await crawl.record.store(orderRef(input), () => upsertPurchaseOrder(settings.db, input));
    },
    // Not stored, so the next run still sees the order as new or changed and reads it again.
    async failed(_error, _request, crawl) {
      crawl.record.count('failed');
    },
  };
}
