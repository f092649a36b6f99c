/**
 * End to end with real Chromium: the CustomerConnect sync against the simulator, into a real ledger database.
 * Few runs, small data: each run is a few seconds of browser time.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { portalSettings, type PortalSettings } from '../../../src/config/portals.js';
import { beginRun, runEvents } from '../../../src/jobs/runs.js';
import { purchaseOrderLines, purchaseOrders, stockMovements } from '../../../src/models/index.js';
import { launchBrowser } from '../../../src/browser/chromium.js';
import { LoginRejectedError, MarkupChangedError } from '../../../src/scrapers/errors.js';
import {
  applyProfileOverride,
  defaultCustomerConnectProfile,
} from '../../../src/scrapers/customerconnect/profile.js';
import {
  syncCustomerConnect,
  type CustomerConnectSyncOptions,
} from '../../../src/scrapers/customerconnect/sync.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../helpers/databases.js';
import {
  startCustomerConnectSimulator,
  type CustomerConnectSimulator,
} from '../../sim/customerconnect/server.js';
import { roundCents, subtotalOf, totalOf } from '../../sim/customerconnect/orders.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function settingsFor(
  sim: CustomerConnectSimulator,
  dataDir: string,
  env: Record<string, string> = {},
): PortalSettings {
  return portalSettings(
    loadConfig({
      DATA_DIR: dataDir,
      CUSTOMERCONNECT_BASE_URL: sim.url,
      CUSTOMERCONNECT_EMAIL: sim.email,
      CUSTOMERCONNECT_PASSWORD: sim.password,
      CUSTOMERCONNECT_CONCURRENCY: '3',
      CUSTOMERCONNECT_MIN_SPACING_MS: '0',
      CUSTOMERCONNECT_STOP_AFTER_KNOWN: '5',
      PORTAL_RETRY_BASE_MS: '50',
      PORTAL_NAVIGATION_TIMEOUT_MS: '5000',
      PORTAL_CONTEXT_RECYCLE_PAGES: '15',
      ...env,
    }),
    'customerconnect',
  );
}

async function run(
  db: TestDatabase,
  settings: PortalSettings,
  options: CustomerConnectSyncOptions,
  profile = defaultCustomerConnectProfile,
) {
  const recorder = await beginRun(db.db, log, {
    job: 'customerconnect.sync',
    trigger: 'manual',
    signal: new AbortController().signal,
  });
  let error: unknown;
  let summary: Awaited<ReturnType<typeof syncCustomerConnect>> | undefined;
  try {
    summary = await syncCustomerConnect(
      recorder,
      { db: db.db, settings, profile, browser: async () => browser },
      options,
    );
  } catch (e) {
    error = e;
  }
  const status = await recorder.finish(error);
  const events = await runEvents(db.db, recorder.runId);
  return { summary, error, status, counters: { ...recorder.counters }, events };
}

describe.each(databaseKinds)('CustomerConnect sync on %s', (kind) => {
  let db: TestDatabase;
  let sim: CustomerConnectSimulator;
  let dataDir: string;
  let settings: PortalSettings;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    sim = await startCustomerConnectSimulator({ seed: 3, orders: 34, oddRows: true });
    dataDir = mkdtempSync(join(tmpdir(), 'cc-sync-'));
    settings = settingsFor(sim, dataDir);
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('first run: logs in once, pages through the whole list, reads every detail, stores and posts', async () => {
    const result = await run(db, settings, { mode: 'orders' });
    expect(result.error).toBeUndefined();
    expect(result.summary!.listPages).toBe(4);
    expect(result.counters).toMatchObject({ created: 32, updated: 0, unchanged: 0, failed: 2 });
    expect(result.status).toBe('partial');
    expect(sim.stats().logins).toBe(1);
    expect(result.summary!.navigation!.recycles).toBeGreaterThan(0);

    const quarantined = result.events.filter((e) => e.message.startsWith('Quarantined'));
    expect(quarantined.map((e) => e.entity).sort()).toEqual(
      [`purchase_order:${sim.orders()[3]!.orderId}`, `purchase_order:${sim.orders()[7]!.orderId}`].sort(),
    );
    for (const e of quarantined) expect((e.details as { html: string }).html).toContain('order-list');
    expect(result.events.some((e) => e.level === 'warn' && e.message.includes('has no Model'))).toBe(true);

    // What was stored is what the portal shows, order by order and line by line.
    for (const simOrder of sim.orders().filter((_, i) => i !== 3 && i !== 7)) {
      const [stored] = await db.db
        .select()
        .from(purchaseOrders)
        .where(eq(purchaseOrders.orderNumber, String(simOrder.orderId)));
      expect(stored, `order ${simOrder.orderId}`).toBeDefined();
      expect(Number(stored!.total)).toBe(totalOf(simOrder));
      expect(Number(stored!.subtotal)).toBe(subtotalOf(simOrder));
      const lines = await db.db
        .select()
        .from(purchaseOrderLines)
        .where(eq(purchaseOrderLines.purchaseOrderId, stored!.id));
      expect(lines.map((l) => Number(l.qty)).sort()).toEqual(simOrder.products.map((p) => p.quantity).sort());
      expect(lines.map((l) => Number(l.lineTotal)).sort()).toEqual(
        simOrder.products.map((p) => roundCents(p.quantity * p.price)).sort(),
      );
    }
    expect(result.summary!.posting!.movements).toBeGreaterThan(0);
  });

  it('second run: reuses the saved login, stops after the known orders, reads no detail and posts nothing', async () => {
    sim.resetStats();
    const movementsBefore = await db.db.select({ n: sql<number>`count(*)::int` }).from(stockMovements);
    const result = await run(db, settings, { mode: 'orders' });
    expect(result.error).toBeUndefined();
    expect(sim.stats().logins).toBe(0);
    expect(sim.stats().requests['order-info']).toBe(0);
    expect(result.summary!.listPages).toBe(2);
    expect(result.summary!.stoppedEarly).toMatch(/known, unchanged/);
    expect(result.counters).toMatchObject({ created: 0, updated: 0, unchanged: 18 });
    expect(result.summary!.posting!.documents).toBe(0);
    const movementsAfter = await db.db.select({ n: sql<number>`count(*)::int` }).from(stockMovements);
    expect(movementsAfter).toEqual(movementsBefore);
  });

  it('picks up new orders, a quantity edit and a cancellation, and posts only their differences', async () => {
    const [first, second] = sim.orders();
    sim.setLineQuantity(second!.orderId, 0, 99);
    sim.cancel(first!.orderId);
    const added = sim.addOrders(2);
    sim.resetStats();
    const result = await run(db, settings, { mode: 'orders' });
    expect(result.error).toBeUndefined();
    expect(result.counters).toMatchObject({ created: 2, updated: 2 });
    expect(sim.stats().requests['order-info']).toBe(4);
    const [edited] = await db.db
      .select()
      .from(purchaseOrders)
      .where(eq(purchaseOrders.orderNumber, String(second!.orderId)));
    const lines = await db.db
      .select()
      .from(purchaseOrderLines)
      .where(eq(purchaseOrderLines.purchaseOrderId, edited!.id));
    expect(lines.find((l) => l.lineNo === 1)!.qty).toMatch(/^99(\.0+)?$/);
    const [cancelled] = await db.db
      .select()
      .from(purchaseOrders)
      .where(eq(purchaseOrders.orderNumber, String(first!.orderId)));
    expect(cancelled!.status).toBe('Cancelled');
    expect(added).toHaveLength(2);
    expect(result.summary!.posting!.documents).toBeGreaterThanOrEqual(3);
  });

  it('limit caps the rows read; details and all-details modes re-read stored orders', async () => {
    const limited = await run(db, settings, { mode: 'orders', full: true, limit: 12 });
    expect(limited.summary!.rowsRead).toBe(12);
    expect(limited.summary!.stoppedEarly).toMatch(/limit of 12/);
    sim.resetStats();
    const one = String(sim.orders()[2]!.orderId);
    const single = await run(db, settings, { mode: 'details', orderNumber: one });
    expect(single.error).toBeUndefined();
    expect(sim.stats().requests['order-info']).toBe(1);
    expect(single.counters.unchanged).toBe(1);
    sim.resetStats();
    const every = await run(db, settings, { mode: 'all-details', limit: 5 });
    expect(sim.stats().requests['order-info']).toBe(5);
    expect(every.counters).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    const unknown = await run(db, settings, { mode: 'details', orderNumber: '1' });
    expect(String(unknown.error)).toMatch(/not stored yet/);
  });
});

describe('CustomerConnect sync when the portal misbehaves', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  const sims: CustomerConnectSimulator[] = [];
  const fresh = async (
    options: Parameters<typeof startCustomerConnectSimulator>[0],
    env: Record<string, string> = {},
  ) => {
    const sim = await startCustomerConnectSimulator(options);
    sims.push(sim);
    const dir = mkdtempSync(join(tmpdir(), 'cc-fault-'));
    dirs.push(dir);
    return { sim, dir, settings: settingsFor(sim, dir, env) };
  };

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    for (const sim of sims) await sim.close();
    await db?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('survives a session expiry mid-run, a 500 and a page slower than the timeout, losing nothing', async () => {
    const { sim, settings } = await fresh(
      { seed: 11, orders: 25, oddRows: false, newestOrderId: 81000 },
      { PORTAL_NAVIGATION_TIMEOUT_MS: '1500' },
    );
    sim.expireSessionsAfter(12);
    sim.failNext('order-info', 1);
    sim.slowNext('order-list', 4000);
    const result = await run(db, settings, { mode: 'full' });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.counters).toMatchObject({ created: 25, failed: 0 });
    expect(sim.stats().logins).toBe(2);
    expect(sim.stats().loginRedirects).toBeGreaterThan(0);
    expect(sim.stats().served500).toBe(1);
    expect(result.summary!.navigation!.retries).toBeGreaterThanOrEqual(2);
    expect(sim.stats().maxConcurrent).toBeLessThanOrEqual(3);
  });

  it('reads on in a new tab when the reading tab dies mid-run', async () => {
    const { sim, settings } = await fresh({
      seed: 12,
      orders: 20,
      oddRows: false,
      newestOrderId: 86000,
      delays: { 'order-info': 50 },
    });
    // Stands in for a crashed renderer: the tab goes away while order pages are being fetched in it.
    let closed = 0;
    const killer = setInterval(() => {
      if (closed > 0 || sim.stats().requests['order-info'] < 3) return;
      for (const context of browser.contexts())
        for (const page of context.pages())
          if (page.url().endsWith('/syncworker-reading-tab')) {
            closed++;
            void page.close();
          }
    }, 5);
    const result = await run(db, settings, { mode: 'full' }).finally(() => clearInterval(killer));
    expect(closed).toBe(1);
    expect(result.error).toBeUndefined();
    expect(result.counters).toMatchObject({ created: 20, failed: 0 });
    expect(result.summary!.navigation!.retries).toBeGreaterThanOrEqual(1);
  });

  it('stops cleanly on a changed layout, saving screenshot, HTML and trace once per distinct error', async () => {
    const { sim, dir, settings } = await fresh({ seed: 5, orders: 12, newestOrderId: 82000 });
    sim.setMarkup('renamed-list-class');
    const first = await run(db, settings, { mode: 'orders' });
    expect(first.error).toBeInstanceOf(MarkupChangedError);
    expect(first.status).toBe('failed');
    const event = first.events.find(
      (e) => e.level === 'error' && (e.details as { artefacts?: unknown } | null)?.artefacts,
    );
    const link = (
      event!.details as {
        artefacts: { dir: string; screenshot: string; html: string; trace: string; firstOccurrence: boolean };
      }
    ).artefacts;
    expect(link.firstOccurrence).toBe(true);
    for (const file of [link.screenshot, link.html, link.trace])
      expect(statSync(file).size).toBeGreaterThan(0);
    expect(link.dir.startsWith(join(dir, 'artefacts', 'customerconnect'))).toBe(true);

    const second = await run(db, settings, { mode: 'orders' });
    expect(second.error).toBeInstanceOf(MarkupChangedError);
    const again = second.events.find(
      (e) => (e.details as { artefacts?: { firstOccurrence: boolean } } | null)?.artefacts,
    );
    expect(
      (again!.details as { artefacts: { firstOccurrence: boolean; dir: string } }).artefacts,
    ).toMatchObject({ firstOccurrence: false, dir: link.dir });
    expect(readdirSync(join(dir, 'artefacts', 'customerconnect'))).toHaveLength(1);
  });

  it('saves the failed page itself when a page read by fetch has a changed layout', async () => {
    // The order page's products table changed; the reading tab itself only ever shows an empty page.
    const { sim, settings } = await fresh(
      { seed: 9, orders: 2, oddRows: false, newestOrderId: 85000 },
      { CUSTOMERCONNECT_CONCURRENCY: '1' },
    );
    sim.setMarkup('renamed-model-column');
    const result = await run(db, settings, { mode: 'orders' });
    expect(result.error).toBeInstanceOf(MarkupChangedError);
    const link = (
      result.events.find((e) => (e.details as { artefacts?: unknown } | null)?.artefacts)!.details as {
        artefacts: { dir: string; screenshot: string; html: string };
      }
    ).artefacts;
    expect(readFileSync(link.html, 'utf8')).toContain('Item Code');
    expect(statSync(link.screenshot).size).toBeGreaterThan(0);
    // The screenshot's tab shows the failed page at its own address.
    expect(readFileSync(join(link.dir, 'error.txt'), 'utf8')).toMatch(/^url: .*route=account\/order\/info/m);
  });

  it('reads the same orders with fully rendered pages, and warns of an order dated in the future', async () => {
    const { sim, settings } = await fresh({ seed: 8, orders: 4, oddRows: false, newestOrderId: 84000 });
    const [future] = sim.addOrders(1, '2099-01-01');
    const rendered = applyProfileOverride(defaultCustomerConnectProfile, {
      pageLoad: { waitUntil: 'domcontentloaded', javaScript: true },
    });
    const result = await run(db, settings, { mode: 'orders' }, rendered);
    expect(result.error).toBeUndefined();
    expect(result.counters).toMatchObject({ created: 5, failed: 0 });
    const warning = result.events.find((e) => e.entity === `purchase_order:${future}`);
    expect(warning?.message).toMatch(/dated 2099-01-01, after today in America\/New_York/);
  });

  it('refuses to retry a rejected login and keeps the session file private', async () => {
    const { sim, dir, settings } = await fresh({ seed: 6, orders: 3, newestOrderId: 83000 });
    const good = await run(db, settings, { mode: 'orders' });
    expect(good.error).toBeUndefined();
    const sessionFile = join(dir, 'sessions', 'customerconnect.json');
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);

    const wrong = {
      ...settings,
      password: 'not-the-password',
      dataDir: mkdtempSync(join(tmpdir(), 'cc-bad-')),
    };
    dirs.push(wrong.dataDir);
    const result = await run(db, wrong, { mode: 'orders' });
    expect(result.error).toBeInstanceOf(LoginRejectedError);
    expect(String(result.error)).toContain('No match for E-Mail Address');
    expect(sim.stats().failedLogins).toBe(1);
    expect(existsSync(join(wrong.dataDir, 'sessions', 'customerconnect.json'))).toBe(false);
  });
});
