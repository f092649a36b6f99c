/**
 * The RouteStar parsers on pages saved from the simulator as Handsontable drew them in Chromium
 * (test/fixtures/routestar/capture.ts): golden output, virtualised rows merged from scroll snapshots, columns found by
 * caption whatever their order, bad rows quarantined with their HTML, and markup changes reported by name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedWindow, parseWithFormat, zonedToIso } from '../../../src/scrapers/routestar/dates.js';
import { ListIncompleteError, MarkupChangedError, ProfileError } from '../../../src/scrapers/errors.js';
import {
  normaliseStatus,
  parseInvoiceDetail,
  parseInvoiceList,
  parseMoney,
  rowsPromisedBy,
} from '../../../src/scrapers/routestar/parse.js';
import {
  buildRouteStarProfile,
  defaultRouteStarProfile as profile,
} from '../../../src/scrapers/routestar/profile.js';

const dir = join(import.meta.dirname, '../../fixtures/routestar');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const json = (name: string) => JSON.parse(read(name)) as unknown;
const snapshots = (list: string) => [1, 2, 3].map((n) => read(`${list}-grid.${n}.html`));

describe('RouteStar list grids', () => {
  it('parses the pending list to its golden JSON', () => {
    expect(parseInvoiceList(snapshots('pending'), 'pending', profile)).toEqual(
      json('pending-grid.expected.json'),
    );
  });

  it('parses the 21-column closed list, including the 0.1px Posted column, to its golden JSON', () => {
    const page = parseInvoiceList(snapshots('closed'), 'closed', profile);
    expect(page).toEqual(json('closed-grid.expected.json'));
    expect(page.headers).toHaveLength(21);
    expect(page.rows.every((r) => r.status === 'Closed' && r.isComplete && r.isPosted)).toBe(true);
  });

  it('merges the rows Handsontable rendered at each scroll position, without duplicates', () => {
    const firstScreen = parseInvoiceList(snapshots('pending').slice(0, 1), 'pending', profile);
    const all = parseInvoiceList(snapshots('pending'), 'pending', profile);
    expect(firstScreen.rows.length).toBeLessThan(all.rows.length);
    expect(new Set(all.rows.map((r) => r.invoiceNumber)).size).toBe(all.rows.length);
  });

  it('refuses a page whose snapshots lack rows between others, so no invoice on it goes unread', () => {
    const undrawn = snapshots('pending').map((html) =>
      html.replace(/<tr(?:(?!<tr).)*?class="rowHeader"[^>]*>[56]<.*?<\/tr>/gs, ''),
    );
    expect(() => parseInvoiceList(undrawn, 'pending', profile)).toThrow(ListIncompleteError);
    expect(() => parseInvoiceList(undrawn, 'pending', profile)).toThrow(/rows 1–4 and 7–9 only .* rows 5–6 /);
  });

  it('strips the dropdown glyph and reads the clone-free master table only', () => {
    const html = snapshots('pending')[0]!;
    expect(html).toContain('\u25bc');
    const row = parseInvoiceList([html], 'pending', profile).rows[0]!;
    expect(row.enteredBy).not.toContain('\u25bc');
    expect(row.invoiceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(row.detailUrl).toBe(`/web/invoicedetails/${row.invoiceNumber}`);
  });

  it('finds columns by caption when they are reordered, and reports a hidden required column by name', () => {
    const changed = read('pending-grid-total-hidden.html');
    let error: unknown;
    try {
      parseInvoiceList([changed], 'pending', profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarkupChangedError);
    expect((error as Error).message).toContain('column "Total" (total) not found');
    expect((error as Error).message).toContain('headers seen: Invoice #, Arrival Time, Payment');

    const lenient = buildRouteStarProfile({
      requiredColumns: { pending: ['invoiceNumber', 'invoiceDate', 'status'] },
    });
    const reordered = parseInvoiceList([changed], 'pending', lenient).rows;
    const golden = parseInvoiceList(snapshots('pending').slice(0, 1), 'pending', profile).rows;
    expect(reordered.map((r) => [r.invoiceNumber, r.customer, r.lastModified, r.status])).toEqual(
      golden.map((r) => [r.invoiceNumber, r.customer, r.lastModified, r.status]),
    );
    expect(reordered.every((r) => r.total === null)).toBe(true);
  });

  it('quarantines a row that fails validation with its HTML and reason, keeping the others', () => {
    const golden = parseInvoiceList(snapshots('pending'), 'pending', profile);
    const victim = golden.rows[1]!;
    const broken = snapshots('pending').map((html) => html.replace(victim.cells['Total']!, '$12.3.4'));
    const page = parseInvoiceList(broken, 'pending', profile);
    expect(page.rows.map((r) => r.invoiceNumber)).not.toContain(victim.invoiceNumber);
    expect(page.rows).toHaveLength(golden.rows.length - 1);
    expect(page.quarantined).toEqual([
      {
        key: victim.invoiceNumber,
        reason: 'total: "$12.3.4" is not an amount',
        html: expect.stringContaining(victim.invoiceNumber),
      },
    ]);
  });

  it('says the grid itself is missing when the table class changed', () => {
    const renamed = snapshots('pending').map((html) => html.replaceAll('htCore', 'htGrid'));
    expect(() => parseInvoiceList(renamed, 'pending', profile)).toThrow(
      /grid table \(div\.ht_master table\.htCore\) not found/,
    );
  });

  it('follows a profile override for renamed captions', () => {
    const renamed = snapshots('pending').map((html) => html.replaceAll('>Invoice #<', '>Invoice No<'));
    expect(() => parseInvoiceList(renamed, 'pending', profile)).toThrow(MarkupChangedError);
    const overridden = buildRouteStarProfile({ columns: { pending: { invoiceNumber: ['Invoice No'] } } });
    expect(parseInvoiceList(renamed, 'pending', overridden).rows).toHaveLength(9);
  });
});

describe('RouteStar invoice detail', () => {
  it('parses header inputs and the line items grid to its golden JSON, skipping the "Choose.." spare row', () => {
    const html = read('invoice-detail.html');
    const number = /id="invoice_number">(NRV\d+)</.exec(html)![1]!;
    const detail = parseInvoiceDetail(html, number, profile);
    expect(detail).toEqual(json('invoice-detail.expected.json'));
    expect(html).toContain('Choose..');
    expect(detail.lines.map((l) => l.itemName)).not.toContain('Choose..');
    const sum = detail.lines.reduce((s, l) => s + (l.amount ?? 0), 0);
    expect(Math.round(sum * 100) / 100).toBe(detail.subtotal);
  });

  it('names the missing totals input and the line grid that was never drawn', () => {
    const html = read('invoice-detail.html')
      .replace('id="inv_subtotal"', 'id="invoice_subtotal"')
      .replace(
        /<div id="line-grid"[\s\S]*?<div class="tab-pane" id="tab_history">/,
        '<div class="tab-pane" id="tab_history">',
      );
    let error: unknown;
    try {
      parseInvoiceDetail(html, 'NRV1', profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarkupChangedError);
    expect((error as MarkupChangedError).missing).toEqual([
      'field subtotal (#inv_subtotal) not found',
      'line items grid (#tab_line_items div.ht_master table.htCore) not found; was the "Line Items" tab opened?',
    ]);
  });
});

describe('RouteStar formats', () => {
  it('reads money, statuses and US dates', () => {
    expect(parseMoney('$1,234.56')).toBe(1234.56);
    expect(parseMoney('($5.00)')).toBe(-5);
    expect(parseMoney('')).toBeNull();
    expect(parseMoney('abc')).toBeNaN();
    expect(normaliseStatus('Complete')).toBe('Completed');
    expect(normaliseStatus('Voided')).toBe('Voided');
    expect(parseWithFormat('2/30/2026', 'M/D/YYYY')).toBeNull();
  });

  it('converts New York wall-clock times to UTC across daylight saving time', () => {
    expect(zonedToIso(parseWithFormat('7/4/2026 1:21 PM', 'M/D/YYYY h:mm A')!, 'America/New_York')).toBe(
      '2026-07-04T17:21:00.000Z',
    );
    expect(zonedToIso(parseWithFormat('12/4/2026 12:05 AM', 'M/D/YYYY h:mm A')!, 'America/New_York')).toBe(
      '2026-12-04T05:05:00.000Z',
    );
  });

  it('computes the closed window in New York days, not UTC ones', () => {
    // 02:00 UTC on Nov 21 is still Nov 20 in New York.
    expect(closedWindow(30, 'America/New_York', new Date('2026-11-21T02:00:00Z'))).toEqual({
      from: '2026-10-22',
      to: '2026-11-20',
    });
  });

  it('rejects an override that breaks the profile, naming the key', () => {
    expect(() => buildRouteStarProfile({ routes: { detail: '/web/invoice/' } })).toThrow(ProfileError);
    expect(() => buildRouteStarProfile({ routes: { detail: '/web/invoice/' } })).toThrow(/routes\.detail/);
  });

  it('rejects Playwright-only selector syntax where the selector runs inside the page', () => {
    expect(() => buildRouteStarProfile({ grid: { errorBanner: '#grid-error:visible' } })).toThrow(
      /grid\.errorBanner.*plain CSS/,
    );
    expect(() =>
      buildRouteStarProfile({ modals: { dismiss: ['.bootbox button:has-text("CANCEL")'] } }),
    ).not.toThrow();
  });
});

describe('RouteStar list dates in another format', () => {
  /** The saved closed list with every date printed day first, timestamps included. */
  const dayFirst = snapshots('closed').map((html) =>
    html.replace(
      />(\d{1,2})\/(\d{1,2})\/(\d{4})/g,
      (_, m: string, d: string, y: string) => `>${d}/${m}/${y}`,
    ),
  );
  const auto = buildRouteStarProfile({ formats: { date: 'auto' } });

  it('refuses the page under the default profile, naming the format seen and the key to set', () => {
    expect(() => parseInvoiceList(dayFirst, 'closed', profile)).toThrowError(MarkupChangedError);
    expect(() => parseInvoiceList(dayFirst, 'closed', profile)).toThrowError(
      /written D\/M\/YYYY, not M\/D\/YYYY.*set formats\.date to "D\/M\/YYYY".*ROUTESTAR_PROFILE_FILE/,
    );
  });

  it('reads it with "auto", or with formats.date alone set, exactly as the month-first page', () => {
    const expected = parseInvoiceList(snapshots('closed'), 'closed', profile);
    const fields = (page: typeof expected) =>
      page.rows.map((r) => [
        r.invoiceNumber,
        r.invoiceDate,
        r.dateCompleted,
        r.lastModified,
        r.postedTimestamp,
      ]);
    const inferred = parseInvoiceList(dayFirst, 'closed', auto);
    expect(inferred.dateFormat).toBe('D/M/YYYY');
    expect(fields(inferred)).toEqual(fields(expected));
    expect(inferred.quarantined).toEqual([]);
    const set = parseInvoiceList(
      dayFirst,
      'closed',
      buildRouteStarProfile({ formats: { date: 'D/M/YYYY' } }),
    );
    expect(fields(set)).toEqual(fields(expected));
  });

  it('under "auto" reads an all-ambiguous page in the format its list showed before, and refuses it alone', () => {
    const ambiguous = snapshots('closed').map((html) =>
      html.replace(/>(\d{1,2})\/(\d{1,2})\/(\d{4})/g, (_, _m: string, _d: string, y: string) => `>3/4/${y}`),
    );
    expect(() => parseInvoiceList(ambiguous, 'closed', auto)).toThrowError(/tells the day from the month/);
    const read = parseInvoiceList(ambiguous, 'closed', auto, undefined, 'D/M/YYYY');
    expect(read.rows[0]!.invoiceDate).toMatch(/-04-03$/);
    expect(() => parseInvoiceList(dayFirst, 'closed', auto, undefined, 'M/D/YYYY')).toThrowError(
      /disagree.*the earlier pages fit only M\/D\/YYYY/,
    );
  });
});

describe('RouteStar list size', () => {
  const none = { lastPageShown: null, nextEnabled: false, rowCount: null };

  it('takes a second page, an enabled "next" or a record count above 0 as the promise of rows', () => {
    expect(rowsPromisedBy({ ...none, lastPageShown: 3 }, profile)).toBe('its pager shows 3 pages');
    expect(rowsPromisedBy({ ...none, nextEnabled: true }, profile)).toBe('its pager offers a next page');
    expect(rowsPromisedBy({ ...none, rowCount: '1,204 records' }, profile)).toBe('it says "1,204 records"');
  });

  it('takes nothing from an empty page, a single page or a count of 0', () => {
    expect(rowsPromisedBy(none, profile)).toBeNull();
    expect(rowsPromisedBy({ ...none, lastPageShown: 1, rowCount: '0 records' }, profile)).toBeNull();
    expect(rowsPromisedBy({ ...none, rowCount: 'loading…' }, profile)).toBeNull();
  });
});
