/**
 * One RouteStar sync run, as its steps: read the closed list, then the pending list, newest first, each stopping after
 * a run of known, unchanged invoices (unless `full`), with the detail page of every new or changed invoice read
 * beside them; or read again the detail pages of stored invoices whose lines were never read. Then flag the pending
 * invoices that vanished, and post stock. The crawl driver does the browser work, retries, artefacts and reporting.
 */
import { and, count, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Browser } from 'playwright';
import type { PortalSettings } from '../../config/portals.js';
import type { Database } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import {
  flagMissingPendingInvoices,
  flagUnlistedCounts,
  postStock,
  type PostingRules,
  type PostStockResult,
} from '../../ledger/index.js';
import { salesInvoices } from '../../models/index.js';
import { Crawler, type CrawlStats } from '../crawl/crawler.js';
import { DateFormatEvidence, dateFormatVouchedBy } from '../crawl/date-evidence.js';
import { earlierRunFoundRows } from '../crawl/list-history.js';
import type { Labelled } from '../crawl/router.js';
import { postStockAfterSync } from '../post-stock.js';
import { isDateFormatNamedInFile } from '../profile-file.js';
import { closedWindow } from './dates.js';
import { invoiceEntity, SOURCE } from './documents.js';
import {
  itemListRoute,
  newItemWalk,
  type ItemListSummary,
  type ItemWalk,
  type RouteStarCrawlRequests,
} from './items-route.js';
import type { ListType } from './parse.js';
import type { RouteStarProfile } from './profile.js';
import { routeStarRouter, type ListSummary, type ListWalk, type RouteStarRequests } from './router.js';
import { routeStarSite } from './session.js';

export const routeStarSyncModes = ['pending', 'closed', 'details', 'stock', 'full', 'items'] as const;
export type RouteStarSyncMode = (typeof routeStarSyncModes)[number];

export interface RouteStarSyncRequest {
  /**
   * pending / closed: that list; details: stored invoices whose lines were never read; stock: posting only; items: the
   * item list into the item catalogue; full: both lists, then the item list.
   */
  mode: RouteStarSyncMode;
  /** details: only this invoice. */
  invoiceNumber?: string;
  /** Read whole lists instead of stopping at known, unchanged invoices. */
  full?: boolean;
  /** At most this many invoices read from each list (or details fetched). */
  limit?: number;
}

export interface RouteStarSyncDeps {
  db: Database;
  /** Configured settings: detail pages are read in `concurrency` tabs beside the list's tab. */
  settings: PortalSettings;
  profile: RouteStarProfile;
  browser: () => Promise<Browser>;
  closedWindowDays: number;
  postingRules?: PostingRules;
  now?: () => Date;
}

export interface RouteStarSyncSummary {
  lists: Partial<Record<ListType, ListSummary>>;
  detailsFetched: number;
  detailsFailed: number;
  flaggedMissing: string[];
  /** The item list, when it was read. */
  items?: ItemListSummary;
  stock?: PostStockResult;
  navigation?: CrawlStats;
}

export async function syncRouteStar(
  ctx: RunContext,
  deps: RouteStarSyncDeps,
  request: RouteStarSyncRequest,
): Promise<RouteStarSyncSummary> {
  const summary: RouteStarSyncSummary = {
    lists: {},
    detailsFetched: 0,
    detailsFailed: 0,
    flaggedMissing: [],
  };
  const { db, postingRules: rules } = deps;
  if (request.mode === 'stock') {
    summary.stock = await postStock(db, ctx, { source: SOURCE, rules });
    return summary;
  }
  const details = { fetched: 0, failed: 0 };
  const walks = listsToRead(request, deps);
  for (const walk of walks) {
    if (walk.historyKey === undefined) continue;
    walk.foundBefore = await earlierRunFoundRows(db, {
      job: ctx.job,
      runId: ctx.runId,
      list: walk.historyKey,
    });
  }
  // An invoice flagged missing that comes back can be anywhere on a list: only reading to the end finds it.
  const flagged = walks.length > 0 && (await flaggedMissingCount(db)) > 0;
  for (const walk of walks) walk.readToEnd = flagged;
  const itemWalk =
    request.mode === 'items' || request.mode === 'full'
      ? newItemWalk(deps.profile, deps.now?.() ?? new Date())
      : undefined;
  const dateEvidence = new DateFormatEvidence<RouteStarRequests, 'detail'>('detail', {
    portal: 'routestar',
    format: deps.profile.formats.date,
    vouchedBy: () =>
      dateFormatVouchedBy(db, ctx, {
        format: deps.profile.formats.date,
        namedInProfileFile: isDateFormatNamedInFile(deps.profile),
      }),
  });
  const crawler = routeStarCrawler(ctx, deps, request, { details, dateEvidence, itemWalk });
  try {
    const [firstList] = walks;
    if (request.mode === 'details') await crawler.run(await invoicesWithoutLines(db, request));
    else if (firstList) await crawler.run([{ label: 'list', request: { walk: firstList, pageNo: 1 } }]);
    else if (itemWalk) await crawler.run([{ label: 'items', request: { walk: itemWalk, pageNo: 1 } }]);
  } finally {
    summary.navigation = await crawler.close();
    summary.detailsFetched = details.fetched;
    summary.detailsFailed = details.failed;
    for (const walk of walks) summary.lists[walk.listType] = walk.summary;
    if (itemWalk) summary.items = itemWalk.summary;
  }
  if (itemWalk?.summary.stoppedBy === 'last-page' && request.limit === undefined) {
    itemWalk.summary.unlisted = await flagUnlisted(ctx, db, itemWalk);
  }
  if (request.mode === 'items') return summary;
  const pending = walks.find((walk) => walk.listType === 'pending');
  // Only a read of the whole list proves an invoice is gone.
  if (
    pending?.summary.stoppedBy === 'last-page' &&
    pending.summary.unread === undefined &&
    request.limit === undefined
  ) {
    summary.flaggedMissing = await flagVanished(ctx, db, pending.seen);
  }
  summary.stock = await postStockAfterSync(ctx, db, { source: SOURCE, rules, documents: 'sales invoices' });
  return summary;
}

