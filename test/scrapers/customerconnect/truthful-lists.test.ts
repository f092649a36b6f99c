/**
 * End to end with real Chromium: CustomerConnect portals that differ from the default profile in ways real tenants do
 * (a store printing DD/MM/YYYY dates) or that fail to show their orders. A run never stores a date read in the wrong
 * format, and never reports an empty order list as complete when the page or an earlier run says there are orders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
