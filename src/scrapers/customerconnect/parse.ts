/**
 * Pure parsers of CustomerConnect pages: HTML in, validated records out. A record that fails validation comes back as
 * a quarantine entry with its HTML and the reason; a page whose shape does not match the profile throws
 * MarkupChangedError naming what is missing. No browser, no I/O: tested on saved pages.
 */
import * as cheerio from 'cheerio';
import type { AnyNode } from 'domhandler';
import { z } from 'zod';
import { judgeDateFormat, formatsFitting, type DateFormatQuestion } from '../date-format.js';
import { DocumentNotFoundError, ListIncompleteError, MarkupChangedError } from '../errors.js';
import type { Quarantined } from '../quarantined.js';
import type { CanonicalStatus, CustomerConnectProfile, PortalDateFormat } from './profile.js';
import { canonicalStatuses, portalDateFormats } from './profile.js';

/**
 * Which order a quarantined record is: its number when that could be read, and its place on its list page (0 = first),
 * so a sync can walk rows and quarantined rows in page order.
 */
export interface OrderPlace {
  orderNumber: string | null;
  position: number;
}

/** The list row exactly as the portal printed it: what the ledger's list checksum is computed from. */
export interface OrderListRowRaw {
  orderId: string;
  status: string;
  dateAdded: string;
  total: string;
  vendors: string;
  poNumbers: string;
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const orderListRowSchema = z.object({
  orderNumber: z.string().regex(/^\d+$/),
  status: z.enum(canonicalStatuses),
  orderDate: isoDate,
  total: z.number().finite().nullable(),
  vendors: z.array(z.string().min(1)),
  poNumbers: z.array(z.string().min(1)),
  detailUrl: z.string().nullable(),
  raw: z.object({
    orderId: z.string(),
    status: z.string(),
    dateAdded: z.string(),
    total: z.string(),
    vendors: z.string(),
    poNumbers: z.string(),
  }),
});
export type OrderListRow = z.infer<typeof orderListRowSchema>;

export interface Paging {
  page: number;
  pages: number;
  totalOrders: number;
  from: number;
  to: number;
  /** Address behind the ">" link; null on the last page. */
  nextUrl: string | null;
}

export interface OrderListPage {
  rows: OrderListRow[];
  quarantined: Quarantined<OrderPlace>[];
  paging: Paging;
  /** The format the page's dates were read in: the profile's, or the one its dates showed under "auto". */
  dateFormat: PortalDateFormat;
  /**
   * A date on the page proves that format (one past the 12th); always under "auto". A page without proof of a fixed
   * format may still be in another one whose dates all fit it too (7 December as 07/12 fits MM/DD as 12 July).
   */
  dateFormatConfirmed: boolean;
}

export const orderLineSchema = z.object({
  lineNo: z.number().int().min(1),
  sku: z.string().min(1),
  name: z.string(),
  qty: z.number().finite(),
  unitPrice: z.number().finite().nullable(),
  lineTotal: z.number().finite().nullable(),
  /** The Model cell was empty, so the SKU is the product name: worth a warning, not a rejection. */
  skuFromName: z.boolean(),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

export const orderDetailSchema = z.object({
  orderNumber: z.string().regex(/^\d+$/),
  poNumber: z.string().nullable(),
  orderDate: isoDate.nullable(),
  lines: z.array(orderLineSchema),
  subtotal: z.number().finite().nullable(),
  tax: z.number().finite().nullable(),
  shipping: z.number().finite().nullable(),
  total: z.number().finite(),
  /** Footer rows that are none of the four above (a coupon, a handling fee), kept so nothing read is lost. */
  otherTotals: z.array(z.object({ label: z.string(), amount: z.number().finite() })),
  /** The newest Order History status; informative only, the list's status is the one kept. */
  latestHistoryStatus: z.string().nullable(),
});
export type OrderDetail = z.infer<typeof orderDetailSchema>;

export type OrderDetailResult =
  { ok: true; detail: OrderDetail } | { ok: false; quarantined: Quarantined<OrderPlace> };

function normaliseSpace(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t\r\f\v]+/g, ' ')
    .trim();
}

/** Elements after which the page starts a new line. */
const lineEnds = /^(div|p|tr|li|h\d|table|thead|tbody|tfoot)$/;

/** Text of the nodes in document order, a line break at br and at the end of a block, a space after each cell. */
function collectText(nodes: readonly AnyNode[], out: string[]): void {
  for (const node of nodes) {
    if (node.type === 'text') {
      out.push(node.data);
    } else if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      if (node.name === 'br') {
        out.push('\n');
        continue;
      }
      collectText(node.children, out);
      if (lineEnds.test(node.name)) out.push('\n');
      else if (node.name === 'td' || node.name === 'th') out.push(' ');
    }
  }
}

