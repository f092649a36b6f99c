/**
 * RouteStar simulator: a real HTTP server on 127.0.0.1 that a real Chromium drives the way it drives
 * emnrv.routestar.online — login with a session cookie that expires, Handsontable grids drawn late from JSON,
 * bootpag paging, a closed-invoice list whose default date window is narrow, detail pages whose line items appear
 * only after the "Line Items" tab is clicked, pop-ups over the page, and switches for slow pages, 500s and markup
 * changes. Everything is deterministic from the seed.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type NextFunction } from 'express';
import { addDays, invoiceTotals, newYorkToday, RouteStarDataset, type SimInvoice } from './data.js';
import { addItemList } from './items.js';
import { detailPage, errorPage, escapeHtml, listPage, loginPage, type ListPageOptions } from './pages.js';

export interface RouteStarSimOptions {
  seed?: number;
  pendingInvoices?: number;
  closedInvoices?: number;
  items?: number;
  /** Closed invoices were completed within this many days before today (default 56, wider than the 30-day window). */
  closedWithinDays?: number;
  /** YYYY-MM-DD, America/New_York. Default: today there. */
  today?: string;
  username?: string;
  password?: string;
  /** A session cookie stops working this long after login. */
  sessionTtlMs?: number;
  /** Delay before every HTML page answers. */
  pageDelayMs?: number;
  /** Delay before the grid data (JSON) answers: the grid renders this long after the page. */
  gridDelayMs?: number;
  /** Added to pageDelayMs for invoice detail pages, the real portal's slowest (10–20 s an invoice). Default 0. */
  detailDelayMs?: number;
  rowsPerPage?: number;
  /** Pages bootpag shows at once; its "next" jumps to the next block of this many. */
  maxVisiblePages?: number;
  /** Days the closed list shows when its date inputs are left alone (ending today). */
  closedDefaultWindowDays?: number;
  /** Pixel height of list grids; fewer rows than a page fit, so rows below are virtualised away. */
  gridHeight?: number;
  /**
   * A list grid is drawn this long after its data has arrived (the pager and the record count at once), on the first
   * load, a page turn and a date-window change: the real portal's grids draw seconds after their data. Default 0.
   */
  drawDelayMs?: number;
  /**
   * A page turn keeps the list page's main thread busy this long before it asks for the new rows, as a heavy portal
   * page does while it tears down and rebuilds its grid: a click on the pager is answered late. Default 0.
   */
  pageTurnBusyMs?: number;
  /** How the lists print dates (the tenant's locale); default M/D/YYYY. */
  dateFormat?: SimDateFormat;
  /** Items per page of the item list (the portal's default is 20). */
  itemsPerPage?: number;
  /**
   * Called as a page of an invoice list is asked for, before it is answered: a test changes the data there, as
   * people using the portal do while a sync pages through it.
   */
  beforeListPage?: (list: 'pending' | 'closed', page: number) => void;
}

export type SimDateFormat = 'M/D/YYYY' | 'D/M/YYYY' | 'YYYY-MM-DD';

/** Prints the dates of a list in the portal's format. */
interface DateWriter {
  date(isoDate: string | null): string;
  dateTime(stamp: string): string;
}

export interface MarkupChange {
  /** Columns hidden by the Handsontable hiddenColumns plugin (the user hid them). */
  hideColumns?: string[];
  /** Column order reversed after "Invoice #", as a user might drag them. */
  reorderColumns?: boolean;
  /** Header captions replaced, e.g. { 'Invoice #': 'Invoice No' }. */
  renameHeaders?: Record<string, string>;
  /** Totals inputs on the detail page get new ids (inv_subtotal → invoice_subtotal …). */
  renameDetailInputs?: boolean;
  /** The pager list loses its Bootstrap "pagination" class (renamed "pager-v2"). */
  renamePagerClass?: boolean;
}

export interface PopupSettings {
  /** A jquery-confirm notice over the list as soon as it has loaded. */
  listOnLoad?: boolean;
  /** A jquery-confirm notice appears after this page of a list is shown, covering the pager. */
  listAfterPage?: number | null;
  /** A bootbox modal on every invoice detail page. */
  detailOnLoad?: boolean;
}

interface Fault {
  match: RegExp;
  remaining: number;
  kind: 'error' | 'slow' | 'expire';
  delayMs: number;
}

