import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DocumentNotFoundError,
  ListIncompleteError,
  MarkupChangedError,
  ProfileError,
} from '../../../src/scrapers/errors.js';
import {
  isLoginPage,
  parseMoney,
  parseOrderDetailPage,
  parseOrderListPage,
  parsePortalDate,
} from '../../../src/scrapers/customerconnect/parse.js';
import {
  defaultCustomerConnectProfile as profile,
  loadCustomerConnectProfile,
} from '../../../src/scrapers/customerconnect/profile.js';

const fixtures = join(import.meta.dirname, '../../fixtures/customerconnect');
const page = (name: string) => readFileSync(join(fixtures, `${name}.html`), 'utf8');
const golden = (name: string) => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as unknown;
const listUrl = 'https://envirostore.mycustomerconnect.com/index.php?route=account/order';

describe('CustomerConnect order list parser', () => {
  it.each(['order-list-page-1', 'order-list-page-4'])('reads %s as its golden file says', (name) => {
    expect(parseOrderListPage(page(name), profile, listUrl)).toEqual(golden(name));
  });

  it('quarantines the unknown status and the unreadable total with their HTML, and keeps the other eight', () => {
    const result = parseOrderListPage(page('order-list-page-1'), profile, listUrl);
    expect(result.rows).toHaveLength(8);
    expect(result.quarantined.map((q) => q.orderNumber)).toEqual(['75930', '75920']);
    expect(result.quarantined[0]!.reason).toContain('"Awaiting Vendor"');
    expect(result.quarantined[1]!.reason).toContain('"TBD"');
    for (const q of result.quarantined) {
      expect(q.html).toContain('class="order-list"');
      expect(q.html).toContain(`#${q.orderNumber}`);
    }
  });

  it('reads the pager: current page, counts, and the ">" link only when there is a next page', () => {
    const first = parseOrderListPage(page('order-list-page-1'), profile, listUrl).paging;
    expect(first).toEqual({
      page: 1,
      pages: 4,
      totalOrders: 34,
      from: 1,
      to: 10,
      nextUrl: `${listUrl}&page=2`,
    });
    expect(parseOrderListPage(page('order-list-page-4'), profile, listUrl).paging.nextUrl).toBeNull();
  });

  it('treats an account without orders as an empty list, not a changed page', () => {
    const result = parseOrderListPage(page('order-list-empty'), profile, listUrl);
    expect(result.rows).toEqual([]);
    expect(result.paging.nextUrl).toBeNull();
  });

  it('fails with a markup-changed error naming the row selector when the order blocks are renamed', () => {
    expect(() => parseOrderListPage(page('order-list-renamed-class'), profile, listUrl)).toThrowError(
      MarkupChangedError,
    );
    expect(() => parseOrderListPage(page('order-list-renamed-class'), profile, listUrl)).toThrowError(
      /div\.order-list/,
    );
  });

  it('refuses a page with fewer order rows than its pager counts, instead of leaving the others unread', () => {
    const oneUnmatched = page('order-list-page-1').replace(
      'class="order-list"',
      'class="order-list-cancelled"',
    );
    expect(() => parseOrderListPage(oneUnmatched, profile, listUrl)).toThrowError(ListIncompleteError);
    expect(() => parseOrderListPage(oneUnmatched, profile, listUrl)).toThrowError(
      /showed 9 order rows \(#content div\.order-list\) although its pager says "Showing 1 to 10 of 34 \(4 Pages\)"/,
    );
  });

  it('fails with a markup-changed error naming the pagination when it disappears', () => {
    expect(() => parseOrderListPage(page('order-list-no-pagination'), profile, listUrl)).toThrowError(
      /pagination/,
    );
  });

  it('recognises the login form, and does not mistake a logged-in page for it', () => {
    expect(isLoginPage(page('login'), profile)).toBe(true);
    expect(isLoginPage(page('order-list-page-1'), profile)).toBe(false);
  });
});

describe('CustomerConnect order detail parser', () => {
  it.each([
    ['order-info-plain', '75930'],
    ['order-info-tax-shipping', '75932'],
    ['order-info-no-model', '75925'],
  ])('reads %s as its golden file says', (name, orderNumber) => {
    expect(parseOrderDetailPage(page(name), profile, orderNumber, 'MM/DD/YYYY')).toEqual(golden(name));
  });

  it('keeps Sub-Total and Total apart and adds tax and shipping', () => {
    const result = parseOrderDetailPage(page('order-info-tax-shipping'), profile, '75932', 'MM/DD/YYYY');
    if (!result.ok) throw new Error(result.quarantined.reason);
    const { subtotal, tax, shipping, total } = result.detail;
    expect(subtotal).not.toBe(total);
    expect(Math.round((subtotal! + tax! + shipping!) * 100) / 100).toBe(total);
  });

  it('uses the product name as SKU when the Model is empty, and says so', () => {
    const result = parseOrderDetailPage(page('order-info-no-model'), profile, '75925', 'MM/DD/YYYY');
    if (!result.ok) throw new Error(result.quarantined.reason);
    expect(result.detail.lines[0]).toMatchObject({ sku: 'MULTIFOLD TOWEL WHITE (4000)', skuFromName: true });
  });

  it('finds columns by their heading, so reordered columns read the same', () => {
    const reordered = parseOrderDetailPage(
      page('order-info-reordered-columns'),
      profile,
      '75938',
      'MM/DD/YYYY',
    );
    if (!reordered.ok) throw new Error(reordered.quarantined.reason);
    expect(reordered.detail.lines.length).toBeGreaterThan(0);
    for (const line of reordered.detail.lines) {
      expect(line.sku).toMatch(/^[A-Z0-9-]+$/);
      expect(Math.round(line.qty * line.unitPrice! * 100) / 100).toBe(line.lineTotal);
    }
  });

  it('names the missing column when the Model heading is renamed', () => {
    expect(() =>
      parseOrderDetailPage(page('order-info-renamed-model'), profile, '75938', 'MM/DD/YYYY'),
    ).toThrowError(/"Model"/);
  });

  it('reports an order the portal does not know as not found, not as a changed page', () => {
    expect(() => parseOrderDetailPage(page('order-info-not-found'), profile, '1', 'MM/DD/YYYY')).toThrowError(
      DocumentNotFoundError,
    );
  });

  it('quarantines the whole order when one line is unreadable, keeping the page HTML', () => {
    const broken = page('order-info-plain').replace(
      '<td class="right">4</td>',
      '<td class="right">four</td>',
    );
    const result = parseOrderDetailPage(broken, profile, '75930', 'MM/DD/YYYY');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.quarantined.reason).toContain('quantity "four"');
    expect(result.quarantined.html).toContain('Product Name');
  });

  it('quarantines an order whose lines do not add up to its Sub-Total', () => {
    const broken = page('order-info-plain').replace(
      '$504.30</td><td></td></tr>',
      '$999.99</td><td></td></tr>',
    );
    const result = parseOrderDetailPage(broken, profile, '75930', 'MM/DD/YYYY');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.quarantined.reason).toContain('Sub-Total says 999.99');
  });

  it('quarantines a page that shows another order than the one asked for', () => {
    const result = parseOrderDetailPage(page('order-info-plain'), profile, '75931', 'MM/DD/YYYY');
    expect(result.ok).toBe(false);
  });
});

