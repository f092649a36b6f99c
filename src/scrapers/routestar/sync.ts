/**
 * One RouteStar sync run: reads the pending and/or closed invoice lists newest first, stops after a run of invoices
 * that are known and unchanged (unless `full`), opens the detail page of every new or changed invoice and of those
 * whose lines were never read, stores them through the ledger, flags pending invoices that vanished, and posts stock
 * for source 'routestar' at the end. Everything it does is counted and reported on the run; failures leave a
 * screenshot, the HTML and a trace on their first occurrence.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Page } from 'playwright';
import type { Database } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import {
  clearMissingFlag,
  flagMissingPendingInvoices,
  listChecksum,
  postStock,
  salesInvoiceStates,
  type SalesInvoiceState,
  upsertSalesInvoice,
  type PostingRules,
  type PostStockResult,
  type SalesInvoiceDetails,
  type SalesInvoiceInput,
} from '../../ledger/index.js';
import { salesInvoices } from '../../models/index.js';
import type { FailureArtefactStore } from '../artefacts.js';
import { TabPool } from '../tab-pool.js';
import { closedWindow } from './dates.js';
import { isRetryable, MarkupChangedError, SessionExpiredError } from './errors.js';
import { captureGrid, goToNextPage, readInvoiceDetail, setDateWindow, waitForGrid } from './navigate.js';
import {
  parseInvoiceDetail,
  parseInvoiceList,
  type InvoiceDetail,
  type InvoiceListRow,
  type ListType,
} from './parse.js';
import { detailPath } from './profile.js';
import type { RouteStarSession } from './session.js';

export const SOURCE = 'routestar';

export const routeStarSyncModes = ['pending', 'closed', 'details', 'stock', 'full'] as const;
export type RouteStarSyncMode = (typeof routeStarSyncModes)[number];

export interface RouteStarSyncRequest {
  /** pending / closed: that list; details: stored invoices whose lines were never read; stock: posting only; full: both lists. */
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
  session: RouteStarSession;
  artefacts: FailureArtefactStore;
  baseUrl: string;
  stopAfterKnown: number;
  closedWindowDays: number;
  /** Detail pages read at once, each in its own tab (the session's limiter still spaces the page loads). */
  detailTabs?: number;
  postingRules?: PostingRules;
  now?: () => Date;
}

export interface ListSummary {
  read: number;
  pages: number;
  /** Why reading stopped: the last page, N known invoices in a row, the limit, a page that did not change, or abort. */
  stoppedBy: 'last-page' | 'known-unchanged' | 'limit' | 'page-unchanged' | 'no-new-rows' | 'aborted';
  window?: { from: string; to: string };
}

export interface RouteStarSyncSummary {
  lists: Partial<Record<ListType, ListSummary>>;
  detailsFetched: number;
  detailsFailed: number;
  flaggedMissing: string[];
  stock?: PostStockResult;
}

type Stored = typeof salesInvoices.$inferSelect;

function rawOf(row: InvoiceListRow): Record<string, unknown> {
  return { list: row.listType, cells: row.cells };
}

function inputFromRow(row: InvoiceListRow, detail?: InvoiceDetail): SalesInvoiceInput {
  return {
    source: SOURCE,
    invoiceNumber: row.invoiceNumber,
    listType: row.listType,
    status: row.status,
    isComplete: row.isComplete,
    isPosted: row.isPosted,
    customer: row.customer,
    invoiceDate: row.invoiceDate,
    dateCompleted: row.dateCompleted,
    lastModified: row.lastModified,
    subtotal: detail?.subtotal ?? row.subtotal,
    tax: detail?.tax ?? null,
    total: detail?.total ?? row.total,
    detailUrl: row.detailUrl,
    details: detail ? detailsOf(detail) : undefined,
    raw: rawOf(row),
    lines: detail ? linesOf(detail) : undefined,
  };
}