/**
 * Text of an element with line breaks where the page shows them (br, block ends), so patterns can stop at a line.
 * Walked on the parsed tree: serialising the element and parsing it again cost more than the rest of the page.
 */
function lines(root: cheerio.Cheerio<AnyNode>): string {
  const first = root[0];
  const out: string[] = [];
  if (first && 'children' in first) collectText(first.children, out);
  return out
    .join('')
    .split('\n')
    .map(normaliseSpace)
    .filter((l) => l.length > 0)
    .join('\n');
}

function firstMatch(pattern: string, text: string): string | null {
  const m = new RegExp(pattern, 'i').exec(text);
  return m ? normaliseSpace(m[1] ?? '') : null;
}

/** "$1,513.80", "-$5.00", "($5.00)" → number; "" → null; anything else → undefined (not an amount). */
export function parseMoney(text: string): number | null | undefined {
  const t = normaliseSpace(text);
  if (t === '') return null;
  const m = /^(\()?\s*(-)?\s*\$?\s*(-)?\s*(\d{1,3}(?:,\d{3})*|\d+)(\.\d+)?\s*(\))?$/.exec(t);
  if (!m) return undefined;
  const negative = (m[1] === '(' && m[6] === ')') || m[2] === '-' || m[3] === '-';
  if ((m[1] === '(') !== (m[6] === ')')) return undefined;
  const value = Number.parseFloat(`${m[4]!.replace(/,/g, '')}${m[5] ?? ''}`);
  return negative ? -value : value;
}

export function parseQuantity(text: string): number | undefined {
  const t = normaliseSpace(text).replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(t) ? Number.parseFloat(t) : undefined;
}

