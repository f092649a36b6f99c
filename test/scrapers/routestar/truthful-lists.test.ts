/**
 * End to end with real Chromium: RouteStar portals that differ from the simulator's defaults the way real tenants do —
 * grids drawn seconds after their data, a list whose data has lost its rows, dates printed day first — read with the
 * default profile's waits. A run never reports a list it did not read as complete, and never stores a swapped date.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../src/browser/chromium.js';
import { closedWindow } from '../../../src/scrapers/routestar/dates.js';
import {
  buildRouteStarProfile,
  defaultRouteStarProfile,
  loadRouteStarProfile,
  type RouteStarProfile,
} from '../../../src/scrapers/routestar/profile.js';
import type { RouteStarSyncRequest } from '../../../src/scrapers/routestar/sync.js';
import { databaseKinds } from '../../helpers/databases.js';
import { usePortalSuite } from '../../helpers/portal-suite.js';
import { recordedRouteStarSync } from '../../helpers/routestar-sync.js';
import {
  startRouteStarSimulator,
  type RouteStarSim,
  type RouteStarSimOptions,
} from '../../sim/routestar/server.js';

// A fixed day keeps the data the same whenever the suite runs.
const today = '2026-10-20';
const now = () => new Date(`${today}T16:00:00Z`);
// Every run drives Chromium through list and detail pages; this shared two-core machine takes its time.
const slow = { timeout: 300_000 };

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(databaseKinds)('RouteStar lists that tell the truth, on %s', (kind) => {
  const suite = usePortalSuite(kind, 'routestar-truth-');
  let sim: RouteStarSim;
  afterEach(async () => {
    await sim?.close();
  });

  async function start(options: RouteStarSimOptions = {}) {
    sim = await startRouteStarSimulator({ seed: 5, pendingInvoices: 9, today, ...options });
  }

  function run(
    request: RouteStarSyncRequest,
    options: { profile?: RouteStarProfile; closedWindowDays?: number } = {},
  ) {
    return recordedRouteStarSync(
      {
        suite,
        sim,
        browser,
        profile: options.profile ?? defaultRouteStarProfile,
        closedWindowDays: options.closedWindowDays ?? 70,
        now,
        env: { ROUTESTAR_CONCURRENCY: '2', PORTAL_RETRY_ATTEMPTS: '2' },
      },
      request,
    );
  }

  async function stored() {
    const { rows } = await suite.database.db.execute<{
      invoice_number: string;
      invoice_date: string;
      date_completed: string | null;
    }>(
      sql`SELECT invoice_number, invoice_date::text AS invoice_date, date_completed::text AS date_completed
            FROM sales_invoices`,
    );
    return new Map(rows.map((r) => [r.invoice_number, [r.invoice_date, r.date_completed]]));
  }

  const artefactsOf = (events: Awaited<ReturnType<typeof run>>['events']) =>
    events
      .map((e) => (e.details as { artefacts?: { html: string; screenshot: string } } | null)?.artefacts)
      .find((a) => a !== undefined);

  it(
    'reads every invoice of a 70-day closed window whose grid is drawn 2.5 s after its data, page after page',
    slow,
    async () => {
      await start({ closedInvoices: 36, closedWithinDays: 60, drawDelayMs: 2_500 });
      const window = closedWindow(70, 'America/New_York', now());
      const expected = sim.data.closedBetween(window.from, window.to);
      expect(expected).toHaveLength(36);

      const result = await run({ mode: 'closed' });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('succeeded');
      expect(result.summary!.lists.closed).toMatchObject({ read: 36, pages: 4, stoppedBy: 'last-page' });
      expect([...(await stored()).keys()].sort()).toEqual(expected.map((i) => i.number).sort());
    },
  );

  it(
    "fails the run when a page turn is not drawn within the profile's wait, instead of stopping the list there",
    slow,
    async () => {
      await start({ pendingInvoices: 14, drawDelayMs: 8_000 });
      const impatient = buildRouteStarProfile({ waits: { pageChangeMs: 5_000 } });
      const result = await run({ mode: 'pending' }, { profile: impatient });
      expect(result.status).toBe('failed');
      expect((result.error as Error).message).toContain('page 2 was not drawn within 5 s of clicking it');
      expect(artefactsOf(result.events)).toBeDefined();
    },
  );

  it(
    'fails a list whose pager and count show invoices but whose grid draws none, storing nothing',
    slow,
    async () => {
      await start({ drawDelayMs: 1_000 });
      sim.setRowsLost('rows');
      const result = await run({ mode: 'pending' });
      expect(result.status).toBe('failed');
      expect((result.error as Error).name).toBe('ListIncompleteError');
      expect((result.error as Error).message).toMatch(/page 1 of the pending invoices list showed no rows/);
      expect((await stored()).size).toBe(0);
      const artefacts = artefactsOf(result.events);
      expect(artefacts && existsSync(artefacts.html) && existsSync(artefacts.screenshot)).toBe(true);
    },
  );

  it(
    'fails a closed window that reads empty after an earlier run found invoices in it; another window may be empty',
    slow,
    async () => {
      await start({ closedInvoices: 12 });
      const first = await run({ mode: 'closed' });
      expect(first.status).toBe('succeeded');
      expect(first.summary!.lists.closed!.read).toBeGreaterThan(0);

      // The portal now answers the closed list as if nothing had closed: no rows, no pager, a count of 0.
      sim.setRowsLost('everything');
      const again = await run({ mode: 'closed' });
      expect(again.status).toBe('failed');
      expect((again.error as Error).name).toBe('ListIncompleteError');
      expect((again.error as Error).message).toContain('an earlier run found invoices in the same window');
      expect(artefactsOf(again.events)).toBeDefined();

      const otherWindow = await run({ mode: 'closed' }, { closedWindowDays: 20 });
      expect(otherWindow.error).toBeUndefined();
      expect(otherWindow.status).toBe('succeeded');
      expect(otherWindow.summary!.lists.closed).toMatchObject({ read: 0, stoppedBy: 'last-page' });
    },
  );

  it(
    'stores nothing from a portal printing D/M/YYYY read with the default profile, and names the key to set',
    slow,
    async () => {
      await start({ closedInvoices: 12, dateFormat: 'D/M/YYYY' });
      const result = await run({ mode: 'full' });
      expect(result.status).toBe('failed');
      expect((result.error as Error).name).toBe('MarkupChangedError');
      expect((result.error as Error).message).toMatch(
        /written D\/M\/YYYY.*formats\.date.*ROUTESTAR_PROFILE_FILE/,
      );
      expect((await stored()).size).toBe(0);
      expect(artefactsOf(result.events)).toBeDefined();
    },
  );

  // From 12 December the pending invoices are dated the 10th to the 12th: as D/M/YYYY they all fit M/D/YYYY too.
  const ambiguousMonth = { today: '2026-12-12', dateFormat: 'D/M/YYYY' } as const;

  it(
    'stores nothing of a D/M/YYYY first page whose days all fit M/D once page 2 shows the format',
    slow,
    async () => {
      await start({ ...ambiguousMonth, pendingInvoices: 14 });
      sim.data.backdate(sim.data.pending().at(-1)!.number, '2026-11-28');
      const result = await run({ mode: 'pending' });
      expect(result.status).toBe('failed');
      expect((result.error as Error).name).toBe('MarkupChangedError');
      expect((result.error as Error).message).toContain('written D/M/YYYY, not M/D/YYYY (e.g. "28/11/2026")');
      expect((await stored()).size).toBe(0);
    },
  );

  it(
    'quarantines every invoice of a D/M/YYYY list none of whose dates tells the format, and ends partial',
    slow,
    async () => {
      await start({ ...ambiguousMonth, pendingInvoices: 5 });
      const result = await run({ mode: 'pending' });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('partial');
      expect((await stored()).size).toBe(0);
      const quarantined = result.events.filter((e) => e.message.startsWith('Quarantined invoice'));
      expect(quarantined).toHaveLength(5);
      expect(quarantined[0]!.message).toMatch(
        /from the pending invoices list, page 1: its date "1[0-2]\/12\/2026" reads as M\/D\/YYYY or D\/M\/YYYY, and no date read this run tells which.*\(ROUTESTAR_PROFILE_FILE\)/,
      );
    },
  );

  const pendingAsListed = () => new Map(sim.data.pending().map((i) => [i.number, [i.invoiceDate, null]]));

  it('reads such a list in the format the profile file names', slow, async () => {
    await start({ ...ambiguousMonth, pendingInvoices: 5 });
    const file = join(suite.dataDir, 'profile.json');
    writeFileSync(file, JSON.stringify({ formats: { date: 'D/M/YYYY' } }));
    const result = await run({ mode: 'pending' }, { profile: await loadRouteStarProfile(file) });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(await stored()).toEqual(pendingAsListed());
  });

  it(
    'stores a M/D/YYYY portal whose first page does not tell the format once page 2 does, every date right',
    slow,
    async () => {
      await start({ today: '2026-12-12', pendingInvoices: 14 });
      sim.data.backdate(sim.data.pending().at(-1)!.number, '2026-11-28');
      const result = await run({ mode: 'pending' });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('succeeded');
      expect(await stored()).toEqual(pendingAsListed());
    },
  );

  it('with "auto" reads a D/M/YYYY portal and a YYYY-MM-DD one, every date right', slow, async () => {
    const auto = buildRouteStarProfile({ formats: { date: 'auto' } });
    for (const dateFormat of ['D/M/YYYY', 'YYYY-MM-DD'] as const) {
      await suite.database.db.execute(sql`TRUNCATE sales_invoices, sync_runs CASCADE`);
      await start({ closedInvoices: 12, dateFormat });
      const result = await run({ mode: 'full' }, { profile: auto });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('succeeded');
      const window = closedWindow(70, 'America/New_York', now());
      const expected = [...sim.data.pending(), ...sim.data.closedBetween(window.from, window.to)];
      expect(await stored()).toEqual(
        new Map(expected.map((i) => [i.number, [i.invoiceDate, i.dateCompleted]])),
      );
      await sim.close();
    }
  });
});
