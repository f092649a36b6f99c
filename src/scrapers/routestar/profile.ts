/**
 * Everything the RouteStar scraper knows about the portal's pages — routes, selectors, column captions, date formats,
 * time zone and waits — in one object, so a change on the real site is fixed by a JSON file (ROUTESTAR_PROFILE_FILE)
 * instead of a release. Columns are found by their header caption, never by position: users can reorder and hide them.
 */
import { z } from 'zod';
import { ProfileError } from '../errors.js';
import { noteDateFormatNamedInFile, profileProblems, readProfileOverride } from '../profile-file.js';
import { defaultItemListProfile, itemListProfileSchema } from './items-profile.js';

/** Captions a column may carry; the first one found in the grid's header row wins. */
const captions = z.array(z.string().min(1)).min(1);

const pendingColumns = z.object({
  invoiceNumber: captions,
  invoiceDate: captions,
  enteredBy: captions,
  assignedTo: captions,
  stop: captions,
  customer: captions,
  type: captions,
  serviceNotes: captions,
  status: captions,
  isComplete: captions,
  isPosted: captions,
  total: captions,
  lastModified: captions,
  payment: captions,
  arrivalTime: captions,
});

const closedColumns = z.object({
  invoiceNumber: captions,
  invoiceDate: captions,
  enteredBy: captions,
  assignedTo: captions,
  customer: captions,
  type: captions,
  serviceNotes: captions,
  status: captions,
  isComplete: captions,
  isPosted: captions,
  subtotal: captions,
  total: captions,
  dateCompleted: captions,
  lastModified: captions,
  arrivalTime: captions,
  departureTime: captions,
  elapsedTime: captions,
  customerGrouping: captions,
  postedBy: captions,
  postedTimestamp: captions,
  paymentMethod: captions,
});

const lineColumns = z.object({
  itemName: captions,
  description: captions,
  qty: captions,
  rate: captions,
  amount: captions,
  class: captions,
  warehouse: captions,
  taxCode: captions,
  location: captions,
});

export type PendingField = keyof z.infer<typeof pendingColumns>;
export type ClosedField = keyof z.infer<typeof closedColumns>;
export type LineField = keyof z.infer<typeof lineColumns>;

/**
 * A selector the scraper runs inside the page (document.querySelector), where Playwright's own additions such as
 * `:visible`, `:has-text()` or `>>` do not exist.
 */