/** Portal date in the profile's format → YYYY-MM-DD, or undefined when it is not a real calendar day. */
export function parsePortalDate(text: string, format: PortalDateFormat): string | undefined {
  const t = normaliseSpace(text);
  let y: number, m: number, d: number;
  if (format === 'YYYY-MM-DD') {
    const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
    if (!match) return undefined;
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
    if (!match) return undefined;
    const [a, b] = [Number(match[1]), Number(match[2])];
    [m, d] = format === 'MM/DD/YYYY' ? [a, b] : [b, a];
    y = Number(match[3]);
  }
  // Calendar arithmetic only: a date-only value has no time zone to shift it.
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "Sani-Pod Inc, Kimberly-Clark," → ["Sani-Pod Inc", "Kimberly-Clark"]: the portal ends every entry with a comma. */
function commaList(text: string): string[] {
  return text
    .split(',')
    .map(normaliseSpace)
    .filter((s) => s.length > 0);
}

function outerHtml($: cheerio.CheerioAPI, el: AnyNode): string {
  return $.html(el) ?? '';
}

function resolveUrl(href: string | undefined, pageUrl: string): string | null {
  if (!href) return null;
  try {
    return new URL(href, pageUrl).toString();
  } catch {
    return null;
  }
}

/** A list row's printed fields and link, or null when it has no order ID to go by. */
interface PrintedRow {
  html: string;
  raw: OrderListRowRaw | null;
  detailUrl: string | null;
}

function printedRow(
  $: cheerio.CheerioAPI,
  el: AnyNode,
  profile: CustomerConnectProfile,
  pageUrl: string,
): PrintedRow {
  const html = outerHtml($, el);
  const text = lines($(el));
  const p = profile.patterns;
  const orderId = firstMatch(p.orderId, text);
  const link = $(el).find(profile.list.detailLink).first().attr('href');
  const detailUrl = resolveUrl(link, pageUrl);
  if (!orderId) return { html, raw: null, detailUrl };
  const raw: OrderListRowRaw = {
    orderId,
    status: firstMatch(p.status, text) ?? '',
    dateAdded: firstMatch(p.dateAdded, text) ?? '',
    total: firstMatch(p.total, text) ?? '',
    vendors: firstMatch(p.vendors, text) ?? '',
    poNumbers: firstMatch(p.poNumbers, text) ?? '',
  };
  return { html, raw, detailUrl };
}

/**
 * The format a list page's dates are written in (see settleDateFormat; throws MarkupChangedError), and whether they
 * prove it (see confirmsDateFormat).
 */
export function listDateFormat(
  dates: readonly string[],
  profile: CustomerConnectProfile,
  known?: PortalDateFormat,
): Pick<OrderListPage, 'dateFormat' | 'dateFormatConfirmed'> {
  const question: DateFormatQuestion<PortalDateFormat> = {
    known,
    portal: 'customerconnect',
    where: 'order list page',
    profileKey: 'formats.date',
    setting: profile.formats.date,
    candidates: portalDateFormats,
    fits: (text, format) => parsePortalDate(text, format) !== undefined,
    samples: dates.filter((d) => d !== ''),
  };
  return judgeDateFormat(question);
}

/** The formats a printed date fits, for a message a person reads. */
export function dateReadings(text: string): PortalDateFormat[] {
  return formatsFitting(
    { candidates: portalDateFormats, fits: (t, format) => parsePortalDate(t, format) !== undefined },
    text,
  );
}

/**
 * A list row's printed fields → a validated row, or the reason it cannot be one. Also used to re-read a stored row,
 * so a stored order and a freshly listed one always mean the same.
 */
export function listRowFromRaw(
  raw: OrderListRowRaw,
  detailUrl: string | null,
  profile: CustomerConnectProfile,
  dateFormat: PortalDateFormat,
): { row: OrderListRow } | { reason: string } {
  const orderId = raw.orderId;
  const status: CanonicalStatus | undefined = profile.statuses[raw.status.toLowerCase()];
  if (!status) {
    return {
      reason:
        raw.status === ''
          ? `order ${orderId} has no status`
          : `order ${orderId} has status "${raw.status}", which is not a known CustomerConnect status; ` +
            'if it is real, map it in the profile\'s "statuses" (CUSTOMERCONNECT_PROFILE_FILE)',
    };
  }
  const orderDate = parsePortalDate(raw.dateAdded, dateFormat);
  if (!orderDate)
    return {
      reason: `order ${orderId} has date "${raw.dateAdded}", which is not a ${dateFormat} date`,
    };
  const total = parseMoney(raw.total);
  if (total === undefined)
    return { reason: `order ${orderId} has total "${raw.total}", which is not an amount` };
  const checked = orderListRowSchema.safeParse({
    orderNumber: orderId,
    status,
    orderDate,
    total,
    vendors: commaList(raw.vendors),
    poNumbers: commaList(raw.poNumbers),
    detailUrl,
    raw,
  });
  if (!checked.success) {
    return {
      reason: `order ${orderId}: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    };
  }
  return { row: checked.data };
}

/** A page parsed once: the scraper checks it for the login form, then reads it, without parsing it twice. */
export type PortalPage = cheerio.CheerioAPI;

export function loadPage(html: string): PortalPage {
  return cheerio.load(html);
}

function pageOf(page: string | PortalPage): PortalPage {
  return typeof page === 'string' ? cheerio.load(page) : page;
}

/** True when the page is the portal's login form: the session ended or was never there. */
export function isLoginPage(page: string | PortalPage, profile: CustomerConnectProfile): boolean {
  const $ = pageOf(page);
  return $(profile.login.password).length > 0 && $(profile.login.loggedIn).length === 0;
}

/** `knownDateFormat`: under "auto", the format earlier pages of the list were read in (see settleDateFormat). */
export function parseOrderListPage(
  page: string | PortalPage,
  profile: CustomerConnectProfile,
  pageUrl: string,
  knownDateFormat?: PortalDateFormat,
): OrderListPage {
  const $ = pageOf(page);
  const rowElements = $(profile.list.row).toArray();
  const pagination = $(profile.list.pagination).first();
  if (rowElements.length === 0) {
    if (
      $('#content').text().includes(profile.list.emptyText) ||
      $('body').text().includes(profile.list.emptyText)
    ) {
      const shown = new RegExp(profile.patterns.results, 'i').exec(
        normaliseSpace(pagination.find(profile.list.results).text()),
      );
      if (shown && Number(shown[3]) > 0) {
        throw new ListIncompleteError('customerconnect', 'order list page', `its pager says "${shown[0]}"`);
      }
      return {
        rows: [],
        quarantined: [],
        paging: { page: 1, pages: 0, totalOrders: 0, from: 0, to: 0, nextUrl: null },
        ...listDateFormat([], profile, knownDateFormat),
      };
    }
    throw new MarkupChangedError('customerconnect', 'order list page', [
      `order rows (${profile.list.row}) not found`,
    ]);
  }
  const missing: string[] = [];
  if (pagination.length === 0) missing.push(`pagination (${profile.list.pagination}) not found`);
  const resultsText = normaliseSpace(pagination.find(profile.list.results).text());
  const results = new RegExp(profile.patterns.results, 'i').exec(resultsText);
  if (pagination.length > 0 && !results)
    missing.push(`no results line matching /${profile.patterns.results}/ in ${profile.list.results}`);
  if (missing.length > 0) throw new MarkupChangedError('customerconnect', 'order list page', missing);

  const links = pagination.find(profile.list.links);
  const current = Number.parseInt(normaliseSpace(links.find(profile.list.currentPage).first().text()), 10);
  const nextHref = links
    .find('a')
    .toArray()
    .find((a) => normaliseSpace($(a).text()) === profile.list.nextLinkText);
  const [, from, to, totalOrders, pages] = results!.map(Number);
  const paging: Paging = {
    // A single page has no links at all, so no <b> either.
    page: Number.isFinite(current) ? current : 1,
    pages: pages!,
    totalOrders: totalOrders!,
    from: from!,
    to: to!,
    nextUrl: nextHref ? resolveUrl($(nextHref).attr('href'), pageUrl) : null,
  };
  const promised = paging.to - paging.from + 1;
  if (rowElements.length < promised) {
    // Rows the row selector does not match, or a page cut short: reading on would leave their orders out unseen.
    throw new ListIncompleteError(
      'customerconnect',
      'order list page',
      `its pager says "${results![0]}"`,
      `${rowElements.length} order rows (${profile.list.row})`,
    );
  }
  const printed = rowElements.map((el) => printedRow($, el, profile, pageUrl));
  // Judged before any row is read: a page in another format must give nothing, not its unambiguous half.
  const { dateFormat, dateFormatConfirmed } = listDateFormat(
    printed.map((p) => p.raw?.dateAdded ?? ''),
    profile,
    knownDateFormat,
  );
  const rows: OrderListRow[] = [];
  const quarantined: Quarantined<OrderPlace>[] = [];
  for (const [position, { html, raw, detailUrl }] of printed.entries()) {
    const quarantine = (reason: string) =>
      quarantined.push({ orderNumber: raw?.orderId ?? null, position, reason, html });
    if (raw === null) {
      quarantine('the row has no order ID ("Order ID: #…")');
      continue;
    }
    const result = listRowFromRaw(raw, detailUrl, profile, dateFormat);
    if ('row' in result) rows.push(result.row);
    else quarantine(result.reason);
  }
  return { rows, quarantined, paging, dateFormat, dateFormatConfirmed };
}

function headingsOf($: cheerio.CheerioAPI, table: AnyNode): string[] {
  const head = $(table).find('thead tr').first();
  const row = head.length > 0 ? head : $(table).find('tr').first();
  return row
    .children('td, th')
    .toArray()
    .map((c) => normaliseSpace($(c).text()));
}

const lower = (s: string) => s.toLowerCase();

function changed(missing: string): MarkupChangedError {
  return new MarkupChangedError('customerconnect', 'order detail page', [missing]);
}

/** The table whose headings are the profile's product headings; a changed page names what it lacks. */
function productsTableOf($: cheerio.CheerioAPI, tables: AnyNode[], profile: CustomerConnectProfile): AnyNode {
  const wanted = profile.detail.productHeadings;
  const wantedList = [wanted.name, wanted.model, wanted.quantity, wanted.price, wanted.total];
  const productsTable = tables.find((t) => {
    const headings = headingsOf($, t).map(lower);
    return wantedList.every((h) => headings.includes(lower(h)));
  });
  if (productsTable) return productsTable;
  // Name what is missing from the table that looks most like the products table, so the fix is obvious.
  const best = tables
    .map((t) => headingsOf($, t).map(lower))
    .sort(
      (a, b) =>
        wantedList.filter((h) => b.includes(lower(h))).length -
        wantedList.filter((h) => a.includes(lower(h))).length,
    )[0]!;
  const absent = wantedList.filter((h) => !best.includes(lower(h)));
  throw changed(`products table columns ${absent.map((h) => `"${h}"`).join(', ')} not found`);
}

/** The product lines, or the reason one of them cannot be read (the whole order is then quarantined). */
function orderLinesOf(
  $: cheerio.CheerioAPI,
  productsTable: AnyNode,
  profile: CustomerConnectProfile,
  orderNumber: string,
): OrderLine[] | { reason: string } {
  const wanted = profile.detail.productHeadings;
  const headings = headingsOf($, productsTable).map(lower);
  const column = (h: string) => headings.indexOf(lower(h));
  const col = {
    name: column(wanted.name),
    model: column(wanted.model),
    quantity: column(wanted.quantity),
    price: column(wanted.price),
    total: column(wanted.total),
  };
  const orderLines: OrderLine[] = [];
  const bodyRows = $(productsTable).find('tbody tr').toArray();
  for (const [index, tr] of bodyRows.entries()) {
    const cells = $(tr).children('td').toArray();
    const lineNo = index + 1;
    if (cells.length < headings.filter((h) => h !== '').length) {
      return {
        reason: `order ${orderNumber} line ${lineNo} has ${cells.length} cells, fewer than the table's columns`,
      };
    }
    const cell = (i: number) => (i >= 0 && cells[i] ? $(cells[i]) : undefined);
    // The name cell also lists chosen options under the name; the product's name is its first line.
    const name = (lines(cell(col.name)!).split('\n')[0] ?? '').trim();
    const model = normaliseSpace(cell(col.model)!.text());
    const texts = {
      quantity: normaliseSpace(cell(col.quantity)!.text()),
      price: normaliseSpace(cell(col.price)!.text()),
      total: normaliseSpace(cell(col.total)!.text()),
    };
    const line = `order ${orderNumber} line ${lineNo} (${model || name})`;
    const qty = parseQuantity(texts.quantity);
    if (qty === undefined)
      return { reason: `${line} has quantity "${texts.quantity}", which is not a number` };
    const unitPrice = parseMoney(texts.price);
    if (unitPrice === undefined)
      return { reason: `${line} has price "${texts.price}", which is not an amount` };
    const lineTotal = parseMoney(texts.total);
    if (lineTotal === undefined)
      return { reason: `${line} has total "${texts.total}", which is not an amount` };
    const sku = (model || name).toUpperCase();
    if (!sku) return { reason: `order ${orderNumber} line ${lineNo} has neither a Model nor a product name` };
    orderLines.push({ lineNo, sku, name, qty, unitPrice, lineTotal, skuFromName: model === '' });
  }
  return orderLines;
}

