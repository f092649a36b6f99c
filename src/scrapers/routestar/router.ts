/**
 * RouteStar's routes for the crawl driver. A list page (pending or closed, read page after page in one tab): its rows
 * are planned against what is stored — known and unchanged, back on the list, or to be read — and the detail page of
 * each new or changed invoice is queued, or held until a list page proves the date format (see date-evidence.ts).
 * A detail page (read in the detail tabs): its invoice is stored with its lines.
 */
import type { Database } from '../../db/database.js';
import {
  clearMissingFlag,
  listChecksum,
  salesInvoiceStates,
  upsertSalesInvoice,
} from '../../ledger/index.js';
import type { DateFormatEvidence, HeldDetail } from '../crawl/date-evidence.js';
import { listReadEvent } from '../crawl/list-history.js';
import type { Crawl, Route, Routes } from '../crawl/router.js';
import { ListIncompleteError } from '../errors.js';
import {
  invoiceEntity,
  invoiceFromRow,
  invoiceFromStored,
  invoiceRef,
  rawOf,
  SOURCE,
  type StoredInvoice,
} from './documents.js';
import { captureGrid, readInvoiceDetail, readListSize, showListPage, type ListInTab } from './navigate.js';
import {
  dateReadings,
  parseInvoiceDetail,
  parseInvoiceList,
  printedInvoiceDate,
  rowsCounted,
  rowsPromisedBy,
  type InvoiceDetail,
  type InvoiceListPage,
  type InvoiceListRow,
  type ListType,
} from './parse.js';
import { detailPath, type RouteStarProfile } from './profile.js';

export interface ListSummary {
  read: number;
  pages: number;
  /** Why reading stopped: the last page, N known invoices in a row, the limit, a page of rows already read. */
  stoppedBy: 'last-page' | 'known-unchanged' | 'limit' | 'no-new-rows';
  window?: { from: string; to: string };
  /** Read to its last page, the list still counted this many invoices more than were read from it. */
  unread?: number;
}

/** One list read this run: where its tab stands, what it has seen, how it ended, and which list comes after it. */
export interface ListWalk extends ListInTab {
  listType: ListType;
  followedBy?: ListWalk;
  seen: Set<string>;
  knownInARow: number;
  /** Read to the last page past any run of known invoices: an invoice flagged missing may be back further down. */
  readToEnd?: boolean;
  summary: ListSummary;
  /** The format the list's earlier pages were read in this run. */
  dateFormat?: string;
  /**
   * The list's key in the run history (see list-history.ts), for a list an earlier run's rows say something about:
   * the closed list of one exact window. Invoices stay closed, so a window that once showed invoices shows them
   * again; a different window may rightly be empty (nothing closed in it), and so may the pending list (every
   * invoice closed), which therefore has no key.
   */
  historyKey?: string;
  /** An earlier run found rows on the list under `historyKey`: an empty read now is a page that did not draw them. */
  foundBefore: boolean;
  /** The list's record count when its first page was read, when it shows one. */
  countedAtStart?: number | null;
  /** Rows quarantined without an invoice number, which `seen` cannot hold. */
  unnumbered: number;
  /** Read again from its first page, because the list moved while it was read (see endOfList). */
  rereading?: boolean;
}

export type InvoiceToRead =
  | { from: 'list'; row: InvoiceListRow; isNew: boolean }
  /** A stored invoice whose lines are read again; `total` invoices are being read this way. */
  | { from: 'stored'; stored: StoredInvoice; total: number };

export interface RouteStarRequests {
  list: { walk: ListWalk; pageNo: number };
  detail: InvoiceToRead;
}

export interface RouteStarRouteSettings {
  db: Database;
  profile: RouteStarProfile;
  baseUrl: string;
  /** Known, unchanged invoices in a row after which an incremental read of a list stops. */
  stopAfterKnown: number;
  /** Read whole lists instead. */
  full: boolean;
  /** At most this many invoices read from each list. */
  limit?: number;
  details: { fetched: number; failed: number };
  /**
   * Holds the detail pages of list pages that did not prove the date format (see date-evidence.ts); one for the
   * run's lists together, since the format is the portal's.
   */
  dateEvidence: DateFormatEvidence<RouteStarRequests, 'detail'>;
  /** Queues what the list's tab reads once the last list has ended, while their detail pages are still being read. */
  afterLists?: () => Promise<void>;
}