export interface RouteStarSim {
  url: string;
  data: RouteStarDataset;
  username: string;
  password: string;
  close(): Promise<void>;
  /** Every session stops working now: the next page or XHR lands on /web/login. */
  expireSessions(): void;
  setSessionTtl(ms: number): void;
  /** The next `times` requests whose path matches answer 500. */
  failNext(match: RegExp, times?: number): void;
  /** The next `times` requests whose path matches answer after `delayMs`. */
  slowNext(match: RegExp, delayMs: number, times?: number): void;
  /** Every session expires just before the `nth` next request whose path matches (so that request hits the login). */
  expireOn(match: RegExp, nth: number): void;
  setMarkup(change: MarkupChange): void;
  setPopups(popups: PopupSettings): void;
  /**
   * A faulty portal whose list data loses its rows: 'rows' keeps the totals and pages (the pager and the count show
   * them, the grid draws empty), 'everything' answers as for an empty list; false ends the fault.
   */
  setRowsLost(lost: 'rows' | 'everything' | false): void;
  stats: { logins: number; failedLogins: number; pages: Record<string, number>; dataRequests: number };
}

type ColumnKind = 'text' | 'dropdown' | 'checkbox' | 'html';
interface ColumnDef {
  header: string;
  key: string;
  kind: ColumnKind;
  width?: number;
  value(invoice: SimInvoice, dates: DateWriter): string | boolean;
}

const staticFiles: Record<string, string> = {
  'jquery/jquery.min.js': 'jquery/dist/jquery.min.js',
  'bootstrap/css/bootstrap.min.css': 'bootstrap/dist/css/bootstrap.min.css',
  'bootstrap/js/bootstrap.min.js': 'bootstrap/dist/js/bootstrap.min.js',
  'jquery-confirm/jquery-confirm.min.css': 'jquery-confirm/dist/jquery-confirm.min.css',
  'jquery-confirm/jquery-confirm.min.js': 'jquery-confirm/dist/jquery-confirm.min.js',
  'bootbox/bootbox.min.js': 'bootbox/dist/bootbox.min.js',
  'bootpag/jquery.bootpag.min.js': 'bootpag/lib/jquery.bootpag.min.js',
  'handsontable/handsontable.full.min.js': 'handsontable/dist/handsontable.full.min.js',
  'handsontable/styles/handsontable.min.css': 'handsontable/styles/handsontable.min.css',
  'handsontable/styles/ht-theme-classic.min.css': 'handsontable/styles/ht-theme-classic.min.css',
};

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const nodeModules = join(dirname(require.resolve('jquery/package.json')), '..');

/** M/D/YYYY, the portal's date format. */
export function usDate(isoDate: string | null): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.split('-');
  return `${Number(m)}/${Number(d)}/${y}`;
}

