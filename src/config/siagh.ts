/**
 * Variables of the Siagh (finance) connector. Without SIAGH_URL, a user name and a password (or its MD5) the
 * connector is "not configured" and says which of them to set.
 */
import { z } from 'zod';
import { durationMs, variable } from './env.js';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const siaghVariables = {
  SIAGH_URL: variable(z.url({ protocol: /^https?$/, message: 'expected an http(s):// URL' }).optional(), {
    example: 'http://siagh.example.local:8045',
    description:
      'Base URL of the Siagh web API (where /GeneralApi/LoginUser is). Unset: Siagh is not configured.',
  }),
  SIAGH_USERNAME: variable(z.string().min(1).optional(), {
    example: 'مدیر سیستم',
    description: 'Siagh user the worker logs in as (may be Persian).',
  }),
  SIAGH_PASSWORD: variable(z.string().min(1).optional(), {
    example: 'correct-horse-battery',
    secret: true,
    description:
      'Password of the Siagh user; or set SIAGH_PASSWORD_MD5 instead so the password itself is not stored.',
  }),
  SIAGH_PASSWORD_MD5: variable(
    z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex digits (run `syncworker siagh-hash` to get them)')
      .transform((v) => v.toUpperCase())
      .optional(),
    {
      example: '09F31F46F81F8FAB873FBC0420173519',
      secret: true,
      description:
        'MD5 of the Siagh password as Siagh expects it (upper-case hex), printed by `syncworker siagh-hash`.',
    },
  ),
  SIAGH_FISCAL_YEAR: variable(z.coerce.number().int().min(1300).max(1600).optional(), {
    example: '1404',
    description:
      'Jalali fiscal year pre-invoices are written in. Unset: the year Siagh reports at login (its open fiscal year).',
  }),
  SIAGH_TIME_ZONE: variable(
    z
      .string()
      .refine((tz) => isTimeZone(tz), { message: 'expected an IANA time zone name' })
      .default('Asia/Tehran'),
    {
      example: 'Asia/Tehran',
      description: "Time zone of Siagh's SystemDate/SystemTime and Jalali dates.",
    },
  ),
  SIAGH_REQUESTS_PER_SECOND: variable(z.coerce.number().min(0.1).max(1000).default(5), {
    example: '5',
    description: 'Most requests per second sent to Siagh.',
  }),
  SIAGH_CONCURRENCY: variable(z.coerce.number().int().min(1).max(32).default(2), {
    example: '2',
    description: 'Requests to Siagh in flight at once.',
  }),
  SIAGH_TIMEOUT_MS: variable(durationMs.min(1).default(30_000), {
    example: '30000',
    description:
      'Time limit of one request to Siagh (for the contact list: until it starts, then between two pieces of it).',
  }),
  SIAGH_RETRIES: variable(z.coerce.number().int().min(0).max(10).default(3), {
    example: '3',
    description:
      'Retries of one request after a network error, 429 or 5xx; a write is retried only when that cannot duplicate it.',
  }),
  SIAGH_RETRY_BASE_MS: variable(durationMs.default(500), {
    example: '500',
    description: 'First delay between request retries; Retry-After from Siagh wins when it is longer.',
  }),
  SIAGH_PREINVOICE_LOOKUP_PATH: variable(
    z
      .string()
      .regex(/^\/\S*$/, 'expected a path starting with /')
      .default('/api/Sgh/SL/Sl_Sanad/GetAll'),
    {
      example: '/api/Sgh/SL/Sl_Sanad/GetAll',
      description:
        'Siagh list of pre-invoices filtered by their _In_Suid, read before a pre-invoice is sent again (inferred path: check it on your Siagh).',
    },
  ),
};
