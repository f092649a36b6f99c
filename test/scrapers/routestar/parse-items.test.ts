/**
 * The RouteStar item-list parser on pages saved from the simulator as Handsontable drew them in Chromium
 * (test/fixtures/routestar/capture-items.ts): golden output, virtualised rows merged from scroll snapshots, a bad row
 * quarantined with its HTML, a missing required column reported by name, and rows missing between two scroll
 * positions refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { ListIncompleteError, MarkupChangedError } from '../../../src/scrapers/errors.js';
import { parseItemList } from '../../../src/scrapers/routestar/parse-items.js';
import {
  buildRouteStarProfile,
  defaultRouteStarProfile as profile,
} from '../../../src/scrapers/routestar/profile.js';

const dir = join(import.meta.dirname, '../../fixtures/routestar');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const snapshots = () => [1, 2, 3, 4].map((n) => read(`items-grid.${n}.html`));

describe('RouteStar item list', () => {
  it('parses the 16-column item grid to its golden JSON', () => {
    const page = parseItemList(snapshots(), profile);
    expect(page).toEqual(JSON.parse(read('items-grid.expected.json')));
    expect(page.headers).toHaveLength(16);
    expect(page.rows).toHaveLength(20);
    expect(page.quarantined).toEqual([]);
    expect(page.rows[0]).toMatchObject({
      name: 'Hand Soap Foam 1000ml',
      parent: 'Chemicals',
      cost: 3.47,
      price: 9.72,
      type: 'Inventory',
      onHand: 171,
      unit: 'ea',
      category: 'Restroom',
    });
  });

  it('merges the rows Handsontable rendered at each scroll position, and makes links absolute', () => {
    const firstScreen = parseItemList(snapshots().slice(0, 1), profile);
    const all = parseItemList(snapshots(), profile, 'https://emnrv.routestar.online');
    expect(firstScreen.rows.length).toBeLessThan(all.rows.length);
    expect(new Set(all.rows.map((r) => r.name)).size).toBe(all.rows.length);
    expect(all.rows[1]!.detailUrl).toBe('https://emnrv.routestar.online/web/itemdetail/2');
  });

  it('quarantines a row whose count is not a number, with its HTML and the reason', () => {
    const [first, ...rest] = snapshots();
    const broken = first!.replace('aria-colindex="9">171</td>', 'aria-colindex="9">lots</td>');
    const page = parseItemList([broken, ...rest], profile);
    expect(page.rows).toHaveLength(19);
    expect(page.quarantined).toEqual([
      {
        key: 'Hand Soap Foam 1000ml',
        reason: 'onHand: "lots" is not a quantity',
        html: expect.stringContaining('lots'),
      },
    ]);
  });

  it('names a required column it cannot find, and reads it under a caption the profile adds', () => {
    const renamed = snapshots().map((html) => html.replaceAll('>Qty On Hand<', '>On Hand<'));
    let error: unknown;
    try {
      parseItemList(renamed, profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarkupChangedError);
    expect((error as MarkupChangedError).missing[0]).toBe('column "Qty On Hand" (onHand) not found');
    const fixed = buildRouteStarProfile({ items: { columns: { onHand: ['Qty On Hand', 'On Hand'] } } });
    expect(parseItemList(renamed, fixed).rows).toHaveLength(20);
  });

  it('refuses a page whose snapshots skip rows, naming them, rather than read it without them', () => {
    const [first, , third] = snapshots();
    let error: unknown;
    try {
      parseItemList([first!, third!], profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ListIncompleteError);
    expect((error as Error).message).toContain('showed rows 1–8 and 12–20 only');
    expect((error as Error).message).toContain('rows 9–11 were not drawn');
  });

  it('matches rows across scroll positions by their aria-rowindex in a grid without row headers', () => {
    const withoutRowHeaders = snapshots().map((html) => {
      const $ = cheerio.load(html, null, false);
      $('tr').each((_, tr) => void $(tr).children('th').first().remove());
      return $.html();
    });
    const page = parseItemList(withoutRowHeaders, profile);
    expect(page.rows.map((r) => r.name)).toEqual(parseItemList(snapshots(), profile).rows.map((r) => r.name));
    expect(page.rows).toHaveLength(20);
  });
});
