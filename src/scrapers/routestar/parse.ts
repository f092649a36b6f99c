/**
 * Pure parsers of RouteStar pages: Handsontable grid HTML in, zod-validated invoice rows out; invoice detail HTML in,
 * header fields and line items out. No browser here — the navigator hands over HTML snapshots (form state copied into
 * attributes first), so the parsers are tested on saved pages. A row that fails validation is quarantined with its
 * HTML and the reason; a page whose shape does not match the profile raises MarkupChangedError naming what is missing.
 */
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { z } from 'zod';
import type { SalesInvoiceDetails } from '../../ledger/index.js';
import { judgeDateFormat, formatsFitting, type DateFormatQuestion } from '../date-format.js';
import { ListIncompleteError, MarkupChangedError } from '../errors.js';
import type { Quarantined } from '../quarantined.js';
import { isoDate, parseWithFormat, zonedToIso } from './dates.js';
import type { ClosedField, LineField, PendingField, RouteStarProfile } from './profile.js';

export type ListType = 'pending' | 'closed';

/** Which grid row a quarantined record is: its invoice number when that could be read, else its position. */
export interface RowKey {
  key: string;
}

export interface GridRow {
  /** Handsontable's row header (the row's number on the page), else its position in the snapshot. */
  rowHeader: string;
  /**
   * What matches the row across scroll snapshots: its row header, else the row index Handsontable gives assistive
   * technology (`aria-rowindex`); null with neither, when a row's position says nothing outside its own snapshot.
   */
  key: string | null;
  /** Serialised only for a row that is quarantined: most rows never need it. */
  html(): string;
  cells: Map<string, cheerio.Cheerio<Element>>;
}

export interface Grid {
  headers: string[];
  rows: GridRow[];
}

const whitespace = /\s+/g;

export function cellText(
  $: cheerio.CheerioAPI,
  cell: cheerio.Cheerio<Element> | undefined,
  glyph: string,
): string {
  if (!cell || cell.length === 0) return '';
  const copy = cell.clone();
  copy.find('.htAutocompleteArrow').remove();
  return $(copy).text().split(glyph).join('').replace(whitespace, ' ').trim();
}

/** Reads one Handsontable (its master table only: the clone overlays repeat the same cells). */
export function readGrid($: cheerio.CheerioAPI, table: cheerio.Cheerio<AnyNode>): Grid {
  const headerRow = table.find('thead tr').last();
  const headerCells = headerRow.children('th').toArray();
  const bodyRows = table.find('tbody tr').toArray();
  const hasRowHeaders =
    bodyRows.length > 0
      ? $(bodyRows[0]).children().first().is('th')
      : headerCells.length > 0 && $(headerCells[0]).find('.cornerHeader').length > 0;
  const headers = (hasRowHeaders ? headerCells.slice(1) : headerCells).map((th) => {
    const caption = $(th).find('.colHeader');
    return (caption.length > 0 ? caption.text() : $(th).text()).replace(whitespace, ' ').trim();
  });
  const rows = bodyRows.map((tr, index) => {
    const row = $(tr);
    const tds = row.children('td').toArray();
    const cells = new Map<string, cheerio.Cheerio<Element>>();
    headers.forEach((header, i) => {
      const td = tds[i];
      if (td && !cells.has(header)) cells.set(header, $(td));
    });
    const rowHeader = hasRowHeaders ? row.children('th').first().text().trim() : String(index + 1);
    const key = hasRowHeaders ? rowHeader : (row.attr('aria-rowindex') ?? null);
    return { rowHeader, key, html: () => $.html(tr), cells };
  });
  return { headers, rows };
}

/** Column lookup by caption; the missing required ones are reported together, in the profile's words. */
export function locateColumns<F extends string>(
  headers: string[],
  captions: Record<F, string[]>,
  required: F[],
  where: string,
): Record<F, string | undefined> {
  const located = {} as Record<F, string | undefined>;
  const missing: string[] = [];
  for (const field of Object.keys(captions) as F[]) {
    const found = captions[field].find((caption) => headers.includes(caption));
    located[field] = found;
    if (!found && required.includes(field)) {
      missing.push(`column "${captions[field].join('" or "')}" (${field}) not found`);
    }
  }
  if (missing.length > 0) {
    throw new MarkupChangedError('routestar', where, [
      ...missing,
      `headers seen: ${headers.join(', ') || '(none)'}`,
    ]);
  }
  return located;
}

