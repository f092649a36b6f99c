/**
 * RouteStar's item list end to end: real Chromium against the simulator, into a real database. Every item reaches the
 * item catalogue with the portal's own on-hand over several bootpag pages of a virtualised grid; a second read changes
 * nothing; a changed count and an item the portal stopped listing are picked up; after a full sync the drift report
 * sets each count beside the ledger's. And a pending invoice flagged missing that comes back further down the list
 * than an incremental read would go loses its flag.
 */
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../src/browser/chromium.js';
import { defaultPostingRules, driftReport } from '../../../src/ledger/index.js';
import { closedWindow } from '../../../src/scrapers/routestar/dates.js';
import { buildRouteStarProfile } from '../../../src/scrapers/routestar/profile.js';
import type { RouteStarSyncRequest } from '../../../src/scrapers/routestar/sync.js';
import { databaseKinds } from '../../helpers/databases.js';
import { usePortalSuite } from '../../helpers/portal-suite.js';
import { recordedRouteStarSync } from '../../helpers/routestar-sync.js';
import { portalOnHand } from '../../sim/routestar/items.js';
import {
  startRouteStarSimulator,
  type RouteStarSim,
  type RouteStarSimOptions,
} from '../../sim/routestar/server.js';

const profile = buildRouteStarProfile({ waits: { gridMs: 8_000, pollMs: 40, pageChangeMs: 4_000 } });
const simDefaults: RouteStarSimOptions = {
  seed: 11,
  pendingInvoices: 9,
  closedInvoices: 8,
  items: 18,
  itemsPerPage: 7,
  rowsPerPage: 4,
  maxVisiblePages: 2,
  gridDelayMs: 60,
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(databaseKinds)('RouteStar items against the simulator on %s', (kind) => {
  const suite = usePortalSuite(kind, 'routestar-items-test-');
  let sim: RouteStarSim;
  afterEach(async () => {
    await sim?.close();
  });

  function run(request: RouteStarSyncRequest, stopAfterKnown = 3) {
    return recordedRouteStarSync(
      {
        suite,
        sim,
        browser,
        profile,
        closedWindowDays: 30,
        env: {
          ROUTESTAR_STOP_AFTER_KNOWN: String(stopAfterKnown),
          PORTAL_NAVIGATION_TIMEOUT_MS: '10000',
          PORTAL_RETRY_ATTEMPTS: '3',
          PORTAL_TRACE: 'false',
        },
      },
      request,
    );
  }

  async function catalogue() {
    const { rows } = await suite.database.db.execute<{
      sku: string;
      description: string | null;
      category: string | null;
      price: number;
      on_hand: number | null;
      missing: boolean | null;
    }>(sql`
      SELECT i.sku, i.description, i.category, i.price::float AS price, c.on_hand::float AS on_hand,
             c.missing_since IS NOT NULL AS missing
        FROM items i LEFT JOIN portal_item_counts c ON c.item_id = i.id ORDER BY i.sku`);
    return new Map(rows.map((r) => [r.sku, r]));
  }

  it('reads every item over several pages into the catalogue with the portal’s count, and again changes nothing', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    const first = await run({ mode: 'items' });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('succeeded');
    expect(first.summary!.items).toEqual({ read: 18, pages: 3, stoppedBy: 'last-page', unlisted: [] });
    expect(first.counters).toMatchObject({ created: 18, failed: 0 });
    const stored = await catalogue();
    expect(stored.size).toBe(18);
    for (const item of sim.data.items) {
      expect(stored.get(item.name.toUpperCase()), item.name).toEqual({
        sku: item.name.toUpperCase(),
        description: item.description,
        category: item.category,
        price: item.price,
        on_hand: portalOnHand(sim.data, item),
        missing: false,
      });
    }

    const again = await run({ mode: 'items' });
    expect(again.status).toBe('succeeded');
    expect(again.counters).toMatchObject({ created: 0, updated: 0, unchanged: 18, failed: 0 });

    const recounted = sim.data.items[2]!;
    recounted.qtyOnHand += 5;
    const dropped = sim.data.items.pop()!;
    const third = await run({ mode: 'items' });
    expect(third.status).toBe('succeeded');
    expect(third.counters).toMatchObject({ created: 0, updated: 1, unchanged: 16 });
    expect(third.summary!.items!.unlisted).toEqual([dropped.name.toUpperCase()]);
    const after = await catalogue();
    expect(after.get(recounted.name.toUpperCase())!.on_hand).toBe(portalOnHand(sim.data, recounted));
    expect(after.get(dropped.name.toUpperCase())!.missing).toBe(true);
    expect(third.events.some((e) => e.message.includes('no longer shows'))).toBe(true);
  });

  it('reads the items after the invoices in a full sync, so the drift report compares both', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    const result = await run({ mode: 'full' });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.summary!.items).toMatchObject({ read: 18, stoppedBy: 'last-page' });

    const report = await driftReport(suite.database.db, defaultPostingRules, {
      source: 'routestar',
      tolerance: 0,
      includeMatching: true,
      limit: 100,
    });
    expect(report).toHaveLength(18);
    const window = closedWindow(30, 'America/New_York');
    const closed = sim.data.closedBetween(window.from, window.to);
    const pending = sim.data.pending();
    const bySku = new Map(report.map((r) => [r.sku, r]));
    for (const item of sim.data.items) {
      const row = bySku.get(item.name.toUpperCase())!;
      const sold = closed.flatMap((i) => i.lines).filter((l) => l.item === item.name);
      expect(row.portalOnHand, item.name).toBe(portalOnHand(sim.data, item));
      expect(row.ledgerOnHand, item.name).toBe(0 - sold.reduce((n, l) => n + l.qty, 0));
      const onPending = pending.filter((i) => i.lines.some((l) => l.item === item.name)).map((i) => i.number);
      const unposted = row.reasons.find((r) => r.kind === 'unposted-sales-invoices');
      expect(unposted?.documents?.map((d) => d.number).sort(), item.name).toEqual(
        onPending.length > 0 ? onPending.sort() : undefined,
      );
      // The portal's opening stock reached no document in the ledger: named as what it most likely is.
      expect(row.reasons.at(-1)!.kind, item.name).toBe('missing-purchase-orders');
    }
  });

  it('reads the item list as soon as the invoice lists end, while their detail pages are still being read', async () => {
    // One detail tab and slow detail pages: when the lists end, the invoices queued behind that tab take seconds more.
    sim = await startRouteStarSimulator({
      ...simDefaults,
      pendingInvoices: 3,
      closedInvoices: 2,
      detailDelayMs: 2_000,
    });
    const result = await run({ mode: 'full' });
    expect(result.status).toBe('succeeded');
    expect(result.summary!.items).toMatchObject({ read: 18, stoppedBy: 'last-page' });
    const window = closedWindow(30, 'America/New_York');
    const invoices = sim.data.pending().length + sim.data.closedBetween(window.from, window.to).length;
    expect(invoices).toBeGreaterThanOrEqual(3);
    expect(result.summary!.detailsFetched).toBe(invoices);
    const at = (prefix: string) =>
      result.events.flatMap((e, index) =>
        e.entity?.startsWith(prefix) && e.level === 'debug' ? [index] : [],
      );
    const invoicesStored = at('sales_invoice:routestar/');
    const itemsStored = at('item:routestar/');
    expect(invoicesStored).toHaveLength(invoices);
    expect(itemsStored).toHaveLength(18);
    expect(Math.max(...itemsStored)).toBeLessThan(Math.max(...invoicesStored));
  });

  it('clears the flag of a pending invoice that comes back further down the list than an incremental read goes', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    expect((await run({ mode: 'pending' })).status).toBe('succeeded');
    // The oldest pending invoice: on the last page, far past three known invoices in a row.
    const oldest = sim.data.pending().at(-1)!;
    const removed = sim.data.remove(oldest.number);
    const gone = await run({ mode: 'pending', full: true });
    expect(gone.summary!.flaggedMissing).toEqual([oldest.number]);

    sim.data.restore(removed);
    const back = await run({ mode: 'pending' });
    expect(back.status).toBe('succeeded');
    expect(back.summary!.lists.pending).toMatchObject({ read: 9, stoppedBy: 'last-page' });
    const { rows } = await suite.database.db.execute<{ missing: boolean }>(
      sql`SELECT missing_since IS NOT NULL AS missing FROM sales_invoices WHERE invoice_number = ${oldest.number}`,
    );
    expect(rows[0]!.missing).toBe(false);
    expect(
      back.events.some((e) => e.message.includes(`Invoice ${oldest.number} is on the pending list again`)),
    ).toBe(true);

    // With nothing flagged any more, the next read stops after three known invoices again.
    const quiet = await run({ mode: 'pending' });
    expect(quiet.summary!.lists.pending!.stoppedBy).toBe('known-unchanged');
  });
});
