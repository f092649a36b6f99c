/**
 * RouteStar inside a whole worker: the API queues routestar.sync (202 with a run id), the run reads the simulator in
 * Chromium, and the read routes page through what was stored. Without URL and credentials the portal is "not
 * configured": nothing is scheduled and every entry point says which variables to set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedResources } from '../../../src/shared-resources.js';
import { SharedBrowser } from '../../../src/browser/chromium.js';
import { loadConfig } from '../../../src/config/index.js';
import { ledgerFeature } from '../../../src/ledger/feature.js';
import { createLogger } from '../../../src/log.js';
import { routeStarFeature } from '../../../src/scrapers/routestar/feature.js';
import { databaseKinds } from '../../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../../helpers/worker.js';
import { startRouteStarSimulator, type RouteStarSim } from '../../sim/routestar/server.js';

describe.each(databaseKinds)('RouteStar feature on %s', (kind) => {
  let sim: RouteStarSim;
  let worker: TestWorker;
  let profileDir: string;

  beforeAll(async () => {
    sim = await startRouteStarSimulator({
      seed: 5,
      pendingInvoices: 6,
      closedInvoices: 4,
      rowsPerPage: 4,
      gridDelayMs: 40,
    });
    profileDir = mkdtempSync(join(tmpdir(), 'routestar-profile-'));
    const profileFile = join(profileDir, 'routestar.json');
    writeFileSync(profileFile, JSON.stringify({ waits: { gridMs: 8000, pollMs: 40, pageChangeMs: 4000 } }));
    worker = await startTestWorker(kind, {
      features: [routeStarFeature, ledgerFeature],
      env: {
        ROUTESTAR_BASE_URL: sim.url,
        ROUTESTAR_USERNAME: sim.username,
        ROUTESTAR_PASSWORD: sim.password,
        ROUTESTAR_MIN_SPACING_MS: '0',
        ROUTESTAR_PROFILE_FILE: profileFile,
        PORTAL_RETRY_BASE_MS: '50',
        PORTAL_TRACE: 'false',
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await sim?.close();
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('queues a sync from the API and serves the stored invoices page by page', async () => {
    const queued = await worker.api('/api/routestar/sync/full', { method: 'POST', json: {} });
    expect(queued.status).toBe(202);
    const { runId } = (await queued.json()) as { runId: string };
    const run = await waitForRun(worker, runId, 90_000);
    expect(run.status).toBe('succeeded');

    const numbers: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await worker.api(`/api/routestar/invoices?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        items: { invoiceNumber: string; lineCount: number }[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(3);
      numbers.push(...page.items.map((i) => i.invoiceNumber));
      cursor = page.nextCursor;
    } while (cursor);
    const stats = (await (await worker.api('/api/routestar/stats')).json()) as {
      invoices: number;
      withoutLines: number;
      lastRun: { id: string };
    };
    expect(numbers).toHaveLength(stats.invoices);
    expect(numbers).toEqual([...numbers].sort((a, b) => Number(b.slice(3)) - Number(a.slice(3))));
    expect(stats).toMatchObject({ withoutLines: 0, lastRun: { id: runId } });

    const newest = sim.data.pending()[0]!;
    const detail = (await (await worker.api(`/api/routestar/invoices/${newest.number}`)).json()) as {
      lines: { itemName: string }[];
    };
    expect(detail.lines.map((l) => l.itemName)).toEqual(newest.lines.map((l) => l.item));
    expect((await worker.api('/api/routestar/invoices/NRV1')).status).toBe(404);
  });

  it('serves the detail page’s other fields with the invoice', async () => {
    // The most recently closed invoice: inside the closed window the sync reads.
    const closed = sim.data.closedBetween('2000-01-01', '2999-12-31')[0]!;
    const res = await worker.api(`/api/routestar/invoices/${closed.number}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { details: unknown }).details).toEqual({
      signedBy: closed.signedBy,
      memo: closed.memo || null,
      serviceNotes: closed.serviceNotes || null,
      salesTaxRate: 'VA 5.3%',
      email: expect.stringMatching(/@example\.com$/),
      phone: expect.stringMatching(/^\(540\) 555-\d{4}$/),
    });
  });

  it('reads the item list in the full sync and reports the drift of each item', async () => {
    const res = await worker.api('/api/inventory/drift?all=true&limit=500');
    expect(res.status).toBe(200);
    const drift = (await res.json()) as {
      items: { sku: string; portalOnHand: number; reasons: { kind: string }[] }[];
    };
    expect(drift.items.map((r) => r.sku)).toEqual(sim.data.items.map((i) => i.name.toUpperCase()).sort());
    expect(drift.items.every((r) => r.reasons.length > 0)).toBe(true);
    const queued = await worker.api('/api/routestar/sync/items', { method: 'POST', json: {} });
    expect(queued.status).toBe(202);
    const { runId } = (await queued.json()) as { runId: string };
    const run = await waitForRun(worker, runId, 90_000);
    expect(run).toMatchObject({ status: 'succeeded', unchanged: sim.data.items.length });
  });

  it('rejects bad requests without queuing anything', async () => {
    const badNumber = await worker.api('/api/routestar/sync/details/not-an-invoice', { method: 'POST' });
    expect(badNumber.status).toBe(400);
    const badLimit = await worker.api('/api/routestar/sync/pending', { method: 'POST', json: { limit: 0 } });
    expect(badLimit.status).toBe(400);
    expect(((await badLimit.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe('limit');
  });

  it('checks the credentials by logging in', async () => {
    const res = await worker.api('/api/connections/routestar');
    expect(await res.json()).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`as ${sim.username}`),
    });
  });
});

describe('RouteStar feature without configuration', () => {
  it('is not scheduled and says which variables to set', async () => {
    const config = loadConfig({ DATA_DIR: tmpdir() });
    const log = createLogger({ level: 'silent', destination: process.stderr });
    const queue = { enqueue: () => Promise.reject(new Error('must not be called')) };
    const feature = await routeStarFeature({
      config,
      log,
      jobs: queue,
      db: undefined as never,
      pool: undefined as never,
      browser: new SharedBrowser(),
      shared: new SharedResources(),
    });
    expect(feature.jobs![0]!.schedule!(config)).toBeUndefined();
    const check = await feature.connections![0]!.check();
    expect(check).toEqual({
      ok: false,
      detail:
        'RouteStar is not configured: set ROUTESTAR_BASE_URL, ROUTESTAR_USERNAME, ROUTESTAR_PASSWORD to scrape it.',
    });
  });
});