interface OrderTotals {
  subtotal: number | null;
  tax: number | null;
  shipping: number | null;
  total: number;
  otherTotals: { label: string; amount: number }[];
}

/** The footer of the products table, or the reason a row of it cannot be read. */
function orderTotalsOf(
  $: cheerio.CheerioAPI,
  productsTable: AnyNode,
  profile: CustomerConnectProfile,
  orderNumber: string,
): OrderTotals | { reason: string } {
  const patterns = profile.detail.totals;
  let subtotal: number | null = null;
  let tax: number | null = null;
  let shipping: number | null = null;
  let total: number | null = null;
  const otherTotals: { label: string; amount: number }[] = [];
  const footRows = $(productsTable).find('tfoot tr').toArray();
  if (footRows.length === 0) throw changed('order totals (tfoot of the products table) not found');
  for (const tr of footRows) {
    const filled = $(tr)
      .children('td, th')
      .toArray()
      .map((c) => normaliseSpace($(c).text()))
      .filter((t) => t !== '');
    if (filled.length < 2) continue;
    const label = filled[0]!.replace(/:$/, '').trim();
    const valueText = filled[filled.length - 1]!;
    const amount = parseMoney(valueText);
    if (amount === undefined || amount === null) {
      return { reason: `order ${orderNumber} has "${label}" of "${valueText}", which is not an amount` };
    }
    const is = (p: string) => new RegExp(p, 'i').test(label);
    // Exact patterns are tried first so "Sub-Total" never counts as "Total".
    if (is(patterns.subtotal)) subtotal = (subtotal ?? 0) + amount;
    else if (is(patterns.total)) total = amount;
    else if (is(patterns.tax)) tax = Math.round(((tax ?? 0) + amount) * 100) / 100;
    else if (is(patterns.shipping)) shipping = Math.round(((shipping ?? 0) + amount) * 100) / 100;
    else otherTotals.push({ label, amount });
  }
  if (total === null) throw changed(`a "Total" row in the totals (/${patterns.total}/) not found`);
  return { subtotal, tax, shipping, total, otherTotals };
}

