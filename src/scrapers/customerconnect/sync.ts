/**
 * The CustomerConnect sync: reads the order list newest first, stops after a run of orders that are known and
 * unchanged (unless asked to read everything), reads the detail page of every order that is new, changed on the list,
 * or still without lines, stores each order through the ledger's document store, and finally posts stock for the
 * portal. Every order ends as exactly one of created / updated / unchanged / failed on the run.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright';
import type { PortalSettings } from '../../config/portals.js';
import type { Database } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import {
  listChecksum,
  postStock,
  purchaseOrderStates,
  upsertPurchaseOrder,
  type PostingRules,
  type PostStockResult,
  type PurchaseOrderInput,
} from '../../ledger/index.js';
import { purchaseOrders } from '../../models/index.js';
import { dayIn } from '../../time-zone.js';
import { failureArtefactStore } from '../artefacts.js';
import { LoginRejectedError, MarkupChangedError } from '../errors.js';
import { CustomerConnectNavigator, artefactsOf, type NavigatorStats } from './navigate.js';
import {
  listRowFromRaw,
  parseOrderDetailPage,
  parseOrderListPage,
  type OrderDetail,
  type OrderListPage,
  type OrderListRow,
  type OrderPlace,
} from './parse.js';
import type { Quarantined } from '../quarantined.js';
import { orderInfoPath, type CustomerConnectProfile } from './profile.js';
import { configuredSession } from './session.js';

export const customerConnectSource = 'customerconnect';

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

export interface CustomerConnectSyncSummary {
  listPages: number;
  rowsRead: number;
  detailsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Why the list was not read to its end, when it was not. */
  stoppedEarly: string | null;
  posting: PostStockResult | null;
  navigation: NavigatorStats | null;
}

const entity = (orderNumber: string | null) => (orderNumber ? `purchase_order:${orderNumber}` : undefined);

