/**
 * Variables of the Payamgostar (CRM) connector: where the CRM is, the web-service user it logs in as, how hard it may
 * be asked, and the customer-number format that ties a CRM identity to a Siagh contact. Without the URL, user name
 * and password the connector is "not configured".
 */
import { z } from 'zod';
import { durationMs, variable } from './env.js';

export const payamgostarVariables = {
  PAYAMGOSTAR_URL: variable(
    z.url({ protocol: /^https?$/, message: 'expected an http(s):// URL' }).optional(),
    {
      example: 'https://crm.example.ir',
      description:
        'Base URL of the Payamgostar CRM (without /api). Unset: the Payamgostar connector is not configured.',
    },
  ),
  PAYAMGOSTAR_USERNAME: variable(z.string().min(1).optional(), {
    example: 'webservice',
    description:
      'CRM user the worker logs in as (its licence needs the MobileApp module: the API is the app’s).',
  }),
  PAYAMGOSTAR_PASSWORD: variable(z.string().min(1).optional(), {
    example: 'correct-horse-battery',
    secret: true,
    description: 'Password of the CRM user.',
  }),
  PAYAMGOSTAR_DEVICE_ID: variable(z.string().min(1).max(100).default('syncworker'), {
    example: 'syncworker-prod',
    description: 'Device id sent with each login; the CRM lists the worker’s sessions under it.',
  }),
  PAYAMGOSTAR_PAGE_SIZE: variable(z.coerce.number().int().min(1).max(1000).default(150), {
    example: '150',
    description:
      'Identities asked for per page when listing (0-based pages; a page with fewer rows is the last).',
  }),
  PAYAMGOSTAR_REQUESTS_PER_SECOND: variable(z.coerce.number().min(0.1).max(1000).default(5), {
    example: '5',
    description: 'Most requests per second sent to the CRM (logins included).',
  }),
  PAYAMGOSTAR_TIMEOUT_MS: variable(durationMs.default(30_000), {
    example: '30000',
    description: 'Time limit of one request to the CRM.',
  }),
  PAYAMGOSTAR_RETRIES: variable(z.coerce.number().int().min(0).max(10).default(3), {
    example: '3',
    description:
      'Retries of one request after a network error, 429 or 5xx; a create that may have reached the CRM is never resent.',
  }),
  PAYAMGOSTAR_RETRY_BASE_MS: variable(durationMs.default(500), {
    example: '500',
    description: 'First delay between request retries; Retry-After from the CRM wins when it is longer.',
  }),
  PAYAMGOSTAR_LOGIN_COOLDOWN_MS: variable(durationMs.default(15 * 60 * 1000), {
    example: '900000',
    description:
      'After the CRM refuses the login (wrong password, or 403 too many attempts), no login is tried for this long, so the lock-out is not prolonged.',
  }),
  PAYAMGOSTAR_TIME_ZONE: variable(
    z
      .string()
      .refine((tz) => isTimeZone(tz), { message: 'expected an IANA time zone name' })
      .default('Asia/Tehran'),
    {
      example: 'Asia/Tehran',
      description:
        'Time zone of the CRM server: its creatDate/modifyDate are wall-clock times in it, without offset.',
    },
  ),
  PAYAMGOSTAR_CUSTOMER_NUMBER_PREFIX: variable(
    z
      .string()
      .regex(/^[\x21-\x7e]{1,20}$/, 'expected up to 20 printable ASCII characters without spaces')
      .default('100-'),
    {
      example: '100-',
      description: 'Text before the number in a CRM customer number: Siagh Code 1 is "100-1001" by default.',
    },
  ),
  PAYAMGOSTAR_CUSTOMER_NUMBER_OFFSET: variable(
    z.coerce.number().int().min(0).max(1_000_000_000).default(1000),
    {
      example: '1000',
      description:
        'Added to the Siagh Code to make the number in a CRM customer number (and subtracted back).',
    },
  ),
};

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
