/**
 * Capturing a virtualised grid in Chromium: every scroll position is read only once its rows are drawn, and a grid
 * that leaves part of its view undrawn is refused instead of read without those rows. The pages are written here
 * with the shape the profile describes (a scroller over a table that holds only the rows drawn).
 */
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../src/browser/chromium.js';
import { ListIncompleteError } from '../../../src/scrapers/errors.js';
import { captureGrid } from '../../../src/scrapers/routestar/navigate.js';
import { parseItemList } from '../../../src/scrapers/routestar/parse-items.js';
import { defaultRouteStarProfile as profile } from '../../../src/scrapers/routestar/profile.js';

const rowPx = 24;

/**
 * A grid of `rows` items in a 200 px scroller, drawn as Handsontable draws: only the rows in view, redrawn as the
 * scroller moves. A grid that draws no more than `drawable` rows leaves the rest of its view empty.
 */
function gridPage(rows: number, drawable = rows): string {
  return `<!DOCTYPE html><html><body style="margin:0">
<div class="ht_master handsontable"><div class="wtHolder" style="height:200px;overflow:auto">
<div style="height:${(rows + 1) * rowPx}px"><table class="htCore" style="border-collapse:collapse">
<thead><tr style="height:${rowPx}px"><th></th><th>Item</th><th>Purchase Cost</th><th>Sales Price</th><th>Qty On Hand</th></tr></thead>
<tbody></tbody></table></div></div></div>
<script>
const holder = document.querySelector('.wtHolder');
const table = holder.querySelector('table');
const draw = () => {
  const first = Math.floor(holder.scrollTop / ${rowPx});
  const last = Math.min(first + Math.ceil(200 / ${rowPx}) + 1, ${rows}, ${drawable});
  let html = '';
  for (let i = first; i < last; i++)
    html += '<tr style="height:${rowPx}px"><th>' + (i + 1) + '</th><td>Item ' + (i + 1) + '</td><td>1.00</td><td>2.00</td><td>' + i + '</td></tr>';
  table.tBodies[0].innerHTML = html;
  table.style.transform = 'translateY(' + first * ${rowPx} + 'px)';
};
holder.addEventListener('scroll', draw);
draw();
</script></body></html>`;
}

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
});

describe('RouteStar grid capture', () => {
  it('reads a grid whose rows are all drawn in snapshots down its scroller, each row once', async () => {
    await page.setContent(gridPage(30));
    const snapshots = await captureGrid(page, profile, 'page 1 of the items list');
    expect(snapshots.length).toBeGreaterThan(1);
    const items = parseItemList(snapshots, profile);
    expect(items.rows.map((r) => r.name)).toEqual(Array.from({ length: 30 }, (_, i) => `Item ${i + 1}`));
  });

  it('refuses a grid that leaves part of its view undrawn, naming the page', async () => {
    await page.setContent(gridPage(30, 4));
    const error = await captureGrid(page, profile, 'page 2 of the items list').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListIncompleteError);
    expect((error as Error).message).toContain('page 2 of the items list showed part of its rows');
  });
});