describe('CustomerConnect value formats', () => {
  it.each([
    ['$1,513.80', 1513.8],
    ['$0.00', 0],
    ['-$5.25', -5.25],
    ['($5.25)', -5.25],
    ['  $12  ', 12],
    ['', null],
    ['TBD', undefined],
    ['$1,5,13.80', undefined],
    ['($5.25', undefined],
  ])('money %j is %j', (text, expected) => {
    expect(parseMoney(text)).toBe(expected);
  });

  it.each([
    ['02/02/2026', '2026-02-02'],
    ['2/3/2026', '2026-02-03'],
    ['02/30/2026', undefined],
    ['13/01/2026', undefined],
    ['2026-02-02', undefined],
  ])('MM/DD/YYYY date %j is %j', (text, expected) => {
    expect(parsePortalDate(text, 'MM/DD/YYYY')).toBe(expected);
  });
});

describe('CustomerConnect profile file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-profile-'));
  const write = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };

  it('overrides only what it names and fixes a renamed heading without a release', async () => {
    const file = write(
      'ok.json',
      JSON.stringify({
        detail: { productHeadings: { model: 'Item Code' } },
        statuses: { 'Awaiting Vendor': 'Pending' },
      }),
    );
    const fixed = await loadCustomerConnectProfile(file);
    expect(fixed.list.row).toBe(profile.list.row);
    const result = parseOrderDetailPage(page('order-info-renamed-model'), fixed, '75938', 'MM/DD/YYYY');
    expect(result.ok).toBe(true);
    const list = parseOrderListPage(page('order-list-page-1'), fixed, listUrl);
    expect(list.rows.find((r) => r.orderNumber === '75930')?.status).toBe('Pending');
  });

  it('rejects a file with an unknown key, a bad pattern or a bad status, naming the place', async () => {
    await expect(loadCustomerConnectProfile(write('a.json', '{"lists":{}}'))).rejects.toThrowError(
      ProfileError,
    );
    await expect(
      loadCustomerConnectProfile(write('b.json', '{"patterns":{"total":"(("}}')),
    ).rejects.toThrowError(/patterns\.total: not a valid regular expression/);
    await expect(
      loadCustomerConnectProfile(write('c.json', '{"statuses":{"x":"Lost"}}')),
    ).rejects.toThrowError(/statuses\.x/);
    await expect(loadCustomerConnectProfile(write('d.json', 'not json'))).rejects.toThrowError(/not JSON/);
    await expect(loadCustomerConnectProfile(join(dir, 'missing.json'))).rejects.toThrowError(/ENOENT/);
  });
});

