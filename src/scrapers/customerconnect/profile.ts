/**
 * Everything the CustomerConnect scraper knows about the portal's pages — routes, selectors, text patterns, column
 * headings, date format, time zone, statuses — as data. The defaults follow the research (an OpenCart 1.5 storefront);
 * a JSON file named by CUSTOMERCONNECT_PROFILE_FILE can override any part, so a site change is fixed without a release.
 */
import { z } from 'zod';
import { AUTO_DATE_FORMAT } from '../date-format.js';
import { ProfileError } from '../errors.js';
import { noteDateFormatNamedInFile, profileProblems, readProfileOverride } from '../profile-file.js';

/** The date formats CustomerConnect portals print. */
export const portalDateFormats = ['MM/DD/YYYY', 'DD/MM/YYYY', 'YYYY-MM-DD'] as const;
export type PortalDateFormat = (typeof portalDateFormats)[number];

export const canonicalStatuses = [
  'Pending',
  'Processing',
  'Processed',
  'Shipped',
  'Complete',
  'Cancelled',
  'Denied',
  'Canceled Reversal',
  'Failed',
  'Refunded',
  'Reversed',
  'Chargeback',
  'Expired',
  'Voided',
] as const;
export type CanonicalStatus = (typeof canonicalStatuses)[number];

const pattern = z
  .string()
  .min(1)
  .refine(
    (source) => {
      try {
        new RegExp(source, 'i');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  );

const selector = z.string().min(1);

const sections = {
  routes: z.object({
    login: z.string().min(1),
    /** Where a successful login lands; reaching it proves the login worked. */
    account: z.string().min(1),
    orderList: z.string().min(1),
    /** `{orderNumber}` is replaced by the order's number. */
    orderInfo: z.string().includes('{orderNumber}'),
  }),
  login: z.object({
    email: selector,
    password: selector,
    submit: selector,
    error: selector,
    loggedIn: selector,
  }),
  list: z.object({
    row: selector,
    detailLink: selector,
    pagination: selector,
    results: selector,
    links: selector,
    currentPage: selector,
    nextLinkText: z.string().min(1),
    /** Shown instead of rows by an account without orders. */
    emptyText: z.string().min(1),
  }),
  patterns: z.object({
    orderId: pattern,
    status: pattern,
    dateAdded: pattern,
    total: pattern,
    vendors: pattern,
    poNumbers: pattern,
    results: pattern,
    detailOrderId: pattern,
    detailPo: pattern,
    detailDate: pattern,
  }),
  detail: z.object({
    tables: selector,
    productHeadings: z.object({
      name: z.string().min(1),
      model: z.string().min(1),
      quantity: z.string().min(1),
      price: z.string().min(1),
      total: z.string().min(1),
    }),
    /** Footer labels, matched against the label without its colon; exact patterns keep "Total" apart from "Sub-Total". */
    totals: z.object({ subtotal: pattern, tax: pattern, shipping: pattern, total: pattern }),
    historyHeading: z.string().min(1),
    notFoundText: z.string().min(1),
  }),
  /**
   * How pages are loaded for reading. The portal renders its account pages on the server, so the HTML can be taken
   * as served ("commit") without running scripts: each page is fetched from inside a tab on the portal's origin
   * instead of navigated to, which cuts Chromium's work per page about eightfold; a site change that moves content
   * into scripts is met by switching these back ("domcontentloaded", scripts on), which navigates to every page.
   * The login form always runs with scripts.
   */
  pageLoad: z.object({
    waitUntil: z.enum(['commit', 'domcontentloaded', 'load']),
    javaScript: z.boolean(),
  }),
  formats: z.object({
    /**
     * How the portal prints dates. "auto" takes the format the unambiguous dates of each list page agree on (a day
     * above 12 tells day from month) and refuses a page that has none; a fixed format stops at a page whose dates
     * fit only another one, so a wrong setting never stores swapped dates.
     */
    date: z.enum([...portalDateFormats, AUTO_DATE_FORMAT]),
    timeZone: z.string().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', {
      message: 'not an IANA time zone such as America/New_York',
    }),
  }),
  /** Status labels as the portal prints them (lower case) → our status. A label not here is quarantined, never guessed. */
  statuses: z.record(z.string(), z.enum(canonicalStatuses)),
};

export const customerConnectProfileSchema = z.object(sections).strict();
export type CustomerConnectProfile = z.infer<typeof customerConnectProfileSchema>;

const defaultStatuses: Record<string, CanonicalStatus> = Object.fromEntries([
  ...canonicalStatuses.map((s) => [s.toLowerCase(), s] as const),
  ['completed', 'Complete'],
  ['canceled', 'Cancelled'],
  ['cancelled reversal', 'Canceled Reversal'],
]);