/** `counted`: the list's record count, read on its first page and past its last one. */
type ListRead =
  | { turn: 'last-page'; counted: number | null }
  | { turn: 'shown'; page: InvoiceListPage; counted?: number | null };
type RouteStarCrawl = Crawl<RouteStarRequests>;

export function routeStarRouter(settings: RouteStarRouteSettings): Routes<RouteStarRequests> {
  return { list: listRoute(settings), detail: detailRoute(settings) };
}

function listRoute(
  settings: RouteStarRouteSettings,
): Route<RouteStarRequests, RouteStarRequests['list'], ListRead> {
  const { profile } = settings;
  return {
    lane: 'list',
    step: ({ walk }) => `${walk.listType} invoices list`,
    where: ({ walk, pageNo }) => `page ${pageNo} of the ${walk.listType} invoices list`,
    async read(visit, { walk, pageNo }) {
      const { page, turn } = await showListPage(visit, walk, pageNo, profile);
      const counted = async () => rowsCounted(await readListSize(page, profile, visit.where), profile);
      if (turn !== 'shown') return { turn, counted: await counted() };
      const snapshots = await captureGrid(page, profile, visit.where);
      visit.keep(snapshots.join('\n'));
      const read = parseInvoiceList(snapshots, walk.listType, profile, settings.baseUrl, walk.dateFormat);
      if (read.rows.length + read.quarantined.length === 0) {
        const promised = rowsPromisedBy(await readListSize(page, profile, visit.where), profile);
        if (promised !== null) throw new ListIncompleteError('routestar', visit.where, promised);
        if (pageNo === 1 && walk.foundBefore) {
          throw new ListIncompleteError(
            'routestar',
            visit.where,
            `an earlier run found invoices in the same window (${walk.window?.from} to ${walk.window?.to}), and closed invoices stay closed`,
          );
        }
      }
      return { turn, page: read, ...(pageNo === 1 && !walk.rereading ? { counted: await counted() } : {}) };
    },
    async handle(read, { walk, pageNo }, crawl) {
      if (read.turn === 'shown') {
        // Dates seen on this page settle the format for the pages after it, and for the next list: one portal, one
        // format. A page without rows settles nothing.
        if (read.page.rows.length > 0) {
          walk.dateFormat = read.page.dateFormat;
          if (walk.followedBy) walk.followedBy.dateFormat ??= read.page.dateFormat;
        }
        if (read.counted !== undefined) walk.countedAtStart = read.counted;
        if (pageNo === 1 && walk.historyKey !== undefined && !walk.rereading) {
          const rows = read.page.rows.length + read.page.quarantined.length;
          await crawl.record.event(listReadEvent({ list: walk.historyKey, rows }));
        }
      }
      const stop =
        read.turn === 'shown' ? await takePage(read.page, walk, pageNo, crawl, settings) : read.turn;
      if (read.turn === 'shown') await crawl.record.progress(`${walk.listType} list page ${pageNo}`);
      if (stop !== null && stop !== 'last-page') walk.summary.stoppedBy = stop;
      const readAgain =
        read.turn === 'last-page' && (await endOfList(walk, read.counted, crawl, settings.limit));
      // One list at a time in the list's tab: the next list starts where this one ends.
      if (stop === null) await crawl.enqueue('list', { walk, pageNo: pageNo + 1 }, { first: true });
      else if (readAgain) await crawl.enqueue('list', { walk, pageNo: 1 }, { first: true });
      else if (walk.followedBy)
        await crawl.enqueue('list', { walk: walk.followedBy, pageNo: 1 }, { first: true });
      else {
        await settings.dateEvidence.listEnded(crawl);
        await settings.afterLists?.();
      }
    },
  };
}

async function quarantineRows(
  page: InvoiceListPage,
  walk: ListWalk,
  pageNo: number,
  crawl: RouteStarCrawl,
  profile: RouteStarProfile,
): Promise<void> {
  for (const q of page.quarantined) {
    const isInvoice = new RegExp(profile.formats.invoiceNumber).test(q.key);
    // Read again, a list shows its unreadable rows again: each is reported once (one without a number, in the first
    // read only: the count check reports one that moved).
    if (walk.rereading && (!isInvoice || walk.seen.has(q.key))) continue;
    // Still on the list, only unreadable: it must not look vanished to the missing-invoice check.
    if (isInvoice) walk.seen.add(q.key);
    else walk.unnumbered += 1;
    crawl.record.count('failed');
    await crawl.record.quarantine({
      entity: isInvoice ? invoiceEntity(q.key) : undefined,
      what: isInvoice ? `invoice ${q.key}` : `a row (${q.key})`,
      where: `${walk.listType} invoices list, page ${pageNo}`,
      reason: q.reason,
      html: q.html,
      consequence: 'It was not stored; it is read again next run.',
      details: { page: pageNo },
    });
  }
}