/** Errors after which reading more pages only repeats the failure: the run stops. */
function endsTheRun(error: unknown, signal: AbortSignal): boolean {
  return error instanceof MarkupChangedError || error instanceof LoginRejectedError || signal.aborted;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function purchaseOrderInput(row: OrderListRow, detail: OrderDetail | undefined): PurchaseOrderInput {
  return {
    source: customerConnectSource,
    orderNumber: row.orderNumber,
    poNumber: row.poNumbers.length > 0 ? row.poNumbers.join(', ') : null,
    vendor: row.vendors.length > 0 ? row.vendors.join(', ') : null,
    status: row.status,
    orderDate: row.orderDate,
    subtotal: detail?.subtotal ?? null,
    tax: detail?.tax ?? null,
    shipping: detail?.shipping ?? null,
    total: detail?.total ?? row.total,
    detailUrl: row.detailUrl,
    // Only what the list shows: the stored checksum must equal the next run's checksum of an unchanged row.
    raw: row.raw,
    lines: detail?.lines.map(({ lineNo, sku, name, qty, unitPrice, lineTotal }) => ({
      lineNo,
      sku,
      name,
      qty,
      unitPrice,
      lineTotal,
    })),
  };
}

/**
 * Runs database work one piece at a time. Detail pages finish in any order, but the embedded database has a single
 * backend and concurrent statements from several pool connections have failed there ("unnamed prepared statement
 * does not exist"); one writer per run also keeps the order of events readable. Work marked `first` goes ahead of
 * the work still waiting: the list reader waits for what is stored of a page's orders before it queues their detail
 * pages, and behind a queue of finished orders being written the detail tabs ran dry.
 */
function serialQueue(): <T>(work: () => Promise<T>, first?: boolean) => Promise<T> {
  const waiting: { first: (() => void)[]; rest: (() => void)[] } = { first: [], rest: [] };
  let running = false;
  const next = () => {
    const start = running ? undefined : (waiting.first.shift() ?? waiting.rest.shift());
    if (!start) return;
    running = true;
    start();
  };
  return (work, first = false) =>
    new Promise((resolve, reject) => {
      (first ? waiting.first : waiting.rest).push(() => {
        Promise.resolve()
          .then(work)
          .then(resolve, reject)
          .finally(() => {
            running = false;
            next();
          });
      });
      next();
    });
}

export async function syncCustomerConnect(
  runCtx: RunContext,
  deps: CustomerConnectSyncDeps,
  options: CustomerConnectSyncOptions,
): Promise<CustomerConnectSyncSummary> {
  const serially = serialQueue();
  const ctx: RunContext = {
    runId: runCtx.runId,
    job: runCtx.job,
    trigger: runCtx.trigger,
    log: runCtx.log,
    signal: runCtx.signal,
    count: (counter, n) => runCtx.count(counter, n),
    event: (e) => serially(() => runCtx.event(e)),
    progress: (p) => serially(() => runCtx.progress(p), true),
  };
  const summary: CustomerConnectSyncSummary = {
    listPages: 0,
    rowsRead: 0,
    detailsRead: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    stoppedEarly: null,
    posting: null,
    navigation: null,
  };
  const counted = (outcome: 'created' | 'updated' | 'unchanged' | 'failed') => {
    summary[outcome]++;
    ctx.count(outcome);
  };

  if (options.mode === 'stock') {
    summary.posting = await postStock(deps.db, runCtx, {
      source: customerConnectSource,
      rules: deps.postingRules,
    });
    return summary;
  }

  const { settings, profile } = deps;
  if (settings.missing.length > 0) {
    throw new Error(`CustomerConnect is not configured: set ${settings.missing.join(', ')}.`);
  }
  const artefacts = failureArtefactStore({
    dataDir: settings.dataDir,
    portal: 'customerconnect',
    trace: settings.trace,
  });
  const session = configuredSession(await deps.browser(), settings, profile, ctx.log);
  const navigator = new CustomerConnectNavigator(session, {
    concurrency: settings.concurrency,
    minSpacingMs: settings.minSpacingMs,
    retryAttempts: settings.retryAttempts,
    retryBaseMs: settings.retryBaseMs,
    recycleAfterPages: settings.recycleAfterPages,
    navigationTimeoutMs: settings.navigationTimeoutMs,
    profile,
    artefacts,
    log: ctx.log,
    signal: ctx.signal,
  });

  // The portal prints business days in its own time zone; a date past tomorrow there means a misread date format.
  const latestPlausibleDate = dayIn(profile.formats.timeZone, new Date(Date.now() + 24 * 60 * 60 * 1000));

  async function recordFailure(orderNumber: string | null, what: string, error: unknown): Promise<void> {
    const link = artefactsOf(error);
    counted('failed');
    await ctx.event({
      level: 'error',
      entity: entity(orderNumber),
      message: `${what}: ${describeError(error)}`,
      details: { error: error instanceof Error ? error.name : 'Error', ...(link ? { artefacts: link } : {}) },
    });
  }

  async function quarantine(q: Quarantined<OrderPlace>, where: string): Promise<void> {
    counted('failed');
    await ctx.event({
      level: 'warn',
      entity: entity(q.orderNumber),
      message: `Quarantined ${q.orderNumber ? `order ${q.orderNumber}` : 'an order row'} from the ${where}: ${q.reason}. It was not stored; it is read again next run.`,
      details: { reason: q.reason, html: q.html },
    });
  }

  /** Reads the detail page and stores the order; failures end as a failed order, not a failed run. */
  async function storeWithDetail(row: OrderListRow): Promise<void> {
    let detail: OrderDetail;
    try {
      const result = await navigator.visit(
        row.detailUrl ?? session.url(orderInfoPath(profile, row.orderNumber)),
        'order detail',
        (page) => parseOrderDetailPage(page, profile, row.orderNumber),
      );
      summary.detailsRead++;
      if (!result.ok) {
        await quarantine(result.quarantined, 'order detail page');
        return;
      }
      detail = result.detail;
    } catch (error) {
      if (endsTheRun(error, ctx.signal)) throw error;
      // Not stored, so the next run still sees the order as new or changed and tries again.
      await recordFailure(
        row.orderNumber,
        `Could not read the detail page of order ${row.orderNumber}`,
        error,
      );
      return;
    }
    for (const line of detail.lines.filter((l) => l.skuFromName)) {
      await ctx.event({
        level: 'warn',
        entity: entity(row.orderNumber),
        message: `Order ${row.orderNumber} line ${line.lineNo} has no Model; its product name "${line.name}" is used as the SKU. Map it with an item alias if it is a known item.`,
      });
    }
    if (row.total !== null && Math.abs(row.total - detail.total) > 0.005) {
      await ctx.event({
        level: 'warn',
        entity: entity(row.orderNumber),
        message: `Order ${row.orderNumber} shows total ${row.total.toFixed(2)} on the list but ${detail.total.toFixed(2)} on its page; the page's total is kept.`,
      });
    }
    if (row.orderDate > latestPlausibleDate) {
      await ctx.event({
        level: 'warn',
        entity: entity(row.orderNumber),
        message: `Order ${row.orderNumber} is dated ${row.orderDate}, after today in ${profile.formats.timeZone}. If dates look swapped, check the profile's date format (${profile.formats.date}).`,
      });
    }
    await store(row, detail);
  }

  async function store(row: OrderListRow, detail: OrderDetail | undefined): Promise<void> {
    try {
      const result = await serially(() => upsertPurchaseOrder(deps.db, purchaseOrderInput(row, detail)));
      counted(result.outcome);
    } catch (error) {
      await recordFailure(row.orderNumber, `Order ${row.orderNumber} was not stored`, error);
    }
  }

  try {
    if (options.mode === 'details') {
      await syncOneOrder(options.orderNumber);
    } else {
      await readList(
        options.mode === 'full' || options.mode === 'all-details' || options.full === true,
        options.mode === 'all-details',
      );
    }
  } catch (error) {
    const link = artefactsOf(error);
    if (link) {
      await ctx.event({
        level: 'error',
        message: `CustomerConnect sync stopped: ${describeError(error)}`,
        details: { error: error instanceof Error ? error.name : 'Error', artefacts: link },
      });
    }
    throw error;
  } finally {
    summary.navigation = { ...navigator.stats };
    await navigator.close();
  }

  // The sync's counters describe orders; posting's own outcome is reported as one event so nothing is counted twice.
  const postingCtx: RunContext = { ...ctx, count: () => undefined };
  summary.posting = await postStock(deps.db, postingCtx, {
    source: customerConnectSource,
    rules: deps.postingRules,
  });
  if (summary.posting.documents > 0) {
    await ctx.event({
      level: 'info',
      message: `Posted stock for ${summary.posting.documents} purchase orders: ${summary.posting.movements} movements.`,
      details: summary.posting,
    });
  }
  return summary;

  async function readList(readAll: boolean, everyDetail: boolean): Promise<void> {
    let knownInARow = 0;
    let lastPage = 0;
    const pending: Promise<void>[] = [];
    let fatal: unknown;
    try {
      await readPages();
    } finally {
      // Details already under way finish (or fail) before the browser is closed under them.
      await Promise.all(pending);
    }
    if (fatal) throw fatal;

    function readListPage(listUrl: string): Promise<OrderListPage> {
      return navigator.visit(
        listUrl,
        'order list',
        (listPage, finalUrl) => parseOrderListPage(listPage, profile, finalUrl),
        1,
      );
    }

    async function readPages(): Promise<void> {
      let next: Promise<OrderListPage> | undefined = readListPage(session.url(profile.routes.orderList));
      while (next) {
        const page = await next;
        next = undefined;
        summary.listPages++;
        if (page.paging.page <= lastPage) {
          throw new MarkupChangedError('customerconnect', 'order list page', [
            `the pager went back: page ${lastPage} was followed by page ${page.paging.page}`,
          ]);
        }
        lastPage = page.paging.page;
        const rows = [...page.rows];
        const stored = await serially(
          () =>
            purchaseOrderStates(
              deps.db,
              customerConnectSource,
              rows.map((row) => row.orderNumber),
            ),
          true,
        );
        const quarantinedAt = new Map(page.quarantined.map((q) => [q.position, q]));
        const entries = rows.length + page.quarantined.length;
        const needDetail: OrderListRow[] = [];
        // Walked in page order: a quarantined row breaks a run of known orders like any order that is not unchanged.
        for (let position = 0; position < entries; position++) {
          if (options.limit !== undefined && summary.rowsRead >= options.limit) break;
          const q = quarantinedAt.get(position);
          if (q) {
            knownInARow = 0;
            await quarantine(q, `order list page ${page.paging.page}`);
            continue;
          }
          const row = rows.shift()!;
          summary.rowsRead++;
          const state = stored.get(row.orderNumber);
          const rowChanged = !state || state.listChecksum !== listChecksum(row.raw);
          const withoutLines = !state || !state.linesFetched || state.lineCount === 0;
          if (!rowChanged && !withoutLines && !everyDetail) {
            knownInARow++;
            counted('unchanged');
            continue;
          }
          knownInARow = 0;
          needDetail.push(row);
        }
        if (!readAll && knownInARow >= settings.stopAfterKnown) {
          summary.stoppedEarly = `${knownInARow} known, unchanged orders in a row`;
        } else if (options.limit !== undefined && summary.rowsRead >= options.limit) {
          summary.stoppedEarly = `the limit of ${options.limit} orders was reached`;
        } else if (page.paging.nextUrl && !fatal) {
          // Asked for before this page's details, so it takes the first tab that frees up and the list keeps ahead
          // of the detail tabs instead of waiting behind the orders it has just queued.
          next = readListPage(page.paging.nextUrl);
          // Awaited on the next turn of the loop; marked handled so a failure while this page is finished is not
          // reported as unhandled before then.
          next.catch(() => undefined);
        }
        // Details of this page load while the next list page is read; the limiter keeps the total polite.
        for (const row of needDetail)
          pending.push(storeWithDetail(row).catch((error: unknown) => void (fatal ??= error)));
        await ctx.progress({
          processed: summary.rowsRead,
          total: readAll ? page.paging.totalOrders : undefined,
          note: `order list page ${page.paging.page} of ${page.paging.pages}`,
        });
        if (fatal) {
          // The page asked for ahead is no longer wanted; it ends (or fails) before the browser closes.
          if (next)
            pending.push(
              next.then(
                () => undefined,
                () => undefined,
              ),
            );
          return;
        }
      }
    }
  }

  async function syncOneOrder(orderNumber: string | undefined): Promise<void> {
    if (!orderNumber) throw new Error('Mode "details" needs the orderNumber of the order to read.');
    const [stored] = await deps.db
      .select({ raw: purchaseOrders.raw, detailUrl: purchaseOrders.detailUrl })
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
    const listed = listRowFromRaw(raw, stored?.detailUrl ?? null, profile);
    if ('reason' in listed)
      throw new Error(`The stored list row of order ${orderNumber} no longer reads: ${listed.reason}`);
    summary.rowsRead++;
    await storeWithDetail(listed.row);
  }
}
