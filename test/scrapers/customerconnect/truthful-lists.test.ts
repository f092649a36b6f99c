/**
 * End to end with real Chromium: CustomerConnect portals that differ from the default profile in ways real tenants do
 * (a store printing DD/MM/YYYY dates) or that fail to show their orders. A run never stores a date read in the wrong
 * format, and never reports an empty order list as complete when the page or an earlier run says there are orders.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import type { Browser } from 'playwright';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../src/browser/chromium.js';
import { loadConfig } from '../../../src/config/index.js';
import { portalSettings } from '../../../src/config/portals.js';
import { beginRun, runEvents } from '../../../src/jobs/runs.js';
import {
  applyProfileOverride,
  defaultCustomerConnectProfile,
  loadCustomerConnectProfile,
  type CustomerConnectProfile,
} from '../../../src/scrapers/customerconnect/profile.js';
import {
  syncCustomerConnect,
  type CustomerConnectSyncOptions,
} from '../../../src/scrapers/customerconnect/sync.js';
import {
  createTestDatabase,
  databaseKinds,
  emptyAllTables,
  type TestDatabase,
} from '../../helpers/databases.js';
import {
  startCustomerConnectSimulator,
  type CustomerConnectSimOptions,
  type CustomerConnectSimulator,
} from '../../sim/customerconnect/server.js';

const log = pino({ level: 'silent' });
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The portal's MM/DD/YYYY date as the ledger keeps it. */
const iso = (usDate: string) => {
  const [m, d, y] = usDate.split('/');
  return `${y}-${m}-${d}`;
};

