/**
 * Variables of the two vendor portals scraped with Chromium: CustomerConnect (purchase orders, stock IN) and RouteStar
 * (sales invoices, stock OUT). A portal whose URL or credentials are unset is "not configured": its job is not
 * scheduled and its connection check names the variables to set.
 */
import { z } from 'zod';
import type { coreVariables } from './core.js';
import { configured, notConfigured, type Configured } from './configured.js';
import { booleanString, durationMs, variable } from './env.js';

const portalUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s):// URL' });
const positiveInt = z.coerce.number({ message: 'expected a whole number' }).int().min(1);

export const portalVariables = {
  CUSTOMERCONNECT_BASE_URL: variable(portalUrl.optional(), {
    example: 'https://envirostore.mycustomerconnect.com',
    description:
      'CustomerConnect portal address (without /index.php). Unset: the CustomerConnect scraper is off.',
  }),
  CUSTOMERCONNECT_EMAIL: variable(z.string().min(1).optional(), {
    example: 'buyer@example.com',
    description: 'E-mail address used to log in to CustomerConnect.',
  }),
  CUSTOMERCONNECT_PASSWORD: variable(z.string().min(1).optional(), {
    example: 'correct-horse-battery',
    secret: true,
    description: 'Password of the CustomerConnect account.',
  }),
  CUSTOMERCONNECT_SCHEDULE: variable(z.string().min(1).default('4 hours'), {
    example: '4 hours',
    description: 'How often customerconnect.sync runs (cron or Agenda interval).',
  }),
  CUSTOMERCONNECT_CONCURRENCY: variable(positiveInt.max(8).default(1), {
    example: '1',
    description: 'Pages loaded at once from CustomerConnect.',
  }),
  CUSTOMERCONNECT_MIN_SPACING_MS: variable(durationMs.default(500), {
    example: '500',
    description: 'Least time between two page loads started on CustomerConnect, to stay polite.',
  }),
  CUSTOMERCONNECT_STOP_AFTER_KNOWN: variable(positiveInt.default(20), {
    example: '20',
    description:
      'An incremental run stops reading the order list after this many known, unchanged orders in a row.',
  }),
  CUSTOMERCONNECT_PROFILE_FILE: variable(z.string().min(1).optional(), {
    example: './config/customerconnect-profile.json',
    description:
      'JSON file overriding routes, selectors or patterns of the CustomerConnect profile after a site change.',
  }),

  ROUTESTAR_BASE_URL: variable(portalUrl.optional(), {
    example: 'https://emnrv.routestar.online',
    description: 'RouteStar portal address. Unset: the RouteStar scraper is off.',
  }),
  ROUTESTAR_USERNAME: variable(z.string().min(1).optional(), {
    example: 'dispatch',
    description: 'User name used to log in to RouteStar.',
  }),
  ROUTESTAR_PASSWORD: variable(z.string().min(1).optional(), {
    example: 'correct-horse-battery',
    secret: true,
    description: 'Password of the RouteStar account.',
  }),
  ROUTESTAR_SCHEDULE: variable(z.string().min(1).default('2 hours'), {
    example: '2 hours',
    description: 'How often routestar.sync runs (cron or Agenda interval).',
  }),
  ROUTESTAR_CONCURRENCY: variable(positiveInt.max(8).default(1), {
    example: '1',
    description: 'Pages loaded at once from RouteStar.',
  }),
  ROUTESTAR_MIN_SPACING_MS: variable(durationMs.default(1000), {
    example: '1000',
    description: 'Least time between two page loads started on RouteStar, to stay polite.',
  }),
  ROUTESTAR_STOP_AFTER_KNOWN: variable(positiveInt.default(20), {
    example: '20',
    description:
      'An incremental run stops reading an invoice list after this many known, unchanged invoices in a row.',
  }),
  ROUTESTAR_CLOSED_WINDOW_DAYS: variable(positiveInt.max(3650).default(30), {
    example: '30',
    description:
      'Closed invoices are read for this many days back (America/New_York), set explicitly on the page.',
  }),
  ROUTESTAR_PROFILE_FILE: variable(z.string().min(1).optional(), {
    example: './config/routestar-profile.json',
    description:
      'JSON file overriding routes, selectors or column names of the RouteStar profile after a site change.',
  }),

  PORTAL_CONTEXT_RECYCLE_PAGES: variable(positiveInt.default(1000), {
    example: '1000',
    description:
      'A portal browser context is closed and reopened (same login) after this many pages, bounding memory. ' +
      'Each time, every tab loads and compiles the portal scripts again; a context was measured growing about ' +
      '50 KB a page (1,200 RouteStar detail pages in 4 tabs), so this guards against a leaking page.',
  }),
  PORTAL_SESSION_MAX_AGE_MS: variable(durationMs.default(12 * 60 * 60 * 1000), {
    example: '43200000',
    description: 'A saved portal login older than this is not reused; the scraper logs in again.',
  }),
  PORTAL_NAVIGATION_TIMEOUT_MS: variable(durationMs.min(1000).default(90_000), {
    example: '90000',
    description:
      'How long one portal page may take to load before the step is retried (the portals are slow).',
  }),
  PORTAL_RETRY_ATTEMPTS: variable(positiveInt.max(10).default(3), {
    example: '3',
    description:
      'Attempts of one portal step (page load) on a timeout or server error, with exponential backoff.',
  }),
  PORTAL_RETRY_BASE_MS: variable(durationMs.default(2000), {
    example: '2000',
    description: 'First backoff delay between attempts of a portal step; doubles each time, with jitter.',
  }),
  PORTAL_TRACE: variable(booleanString.default(true), {
    example: 'true',
    description:
      'Record a Playwright trace of each portal step so a failing step leaves a trace file with its artefacts.',
  }),
  CHROMIUM_PATH: variable(z.string().min(1).optional(), {
    example: '/usr/bin/chromium-headless-shell',
    description:
      "Chromium binary for the portal scrapers. Unset: Debian's /usr/bin/chromium-headless-shell, else /usr/bin/chromium, else Playwright's.",
  }),
};