/**
 * Detail pages are read in `concurrency` tabs beside the tab that reads the lists. The item list follows the invoice
 * lists in that tab as soon as they end, so the portal's counts are read as close as possible to the sales the lists
 * showed, and while the last detail pages are still being read rather than after them.
 */
function routeStarCrawler(
  ctx: RunContext,
  deps: RouteStarSyncDeps,
  request: RouteStarSyncRequest,
  run: {
    details: { fetched: number; failed: number };
    dateEvidence: DateFormatEvidence<RouteStarRequests, 'detail'>;
    itemWalk: ItemWalk | undefined;
  },
): Crawler<RouteStarCrawlRequests> {
  const { details, dateEvidence, itemWalk } = run;
  const crawler: Crawler<RouteStarCrawlRequests> = new Crawler<RouteStarCrawlRequests>({
    ctx,
    site: routeStarSite(deps.profile, deps.settings),
    settings: deps.settings,
    browser: deps.browser,
    lanes: { list: 1, detail: deps.settings.concurrency },
    routes: {
      ...routeStarRouter({
        db: deps.db,
        profile: deps.profile,
        baseUrl: deps.settings.baseUrl ?? '',
        stopAfterKnown: deps.settings.stopAfterKnown,
        full: request.full ?? false,
        limit: request.limit,
        details,
        dateEvidence,
        afterLists: itemWalk && (() => crawler.enqueue('items', { walk: itemWalk, pageNo: 1 })),
      }),
      items: itemListRoute({
        db: deps.db,
        profile: deps.profile,
        baseUrl: deps.settings.baseUrl ?? '',
        limit: request.limit,
      }),
    },
  });
  return crawler;
}

/**
 * The closed list first, so an invoice that just closed is stored as closed before the pending list is checked for
 * invoices that vanished. Closed invoices are read for a window set explicitly: the page's default one is narrow.
 */
function listsToRead(request: RouteStarSyncRequest, deps: RouteStarSyncDeps): ListWalk[] {
  const { profile } = deps;
  const walk = (listType: ListType, route: string, window?: ListWalk['window']): ListWalk => ({
    listType,
    route,
    window,
    historyKey: window && `RouteStar ${listType} invoices ${window.from} to ${window.to}`,
    foundBefore: false,
    seen: new Set(),
    unnumbered: 0,
    knownInARow: 0,
    summary: { read: 0, pages: 0, stoppedBy: 'last-page', window },
  });
  const walks: ListWalk[] = [];
  if (request.mode === 'closed' || request.mode === 'full') {
    const window = closedWindow(deps.closedWindowDays, profile.formats.timeZone, deps.now?.());
    walks.push(walk('closed', profile.routes.closed, window));
  }
  if (request.mode === 'pending' || request.mode === 'full')
    walks.push(walk('pending', profile.routes.pending));
  walks.forEach((list, index) => (list.followedBy = walks[index + 1]));
  return walks;
}

async function invoicesWithoutLines(
  db: Database,
  request: RouteStarSyncRequest,
): Promise<Labelled<RouteStarCrawlRequests>[]> {
  const wanted = request.invoiceNumber
    ? await db
        .select()
        .from(salesInvoices)
        .where(and(eq(salesInvoices.source, SOURCE), eq(salesInvoices.invoiceNumber, request.invoiceNumber)))
    : await db
        .select()
        .from(salesInvoices)
        .where(and(eq(salesInvoices.source, SOURCE), isNull(salesInvoices.linesChecksum)))
        .orderBy(salesInvoices.invoiceNumber)
        .limit(request.limit ?? 10_000);
  if (request.invoiceNumber && wanted.length === 0) {
    throw new Error(
      `Invoice ${request.invoiceNumber} has not been stored yet, so its list row is unknown; run routestar.sync with mode "pending" or "closed" first.`,
    );
  }
  return wanted.map((stored) => ({
    label: 'detail',
    request: { from: 'stored', stored, total: wanted.length },
  }));
}

async function flagVanished(ctx: RunContext, db: Database, seen: Set<string>): Promise<string[]> {
  const flagged = await flagMissingPendingInvoices(db, SOURCE, [...seen]);
  for (const number of flagged) {
    await ctx.event({
      level: 'warn',
      message: `Invoice ${number} is no longer on RouteStar's pending list and has not appeared as closed; it is flagged, not deleted. Check it in RouteStar.`,
      entity: invoiceEntity(number),
    });
  }
  return flagged;
}

async function flagUnlisted(ctx: RunContext, db: Database, walk: ItemWalk): Promise<string[]> {
  const unlisted = await flagUnlistedCounts(db, SOURCE, [...walk.seen.keys()], walk.countedAt);
  if (unlisted.length > 0) {
    await ctx.event({
      level: 'warn',
      message: `RouteStar's item list no longer shows ${unlisted.join(', ')}; their counts are left out of the drift report. If an item was renamed, map its new name (PUT /api/items/aliases/${SOURCE}/<name>).`,
      details: { unlisted },
    });
  }
  return unlisted;
}

async function flaggedMissingCount(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(salesInvoices)
    .where(and(eq(salesInvoices.source, SOURCE), isNotNull(salesInvoices.missingSince)));
  return row?.n ?? 0;
}