const css = z
  .string()
  .min(1)
  .refine((selector) => !/:visible|:has-text\(|:text\(|>>|^(text|xpath|css)=/.test(selector), {
    message:
      'must be a plain CSS selector (it is run inside the page): no :visible, :has-text(), >> or text=',
  });

export const routeStarProfileSchema = z.object({
  routes: z.object({
    login: z.string(),
    pending: z.string(),
    closed: z.string(),
    /** `{invoiceNumber}` is replaced; used when the list row carries no link. */
    detail: z.string().includes('{invoiceNumber}'),
  }),
  login: z.object({
    username: z.string(),
    password: z.string(),
    submit: z.string(),
    error: z.string(),
    /** Any page whose URL contains this is the login page: the session has expired. */
    urlContains: z.string(),
  }),
  grid: z.object({
    /** Handsontable's main table; its clones (ht_clone_*) repeat cells and are ignored. */
    master: css,
    /** The clone overlays (frozen headers and columns): left out of captured pages, they only repeat cells. */
    overlays: css,
    table: css,
    scroller: css,
    /** Where the page reports that its data request failed; only a visible banner counts. */
    errorBanner: css,
    /** Text of the trailing dropdown arrow in dropdown cells. */
    dropdownGlyph: z.string(),
    /**
     * The whole list's record count, when the page shows one: with the pager, the evidence that a grid read empty is
     * not an empty list, and the check that a list read to its end gave every invoice. `pattern`'s first group is the
     * number. A page without it gives no evidence, never an error.
     */
    rowCount: z.object({ selector: css, pattern: z.string().min(1) }).optional(),
  }),
  pager: z.object({
    container: css,
    active: css,
    next: css,
    disabledClass: z.string(),
  }),
  modals: z.object({
    /** Pop-ups that block clicks (jquery-confirm, bootbox, Bootstrap modals). */
    open: css,
    /** Buttons that close them without doing anything, tried in order. */
    dismiss: z.array(z.string()).min(1),
  }),
  closedWindow: z.object({
    /** The two date inputs, in DOM order from, to. */
    inputs: z.string(),
    /** Format the inputs take (native date inputs take ISO). */
    inputFormat: z.literal('YYYY-MM-DD'),
  }),
  detail: z.object({
    linesTab: css,
    linesGrid: css,
    fields: z.object({
      subtotal: css,
      tax: css,
      total: css,
      signedBy: css,
      memo: css,
      serviceNotes: css,
      salesTaxRate: css,
      email: css,
      phone: css,
    }),
    /** Header fields without which a detail page is not what we expect. */
    requiredFields: z.array(
      z.enum([
        'subtotal',
        'tax',
        'total',
        'signedBy',
        'memo',
        'serviceNotes',
        'salesTaxRate',
        'email',
        'phone',
      ]),
    ),
    /** Item text of the editable grid's empty spare row. */
    placeholderItems: z.array(z.string()),
  }),
  columns: z.object({ pending: pendingColumns, closed: closedColumns, lines: lineColumns }),
  /** Columns a list cannot be read without; others may be hidden by the user and read as empty. */
  requiredColumns: z.object({
    pending: z.array(pendingColumns.keyof()),
    closed: z.array(closedColumns.keyof()),
    lines: z.array(lineColumns.keyof()),
  }),
  formats: z.object({
    invoiceNumber: z.string(),
    /**
     * How the lists print dates, in the tokens YYYY M MM D DD; or "auto": the format the unambiguous dates of each
     * list page agree on (a day above 12 tells day from month), refusing a page that has none. A fixed format stops
     * at a page whose dates fit only another one, so a wrong setting never stores swapped dates.
     */
    date: z.string().min(1),
    /** Timestamps ("Last Modified"); a leading day/month/year part follows `date`, so only `date` need be set. */
    dateTime: z.string(),
    timeZone: z.string(),
  }),
  waits: z.object({
    /** The grid renders long after the page; the real portal has taken minutes. */
    gridMs: z.number().int().positive(),
    pollMs: z.number().int().positive(),
    /** After a pager click, how long the first row may take to change. */
    pageChangeMs: z.number().int().positive(),
  }),
  items: itemListProfileSchema,
});

export type RouteStarProfile = z.infer<typeof routeStarProfileSchema>;

export const defaultRouteStarProfile: RouteStarProfile = {
  routes: {
    login: '/web/login/',
    pending: '/web/invoices/',
    closed: '/web/closedinvoices/',
    detail: '/web/invoicedetails/{invoiceNumber}',
  },
  login: {
    username: '#username',
    password: '#password',
    submit: 'button[type="submit"].btn-primary',
    error: '.alert-danger, .alert-error',
    urlContains: '/web/login',
  },
  grid: {
    master: 'div.ht_master',
    overlays: '[class*="ht_clone_"]',
    table: 'div.ht_master table.htCore',
    scroller: 'div.ht_master .wtHolder',
    errorBanner: '#grid-error',
    dropdownGlyph: '\u25bc',
    rowCount: { selector: '#row-count', pattern: '(\\d[\\d,]*)\\s+records?' },
  },
  pager: {
    container: 'ul.pagination.bootpag',
    active: 'li.active',
    next: 'li.next',
    disabledClass: 'disabled',
  },
  modals: {
    open: '.jconfirm, .bootbox, .modal.in, .modal.show, .swal2-container',
    dismiss: [
      '.jconfirm button:has-text("CANCEL")',
      '.jconfirm .btn-default',
      '.bootbox button:has-text("CANCEL")',
      '.modal.in .btn-default',
      '.modal.in .close',
    ],
  },
  closedWindow: { inputs: 'input[type="date"]', inputFormat: 'YYYY-MM-DD' },
  detail: {
    linesTab: 'a[href="#tab_line_items"]',
    linesGrid: '#tab_line_items',
    fields: {
      subtotal: '#inv_subtotal',
      tax: '#inv_taxtotal',
      total: '#inv_total',
      signedBy: '#txt_signedby',
      memo: '#txt_memo',
      serviceNotes: '#txt_service_notes',
      salesTaxRate: '#txt_inv_taxrate',
      email: '#txt_email',
      phone: '#txt_phone',
    },
    requiredFields: ['subtotal', 'tax', 'total'],
    placeholderItems: ['Choose..', 'Choose...'],
  },
  columns: {
    pending: {
      invoiceNumber: ['Invoice #'],
      invoiceDate: ['Date', 'Invoice Date'],
      enteredBy: ['Entered By'],
      assignedTo: ['Assigned To'],
      stop: ['Stop'],
      customer: ['Customer'],
      type: ['Type'],
      serviceNotes: ['Service Notes'],
      status: ['Status'],
      isComplete: ['Complete'],
      isPosted: ['Posted'],
      total: ['Total'],
      lastModified: ['Last Modified'],
      payment: ['Payment'],
      arrivalTime: ['Arrival Time'],
    },
    closed: {
      invoiceNumber: ['Invoice #'],
      invoiceDate: ['Invoice Date', 'Date'],
      enteredBy: ['Entered By'],
      assignedTo: ['Assigned To'],
      customer: ['Customer'],
      type: ['Type'],
      serviceNotes: ['Service Notes'],
      status: ['Status'],
      isComplete: ['Complete'],
      isPosted: ['Posted'],
      subtotal: ['Subtotal'],
      total: ['Total'],
      dateCompleted: ['Date Completed'],
      lastModified: ['Last Modified'],
      arrivalTime: ['Arrival Time'],
      departureTime: ['Departure Time'],
      elapsedTime: ['Elapsed Time'],
      customerGrouping: ['Customer Grouping'],
      postedBy: ['Posted By'],
      postedTimestamp: ['Posted TimeStamp', 'Posted Timestamp'],
      paymentMethod: ['Payment Method'],
    },
    lines: {
      itemName: ['Item'],
      description: ['Description'],
      qty: ['Qty', 'Quantity'],
      rate: ['Rate'],
      amount: ['Amount'],
      class: ['Class'],
      warehouse: ['Warehouse'],
      taxCode: ['Tax Code'],
      location: ['Item Location', 'Location'],
    },
  },
  requiredColumns: {
    pending: [
      'invoiceNumber',
      'invoiceDate',
      'customer',
      'status',
      'isComplete',
      'isPosted',
      'total',
      'lastModified',
    ],
    closed: [
      'invoiceNumber',
      'invoiceDate',
      'customer',
      'status',
      'isComplete',
      'isPosted',
      'total',
      'dateCompleted',
    ],
    lines: ['itemName', 'qty'],
  },
  formats: {
    invoiceNumber: '^[A-Z]{2,5}\\d+$',
    date: 'M/D/YYYY',
    dateTime: 'M/D/YYYY h:mm A',
    timeZone: 'America/New_York',
  },
  waits: { gridMs: 300_000, pollMs: 250, pageChangeMs: 15_000 },
  items: defaultItemListProfile,
};

type DeepPartial<T> = T extends unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type RouteStarProfileOverride = DeepPartial<RouteStarProfile>;

/** Objects merge key by key; arrays and values replace, so a list of captions is given whole. */
function merge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (
    base !== null &&
    override !== null &&
    typeof base === 'object' &&
    typeof override === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(override)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override)) out[key] = merge(out[key], value);
    return out;
  }
  return override;
}

/** The default profile with `override` laid over it; `file` names where the override came from in errors. */
export function buildRouteStarProfile(override: unknown = {}, file?: string): RouteStarProfile {
  const result = routeStarProfileSchema.safeParse(merge(defaultRouteStarProfile, override));
  if (result.success) return result.data;
  throw new ProfileError('routestar', profileProblems(result.error), file);
}

/** The default profile, with the JSON file's keys laid over it when a file is named. */
export async function loadRouteStarProfile(file: string | undefined): Promise<RouteStarProfile> {
  if (!file) return defaultRouteStarProfile;
  const override = await readProfileOverride('routestar', file);
  const profile = buildRouteStarProfile(override, file);
  noteDateFormatNamedInFile(profile, override);
  return profile;
}

export function detailPath(profile: RouteStarProfile, invoiceNumber: string): string {
  return profile.routes.detail.replace('{invoiceNumber}', encodeURIComponent(invoiceNumber));
}