function inputFromStored(stored: Stored, detail: InvoiceDetail): SalesInvoiceInput {
  const amount = (v: string | null) => (v === null ? null : Number(v));
  return {
    source: SOURCE,
    invoiceNumber: stored.invoiceNumber,
    listType: stored.listType,
    status: stored.status,
    isComplete: stored.isComplete,
    isPosted: stored.isPosted,
    customer: stored.customer,
    invoiceDate: stored.invoiceDate,
    dateCompleted: stored.dateCompleted,
    lastModified: stored.lastModified,
    subtotal: detail.subtotal ?? amount(stored.subtotal),
    tax: detail.tax ?? amount(stored.tax),
    total: detail.total ?? amount(stored.total),
    detailUrl: stored.detailUrl,
    details: detailsOf(detail),
    // The same raw list row keeps the list checksum, so the next incremental run still sees it as unchanged.
    raw: stored.raw,
    lines: linesOf(detail),
  };
}

function detailsOf(detail: InvoiceDetail): SalesInvoiceDetails {
  const { signedBy, memo, serviceNotes, salesTaxRate, email, phone } = detail;
  return { signedBy, memo, serviceNotes, salesTaxRate, email, phone };
}

function linesOf(detail: InvoiceDetail): NonNullable<SalesInvoiceInput['lines']> {
  return detail.lines.map((l) => ({
    lineNo: l.lineNo,
    itemName: l.itemName,
    description: l.description,
    qty: l.qty,
    rate: l.rate,
    amount: l.amount,
    class: l.class,
    warehouse: l.warehouse,
    taxCode: l.taxCode,
    location: l.location,
  }));
}

const entity = (invoiceNumber: string) => `sales_invoice:${SOURCE}/${invoiceNumber}`;