describe('CustomerConnect list dates in another format', () => {
  /** The saved page with its dates printed day first, as a store with a European locale prints them. */
  const dayFirst = page('order-list-page-1').replace(
    /(Date Added:<\/b> )(\d{2})\/(\d{2})\/(\d{4})/g,
    (_, label: string, m: string, d: string, y: string) => `${label}${d}/${m}/${y}`,
  );
  const auto = { ...profile, formats: { ...profile.formats, date: 'auto' as const } };

  it('refuses the whole page under the default profile, naming the format seen and the key to set', () => {
    expect(() => parseOrderListPage(dayFirst, profile, listUrl)).toThrowError(MarkupChangedError);
    expect(() => parseOrderListPage(dayFirst, profile, listUrl)).toThrowError(
      /written DD\/MM\/YYYY, not MM\/DD\/YYYY.*set formats\.date to "DD\/MM\/YYYY"/,
    );
  });

  it('reads it with "auto" exactly as the month-first page is read with the default profile', () => {
    const expected = parseOrderListPage(page('order-list-page-1'), profile, listUrl);
    const read = parseOrderListPage(dayFirst, auto, listUrl);
    expect(read.dateFormat).toBe('DD/MM/YYYY');
    expect(read.rows.map((r) => [r.orderNumber, r.orderDate])).toEqual(
      expected.rows.map((r) => [r.orderNumber, r.orderDate]),
    );
    expect(parseOrderListPage(page('order-list-page-1'), auto, listUrl).dateFormat).toBe('MM/DD/YYYY');
  });

  it('refuses to guess under "auto" when no date on the page tells day from month', () => {
    const ambiguous = page('order-list-page-1').replace(
      /(Date Added:<\/b> )\d{2}\/\d{2}\/(\d{4})/g,
      (_, label: string, y: string) => `${label}03/04/${y}`,
    );
    expect(() => parseOrderListPage(ambiguous, auto, listUrl)).toThrowError(
      /none of its 10 dates \(e\.g\. "03\/04\/\d{4}"\) tells the day from the month/,
    );
    // With the format set, the same page reads: an ambiguous date is read once the format is known.
    expect(parseOrderListPage(ambiguous, profile, listUrl).rows[0]!.orderDate).toMatch(/-03-04$/);
  });

  it('fails an empty list whose pager counts orders instead of reading it as an account without orders', () => {
    const contradicting = page('order-list-empty').replace(
      'previous orders!</div>',
      'previous orders!</div><div class="pagination"><div class="results">Showing 1 to 10 of 34 (4 Pages)</div></div>',
    );
    expect(contradicting).toContain('of 34');
    expect(() => parseOrderListPage(contradicting, profile, listUrl)).toThrowError(ListIncompleteError);
  });
});