/**
 * A list read to its last page is checked against its record count. Invoices closed (or deleted) while the list is
 * paged through move the rows after them up a page, so a row can slip onto a page already read; the count then drops
 * while the list is read, or ends above the invoices read. Such a list is read once more from its first page, where
 * only the rows not yet seen are taken; what is still missing after that is reported, leaving the run partial, and
 * the list is not taken as proof that an invoice is gone. Returns whether to read the list again.
 */
async function endOfList(
  walk: ListWalk,
  counted: number | null,
  crawl: RouteStarCrawl,
  limit: number | undefined,
): Promise<boolean> {
  if (counted === null || limit !== undefined) return false;
  const read = walk.seen.size + walk.unnumbered;
  const moved = walk.countedAtStart != null && walk.countedAtStart > counted;
  if (!walk.rereading && (moved || read < counted)) {
    walk.rereading = true;
    walk.readToEnd = true;
    const atStart = walk.countedAtStart == null ? '' : `${walk.countedAtStart} invoices at its start, `;
    await crawl.record.event({
      level: 'info',
      message:
        `The ${walk.listType} invoices list counted ${atStart}${counted} at its end, and ${read} were read from it: ` +
        'it changed while it was read. Reading it again from its first page for invoices that moved onto pages ' +
        'already read.',
    });
    return true;
  }
  if (read < counted) {
    walk.summary.unread = counted - read;
    await crawl.record.event({
      level: 'error',
      message:
        `The ${walk.listType} invoices list counts ${counted} invoices, but ${read} were read from its pages, also ` +
        `when read a second time: ${counted - read} were not (the list kept changing while it was read, or its ` +
        'grid does not show every invoice it counts). A full sync reads the list again; no invoice was taken as ' +
        'gone from this read.',
    });
  }
  return false;
}

/**
 * Takes a page of the list: quarantines the rows that could not be read, then plans each row not seen before: known
 * and unchanged (counted), back on the list unchanged after an earlier run flagged it missing (the flag goes, without
 * reading its page), or new or changed (its detail page is queued, or held while the lists' dates have not proven
 * their format). Returns why the list should stop here, if it should.
 */
async function takePage(
  page: InvoiceListPage,
  walk: ListWalk,
  pageNo: number,
  crawl: RouteStarCrawl,
  settings: RouteStarRouteSettings,
): Promise<ListSummary['stoppedBy'] | null> {
  walk.summary.pages += 1;
  await quarantineRows(page, walk, pageNo, crawl, settings.profile);
  const toRead: HeldDetail<InvoiceToRead>[] = [];
  const stop = await planRows(page, walk, pageNo, crawl, settings, toRead);
  await settings.dateEvidence.pageRead(page.dateFormatConfirmed, toRead, crawl);
  return stop;
}