function dateWriter(format: SimDateFormat): DateWriter {
  const date = (isoDate: string | null) => {
    if (!isoDate || format === 'YYYY-MM-DD') return isoDate ?? '';
    const [y, m, d] = isoDate.split('-');
    return format === 'D/M/YYYY' ? `${Number(d)}/${Number(m)}/${y}` : usDate(isoDate);
  };
  return {
    date,
    dateTime(stamp) {
      const [day = '', time = '00:00'] = stamp.split(' ');
      const [h = 0, m = 0] = time.split(':').map(Number);
      const h12 = h % 12 === 0 ? 12 : h % 12;
      return `${date(day)} ${h12}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
    },
  };
}

export function money(n: number): string {
  const sign = n < 0 ? '-' : '';
  return `${sign}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const statusLabel: Record<string, string> = {
  Pending: 'label-warning',
  Complete: 'label-success',
  Closed: 'label-info',
  Cancelled: 'label-danger',
};

function elapsed(arrival: string, departure: string): string {
  const minutes = (t: string) => {
    const [hm = '', ampm] = t.split(' ');
    const [h = 0, m = 0] = hm.split(':').map(Number);
    return ((h % 12) + (ampm === 'PM' ? 12 : 0)) * 60 + m;
  };
  const d = minutes(departure) - minutes(arrival);
  return `${Math.floor(d / 60)}:${String(d % 60).padStart(2, '0')}`;
}

const invoiceLink: ColumnDef = {
  header: 'Invoice #',
  key: 'number',
  kind: 'html',
  value: (i) => `<a href="/web/invoicedetails/${i.number}">${i.number}</a>`,
};
const customerLink = (i: SimInvoice) =>
  `<a href="/web/customerdetail/${i.customerId}">${escapeHtml(i.customer)}</a>`;
const statusCell = (i: SimInvoice) =>
  `<span class="label ${statusLabel[i.status] ?? 'label-default'}">${i.status}</span>`;

const pendingColumns: ColumnDef[] = [
  invoiceLink,
  { header: 'Date', key: 'date', kind: 'dropdown', value: (i, d) => d.date(i.invoiceDate) },
  { header: 'Entered By', key: 'enteredBy', kind: 'dropdown', value: (i) => i.enteredBy },
  { header: 'Assigned To', key: 'assignedTo', kind: 'dropdown', value: (i) => i.assignedTo },
  { header: 'Stop', key: 'stop', kind: 'text', width: 50, value: (i) => String(i.stop) },
  { header: 'Customer', key: 'customer', kind: 'html', width: 170, value: customerLink },
  { header: 'Type', key: 'type', kind: 'text', width: 130, value: (i) => i.type },
  { header: 'Service Notes', key: 'serviceNotes', kind: 'text', value: (i) => i.serviceNotes },
  { header: 'Status', key: 'status', kind: 'html', width: 90, value: statusCell },
  { header: 'Complete', key: 'complete', kind: 'checkbox', width: 70, value: (i) => i.complete },
  { header: 'Posted', key: 'posted', kind: 'checkbox', width: 70, value: (i) => i.posted },
  { header: 'Total', key: 'total', kind: 'text', value: (i) => money(invoiceTotals(i).total) },
  {
    header: 'Last Modified',
    key: 'lastModified',
    kind: 'text',
    width: 150,
    value: (i, d) => d.dateTime(i.lastModified),
  },
  { header: 'Payment', key: 'payment', kind: 'text', value: (i) => i.payment },
  { header: 'Arrival Time', key: 'arrival', kind: 'text', value: (i) => i.arrival },
];

const closedColumns: ColumnDef[] = [
  invoiceLink,
  { header: 'Invoice Date', key: 'date', kind: 'dropdown', value: (i, d) => d.date(i.invoiceDate) },
  { header: 'Entered By', key: 'enteredBy', kind: 'dropdown', value: (i) => i.enteredBy },
  { header: 'Assigned To', key: 'assignedTo', kind: 'dropdown', value: (i) => i.assignedTo },
  { header: 'Customer', key: 'customer', kind: 'html', width: 170, value: customerLink },
  { header: 'Type', key: 'type', kind: 'text', width: 130, value: (i) => i.type },
  { header: 'Service Notes', key: 'serviceNotes', kind: 'text', value: (i) => i.serviceNotes },
  { header: 'Status', key: 'status', kind: 'html', width: 80, value: statusCell },
  { header: 'Complete', key: 'complete', kind: 'checkbox', width: 70, value: (i) => i.complete },
  // The real portal keeps this column in the DOM but 0.1 px wide, so it is invisible yet readable.
  { header: 'Posted', key: 'posted', kind: 'checkbox', width: 0.1, value: (i) => i.posted },
  {
    header: 'Subtotal',
    key: 'subtotal',
    kind: 'text',
    width: 90,
    value: (i) => money(invoiceTotals(i).subtotal),
  },
  { header: 'Total', key: 'total', kind: 'text', width: 90, value: (i) => money(invoiceTotals(i).total) },
  { header: 'Date Completed', key: 'dateCompleted', kind: 'text', value: (i, d) => d.date(i.dateCompleted) },
  {
    header: 'Last Modified',
    key: 'lastModified',
    kind: 'text',
    width: 150,
    value: (i, d) => d.dateTime(i.lastModified),
  },
  { header: 'Arrival Time', key: 'arrival', kind: 'text', width: 80, value: (i) => i.arrival },
  { header: 'Departure Time', key: 'departure', kind: 'text', width: 80, value: (i) => i.departure },
  {
    header: 'Elapsed Time',
    key: 'elapsed',
    kind: 'text',
    width: 70,
    value: (i) => elapsed(i.arrival, i.departure),
  },
  { header: 'Customer Grouping', key: 'grouping', kind: 'text', width: 90, value: (i) => i.customerGrouping },
  { header: 'Posted By', key: 'postedBy', kind: 'text', width: 70, value: (i) => i.postedBy },
  {
    header: 'Posted TimeStamp',
    key: 'postedAt',
    kind: 'text',
    width: 150,
    value: (i, d) => (i.posted && i.dateCompleted ? d.dateTime(`${i.dateCompleted} 17:30`) : ''),
  },
  { header: 'Payment Method', key: 'paymentMethod', kind: 'text', width: 90, value: (i) => i.paymentMethod },
];

export async function startRouteStarSimulator(options: RouteStarSimOptions = {}): Promise<RouteStarSim> {
  const today = options.today ?? newYorkToday();
  const data = new RouteStarDataset({
    seed: options.seed ?? 1,
    pendingInvoices: options.pendingInvoices ?? 12,
    closedInvoices: options.closedInvoices ?? 20,
    items: options.items ?? 16,
    today,
    closedWithinDays: options.closedWithinDays ?? 56,
  });
  const username = options.username ?? 'dispatch';
  const password = options.password ?? 'route-secret';
  let sessionTtlMs = options.sessionTtlMs ?? 30 * 60 * 1000;
  const pageDelayMs = options.pageDelayMs ?? 0;
  const gridDelayMs = options.gridDelayMs ?? 150;
  const detailDelayMs = options.detailDelayMs ?? 0;
  const rowsPerPage = options.rowsPerPage ?? 10;
  const maxVisible = options.maxVisiblePages ?? 5;
  const closedDefaultDays = options.closedDefaultWindowDays ?? 2;
  const gridHeight = options.gridHeight ?? 200;
  const drawDelayMs = options.drawDelayMs ?? 0;
  const pageTurnBusyMs = options.pageTurnBusyMs ?? 0;
  let rowsLost: 'rows' | 'everything' | false = false;
  const dates = dateWriter(options.dateFormat ?? 'M/D/YYYY');
  const sessions = new Map<string, number>();
  const faults: Fault[] = [];
  let markup: MarkupChange = {};
  let popups: PopupSettings = {};
  const stats: RouteStarSim['stats'] = { logins: 0, failedLogins: 0, pages: {}, dataRequests: 0 };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));

  app.use(async (req: Request, res: Response, next: NextFunction) => {
    for (const expiry of faults.filter(
      (f) => f.kind === 'expire' && f.remaining > 0 && f.match.test(req.path),
    )) {
      expiry.remaining -= 1;
      if (expiry.remaining === 0) sessions.clear();
    }
    const fault = faults.find((f) => f.kind !== 'expire' && f.remaining > 0 && f.match.test(req.path));
    if (fault) {
      fault.remaining -= 1;
      await sleep(fault.delayMs);
      if (fault.kind === 'error') {
        res.status(500).type('html').send(errorPage(500));
        return;
      }
    }
    next();
  });

  app.get('/static/{*file}', (req, res) => {
    const file = staticFiles[req.path.slice('/static/'.length)];
    if (!file) {
      res.status(404).end();
      return;
    }
    res.sendFile(join(nodeModules, file), { maxAge: '1h' });
  });
  app.get('/assets/routestar.js', (_req, res) => {
    res.sendFile(join(here, 'public', 'routestar.js'));
  });

  const sessionOf = (req: Request): string | undefined => {
    const cookie = req.headers.cookie ?? '';
    const match = /(?:^|;\s*)RSSESSID=([a-f0-9]+)/.exec(cookie);
    const token = match?.[1];
    if (!token) return undefined;
    const expires = sessions.get(token);
    if (expires === undefined || expires < Date.now()) {
      sessions.delete(token);
      return undefined;
    }
    return token;
  };

  app.get('/web/login/', async (req, res) => {
    await sleep(pageDelayMs);
    res.type('html').send(loginPage(undefined, typeof req.query.next === 'string' ? req.query.next : ''));
  });
  app.post('/web/login/', async (req, res) => {
    await sleep(pageDelayMs);
    const body = req.body as Record<string, string | undefined>;
    if (body.username !== username || body.password !== password) {
      stats.failedLogins += 1;
      res
        .status(200)
        .type('html')
        .send(loginPage('Invalid username or password.', body.next ?? ''));
      return;
    }
    stats.logins += 1;
    const token = randomBytes(16).toString('hex');
    sessions.set(token, Date.now() + sessionTtlMs);
    res.setHeader('Set-Cookie', `RSSESSID=${token}; Path=/; HttpOnly; SameSite=Lax`);
    const next = body.next && body.next.startsWith('/web/') ? body.next : '/web/invoices/';
    res.redirect(302, next);
  });

  app.use('/web', (req, res, next) => {
    if (sessionOf(req)) return next();
    if (req.path.startsWith('/api/')) {
      res.status(401).json({ error: 'session expired' });
      return;
    }
    res.redirect(302, `/web/login/?next=${encodeURIComponent(`/web${req.path}`)}`);
  });

  const countPage = (name: string) => {
    stats.pages[name] = (stats.pages[name] ?? 0) + 1;
  };
  const pagerClass = () => (markup.renamePagerClass ? 'pager-v2' : 'pagination');

  /** A list page: its HTML arrives after the page delay, its grid fills later from `api`. */
  const listRoute = (
    route: string,
    page: Pick<ListPageOptions, 'title' | 'api' | 'dateFilter' | 'itemsPerPage'>,
    options: { gridHeight: number; popups: boolean },
  ) =>
    app.get(`/web/${route}/`, async (_req, res) => {
      countPage(route);
      await sleep(pageDelayMs);
      res.type('html').send(
        listPage({
          ...page,
          pagerClass: pagerClass(),
          maxVisible,
          gridHeight: options.gridHeight,
          drawDelayMs,
          pageTurnBusyMs,
          popupOnLoad: options.popups ? (popups.listOnLoad ?? false) : false,
          popupAfterPage: options.popups ? (popups.listAfterPage ?? null) : null,
        }),
      );
    });
  listRoute('invoices', { title: 'Invoices', api: '/web/api/invoices' }, { gridHeight, popups: true });
  listRoute(
    'closedinvoices',
    {
      title: 'Closed Invoices',
      api: '/web/api/closedinvoices',
      dateFilter: { from: addDays(today, -(closedDefaultDays - 1)), to: today },
    },
    { gridHeight, popups: true },
  );
  listRoute(
    'items',
    { title: 'Items', api: '/web/api/items', itemsPerPage: true },
    { gridHeight: gridHeight * 2, popups: false },
  );

  const layout = (columns: ColumnDef[]) => {
    let ordered = [...columns];
    if (markup.reorderColumns) ordered = [ordered[0] as ColumnDef, ...ordered.slice(1).reverse()];
    const hidden = ordered.flatMap((c, index) => (markup.hideColumns?.includes(c.header) ? [index] : []));
    return {
      ordered,
      hidden,
      columns: ordered.map((c) => ({
        header: markup.renameHeaders?.[c.header] ?? c.header,
        key: c.key,
        kind: c.kind,
        width: c.width,
      })),
    };
  };

  const sendPage = async (
    req: Request,
    res: Response,
    list: 'pending' | 'closed',
    listed: () => SimInvoice[],
    columns: ColumnDef[],
  ) => {
    stats.dataRequests += 1;
    await sleep(gridDelayMs);
    const page = Math.max(1, Number(req.query.page) || 1);
    options.beforeListPage?.(list, page);
    const invoices = rowsLost === 'everything' ? [] : listed();
    const pages = Math.ceil(invoices.length / rowsPerPage);
    const slice = invoices.slice((page - 1) * rowsPerPage, page * rowsPerPage);
    const { ordered, hidden, columns: described } = layout(columns);
    const rows = rowsLost
      ? []
      : slice.map((invoice) => Object.fromEntries(ordered.map((c) => [c.key, c.value(invoice, dates)])));
    res.json({ page, pages, total: invoices.length, columns: described, hidden, rows });
  };

  app.get('/web/api/invoices', (req, res) =>
    sendPage(req, res, 'pending', () => data.pending(), pendingColumns),
  );
  app.get('/web/api/closedinvoices', (req, res) => {
    const iso = /^\d{4}-\d{2}-\d{2}$/;
    const from = typeof req.query.from === 'string' && iso.test(req.query.from) ? req.query.from : today;
    const to = typeof req.query.to === 'string' && iso.test(req.query.to) ? req.query.to : today;
    return sendPage(req, res, 'closed', () => data.closedBetween(from, to), closedColumns);
  });
  addItemList(app, {
    data,
    gridDelayMs,
    perPage: options.itemsPerPage ?? 20,
    onDataRequest: () => {
      stats.dataRequests += 1;
    },
    money,
  });

  const detailIds = () =>
    markup.renameDetailInputs
      ? { subtotal: 'invoice_subtotal', tax: 'invoice_tax', total: 'invoice_total' }
      : { subtotal: 'inv_subtotal', tax: 'inv_taxtotal', total: 'inv_total' };

  app.get('/web/invoicedetails/:number', async (req, res) => {
    countPage('invoicedetails');
    await sleep(pageDelayMs + detailDelayMs);
    const invoice = data.invoices.get(String(req.params.number));
    if (!invoice) {
      res.status(404).type('html').send('<h1>Invoice not found</h1>');
      return;
    }
    res.type('html').send(
      detailPage({
        invoiceNumber: invoice.number,
        customer: invoice.customer,
        ids: detailIds(),
        linesTab: '#tab_line_items',
        popupOnLoad: popups.detailOnLoad ?? false,
      }),
    );
  });
  app.get('/web/api/invoicedetails/:number', async (req, res) => {
    stats.dataRequests += 1;
    await sleep(gridDelayMs);
    const invoice = data.invoices.get(String(req.params.number));
    if (!invoice) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    const totals = invoiceTotals(invoice);
    const ids = detailIds();
    const lineColumns: { header: string; key: string; kind: ColumnKind; width?: number }[] = [
      { header: 'Item', key: 'item', kind: 'dropdown', width: 200 },
      { header: 'Description', key: 'description', kind: 'text', width: 200 },
      { header: 'Qty', key: 'qty', kind: 'text', width: 60 },
      { header: 'Rate', key: 'rate', kind: 'text', width: 80 },
      { header: 'Amount', key: 'amount', kind: 'text', width: 90 },
      { header: 'Class', key: 'truck', kind: 'dropdown', width: 90 },
      { header: 'Warehouse', key: 'warehouse', kind: 'dropdown', width: 90 },
      { header: 'Tax Code', key: 'taxCode', kind: 'dropdown', width: 80 },
      { header: 'Item Location', key: 'location', kind: 'text', width: 90 },
    ];
    const rows = invoice.lines.map((l) => ({
      item: l.item,
      description: l.description,
      qty: String(l.qty),
      rate: money(l.rate),
      amount: money(Math.round(l.qty * l.rate * 100) / 100),
      truck: l.truck,
      warehouse: l.warehouse,
      taxCode: l.taxCode,
      location: l.location,
    }));
    // The editable grid always ends with an empty spare row whose item reads "Choose..".
    rows.push({
      item: 'Choose..',
      description: '',
      qty: '',
      rate: '',
      amount: '',
      truck: '',
      warehouse: '',
      taxCode: '',
      location: '',
    });
    res.json({
      fields: {
        [`#${ids.subtotal}`]: totals.subtotal.toFixed(2),
        [`#${ids.tax}`]: totals.tax.toFixed(2),
        [`#${ids.total}`]: totals.total.toFixed(2),
        '#txt_signedby': invoice.signedBy,
        '#txt_memo': invoice.memo,
        '#txt_service_notes': invoice.serviceNotes,
        '#txt_email': `${invoice.customer.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`,
        '#txt_phone': `(540) 555-${String(1000 + invoice.customerId).slice(-4)}`,
      },
      taxRateOption: String(invoice.taxRate),
      lines: { columns: lineColumns, hidden: [], rows },
    });
  });
  app.get('/web/customerdetail/:id', (req, res) => {
    res.type('html').send(`<h1>Customer ${escapeHtml(String(req.params.id))}</h1>`);
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    data,
    username,
    password,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    expireSessions: () => sessions.clear(),
    setSessionTtl: (ms) => {
      sessionTtlMs = ms;
    },
    failNext: (match, times = 1) => faults.push({ match, remaining: times, kind: 'error', delayMs: 0 }),
    slowNext: (match, delayMs, times = 1) => faults.push({ match, remaining: times, kind: 'slow', delayMs }),
    expireOn: (match, nth) => faults.push({ match, remaining: nth, kind: 'expire', delayMs: 0 }),
    setMarkup: (change) => {
      markup = change;
    },
    setPopups: (settings) => {
      popups = settings;
    },
    setRowsLost: (lost) => {
      rowsLost = lost;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
