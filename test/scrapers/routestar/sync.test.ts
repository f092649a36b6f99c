/**
 * RouteStar end to end: real Chromium against the simulator, stored in a real database through the ledger. Login,
 * paging through several bootpag pages, details behind the "Line Items" tab, the closed window set explicitly,
 * session expiry in the middle of a run, a 500 and a slow page, pop-ups over the pager, markup changes failing with
 * artefacts, and a second run that finds nothing new and posts nothing.
 */
import { existsSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../src/browser/chromium.js';
import { closedWindow } from '../../../src/scrapers/routestar/dates.js';
import { buildRouteStarProfile } from '../../../src/scrapers/routestar/profile.js';
import type { RouteStarSyncRequest } from '../../../src/scrapers/routestar/sync.js';
import { databaseKinds } from '../../helpers/databases.js';
import { usePortalSuite } from '../../helpers/portal-suite.js';
import { recordedRouteStarSync } from '../../helpers/routestar-sync.js';
import { invoiceTotals } from '../../sim/routestar/data.js';
import {
  startRouteStarSimulator,
  type RouteStarSim,
  type RouteStarSimOptions,
} from '../../sim/routestar/server.js';

const profile = buildRouteStarProfile({ waits: { gridMs: 8_000, pollMs: 40, pageChangeMs: 4_000 } });
// Tests that run several full syncs get 180 s: each full sync reads the item list after the invoice lists, and on a
// loaded machine (load average 15 on 2 cores) they have taken 80 and 110 s.
const simDefaults: RouteStarSimOptions = {
  seed: 3,
  pendingInvoices: 9,
  closedInvoices: 10,
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

describe.each(databaseKinds)('RouteStar sync against the simulator on %s', (kind) => {
  const suite = usePortalSuite(kind, 'routestar-test-');
  let sim: RouteStarSim;
  afterEach(async () => {
    await sim?.close();
  });

  async function run(
    request: RouteStarSyncRequest,
    options: {
      password?: string;
      stopAfterKnown?: number;
      navigationTimeoutMs?: number;
      trace?: boolean;
    } = {},
  ) {
    const result = await recordedRouteStarSync(
      {
        suite,
        sim,
        browser,
        profile,
        closedWindowDays: 30,
        env: {
          ROUTESTAR_PASSWORD: options.password ?? sim.password,
          ROUTESTAR_STOP_AFTER_KNOWN: String(options.stopAfterKnown ?? 3),
          PORTAL_NAVIGATION_TIMEOUT_MS: String(options.navigationTimeoutMs ?? 10_000),
          PORTAL_RETRY_ATTEMPTS: '3',
          PORTAL_SESSION_MAX_AGE_MS: '3600000',
          PORTAL_CONTEXT_RECYCLE_PAGES: '6',
          PORTAL_TRACE: String(options.trace ?? false),
        },
      },
      request,
    );
    return { ...result, logins: result.summary?.navigation?.logins };
  }

  async function stored() {
    const { rows } = await suite.database.db.execute<{
      invoice_number: string;
      list_type: string;
      status: string;
      line_count: number;
      lines_checksum: string | null;
      missing_since: Date | null;
    }>(
      sql`SELECT invoice_number, list_type, status, line_count, lines_checksum, missing_since FROM sales_invoices ORDER BY invoice_number`,
    );
    return new Map(rows.map((r) => [r.invoice_number, r]));
  }

  async function linesOf(invoiceNumber: string) {
    const { rows } = await suite.database.db.execute<{ item_name: string; qty: string; class: string }>(sql`
      SELECT l.item_name, l.qty, l.class FROM sales_invoice_lines l JOIN sales_invoices s ON s.id = l.sales_invoice_id
       WHERE s.invoice_number = ${invoiceNumber} ORDER BY l.line_no`);
    return rows.map((r) => ({ item: r.item_name, qty: Number(r.qty), truck: r.class }));
  }

  async function movementCount(): Promise<number> {
    const { rows } = await suite.database.db.execute<{ n: string }>(
      sql`SELECT count(*)::text AS n FROM stock_movements`,
    );
    return Number(rows[0]!.n);
  }

  it('reads both lists over several pages with details, posts stock, and a second run adds and posts nothing', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    const window = closedWindow(30, 'America/New_York');
    const expectedClosed = sim.data.closedBetween(window.from, window.to);
    const defaultWindow = sim.data.closedBetween(closedWindow(2, 'America/New_York').from, window.to);
    expect(expectedClosed.length).toBeGreaterThan(defaultWindow.length);
    expect(expectedClosed.length).toBeLessThan(10);

    const first = await run({ mode: 'full' });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('succeeded');
    const invoices = await stored();
    const expected = [...sim.data.pending(), ...expectedClosed];
    expect([...invoices.keys()].sort()).toEqual(expected.map((i) => i.number).sort());
    for (const invoice of expected) {
      expect(await linesOf(invoice.number)).toEqual(
        invoice.lines.map((l) => ({ item: l.item, qty: l.qty, truck: l.truck })),
      );
    }
    expect(first.summary!.lists.pending).toMatchObject({ read: 9, pages: 3, stoppedBy: 'last-page' });
    expect(first.summary!.lists.closed).toMatchObject({
      read: expectedClosed.length,
      stoppedBy: 'last-page',
    });
    expect(first.counters.created).toBeGreaterThanOrEqual(expected.length);
    expect(first.logins).toBe(1);
    // The detail page's other header fields are kept with the invoice.
    const signed = expectedClosed[0]!;
    const { rows: details } = await suite.database.db.execute<{ details: Record<string, string | null> }>(
      sql`SELECT details FROM sales_invoices WHERE invoice_number = ${signed.number}`,
    );
    expect(details[0]!.details).toMatchObject({
      signedBy: signed.signedBy,
      serviceNotes: signed.serviceNotes || null,
      salesTaxRate: 'VA 5.3%',
      phone: expect.stringMatching(/^\(540\) 555-\d{4}$/),
    });
    const movements = await movementCount();
    expect(movements).toBe(expectedClosed.reduce((n, i) => n + i.lines.length, 0));

    const second = await run({ mode: 'full' });
    expect(second.status).toBe('succeeded');
    expect(second.logins).toBe(0);
    expect(second.summary!.detailsFetched).toBe(0);
    expect(second.counters).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(second.summary!.lists.pending!.stoppedBy).toBe('known-unchanged');
    expect(second.summary!.stock!.movements).toBe(0);
    expect(await movementCount()).toBe(movements);
  }, 180_000);

  it('picks up edits between runs and flags a pending invoice that vanished without closing', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    expect((await run({ mode: 'full' })).status).toBe('succeeded');
    const movementsBefore = await movementCount();
    const [newest, second, third, , fifth] = sim.data.pending();
    sim.data.editQty(second!.number, 0, 42);
    sim.data.closeInvoice(third!.number);
    const removed = sim.data.remove(fifth!.number);
    sim.data.cancel(newest!.number);
    const added = sim.data.add();

    const next = await run({ mode: 'full' }, { stopAfterKnown: 50 });
    expect(next.status).toBe('succeeded');
    const invoices = await stored();
    expect(invoices.get(added)).toMatchObject({ list_type: 'pending', status: 'Pending' });
    expect(invoices.get(newest!.number)).toMatchObject({ status: 'Cancelled' });
    expect(invoices.get(third!.number)).toMatchObject({
      list_type: 'closed',
      status: 'Closed',
      missing_since: null,
    });
    expect(invoices.get(fifth!.number)!.missing_since).not.toBeNull();
    expect(next.summary!.flaggedMissing).toEqual([fifth!.number]);
    expect((await linesOf(second!.number))[0]!.qty).toBe(42);
    expect(next.counters.created).toBeGreaterThanOrEqual(1);
    expect(next.counters.updated).toBeGreaterThanOrEqual(3);
    expect(await movementCount()).toBe(movementsBefore + third!.lines.length);
    expect(
      next.events.some(
        (e) => e.level === 'warn' && e.message.includes(`Invoice ${fifth!.number} is no longer`),
      ),
    ).toBe(true);

    // Back on the list exactly as it was: the flag goes without a detail read, and the lines stay.
    sim.data.restore(removed);
    const detailsBefore = sim.stats.pages.invoicedetails;
    const linesBefore = await linesOf(fifth!.number);
    const back = await run({ mode: 'pending' }, { stopAfterKnown: 50 });
    expect(back.status).toBe('succeeded');
    expect((await stored()).get(fifth!.number)!.missing_since).toBeNull();
    expect(back.summary!.flaggedMissing).toEqual([]);
    expect(sim.stats.pages.invoicedetails).toBe(detailsBefore);
    expect(await linesOf(fifth!.number)).toEqual(linesBefore);
    expect(
      back.events.some((e) => e.message.includes(`Invoice ${fifth!.number} is on the pending list again`)),
    ).toBe(true);
  }, 180_000);

  it('reads a list again that moved while it was paged, so no invoice slips onto a page already read', async () => {
    let closedMeanwhile: string | undefined;
    sim = await startRouteStarSimulator({
      ...simDefaults,
      pendingInvoices: 10,
      // Someone closes the newest invoice (on page 1) as the sync asks for page 3: every row after it moves up one,
      // and the first row of page 3 moves to the end of page 2, which was read already.
      beforeListPage: (list, page) => {
        if (list !== 'pending' || page !== 3 || closedMeanwhile !== undefined) return;
        closedMeanwhile = sim.data.pending()[0]!.number;
        sim.data.closeInvoice(closedMeanwhile);
      },
    });
    const pending = sim.data.pending().map((invoice) => invoice.number);
    const slipped = pending[8]!;

    const result = await run({ mode: 'pending' }, { stopAfterKnown: 50 });
    expect(result.status).toBe('succeeded');
    const invoices = await stored();
    expect([...invoices.keys()].sort()).toEqual([...pending].sort());
    expect(invoices.get(slipped)!.lines_checksum).not.toBeNull();
    expect(result.summary!.flaggedMissing).toEqual([]);
    expect(result.summary!.lists.pending!.unread).toBeUndefined();
    expect(
      result.events.some((e) =>
        e.message.includes('counted 10 invoices at its start, 9 at its end, and 9 were read from it'),
      ),
    ).toBe(true);
  });

  it('ends partial, flagging nothing missing, when the list keeps moving through its second read', async () => {
    // New invoices go to the top of the pending list; once `moving`, one arrives as each later page is asked for.
    let moving = false;
    sim = await startRouteStarSimulator({
      ...simDefaults,
      pendingInvoices: 10,
      beforeListPage: (list, page) => {
        if (moving && list === 'pending' && page >= 2) sim.data.add();
      },
    });
    expect((await run({ mode: 'pending' })).status).toBe('succeeded');
    // Gone from the portal: a complete read of the list would flag it missing.
    const gone = sim.data.remove(sim.data.pending()[5]!.number);
    // Unreadable on page 1, in both reads of the list.
    const unreadable = sim.data.pending()[2]!.number;
    sim.data.backdate(unreadable, '2026-02-30');
    moving = true;

    const result = await run({ mode: 'pending' }, { stopAfterKnown: 50 });
    expect(result.status).toBe('partial');
    const unread = result.summary!.lists.pending!.unread;
    expect(unread).toBeGreaterThan(0);
    expect(result.summary!.flaggedMissing).toEqual([]);
    expect((await stored()).get(gone.number)!.missing_since).toBeNull();
    const quarantined = result.events.filter((e) =>
      e.message.startsWith(`Quarantined invoice ${unreadable}`),
    );
    expect(quarantined).toHaveLength(1);
    expect(result.counters.failed).toBe(1);
    expect(
      result.events.some(
        (e) =>
          e.level === 'error' &&
          e.message.includes('invoices list counts') &&
          e.message.includes(`also when read a second time: ${unread} were not`),
      ),
    ).toBe(true);
  });

  it('logs in again when the session expires while paging and while reading details', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    sim.expireOn(/^\/web\/api\/invoices$/, 2);
    sim.expireOn(/^\/web\/invoicedetails\//, 7);
    const result = await run({ mode: 'pending' });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.logins).toBeGreaterThanOrEqual(3);
    const invoices = await stored();
    expect(invoices.size).toBe(9);
    expect([...invoices.values()].every((i) => i.lines_checksum !== null)).toBe(true);
  });

  it('retries a 500, a failed grid request and a page slower than the timeout, then completes', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    sim.failNext(/^\/web\/invoicedetails\//, 1);
    sim.failNext(/^\/web\/api\/invoices$/, 1);
    // Far apart, so that on a loaded machine only the slowed page outlasts the timeout.
    sim.slowNext(/^\/web\/invoicedetails\//, 12_000, 1);
    const result = await run({ mode: 'pending' }, { navigationTimeoutMs: 6_000 });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect((await stored()).size).toBe(9);
    // The 500 never reached the page handler; the slow page did and was loaded again after its timeout.
    expect(sim.stats.pages.invoicedetails).toBe(10);
  });

  it('turns each page once when the portal answers a pager click late', { timeout: 180_000 }, async () => {
    // Longer than one short click attempt: the click lands, then times out on our side while the page is busy.
    sim = await startRouteStarSimulator({
      ...simDefaults,
      pendingInvoices: 14,
      rowsPerPage: 2,
      pageTurnBusyMs: 900,
    });
    const result = await run({ mode: 'pending' });
    expect(result.error).toBeUndefined();
    expect(result.summary!.lists.pending).toMatchObject({ read: 14, pages: 7, stoppedBy: 'last-page' });
    expect((await stored()).size).toBe(14);
  });

  it('dismisses pop-ups that block the pager and the detail tabs', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    sim.setPopups({ listOnLoad: true, listAfterPage: 2, detailOnLoad: true });
    const probe = await browser.newPage();
    await probe.goto(`${sim.url}/web/login/`);
    await probe.fill('#username', sim.username);
    await probe.fill('#password', sim.password);
    await Promise.all([probe.waitForEvent('load'), probe.click('button[type="submit"]')]);
    await probe.locator('.jconfirm').waitFor();
    // The pop-up really blocks: a click on the pager would land on its overlay.
    await expect(
      probe.locator('ul.bootpag li[data-lp="2"]:not(.next) a').click({ trial: true, timeout: 500 }),
    ).rejects.toThrow();
    await probe.close();

    const result = await run({ mode: 'pending' });
    expect(result.error).toBeUndefined();
    expect(result.summary!.lists.pending).toMatchObject({ read: 9, pages: 3 });
    expect((await stored()).size).toBe(9);
  });

  it('fails cleanly with artefacts when a required column is hidden, writing nothing; a repeat links to the same files', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    sim.setMarkup({ hideColumns: ['Total'] });
    const result = await run({ mode: 'pending' }, { trace: true });
    expect(result.status).toBe('failed');
    expect((result.error as Error).name).toBe('MarkupChangedError');
    expect((result.error as Error).message).toContain('column "Total" (total) not found');
    expect((await stored()).size).toBe(0);
    const failure = result.events.find(
      (e) => e.level === 'error' && (e.details as { artefacts?: unknown })?.artefacts,
    );
    const artefacts = (
      failure!.details as {
        artefacts: { screenshot: string; html: string; trace: string; firstOccurrence: boolean };
      }
    ).artefacts;
    expect(artefacts.firstOccurrence).toBe(true);
    for (const file of [artefacts.screenshot, artefacts.html, artefacts.trace])
      expect(existsSync(file)).toBe(true);

    const again = await run({ mode: 'pending' }, { trace: true });
    const repeat = again.events.find(
      (e) => (e.details as { artefacts?: { firstOccurrence: boolean } })?.artefacts,
    );
    expect(
      (repeat!.details as { artefacts: { firstOccurrence: boolean; html: string } }).artefacts,
    ).toMatchObject({
      firstOccurrence: false,
      html: artefacts.html,
    });
  });

  it('fails instead of reading one page when the pager is renamed', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    sim.setMarkup({ renamePagerClass: true });
    const result = await run({ mode: 'pending' });
    expect(result.status).toBe('failed');
    expect((result.error as Error).message).toContain(
      'the pager (ul.pagination.bootpag) was not found although the grid shows rows',
    );
    expect(result.events.some((e) => (e.details as { artefacts?: unknown } | null)?.artefacts)).toBe(true);
    expect(result.summary).toBeUndefined();
  });

  it('stops the details step when the detail page changed, naming the missing field', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    sim.setMarkup({ renameDetailInputs: true });
    const result = await run({ mode: 'pending' });
    expect(result.status).toBe('failed');
    expect((result.error as Error).message).toMatch(
      /invoice detail page of NRV\d+ no longer matches the profile: field subtotal \(#inv_subtotal\) not found/,
    );
    expect(sim.stats.pages.invoicedetails).toBe(1);
  });

  it('does not retry refused credentials', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    const result = await run({ mode: 'pending' }, { password: 'wrong' });
    expect(result.status).toBe('failed');
    expect((result.error as Error).name).toBe('LoginRejectedError');
    expect((result.error as Error).message).toContain('Invalid username or password');
    expect(sim.stats.failedLogins).toBe(1);
  });

  it('re-reads one invoice on request and keeps its list checksum', async () => {
    sim = await startRouteStarSimulator(simDefaults);
    expect((await run({ mode: 'pending' })).status).toBe('succeeded');
    const target = sim.data.pending()[2]!;
    sim.data.editQty(target.number, 0, 7);
    const result = await run({ mode: 'details', invoiceNumber: target.number });
    expect(result.status).toBe('succeeded');
    expect(result.counters.updated).toBe(1);
    expect((await linesOf(target.number))[0]!.qty).toBe(7);
    expect(invoiceTotals(target).subtotal).toBeGreaterThan(0);
  });
});