/** Plans the page's rows (see takePage), adding those whose detail page is to be read to `toRead`. */
async function planRows(
  page: InvoiceListPage,
  walk: ListWalk,
  pageNo: number,
  crawl: RouteStarCrawl,
  settings: RouteStarRouteSettings,
  toRead: HeldDetail<InvoiceToRead>[],
): Promise<ListSummary['stoppedBy'] | null> {
  const { db } = settings;
  const numbers = page.rows.map((row) => row.invoiceNumber);
  const states = await crawl.record.write(() => salesInvoiceStates(db, SOURCE, numbers), { first: true });
  let newRows = 0;
  for (const row of page.rows) {
    if (walk.seen.has(row.invoiceNumber)) continue;
    if (settings.limit !== undefined && walk.summary.read >= settings.limit) return 'limit';
    walk.seen.add(row.invoiceNumber);
    newRows += 1;
    walk.summary.read += 1;
    const state = states.get(row.invoiceNumber);
    const changed = !state || state.listChecksum !== listChecksum(rawOf(row));
    const known = state !== undefined && !changed && state.linesFetched;
    if (known && state.missing) {
      await crawl.record.write(() => clearMissingFlag(db, SOURCE, row.invoiceNumber));
      crawl.record.count('updated');
      await crawl.record.event({
        level: 'info',
        message: `Invoice ${row.invoiceNumber} is on the ${walk.listType} list again, unchanged; it is no longer flagged missing.`,
        entity: invoiceEntity(row.invoiceNumber),
      });
    } else if (known) {
      crawl.record.count('unchanged');
    } else {
      toRead.push(heldDetail({ from: 'list', row, isNew: !state }, page, walk, pageNo));
    }
    walk.knownInARow = known ? walk.knownInARow + 1 : 0;
    if (!settings.full && !walk.readToEnd && walk.knownInARow >= settings.stopAfterKnown)
      return 'known-unchanged';
  }
  if (newRows === 0 && page.rows.length > 0 && !walk.rereading) {
    // Every row was read on an earlier page: the pager is stuck on a page we have seen.
    await crawl.record.event({
      level: 'warn',
      message: `The ${walk.listType} list showed page ${pageNo} again; stopped reading it there.`,
    });
    return 'no-new-rows';
  }
  return null;
}

/** An invoice's detail page, to be queued once the lists' dates have proven their format. */
function heldDetail(
  request: InvoiceToRead & { from: 'list' },
  page: InvoiceListPage,
  walk: ListWalk,
  pageNo: number,
): HeldDetail<InvoiceToRead> {
  const date = printedInvoiceDate(request.row, page.dateFormat);
  return {
    request,
    entity: invoiceEntity(request.row.invoiceNumber),
    what: `invoice ${request.row.invoiceNumber}`,
    where: `${walk.listType} invoices list, page ${pageNo}`,
    date,
    readings: dateReadings(date),
  };
}

const numberOf = (r: InvoiceToRead) => (r.from === 'list' ? r.row.invoiceNumber : r.stored.invoiceNumber);

function detailRoute(
  settings: RouteStarRouteSettings,
): Route<RouteStarRequests, InvoiceToRead, InvoiceDetail> {
  const { db, profile, details } = settings;
  const store = (crawl: RouteStarCrawl, input: Parameters<typeof upsertSalesInvoice>[1]) =>
    crawl.record.store(invoiceRef(input), () => upsertSalesInvoice(db, input));

  /** The detail page could not be read completely: nothing of it is stored. */
  async function unread(r: InvoiceToRead, crawl: RouteStarCrawl): Promise<void> {
    details.failed += 1;
    // New: stored without lines so it is visible; having no lines read, it is read again on the next run.
    if (r.from === 'list' && r.isNew) await store(crawl, invoiceFromRow(r.row));
    // Changed (or stored) but unreadable: left as it was, so the next run reads it again.
    else crawl.record.count('failed');
  }

  return {
    lane: 'detail',
    step: () => 'invoice detail',
    where: (r) => `the detail page of invoice ${numberOf(r)}`,
    entity: (r) => invoiceEntity(numberOf(r)),
    async read(visit, r) {
      const page = await visit.tab();
      const detailUrl = r.from === 'list' ? r.row.detailUrl : r.stored.detailUrl;
      await visit.goto(page, detailUrl ?? detailPath(profile, numberOf(r)));
      const html = await readInvoiceDetail(page, profile, visit.where);
      visit.keep(html);
      return parseInvoiceDetail(html, numberOf(r), profile);
    },
    async handle(detail, r, crawl) {
      if (detail.quarantined.length > 0) {
        for (const q of detail.quarantined) {
          await crawl.record.quarantine({
            entity: invoiceEntity(numberOf(r)),
            what: `a line (${q.key})`,
            where: 'invoice detail page',
            reason: q.reason,
            html: q.html,
            consequence: 'The invoice was not stored with its lines this time; they are read again next run.',
          });
        }
        await unread(r, crawl);
      } else {
        details.fetched += 1;
        await store(
          crawl,
          r.from === 'list' ? invoiceFromRow(r.row, detail) : invoiceFromStored(r.stored, detail),
        );
      }
      if (r.from === 'stored') await crawl.record.progress('invoice details', r.total);
    },
    async failed(_error, r, crawl) {
      await unread(r, crawl);
      if (r.from === 'stored') await crawl.record.progress('invoice details', r.total);
    },
  };
}