export function parseMoney(text: string): number | null {
  const cleaned = text.replace(/[$,\s]/g, '');
  if (cleaned === '') return null;
  const negative = /^\(.*\)$/.test(cleaned) || cleaned.startsWith('-');
  const digits = cleaned.replace(/[()-]/g, '');
  if (!/^\d+(\.\d+)?$/.test(digits)) return Number.NaN;
  return negative ? -Number(digits) : Number(digits);
}

const knownStatuses: [RegExp, string][] = [
  [/^complete(d)?$/i, 'Completed'],
  [/^closed$/i, 'Closed'],
  [/^cancel(l)?ed$/i, 'Cancelled'],
  [/^pending$/i, 'Pending'],
  [/^invalid$/i, 'Invalid'],
];

/** The known statuses in the ledger's words; an unknown one is kept as written rather than guessed. */
export function normaliseStatus(text: string): string {
  const trimmed = text.trim();
  return knownStatuses.find(([pattern]) => pattern.test(trimmed))?.[1] ?? trimmed;
}

export function custom(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function fieldSchemas(profile: RouteStarProfile) {
  const { date, dateTime, timeZone } = profile.formats;
  const optionalText = z.string().transform((v) => (v === '' ? null : v));
  const money = z.string().transform((v, ctx) => {
    const n = parseMoney(v);
    return Number.isNaN(n) ? custom(ctx, `"${v}" is not an amount`) : n;
  });
  const calendarDate = z.string().transform((v, ctx) => {
    if (v === '') return null;
    const parts = parseWithFormat(v, date);
    return parts ? isoDate(parts) : custom(ctx, `"${v}" is not a date in the format ${date}`);
  });
  const instant = z.string().transform((v, ctx) => {
    if (v === '') return null;
    const parts = parseWithFormat(v, dateTime) ?? parseWithFormat(v, date);
    return parts
      ? zonedToIso(parts, timeZone)
      : custom(ctx, `"${v}" is not a date and time in the format ${dateTime}`);
  });
  const wholeNumber = z.string().transform((v, ctx) => {
    if (v === '') return null;
    return /^\d+$/.test(v) ? Number(v) : custom(ctx, `"${v}" is not a whole number`);
  });
  return { optionalText, money, calendarDate, instant, wholeNumber };
}

function invoiceRowSchema(profile: RouteStarProfile) {
  const f = fieldSchemas(profile);
  return z.object({
    listType: z.enum(['pending', 'closed']),
    invoiceNumber: z.string().regex(new RegExp(profile.formats.invoiceNumber), 'is not an invoice number'),
    detailUrl: z.string().nullable(),
    invoiceDate: f.calendarDate.pipe(z.string({ message: 'the invoice date is empty' })),
    enteredBy: f.optionalText,
    assignedTo: f.optionalText,
    stop: f.wholeNumber,
    customer: f.optionalText,
    customerId: z.string().nullable(),
    type: f.optionalText,
    serviceNotes: f.optionalText,
    status: z.string().min(1, 'the status is empty').transform(normaliseStatus),
    isComplete: z.boolean(),
    isPosted: z.boolean(),
    subtotal: f.money,
    total: f.money,
    dateCompleted: f.calendarDate,
    lastModified: f.instant,
    payment: f.optionalText,
    arrivalTime: f.optionalText,
    departureTime: f.optionalText,
    elapsedTime: f.optionalText,
    customerGrouping: f.optionalText,
    postedBy: f.optionalText,
    postedTimestamp: f.instant,
    paymentMethod: f.optionalText,
    /** Every visible cell by caption, as text: what the list showed, kept verbatim. */
    cells: z.record(z.string(), z.string()),
  });
}

export type InvoiceListRow = z.infer<ReturnType<typeof invoiceRowSchema>>;

export interface InvoiceListPage {
  listType: ListType;
  headers: string[];
  rows: InvoiceListRow[];
  quarantined: Quarantined<RowKey>[];
  /** The format the page's dates were read in: the profile's, or the one its dates showed under "auto". */
  dateFormat: string;
  /**
   * A date on the page proves that format (one past the 12th); always under "auto". A page without proof of a fixed
   * format may still be in another one whose dates all fit it too (7 December as 7/12 fits M/D as 12 July).
   */
  dateFormatConfirmed: boolean;
}

/** What a list page says of its size, besides its rows: the evidence that an empty grid is not an empty list. */
export interface ListSize {
  /** The highest page number the pager shows. */
  lastPageShown: number | null;
  nextEnabled: boolean;
  /** Text of the record count (profile `grid.rowCount`), when the page shows one. */
  rowCount: string | null;
}

/**
 * Why a list page that shows no rows must have some, in words for the error; null when nothing on it says so. A pager
 * with a single page says nothing (some grids keep "1" on an empty list); a second page or a count above 0 does.
 */
export function rowsPromisedBy(size: ListSize, profile: RouteStarProfile): string | null {
  if (size.lastPageShown !== null && size.lastPageShown > 1)
    return `its pager shows ${size.lastPageShown} pages`;
  if (size.nextEnabled) return 'its pager offers a next page';
  const count = rowsCounted(size, profile);
  if (count !== null && count > 0) return `it says "${size.rowCount}"`;
  return null;
}

/** The rows of the whole list by its record count (profile `grid.rowCount`); null when the page shows none. */
export function rowsCounted(size: ListSize, profile: RouteStarProfile): number | null {
  const pattern = profile.grid.rowCount?.pattern;
  if (size.rowCount === null || pattern === undefined) return null;
  const count = new RegExp(pattern, 'i').exec(size.rowCount)?.[1];
  return count === undefined ? null : Number(count.replace(/,/g, ''));
}

/** The date formats RouteStar tenants print (M/D/YYYY also reads MM/DD/YYYY: the tokens take one or two digits). */
export const routeStarDateFormats = ['M/D/YYYY', 'D/M/YYYY', 'YYYY-MM-DD'] as const;

/** A date-and-time format whose date part is a day/month/year pattern, e.g. "M/D/YYYY h:mm A". */
const leadingDatePart = /^[YMD]+([/.-])[YMD]+\1[YMD]+(?=\s)/;

/**
 * The profile as a page in `dateFormat` is read: the date-and-time format's date part follows the date format, so a
 * portal printing D/M/YYYY needs only `formats.date` set (or "auto") for its timestamps to read right too.
 */
export function withDateFormat(profile: RouteStarProfile, dateFormat: string): RouteStarProfile {
  const dateTime = profile.formats.dateTime.replace(leadingDatePart, dateFormat);
  return { ...profile, formats: { ...profile.formats, date: dateFormat, dateTime } };
}

/** The dates printed in a list row: its date cells, and the date part of its timestamps. */
function datesOf(values: Record<string, unknown>): string[] {
  const dates = [values.invoiceDate, values.dateCompleted];
  const stamps = [values.lastModified, values.postedTimestamp];
  return [...dates, ...stamps.map((v) => (typeof v === 'string' ? v.split(/\s+/)[0] : ''))].filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}

const fitsDateFormat = (text: string, format: string) => parseWithFormat(text, format) !== null;

/**
 * The format a list page's dates are written in (see settleDateFormat; throws MarkupChangedError), and whether they
 * prove it (see confirmsDateFormat).
 */
export function listDateFormat(
  dates: readonly string[],
  profile: RouteStarProfile,
  where: string,
  known?: string,
): Pick<InvoiceListPage, 'dateFormat' | 'dateFormatConfirmed'> {
  const question: DateFormatQuestion<string> = {
    known,
    portal: 'routestar',
    where,
    profileKey: 'formats.date',
    setting: profile.formats.date,
    candidates: routeStarDateFormats,
    fits: fitsDateFormat,
    samples: dates,
  };
  return judgeDateFormat(question);
}

/** The formats a printed date fits, for a message a person reads. */
export function dateReadings(text: string): string[] {
  return formatsFitting({ candidates: routeStarDateFormats, fits: fitsDateFormat }, text);
}

/** A row's invoice date as the list printed it, for a message: the first cell that reads as that date. */
export function printedInvoiceDate(row: InvoiceListRow, dateFormat: string): string {
  const printed = Object.values(row.cells).find((text) => {
    const parts = parseWithFormat(text, dateFormat);
    return parts !== null && isoDate(parts) === row.invoiceDate;
  });
  return printed ?? row.invoiceDate;
}

function checkbox(cell: cheerio.Cheerio<Element> | undefined, text: string): boolean {
  const input = cell?.find('input[type="checkbox"]');
  if (input && input.length > 0) return input.is('[checked]');
  return /^(true|yes|x|✓|✔)$/i.test(text);
}

export function zodReason(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
}

/**
 * Loads HTML that a page of ours serialised from its live DOM (every RouteStar capture is). It is well formed already,
 * so it is read with htmlparser2 rather than cheerio's default HTML5 parser (parse5): a real detail page of 187 KB took
 * 45 ms of CPU to load that way, mostly garbage collection, and takes 5–10 ms this way.
 */
export function loadSnapshot(html: string): cheerio.CheerioAPI {
  return cheerio.load(html, { xml: { xmlMode: false } });
}

export function gridTable($: cheerio.CheerioAPI, selector: string): cheerio.Cheerio<AnyNode> | null {
  const table = $(selector).first();
  return table.length > 0 ? table : null;
}

/** One scroll snapshot of a grid, with only the rows no earlier snapshot had. */
export interface GridSnapshot {
  $: cheerio.CheerioAPI;
  grid: Grid;
}

/** Ranges as a person reads them: ["1–3", "7"] → "1–3 and 7". */
function spoken(ranges: string[]): string {
  return ranges.length > 1 ? `${ranges.slice(0, -1).join(', ')} and ${ranges.at(-1)}` : (ranges[0] ?? '');
}

const range = (from: number, to: number) => (from === to ? String(from) : `${from}–${to}`);

/**
 * Reads the snapshots of a virtualised grid, taken from the top of its scroller to the bottom, keeping each row once:
 * the same row drawn at two scroll positions has the same key (see GridRow). Handsontable numbers its rows one after
 * another, so a gap in those numbers is rows that were not drawn when the grid was read: the page is refused as
 * incomplete (and read again) rather than read without them.
 */
export function gridSnapshots(snapshots: string[], tableSelector: string, where: string): GridSnapshot[] {
  const seen = new Set<string>();
  const read = snapshots.map((html) => {
    const $ = loadSnapshot(html);
    const table = gridTable($, tableSelector);
    if (!table) throw new MarkupChangedError('routestar', where, [`grid table (${tableSelector}) not found`]);
    const grid = readGrid($, table);
    const rows = grid.rows.filter((row) => {
      if (row.key === null && snapshots.length > 1) {
        throw new MarkupChangedError('routestar', where, [
          'row headers or aria-rowindex on the grid rows (without them, rows cannot be matched across scroll positions)',
        ]);
      }
      const key = row.key ?? row.rowHeader;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { $, grid: { headers: grid.headers, rows } };
  });
  const numbers = [...seen].map(Number);
  if (numbers.every((n) => Number.isInteger(n))) {
    numbers.sort((a, b) => a - b);
    const shown: string[] = [];
    const gaps: string[] = [];
    let start = numbers[0]!;
    numbers.forEach((n, i) => {
      const next = numbers[i + 1];
      if (next === n + 1) return;
      shown.push(range(start, n));
      if (next !== undefined) gaps.push(range(n + 1, next - 1));
      start = next!;
    });
    if (gaps.length > 0) {
      throw new ListIncompleteError(
        'routestar',
        where,
        `the grid numbers its rows one after another and rows ${spoken(gaps)} were not drawn when it was read`,
        `rows ${spoken(shown)} only`,
      );
    }
  }
  return read;
}

/**
 * Parses one list page from one or more snapshots of its grid (Handsontable renders only the rows in view, so the
 * navigator scrolls and snapshots; rows are merged by their row header). Pass `baseUrl` to make links absolute, and
 * under "auto" `knownDateFormat`, the format the list's earlier pages were read in (see settleDateFormat).
 */
export function parseInvoiceList(
  snapshots: string[],
  listType: ListType,
  profile: RouteStarProfile,
  baseUrl?: string,
  knownDateFormat?: string,
): InvoiceListPage {
  const where = `${listType} invoices grid`;
  const captions: Record<string, string[]> = profile.columns[listType];
  const required: string[] = profile.requiredColumns[listType];
  const glyph = profile.grid.dropdownGlyph;
  const printed: {
    values: Record<string, unknown> & { invoiceNumber: string };
    key: string;
    html(): string;
  }[] = [];
  const read = gridSnapshots(snapshots, profile.grid.table, where);
  for (const { $, grid } of read) {
    const columns = locateColumns(grid.headers, captions, required, where) as Record<
      PendingField | ClosedField,
      string | undefined
    >;
    for (const row of grid.rows) {
      const cell = (field: PendingField | ClosedField) => {
        const caption = columns[field];
        return caption ? row.cells.get(caption) : undefined;
      };
      const text = (field: PendingField | ClosedField) => cellText($, cell(field), glyph);
      const numberCell = cell('invoiceNumber');
      const href = numberCell?.find('a').attr('href') ?? null;
      const customerHref = cell('customer')?.find('a').attr('href') ?? '';
      const statusCell = cell('status');
      const statusLabel = statusCell?.find('span.label');
      const values = {
        listType,
        invoiceNumber: text('invoiceNumber'),
        detailUrl: href && baseUrl ? new URL(href, baseUrl).toString() : href,
        invoiceDate: text('invoiceDate'),
        enteredBy: text('enteredBy'),
        assignedTo: text('assignedTo'),
        stop: text('stop'),
        customer: text('customer'),
        customerId: /customerdetail\/([^/?#]+)/.exec(customerHref)?.[1] ?? null,
        type: text('type'),
        serviceNotes: text('serviceNotes'),
        status:
          statusLabel && statusLabel.length > 0
            ? statusLabel.text().trim()
            : statusCell?.hasClass('htInvalid')
              ? 'Invalid'
              : text('status'),
        isComplete: checkbox(cell('isComplete'), text('isComplete')),
        isPosted: checkbox(cell('isPosted'), text('isPosted')),
        subtotal: text('subtotal'),
        total: text('total'),
        dateCompleted: text('dateCompleted'),
        lastModified: text('lastModified'),
        payment: text('payment'),
        arrivalTime: text('arrivalTime'),
        departureTime: text('departureTime'),
        elapsedTime: text('elapsedTime'),
        customerGrouping: text('customerGrouping'),
        postedBy: text('postedBy'),
        postedTimestamp: text('postedTimestamp'),
        paymentMethod: text('paymentMethod'),
        cells: Object.fromEntries(grid.headers.map((h) => [h, cellText($, row.cells.get(h), glyph)])),
      };
      printed.push({ values, key: values.invoiceNumber || `row ${row.rowHeader}`, html: row.html });
    }
  }
  // Judged before any row is read: a page in another format must give nothing, not its unambiguous half.
  const { dateFormat, dateFormatConfirmed } = listDateFormat(
    printed.flatMap((p) => datesOf(p.values)),
    profile,
    where,
    knownDateFormat,
  );
  const schema = invoiceRowSchema(withDateFormat(profile, dateFormat));
  const rows: InvoiceListRow[] = [];
  const quarantined: Quarantined<RowKey>[] = [];
  for (const { values, key, html } of printed) {
    const parsed = schema.safeParse(values);
    if (parsed.success) rows.push(parsed.data);
    else quarantined.push({ key, reason: zodReason(parsed.error), html: html() });
  }
  const headers = read[0]?.grid.headers ?? [];
  return { listType, headers, rows, quarantined, dateFormat, dateFormatConfirmed };
}

function lineSchema(profile: RouteStarProfile) {
  const f = fieldSchemas(profile);
  return z.object({
    itemName: z.string().min(1, 'the item is empty'),
    description: f.optionalText,
    qty: z.string().transform((v, ctx) => {
      const n = parseMoney(v);
      return n === null || Number.isNaN(n) ? custom(ctx, `"${v}" is not a quantity`) : n;
    }),
    rate: f.money,
    amount: f.money,
    class: f.optionalText,
    warehouse: f.optionalText,
    taxCode: f.optionalText,
    location: f.optionalText,
  });
}

export type InvoiceLine = z.infer<ReturnType<typeof lineSchema>> & { lineNo: number };

/** The detail page: totals, the other header fields the ledger keeps with the invoice, and the lines. */
export interface InvoiceDetail extends SalesInvoiceDetails {
  subtotal: number | null;
  tax: number | null;
  total: number | null;
  lines: InvoiceLine[];
  /** Lines that could not be read. When any exist the lines are incomplete and must not replace stored ones. */
  quarantined: Quarantined<RowKey>[];
}

/** Parses an invoice detail page whose "Line Items" tab has been opened (form values copied into attributes). */
export function parseInvoiceDetail(
  html: string,
  invoiceNumber: string,
  profile: RouteStarProfile,
): InvoiceDetail {
  const where = `invoice detail page of ${invoiceNumber}`;
  const $ = loadSnapshot(html);
  const fieldSelectors = profile.detail.fields;
  const missing = profile.detail.requiredFields
    .filter((field) => $(fieldSelectors[field]).length === 0)
    .map((field) => `field ${field} (${fieldSelectors[field]}) not found`);
  const linesSelector = `${profile.detail.linesGrid} ${profile.grid.table}`;
  const table = gridTable($, linesSelector);
  if (!table) missing.push(`line items grid (${linesSelector}) not found; was the "Line Items" tab opened?`);
  if (missing.length > 0 || !table) throw new MarkupChangedError('routestar', where, missing);

  const value = (selector: string): string | null => {
    const el = $(selector).first();
    if (el.length === 0) return null;
    let v: string;
    if (el.is('select')) v = el.find('option[selected]').first().text();
    else if (el.is('textarea')) v = el.text();
    else v = el.attr('value') ?? '';
    v = v.trim();
    return v === '' ? null : v;
  };
  const amount = (selector: string, name: string): number | null => {
    const text = value(selector);
    if (text === null) return null;
    const n = parseMoney(text);
    if (n === null || Number.isNaN(n)) {
      throw new MarkupChangedError('routestar', where, [
        `field ${name} (${selector}) holds "${text}", not an amount`,
      ]);
    }
    return n;
  };

  const grid = readGrid($, table);
  const columns = locateColumns(
    grid.headers,
    profile.columns.lines,
    profile.requiredColumns.lines,
    `line items of ${invoiceNumber}`,
  );
  const schema = lineSchema(profile);
  const glyph = profile.grid.dropdownGlyph;
  const lines: InvoiceLine[] = [];
  const quarantined: Quarantined<RowKey>[] = [];
  for (const row of grid.rows) {
    const text = (field: LineField) => {
      const caption = columns[field];
      return caption ? cellText($, row.cells.get(caption), glyph) : '';
    };
    const values = {
      itemName: text('itemName'),
      description: text('description'),
      qty: text('qty'),
      rate: text('rate'),
      amount: text('amount'),
      class: text('class'),
      warehouse: text('warehouse'),
      taxCode: text('taxCode'),
      location: text('location'),
    };
    // The editable grid's spare row ("Choose..") and wholly empty rows are not lines.
    if (profile.detail.placeholderItems.includes(values.itemName)) continue;
    if (Object.values(values).every((v) => v === '')) continue;
    const parsed = schema.safeParse(values);
    if (parsed.success) lines.push({ ...parsed.data, lineNo: lines.length + 1 });
    else
      quarantined.push({
        key: `${invoiceNumber} row ${row.rowHeader}`,
        reason: zodReason(parsed.error),
        html: row.html(),
      });
  }
  return {
    subtotal: amount(fieldSelectors.subtotal, 'subtotal'),
    tax: amount(fieldSelectors.tax, 'tax'),
    total: amount(fieldSelectors.total, 'total'),
    signedBy: value(fieldSelectors.signedBy),
    memo: value(fieldSelectors.memo),
    serviceNotes: value(fieldSelectors.serviceNotes),
    salesTaxRate: value(fieldSelectors.salesTaxRate),
    email: value(fieldSelectors.email),
    phone: value(fieldSelectors.phone),
    lines,
    quarantined,
  };
}
