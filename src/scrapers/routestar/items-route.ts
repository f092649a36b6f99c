/**
 * RouteStar's item list for the crawl driver: the `items` route reads /web/items/ page after page in the list tab
 * (the same bootpag paging and virtualised grid as the invoice lists) and puts each item into the item catalogue with
 * the portal's own on-hand, which the drift report compares with the ledger's.
 */
import type { Database } from '../../db/database.js';
import { normaliseCode, upsertCatalogueItem, type CatalogueItemInput } from '../../ledger/index.js';
import type { Crawl, Route } from '../crawl/router.js';
import { SOURCE } from './documents.js';
import { captureGrid, showListPage, type ListInTab } from './navigate.js';
import { parseItemList, type ItemListPage, type ItemListRow } from './parse-items.js';
import type { RouteStarProfile } from './profile.js';
import type { RouteStarRequests } from './router.js';

export interface ItemListSummary {
  read: number;
  pages: number;
  /** Why reading stopped: the last page, the limit, a page that did not change or showed only items seen before. */
  stoppedBy: 'last-page' | 'limit' | 'page-unchanged' | 'no-new-rows';
  /** Codes whose counts were flagged because a complete read no longer listed them. */
  unlisted: string[];
}

/** The item list read this run: where its tab stands, the codes seen (with their parent), and how it ended. */
export interface ItemWalk extends ListInTab {
  seen: Map<string, string | null>;
  /** When the list was read: the time every count of this read is kept as of. */
  countedAt: Date;
  summary: ItemListSummary;
}

export interface ItemListRequests {
  items: { walk: ItemWalk; pageNo: number };
}

/** Every page the RouteStar crawl reads: the invoice lists and details, and the item list. */
export type RouteStarCrawlRequests = RouteStarRequests & ItemListRequests;

export interface ItemRouteSettings {
  db: Database;
  profile: RouteStarProfile;
  baseUrl: string;
  /** At most this many items read. */
  limit?: number;
}

type ItemRead = { turn: 'last-page' | 'unchanged' } | { turn: 'shown'; page: ItemListPage };
type ItemCrawl = Crawl<RouteStarCrawlRequests>;

export const itemEntity = (name: string) => `item:${SOURCE}/${normaliseCode(name)}`;

export function newItemWalk(profile: RouteStarProfile, countedAt: Date): ItemWalk {
  return {
    route: profile.items.route,
    seen: new Map(),
    countedAt,
    summary: { read: 0, pages: 0, stoppedBy: 'last-page', unlisted: [] },
  };
}

export function itemFromRow(row: ItemListRow): CatalogueItemInput {
  return {
    source: SOURCE,
    code: row.name,
    name: row.name,
    description: row.description,
    type: row.type,
    unit: row.unit,
    category: row.category,
    cost: row.cost,
    price: row.price,
    onHand: row.onHand,
    onOrder: row.onOrder,
  };
}

export function itemListRoute(
  settings: ItemRouteSettings,
): Route<RouteStarCrawlRequests, ItemListRequests['items'], ItemRead> {
  const { profile } = settings;
  return {
    lane: 'list',
    step: () => 'items list',
    where: ({ pageNo }) => `page ${pageNo} of the items list`,
    async read(visit, { walk, pageNo }) {
      const { page, turn } = await showListPage(visit, walk, pageNo, profile);
      if (turn !== 'shown') return { turn };
      const snapshots = await captureGrid(page, profile, visit.where);
      visit.keep(snapshots.join('\n'));
      return { turn, page: parseItemList(snapshots, profile, settings.baseUrl) };
    },
    async handle(read, { walk, pageNo }, crawl) {
      if (read.turn !== 'shown') {
        if (read.turn === 'unchanged') {
          walk.summary.stoppedBy = 'page-unchanged';
          await crawl.record.event({
            level: 'warn',
            message: `Page ${pageNo} of the items list did not load after clicking it; stopped reading the list there.`,
          });
        }
        return;
      }
      const stop = await takeItems(read.page, walk, pageNo, crawl, settings);
      await crawl.record.progress(`items list page ${pageNo}`);
      if (stop === null) await crawl.enqueue('items', { walk, pageNo: pageNo + 1 }, { first: true });
      else walk.summary.stoppedBy = stop;
    },
  };
}

/** Stores a page's items; returns why the list should stop here, if it should. */
async function takeItems(
  page: ItemListPage,
  walk: ItemWalk,
  pageNo: number,
  crawl: ItemCrawl,
  settings: ItemRouteSettings,
): Promise<ItemListSummary['stoppedBy'] | null> {
  walk.summary.pages += 1;
  for (const q of page.quarantined) {
    // Still listed, only unreadable: its count must not be flagged as no longer listed.
    walk.seen.set(normaliseCode(q.key), null);
    crawl.record.count('failed');
    await crawl.record.quarantine({
      entity: itemEntity(q.key),
      what: `item ${q.key}`,
      where: `items list, page ${pageNo}`,
      reason: q.reason,
      html: q.html,
      consequence: 'It was not stored; it is read again next run.',
    });
  }
  let newRows = 0;
  for (const row of page.rows) {
    const code = normaliseCode(row.name);
    if (walk.seen.has(code)) {
      if (walk.seen.get(code) !== row.parent) await sameName(row, walk.seen.get(code) ?? null, crawl);
      continue;
    }
    if (settings.limit !== undefined && walk.summary.read >= settings.limit) return 'limit';
    walk.seen.set(code, row.parent);
    newRows += 1;
    walk.summary.read += 1;
    await crawl.record.store({ entity: itemEntity(row.name), label: `Item ${row.name}` }, () =>
      upsertCatalogueItem(settings.db, itemFromRow(row), walk.countedAt),
    );
  }
  if (newRows === 0 && page.rows.length > 0) {
    await crawl.record.event({
      level: 'warn',
      message: `The items list showed page ${pageNo} again; stopped reading it there.`,
    });
    return 'no-new-rows';
  }
  return null;
}

/**
 * Two items of one name under different parents: invoice lines name items only by name, so stock cannot be told
 * apart between them. The first one read is kept; the other is reported for a person to rename in RouteStar.
 */
async function sameName(row: ItemListRow, keptParent: string | null, crawl: ItemCrawl): Promise<void> {
  crawl.record.count('failed');
  await crawl.record.event({
    level: 'warn',
    entity: itemEntity(row.name),
    message: `Item "${row.name}" is listed under parent "${row.parent ?? '(none)'}" and under "${keptParent ?? '(none)'}"; invoice lines name items only by name, so only the first was stored. Give one of them another name in RouteStar.`,
  });
}