export const defaultCustomerConnectProfile: CustomerConnectProfile = {
  routes: {
    login: '/index.php?route=account/login&SSL',
    account: '/index.php?route=account/account',
    orderList: '/index.php?route=account/order',
    orderInfo: '/index.php?route=account/order/info&order_id={orderNumber}',
  },
  login: {
    email: 'input[name="email"]',
    password: 'input[name="password"]',
    submit: 'input[type="submit"][value="Login"]',
    error: '.warning, .alert-danger, .error',
    loggedIn: 'a[href*="account/logout"]',
  },
  list: {
    row: '#content div.order-list',
    detailLink: 'a[href*="order/info"]',
    pagination: '#content .pagination',
    results: '.results',
    links: '.links',
    currentPage: 'b',
    nextLinkText: '>',
    emptyText: 'You have not made any previous orders',
  },
  patterns: {
    orderId: 'Order ID:\\s*#?(\\d+)',
    status: 'Status:\\s*(.*)',
    dateAdded: 'Date\\s*(?:Added)?:\\s*(\\S+)',
    total: 'Total:\\s*(.*)',
    vendors: 'Vendor\\(s\\):\\s*(.*)',
    poNumbers: 'PO\\s*Number\\(s\\):\\s*(.*)',
    results: 'Showing\\s+(\\d+)\\s+to\\s+(\\d+)\\s+of\\s+(\\d+)\\s+\\((\\d+)\\s+Pages?\\)',
    detailOrderId: 'Order ID:\\s*#?(\\d+)',
    detailPo: 'PO\\s*#:\\s*(.*)',
    detailDate: 'Date Added:\\s*(\\S+)',
  },
  detail: {
    tables: '#content table.list',
    productHeadings: {
      name: 'Product Name',
      model: 'Model',
      quantity: 'Quantity',
      price: 'Price',
      total: 'Total',
    },
    totals: {
      subtotal: '^sub-?total$',
      tax: 'tax',
      shipping: 'shipping|freight|delivery',
      total: '^total$',
    },
    historyHeading: 'Comment',
    notFoundText: 'cannot be found',
  },
  pageLoad: { waitUntil: 'commit', javaScript: false },
  formats: { date: 'MM/DD/YYYY', timeZone: 'America/New_York' },
  statuses: defaultStatuses,
};

/** Any part of the profile, any depth: a file names only what changed on the site. */
const overrideSchema = z
  .object({
    routes: sections.routes.partial().strict(),
    login: sections.login.partial().strict(),
    list: sections.list.partial().strict(),
    patterns: sections.patterns.partial().strict(),
    detail: sections.detail
      .extend({
        productHeadings: sections.detail.shape.productHeadings.partial().strict(),
        totals: sections.detail.shape.totals.partial().strict(),
      })
      .partial()
      .strict(),
    pageLoad: sections.pageLoad.partial().strict(),
    formats: sections.formats.partial().strict(),
    statuses: sections.statuses,
  })
  .partial()
  .strict();
export type CustomerConnectProfileOverride = z.infer<typeof overrideSchema>;

export function applyProfileOverride(
  base: CustomerConnectProfile,
  override: CustomerConnectProfileOverride,
): CustomerConnectProfile {
  return customerConnectProfileSchema.parse({
    routes: { ...base.routes, ...override.routes },
    login: { ...base.login, ...override.login },
    list: { ...base.list, ...override.list },
    patterns: { ...base.patterns, ...override.patterns },
    detail: {
      ...base.detail,
      ...override.detail,
      productHeadings: { ...base.detail.productHeadings, ...override.detail?.productHeadings },
      totals: { ...base.detail.totals, ...override.detail?.totals },
    },
    pageLoad: { ...base.pageLoad, ...override.pageLoad },
    formats: { ...base.formats, ...override.formats },
    // Added labels extend the known ones: a new status on the site is mapped without repeating the others.
    statuses: {
      ...base.statuses,
      ...Object.fromEntries(Object.entries(override.statuses ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    },
  });
}

export async function loadCustomerConnectProfile(file: string | undefined): Promise<CustomerConnectProfile> {
  if (!file) return defaultCustomerConnectProfile;
  const parsed = overrideSchema.safeParse(await readProfileOverride('customerconnect', file));
  if (!parsed.success) throw new ProfileError('customerconnect', profileProblems(parsed.error), file);
  const profile = applyProfileOverride(defaultCustomerConnectProfile, parsed.data);
  noteDateFormatNamedInFile(profile, parsed.data);
  return profile;
}

export function orderInfoPath(profile: CustomerConnectProfile, orderNumber: string): string {
  return profile.routes.orderInfo.replace('{orderNumber}', encodeURIComponent(orderNumber));
}
