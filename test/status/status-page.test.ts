/**
 * The status page as a person opens it: in real Chromium, logged in through the browser's prompt with the API key,
 * reading runs and the stock ledger, drawing its charts, and queuing a run from its button; and the same figures
 * from the server on both databases.
 */
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../src/browser/chromium.js';
import { getRun } from '../../src/jobs/runs.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, testApiKey, type TestWorker } from '../helpers/worker.js';
import { flowsFeature, seedHistory } from './status-fixture.js';

describe.each(databaseKinds)('status page figures on %s', (kind) => {
  let tw: TestWorker;
  // One worker for the suite, started in a hook: a whole worker takes long to start on a loaded machine.
  beforeAll(async () => {
    tw = await startTestWorker(kind, { features: [flowsFeature] });
  });
  afterAll(async () => tw?.stop());

  it('shows one row per system with its state, last success and last failure', async () => {
    const ok = await tw.worker.runner.runNow('customerconnect.sync', {});
    const failed = await tw.worker.runner.runNow('routestar.sync', { fail: true });
    expect([ok.status, failed.status]).toEqual(['succeeded', 'failed']);

    const rows = await (await tw.api('/status/systems')).text();
    const row = (name: string) =>
      new RegExp(`<tr data-system="${name}" data-state="([^"]+)"[\\s\\S]*?</tr>`).exec(rows);
    expect(row('CustomerConnect')?.[1]).toBe('healthy');
    expect(row('RouteStar')?.[1]).toBe('failing');
    expect(row('RouteStar')?.[0]).toContain('RouteStar answered 503');
    expect(row('ERPNext')?.[1]).toBe('not configured');
    expect(row('ERPNext')?.[0]).toContain('set ERPNEXT_URL');
    // Flows this worker does not have get no row.
    expect(rows).not.toContain('Payamgostar');
  });

  it('counts runs per day by outcome and stock movements per day', async () => {
    await seedHistory(tw.worker.database.db);
    const charts = (await (await tw.api('/status/charts.json')).json()) as {
      runsPerDay: { x: number[]; lines: { label: string; values: number[] }[] };
      movementsPerDay: { lines: { label: string; values: number[] }[] };
      durations: { lines: { label: string }[] };
      items: string[];
    };
    const total = (label: string) =>
      charts.runsPerDay.lines.find((l) => l.label === label)!.values.reduce((a, b) => a + b, 0);
    expect(charts.runsPerDay.x).toHaveLength(14);
    expect(total('succeeded') + total('partial') + total('failed')).toBeGreaterThan(60);
    expect(total('failed')).toBeGreaterThan(0);
    expect(charts.durations.lines.map((l) => l.label).sort()).toEqual(['customerconnect', 'routestar']);
    expect(charts.items[0]).toBe('MULCH-40');
    const adjusted = charts.movementsPerDay.lines.find((l) => l.label === 'ADJUST')!.values;
    expect(adjusted.filter((v) => v > 0).length).toBeGreaterThan(20);

    const onHand = (await (await tw.api('/status/on-hand.json?sku=soil-20')).json()) as {
      lines: { values: number[] }[];
    };
    expect(onHand.lines[0]!.values.at(-1)).toBe(30 * 5 - 4 * 10);
  });

  it('answers 401 without the key and 400 for an on-hand query without an item', async () => {
    expect((await tw.api('/status', { auth: false })).status).toBe(401);
    expect((await tw.api('/status/on-hand.json')).status).toBe(400);
  });
});

describe('status page in a real browser', () => {
  let tw: TestWorker;
  let browser: Browser;
  beforeAll(async () => {
    tw = await startTestWorker('pglite', { features: [flowsFeature], env: { SCHEDULES_ENABLED: 'true' } });
    await seedHistory(tw.worker.database.db);
    await tw.worker.runner.runNow('routestar.sync', { fail: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await tw?.stop();
  });

  it('loads with the runs, draws every chart, says alerts are not set up and queues a run from its button', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'ops', password: testApiKey },
      viewport: { width: 1400, height: 1500 },
    });
    const page = await context.newPage();
    const response = await page.goto(`${tw.url}/status`);
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 30_000 }).toContain('Live');
    expect(await page.locator('tr[data-system="RouteStar"]').getAttribute('data-state')).toBe('failing');
    expect(await page.locator('tr[data-system="ERPNext"] button').isDisabled()).toBe(true);
    await expect.poll(() => page.locator('#alerts').textContent()).toBe('Alerts are not set up.');

    // Each chart is a uPlot with a canvas that has coloured pixels on it.
    for (const id of ['runs-per-day', 'records-per-run', 'durations', 'movements-per-day', 'on-hand']) {
      await page.locator(`#${id} .uplot canvas`).waitFor({ timeout: 30_000 });
      const coloured = await page.locator(`#${id} canvas`).evaluate((canvas: HTMLCanvasElement) => {
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < pixels.length; i += 4)
          if (pixels[i + 3]! > 0 && pixels[i] !== pixels[i + 1]) count += 1;
        return count;
      });
      expect(coloured, id).toBeGreaterThan(50);
    }
    if (process.env.STATUS_SCREENSHOT)
      await page.screenshot({ path: process.env.STATUS_SCREENSHOT, fullPage: true });

    await page.locator('tr[data-system="CustomerConnect"] button.run-now').click();
    await expect
      .poll(() => page.locator('tr[data-system="CustomerConnect"] .queued').textContent(), {
        timeout: 30_000,
      })
      .toMatch(/^Queued run [0-9a-f-]{36}$/);
    const text = await page.locator('tr[data-system="CustomerConnect"] .queued').textContent();
    const runId = text!.replace('Queued run ', '');
    await expect
      .poll(async () => (await getRun(tw.worker.database.db, runId))?.status, { timeout: 30_000 })
      .toBe('succeeded');
    // The run's end reaches the page through the event stream.
    await expect
      .poll(() => page.locator('#live').textContent(), { timeout: 30_000 })
      .toContain('customerconnect.sync succeeded');
    await context.close();
  });
});