/** The newest Order History status, when the page has the history table. */
function latestHistoryStatusOf(
  $: cheerio.CheerioAPI,
  tables: AnyNode[],
  profile: CustomerConnectProfile,
): string | null {
  const historyTable = tables.find((t) =>
    headingsOf($, t).map(lower).includes(lower(profile.detail.historyHeading)),
  );
  if (!historyTable) return null;
  const statusColumn = headingsOf($, historyTable).map(lower).indexOf('status');
  const last = $(historyTable).find('tbody tr').last().children('td').get(statusColumn);
  return last ? normaliseSpace($(last).text()) || null : null;
}

/** `dateFormat`: the format of the order's list page (a detail page has one date, too few to judge by). */
export function parseOrderDetailPage(
  page: string | PortalPage,
  profile: CustomerConnectProfile,
  orderNumber: string,
  dateFormat: PortalDateFormat,
): OrderDetailResult {
  const $ = pageOf(page);
  const tables = $(profile.detail.tables).toArray();
  if (tables.length === 0) {
    if ($('body').text().includes(profile.detail.notFoundText))
      throw new DocumentNotFoundError('customerconnect', `order ${orderNumber}`);
    throw changed(`order tables (${profile.detail.tables}) not found`);
  }
  const productsTable = productsTableOf($, tables, profile);

  // The whole order is quarantined, not one line: its lines are only ever written together.
  const quarantine = (reason: string): OrderDetailResult => ({
    ok: false,
    quarantined: { orderNumber, position: 0, reason, html: $('#content').html() ?? $.html() },
  });

  const detailsTable = tables.find((t) => new RegExp(profile.patterns.detailOrderId, 'i').test(lines($(t))));
  const detailsText = detailsTable ? lines($(detailsTable)) : '';
  const shownOrderId = firstMatch(profile.patterns.detailOrderId, detailsText);
  if (!shownOrderId) throw changed(`order details matching /${profile.patterns.detailOrderId}/ not found`);
  if (shownOrderId !== orderNumber) {
    return quarantine(`the page opened for order ${orderNumber} shows order ${shownOrderId}`);
  }
  const poText = firstMatch(profile.patterns.detailPo, detailsText);
  const dateText = firstMatch(profile.patterns.detailDate, detailsText);
  const orderDate = dateText ? parsePortalDate(dateText, dateFormat) : null;
  if (orderDate === undefined)
    return quarantine(`order ${orderNumber} has date "${dateText}", which is not a date`);

  const orderLines = orderLinesOf($, productsTable, profile, orderNumber);
  if ('reason' in orderLines) return quarantine(orderLines.reason);
  const totals = orderTotalsOf($, productsTable, profile, orderNumber);
  if ('reason' in totals) return quarantine(totals.reason);
  if (totals.subtotal !== null && orderLines.every((l) => l.lineTotal !== null)) {
    const sum = Math.round(orderLines.reduce((s, l) => s + (l.lineTotal ?? 0), 0) * 100) / 100;
    if (Math.abs(sum - totals.subtotal) > 0.005) {
      return quarantine(
        `order ${orderNumber}'s lines add up to ${sum.toFixed(2)} but its Sub-Total says ${totals.subtotal.toFixed(2)}`,
      );
    }
  }

  const detail = orderDetailSchema.safeParse({
    orderNumber,
    poNumber: poText || null,
    orderDate,
    lines: orderLines,
    ...totals,
    latestHistoryStatus: latestHistoryStatusOf($, tables, profile),
  });
  if (!detail.success) {
    return quarantine(
      `order ${orderNumber}: ${detail.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return { ok: true, detail: detail.data };
}