describe.each(databaseKinds)('CustomerConnect lists that tell the truth, on %s', (kind) => {
  let db: TestDatabase;
  let sim: CustomerConnectSimulator;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(db.db);
    dataDir = mkdtempSync(join(tmpdir(), 'cc-truth-'));
  });
  afterEach(async () => {
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(options: CustomerConnectSimOptions) {
    sim = await startCustomerConnectSimulator({ seed: 11, orders: 24, oddRows: false, ...options });
  }

  async function run(options: CustomerConnectSyncOptions, profile: CustomerConnectProfile) {
    const settings = portalSettings(
      loadConfig({
        DATA_DIR: dataDir,
        CUSTOMERCONNECT_BASE_URL: sim.url,
        CUSTOMERCONNECT_EMAIL: sim.email,
        CUSTOMERCONNECT_PASSWORD: sim.password,
        CUSTOMERCONNECT_CONCURRENCY: '2',
        CUSTOMERCONNECT_MIN_SPACING_MS: '0',
        PORTAL_RETRY_ATTEMPTS: '2',
        PORTAL_RETRY_BASE_MS: '50',
        PORTAL_NAVIGATION_TIMEOUT_MS: '20000',
      }),
      'customerconnect',
    );
    const recorder = await beginRun(db.db, log, {
      job: 'customerconnect.sync',
      trigger: 'manual',
      signal: new AbortController().signal,
    });
    let error: unknown;
    try {
      await syncCustomerConnect(
        recorder,
        { db: db.db, settings, profile, browser: async () => browser },
        options,
      );
    } catch (e) {
      error = e;
    }
    const status = await recorder.finish(error);
    return { error, status, events: await runEvents(db.db, recorder.runId) };
  }

  async function storedDates(): Promise<Map<string, string | null>> {
    const { rows } = await db.db.execute<{ order_number: string; order_date: string | null }>(
      sql`SELECT order_number, order_date::text AS order_date FROM purchase_orders`,
    );
    return new Map(rows.map((r) => [r.order_number, r.order_date]));
  }

  const expectedDates = () => new Map(sim.orders().map((o) => [String(o.orderId), iso(o.dateAdded)]));
  const auto = applyProfileOverride(defaultCustomerConnectProfile, { formats: { date: 'auto' } });

  it('stores nothing from a DD/MM/YYYY portal read with the default profile, and names the key to set', async () => {
    await start({ dateFormat: 'DD/MM/YYYY' });
    const result = await run({ mode: 'full' }, defaultCustomerConnectProfile);
    expect(result.status).toBe('failed');
    expect((result.error as Error).name).toBe('MarkupChangedError');
    expect((result.error as Error).message).toContain('DD/MM/YYYY');
    expect((result.error as Error).message).toContain('formats.date');
    expect((result.error as Error).message).toContain('CUSTOMERCONNECT_PROFILE_FILE');
    expect((await storedDates()).size).toBe(0);
    expect(result.events.some((e) => (e.details as { artefacts?: unknown } | null)?.artefacts)).toBe(true);
  });

  it('with "auto" reads a DD/MM/YYYY portal and a MM/DD/YYYY one alike, every date right', async () => {
    await start({ dateFormat: 'DD/MM/YYYY' });
    const dayFirst = await run({ mode: 'full' }, auto);
    expect(dayFirst.error).toBeUndefined();
    expect(dayFirst.status).toBe('succeeded');
    expect(await storedDates()).toEqual(expectedDates());
    await sim.close();

    await db.db.execute(sql`TRUNCATE purchase_orders CASCADE`);
    await start({ dateFormat: 'MM/DD/YYYY' });
    const monthFirst = await run({ mode: 'full' }, auto);
    expect(monthFirst.status).toBe('succeeded');
    expect(await storedDates()).toEqual(expectedDates());
  });

  it('with "auto" refuses a page whose dates cannot tell day from month', async () => {
    // Five orders dated within a few days before 12 December: 12/04/2025 is as much 12 April as 4 December.
    await start({ dateFormat: 'DD/MM/YYYY', orders: 5, newestDate: '2025-12-12' });
    const result = await run({ mode: 'full' }, auto);
    expect(result.status).toBe('failed');
    expect((result.error as Error).message).toMatch(/tells the day from the month.*formats\.date/);
    expect((await storedDates()).size).toBe(0);
  });

  // Seed 11 from 12 December: page 1 holds orders of the 6th to the 12th, page 2 reaches back to the 29th of November.
  const ambiguousFirstPage = { orders: 24, newestDate: '2025-12-12' };
  const quarantinedDates = (events: { message: string }[]) =>
    events.filter((e) => e.message.startsWith('Quarantined order')).map((e) => e.message);

  it('stores nothing of a DD/MM/YYYY first page whose days all fit MM/DD once page 2 shows the format', async () => {
    await start({ dateFormat: 'DD/MM/YYYY', ...ambiguousFirstPage });
    const result = await run({ mode: 'full' }, defaultCustomerConnectProfile);
    expect(result.status).toBe('failed');
    expect((result.error as Error).name).toBe('MarkupChangedError');
    // Page 1 passed (none of its dates is past the 12th); the first date only DD/MM fits is on page 2.
    expect((result.error as Error).message).toContain(
      'written DD/MM/YYYY, not MM/DD/YYYY (e.g. "29/11/2025")',
    );
    expect((result.error as Error).message).toContain('formats.date');
    expect((await storedDates()).size).toBe(0);
  });

  it('quarantines every order of a DD/MM/YYYY list none of whose dates tells the format, and ends partial', async () => {
    await start({ dateFormat: 'DD/MM/YYYY', orders: 10, newestDate: '2025-12-12' });
    const result = await run({ mode: 'full' }, defaultCustomerConnectProfile);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('partial');
    expect((await storedDates()).size).toBe(0);
    const quarantined = quarantinedDates(result.events);
    expect(quarantined).toHaveLength(10);
    expect(quarantined).toContainEqual(
      expect.stringMatching(
        /order \d+ from the order list page 1: its date "06\/12\/2025" reads as MM\/DD\/YYYY or DD\/MM\/YYYY, and no date read this run tells which.*formats\.date is set in the profile file \(CUSTOMERCONNECT_PROFILE_FILE\)/,
      ),
    );
    expect(sim.stats().requests['order-info']).toBe(0);
  });

  it('reads such a list in the format the profile file names', async () => {
    await start({ dateFormat: 'DD/MM/YYYY', orders: 10, newestDate: '2025-12-12' });
    const file = join(dataDir, 'profile.json');
    writeFileSync(file, JSON.stringify({ formats: { date: 'DD/MM/YYYY' } }));
    const result = await run({ mode: 'full' }, await loadCustomerConnectProfile(file));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(await storedDates()).toEqual(expectedDates());
    expect(
      result.events.some((e) => e.message.includes('read as DD/MM/YYYY: the profile file names it')),
    ).toBe(true);
  });

  it('reads a list whose dates do not tell in the format an earlier run saw proven', async () => {
    await start(ambiguousFirstPage);
    expect((await run({ mode: 'orders' }, defaultCustomerConnectProfile)).status).toBe('succeeded');
    const added = sim.addOrders(2, '2025-12-12');
    // Stops on page 1, whose dates are the 6th to the 12th: nothing of this run proves MM/DD/YYYY.
    const result = await run({ mode: 'orders', limit: 5 }, defaultCustomerConnectProfile);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    const stored = await storedDates();
    for (const orderId of added) expect(stored.get(String(orderId))).toBe('2025-12-12');
    expect(
      result.events.some((e) => e.message.includes("read as MM/DD/YYYY: an earlier run's lists proved it")),
    ).toBe(true);
  });

  it('stores a MM/DD/YYYY portal whose first page does not tell the format once page 2 does, every date right', async () => {
    await start(ambiguousFirstPage);
    const result = await run({ mode: 'full' }, defaultCustomerConnectProfile);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(await storedDates()).toEqual(expectedDates());
  });

  it('fails a list that shows the "no orders" message above a pager counting orders', async () => {
    await start({ markup: 'orders-missing-with-pager' });
    const result = await run({ mode: 'orders' }, defaultCustomerConnectProfile);
    expect(result.status).toBe('failed');
    expect((result.error as Error).name).toBe('ListIncompleteError');
    expect((result.error as Error).message).toContain('of 24');
    expect(result.events.some((e) => (e.details as { artefacts?: unknown } | null)?.artefacts)).toBe(true);
  });

  it('fails an empty list after an earlier run found orders, but accepts an account that never had any', async () => {
    await start({});
    expect((await run({ mode: 'orders' }, defaultCustomerConnectProfile)).status).toBe('succeeded');
    sim.setMarkup('orders-missing');
    const result = await run({ mode: 'orders' }, defaultCustomerConnectProfile);
    expect(result.status).toBe('failed');
    expect((result.error as Error).name).toBe('ListIncompleteError');
    expect((result.error as Error).message).toContain('an earlier run found orders');
    await sim.close();

    await db.db.execute(sql`TRUNCATE sync_runs CASCADE`);
    await start({ orders: 0 });
    const empty = await run({ mode: 'orders' }, defaultCustomerConnectProfile);
    expect(empty.error).toBeUndefined();
    expect(empty.status).toBe('succeeded');
  });
});