export async function syncRouteStar(
  ctx: RunContext,
  deps: RouteStarSyncDeps,
  request: RouteStarSyncRequest,
): Promise<RouteStarSyncSummary> {
  const { db, session, artefacts } = deps;
  const profile = session.profile;
  const summary: RouteStarSyncSummary = {
    lists: {},
    detailsFetched: 0,
    detailsFailed: 0,
    flaggedMissing: [],
  };
  const full = request.full ?? false;
  let processed = 0;

  const recorded = new WeakSet<object>();

  /** Saves the evidence of a failure (first occurrence only) and reports it on the run with links to the files. */
  async function recordFailure(
    step: string,
    error: unknown,
    who: string | undefined,
    page?: Page,
    html?: string,
  ) {
    if (typeof error === 'object' && error !== null) {
      if (recorded.has(error)) return;
      recorded.add(error);
    }
    const link = await artefacts.capture({ step, error, page, html }).catch(() => undefined);
    await ctx.event({
      level: 'error',
      message: error instanceof Error ? error.message : String(error),
      entity: who,
      details: {
        step,
        error: error instanceof Error ? error.name : 'Error',
        artefacts: link
          ? {
              dir: link.dir,
              screenshot: link.screenshot,
              html: link.html,
              trace: link.trace,
              firstOccurrence: link.firstOccurrence,
            }
          : undefined,
      },
    });
  }

  async function traced<T>(step: string, work: () => Promise<T>): Promise<T> {
    const context = await session.currentContext();
    await artefacts.startStep(context);
    const result = await work();
    await artefacts.endStep(context);
    return result;
  }

  /** Detail page of one invoice, parsed; null (and reported) when it could not be read completely. */
  async function readDetail(
    invoiceNumber: string,
    detailUrl: string | null,
    tab: string,
  ): Promise<InvoiceDetail | null> {
    const step = 'invoice detail';
    let page: Page | undefined;
    let html: string | undefined;
    try {
      const detail = await traced(step, () =>
        session.withRetry(step, async () => {
          page = await session.open(
            tab,
            detailUrl ?? detailPath(profile, invoiceNumber),
            `${step} ${invoiceNumber}`,
          );
          html = await readInvoiceDetail(page, profile, `${step} ${invoiceNumber}`);
          return parseInvoiceDetail(html, invoiceNumber, profile);
        }),
      );
      if (detail.quarantined.length > 0) {
        for (const q of detail.quarantined) {
          await ctx.event({
            level: 'warn',
            message: `A line of invoice ${invoiceNumber} could not be read (${q.reason}); its lines were not stored this time.`,
            entity: entity(invoiceNumber),
            details: { reason: q.reason, html: q.html },
          });
        }
        summary.detailsFailed += 1;
        return null;
      }
      summary.detailsFetched += 1;
      return detail;
    } catch (error) {
      summary.detailsFailed += 1;
      await recordFailure(step, error, entity(invoiceNumber), page, html);
      // Every other detail page would fail the same way: stop the step, the profile needs updating first.
      if (error instanceof MarkupChangedError) throw error;
      return null;
    }
  }

  // Invoices are written one at a time, in the order their details arrive: two transactions adding the same new items
  // in a different order could deadlock each other on PostgreSQL.
  let writes = Promise.resolve();
  function store(input: SalesInvoiceInput): Promise<void> {
    writes = writes.then(() => write(input));
    return writes;
  }

  async function write(input: SalesInvoiceInput): Promise<void> {
    try {
      const result = await upsertSalesInvoice(db, input);
      ctx.count(result.outcome);
      if (result.outcome !== 'unchanged') {
        await ctx.event({
          level: 'debug',
          message: `Invoice ${input.invoiceNumber} ${result.outcome}${input.lines ? ` with ${input.lines.length} lines` : ''}`,
          entity: entity(input.invoiceNumber),
        });
      }
      for (const code of result.unmappedItemsCreated) {
        await ctx.event({
          level: 'warn',
          message: `Invoice ${input.invoiceNumber} sells "${code}", an item nobody has mapped yet; map it so its stock is right.`,
          entity: `item:${code}`,
        });
      }
    } catch (error) {
      ctx.count('failed');
      await ctx.event({
        level: 'error',
        message: error instanceof Error ? error.message : String(error),
        entity: entity(input.invoiceNumber),
      });
    }
  }

  interface PlannedRow {
    row: InvoiceListRow;
    isNew: boolean;
    /** Known, unchanged and with its lines read: nothing to fetch or store. */
    known: boolean;
    /** Known and unchanged, but flagged missing by an earlier run. */
    reappeared: boolean;
  }

  function plan(row: InvoiceListRow, state: SalesInvoiceState | undefined): PlannedRow {
    const changed = !state || state.listChecksum !== listChecksum(rawOf(row));
    const known = state !== undefined && !changed && state.linesFetched;
    return { row, isNew: !state, known, reappeared: known && state.missing };
  }

  /** Reads the detail page of a new or changed row in a free tab, then stores the invoice. */
  async function readAndStore(p: PlannedRow, slot: number): Promise<void> {
    // Left unread, the invoice is still new or changed, so the next run reads it.
    if (ctx.signal.aborted) return;
    const detail = await readDetail(p.row.invoiceNumber, p.row.detailUrl, `detail-${slot}`);
    if (detail) await store(inputFromRow(p.row, detail));
    else if (p.isNew) {
      // New: stored without lines so it is visible; having no lines read, it is retried on the next run.
      await store(inputFromRow(p.row));
    } else {
      // Changed but unreadable: left as stored, so its list checksum still differs and the next run retries it.
      ctx.count('failed');
    }
    processed += 1;
  }

  /** Recycling closes every tab, so it waits until the tabs have finished what they were given. */
  async function recycleWhenDue(pool: { idle(): Promise<void> }): Promise<void> {
    if (!session.recycleDue) return;
    await pool.idle();
    await session.recycleIfDue();
  }

  async function readList(listType: ListType): Promise<{ seen: string[]; summary: ListSummary }> {
    const step = `${listType} invoices list`;
    const route = listType === 'pending' ? profile.routes.pending : profile.routes.closed;
    const window =
      listType === 'closed'
        ? closedWindow(deps.closedWindowDays, profile.formats.timeZone, deps.now?.())
        : undefined;
    const seen = new Set<string>();
    const result: ListSummary = { read: 0, pages: 0, stoppedBy: 'last-page', window };
    let page: Page | undefined;
    let pageNo = 1;
    let knownInARow = 0;

    const openAt = async (target: number) => {
      page = await session.open('list', route, step);
      await waitForGrid(page, profile, step);
      if (window) await setDateWindow(page, profile, window, step);
      for (let n = 1; n < target; n++) {
        if ((await goToNextPage(page, profile, step)) !== 'moved') {
          throw new MarkupChangedError(step, [
            `could not page forward to page ${target} again after logging in`,
          ]);
        }
      }
    };

    const pool = new TabPool<PlannedRow>(deps.detailTabs ?? 1, readAndStore);
    /**
     * The list page can be sent away mid-read: to the login form when the session expired, or back to page 1 when
     * another tab logged in first. Then it is opened again at the page being read (logging in if needed) and the
     * read is done once more.
     */
    const recovering = async <T>(read: () => Promise<T>): Promise<T> => {
      try {
        return await read();
      } catch (error) {
        if (!(error instanceof SessionExpiredError) && !isRetryable(error)) throw error;
        await session.withRetry(step, () => openAt(pageNo));
        return read();
      }
    };

    try {
      await session.recycleIfDue();
      await traced(step, () => session.withRetry(step, () => openAt(1)));
      for (;;) {
        if (ctx.signal.aborted) {
          result.stoppedBy = 'aborted';
          break;
        }
        // A trace chunk per list page: when this page fails, its trace is the one kept with the artefacts.
        const context = page!.context();
        await artefacts.startStep(context);
        // The detail tabs opened after the list push it to the back, where Chromium throttles its timers and
        // animation frames: scrolling the grid and turning pages then cost about a second per step.
        await page!.bringToFront();
        const snapshots = await recovering(() => captureGrid(page!, profile, step));
        let parsed;
        try {
          parsed = parseInvoiceList(snapshots, listType, profile, deps.baseUrl);
        } catch (error) {
          await recordFailure(step, error, undefined, page, snapshots.join('\n'));
          throw error;
        }
        result.pages += 1;
        for (const q of parsed.quarantined) {
          // Still on the list, only unreadable: it must not look vanished to the missing-invoice check.
          if (new RegExp(profile.formats.invoiceNumber).test(q.key)) seen.add(q.key);
          ctx.count('failed');
          await ctx.event({
            level: 'warn',
            message: `A row of the ${listType} invoices list (${q.key}) could not be read: ${q.reason}. It was not stored.`,
            entity: seen.has(q.key) ? entity(q.key) : undefined,
            details: { reason: q.reason, html: q.html, page: pageNo },
          });
        }
        let newRows = 0;
        let stop: ListSummary['stoppedBy'] | null = null;
        const states = await salesInvoiceStates(
          db,
          SOURCE,
          parsed.rows.map((row) => row.invoiceNumber),
        );
        for (const row of parsed.rows) {
          if (seen.has(row.invoiceNumber)) continue;
          if (request.limit !== undefined && result.read >= request.limit) {
            stop = 'limit';
            break;
          }
          seen.add(row.invoiceNumber);
          newRows += 1;
          result.read += 1;
          const p = plan(row, states.get(row.invoiceNumber));
          if (p.reappeared) {
            await clearMissingFlag(db, SOURCE, row.invoiceNumber);
            ctx.count('updated');
            processed += 1;
            await ctx.event({
              level: 'info',
              message: `Invoice ${row.invoiceNumber} is on the ${listType} list again, unchanged; it is no longer flagged missing.`,
              entity: entity(row.invoiceNumber),
            });
          } else if (p.known) {
            ctx.count('unchanged');
            processed += 1;
          } else {
            await pool.add(p);
          }
          knownInARow = p.known ? knownInARow + 1 : 0;
          if (!full && knownInARow >= deps.stopAfterKnown) {
            stop = 'known-unchanged';
            break;
          }
        }
        await artefacts.endStep(context);
        await ctx.progress({ processed, note: `${listType} list page ${pageNo}` });
        if (stop) {
          result.stoppedBy = stop;
          break;
        }
        if (newRows === 0 && parsed.rows.length > 0) {
          // Every row was already read: the pager is stuck on a page we have seen.
          result.stoppedBy = 'no-new-rows';
          await ctx.event({
            level: 'warn',
            message: `The ${listType} list showed page ${pageNo} again; stopped reading it there.`,
          });
          break;
        }
        // Details are read in other tabs meanwhile; a recycled context means the list must be opened again here.
        await recycleWhenDue(pool);
        if (page!.isClosed()) await session.withRetry(step, () => openAt(pageNo));
        await page!.bringToFront();
        const turn = await recovering(() => goToNextPage(page!, profile, step));
        if (turn === 'last-page') break;
        if (turn === 'unchanged') {
          result.stoppedBy = 'page-unchanged';
          await ctx.event({
            level: 'warn',
            message: `Page ${pageNo + 1} of the ${listType} list did not load after clicking it; stopped reading the list there.`,
          });
          break;
        }
        pageNo += 1;
      }
    } catch (error) {
      await recordFailure(step, error, undefined, page);
      // The details already given to the tabs are still read and stored; the list's failure is the one reported.
      await pool.idle().catch(() => undefined);
      throw error;
    }
    await pool.idle();
    await ctx.progress({ processed, note: `${listType} list` });
    return { seen: [...seen], summary: result };
  }

  async function syncPending() {
    const { seen, summary: list } = await readList('pending');
    summary.lists.pending = list;
    // Only a read of the whole list proves an invoice is gone.
    if (list.stoppedBy === 'last-page' && request.limit === undefined) {
      summary.flaggedMissing = await flagMissingPendingInvoices(db, SOURCE, seen);
      for (const number of summary.flaggedMissing) {
        await ctx.event({
          level: 'warn',
          message: `Invoice ${number} is no longer on RouteStar's pending list and has not appeared as closed; it is flagged, not deleted. Check it in RouteStar.`,
          entity: entity(number),
        });
      }
    }
  }

  async function syncDetails() {
    const wanted = request.invoiceNumber
      ? await db
          .select()
          .from(salesInvoices)
          .where(
            and(eq(salesInvoices.source, SOURCE), eq(salesInvoices.invoiceNumber, request.invoiceNumber)),
          )
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
    const pool = new TabPool<Stored>(deps.detailTabs ?? 1, async (stored, slot) => {
      if (ctx.signal.aborted) return;
      const detail = await readDetail(stored.invoiceNumber, stored.detailUrl, `detail-${slot}`);
      if (detail) await store(inputFromStored(stored, detail));
      else ctx.count('failed');
      processed += 1;
      await ctx.progress({ processed, total: wanted.length, note: 'invoice details' });
    });
    for (const stored of wanted) {
      if (ctx.signal.aborted) break;
      await recycleWhenDue(pool);
      await pool.add(stored);
    }
    await pool.idle();
  }

  try {
    if (request.mode === 'closed' || request.mode === 'full') {
      summary.lists.closed = (await readList('closed')).summary;
    }
    // After the closed list, so an invoice that just closed is not mistaken for one that vanished.
    if (request.mode === 'pending' || request.mode === 'full') await syncPending();
    if (request.mode === 'details') await syncDetails();
  } finally {
    await session.close();
  }
  summary.stock = await postStock(db, ctx, { source: SOURCE, rules: deps.postingRules });
  return summary;
}