export type PortalName = 'customerconnect' | 'routestar';

/** How a person knows each portal, and the variables they set for it: named in every message that asks them to act. */
export const portalDescriptions: Record<
  PortalName,
  { label: string; profileFileVariable: string; credentialVariables: [string, string] }
> = {
  customerconnect: {
    label: 'CustomerConnect',
    profileFileVariable: 'CUSTOMERCONNECT_PROFILE_FILE',
    credentialVariables: ['CUSTOMERCONNECT_EMAIL', 'CUSTOMERCONNECT_PASSWORD'],
  },
  routestar: {
    label: 'RouteStar',
    profileFileVariable: 'ROUTESTAR_PROFILE_FILE',
    credentialVariables: ['ROUTESTAR_USERNAME', 'ROUTESTAR_PASSWORD'],
  },
};

/** One portal's settings, named the same for both portals so shared scraper code can take either. */
export interface PortalSettings {
  portal: PortalName;
  baseUrl: string | undefined;
  username: string | undefined;
  password: string | undefined;
  schedule: string;
  concurrency: number;
  minSpacingMs: number;
  stopAfterKnown: number;
  profileFile: string | undefined;
  recycleAfterPages: number;
  sessionMaxAgeMs: number;
  navigationTimeoutMs: number;
  retryAttempts: number;
  retryBaseMs: number;
  trace: boolean;
  chromiumPath: string | undefined;
  dataDir: string;
}

// Typed from the sections themselves, not from Config: index.ts assembles this file, so importing it back is a cycle.
type PortalConfig = z.infer<z.ZodObject<typeof portalVariables & Pick<typeof coreVariables, 'DATA_DIR'>>>;

export function portalSettings(config: PortalConfig, portal: PortalName): PortalSettings {
  const shared = {
    recycleAfterPages: config.PORTAL_CONTEXT_RECYCLE_PAGES,
    sessionMaxAgeMs: config.PORTAL_SESSION_MAX_AGE_MS,
    navigationTimeoutMs: config.PORTAL_NAVIGATION_TIMEOUT_MS,
    retryAttempts: config.PORTAL_RETRY_ATTEMPTS,
    retryBaseMs: config.PORTAL_RETRY_BASE_MS,
    trace: config.PORTAL_TRACE,
    chromiumPath: config.CHROMIUM_PATH,
    dataDir: config.DATA_DIR,
  };
  if (portal === 'customerconnect') {
    return {
      portal,
      baseUrl: config.CUSTOMERCONNECT_BASE_URL,
      username: config.CUSTOMERCONNECT_EMAIL,
      password: config.CUSTOMERCONNECT_PASSWORD,
      schedule: config.CUSTOMERCONNECT_SCHEDULE,
      concurrency: config.CUSTOMERCONNECT_CONCURRENCY,
      minSpacingMs: config.CUSTOMERCONNECT_MIN_SPACING_MS,
      stopAfterKnown: config.CUSTOMERCONNECT_STOP_AFTER_KNOWN,
      profileFile: config.CUSTOMERCONNECT_PROFILE_FILE,
      ...shared,
    };
  }
  return {
    portal,
    baseUrl: config.ROUTESTAR_BASE_URL,
    username: config.ROUTESTAR_USERNAME,
    password: config.ROUTESTAR_PASSWORD,
    schedule: config.ROUTESTAR_SCHEDULE,
    concurrency: config.ROUTESTAR_CONCURRENCY,
    minSpacingMs: config.ROUTESTAR_MIN_SPACING_MS,
    stopAfterKnown: config.ROUTESTAR_STOP_AFTER_KNOWN,
    profileFile: config.ROUTESTAR_PROFILE_FILE,
    ...shared,
  };
}

/** Whether the portal can be scraped: its settings, or the variables a person still has to set. */
export function portalConfigured(settings: PortalSettings): Configured<PortalSettings> {
  const { label, credentialVariables } = portalDescriptions[settings.portal];
  const given: [string, string | undefined][] = [
    [`${settings.portal.toUpperCase()}_BASE_URL`, settings.baseUrl],
    [credentialVariables[0], settings.username],
    [credentialVariables[1], settings.password],
  ];
  const missing = given.filter(([, value]) => !value).map(([variable]) => variable);
  if (missing.length === 0) return configured(settings);
  return notConfigured(missing, `${label} is not configured: set ${missing.join(', ')} to scrape it.`);
}
