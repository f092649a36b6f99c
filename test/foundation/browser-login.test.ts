/**
 * The dashboard and the live event stream opened the way a person opens them: in real Chromium, with the API key
 * typed as the password of the browser's login prompt (Playwright's HTTP credentials answer that prompt), never with
 * a hand-made Authorization header. Chromium offers Basic credentials only when a WWW-Authenticate line starts with
 * Basic, which a combined "Bearer …, Basic …" line did not.
 */
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customersFeature } from '../../src/sync/erpnext-customers/feature.js';
import { launchBrowser } from '../../src/scrapers/browser.js';
import { startTestWorker, testApiKey, type TestWorker } from '../helpers/worker.js';

describe('control API in a real browser with HTTP credentials', () => {
  let tw: TestWorker;
  let browser: Browser;
  beforeAll(async () => {
    tw = await startTestWorker('pglite', { features: [customersFeature] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await tw?.stop();
  });

  const contextWith = (password: string) =>
    browser.newContext({ httpCredentials: { username: 'ops', password } });

  it('opens the dashboard after the login prompt is answered with the key', async () => {
    const context = await contextWith(testApiKey);
    const page = await context.newPage();
    const response = await page.goto(`${tw.url}/dash/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toMatch(/agendash/i);
    await context.close();
  });

  it('keeps the dashboard closed when the prompt is answered with a wrong key', async () => {
    const context = await contextWith('not-the-key');
    const page = await context.newPage();
    const response = await page.goto(`${tw.url}/dash/`);
    expect(response?.status()).toBe(401);
    await context.close();
  });

  it('streams customer events to an EventSource opened from the logged-in page', async () => {
    const context = await contextWith(testApiKey);
    const page = await context.newPage();
    await page.goto(`${tw.url}/dash/`);
    await page.evaluate(() => {
      const w = window as unknown as { received: string[]; opened: boolean };
      w.received = [];
      w.opened = false;
      const source = new EventSource('/api/events');
      source.onopen = () => (w.opened = true);
      source.addEventListener('customer.created', (event) =>
        w.received.push((event as MessageEvent<string>).data),
      );
    });
    await page.waitForFunction(() => (window as unknown as { opened: boolean }).opened);
    const created = await tw.api('/api/customers', { method: 'POST', json: { name: 'Browser Bakery' } });
    expect(created.status).toBe(201);
    await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length > 0);
    const [data] = await page.evaluate(() => (window as unknown as { received: string[] }).received);
    expect(JSON.parse(data!)).toMatchObject({ type: 'customer.created', name: 'Browser Bakery' });
    await context.close();
  });
});
