/**
 * Variables of the ERPNext customer connector and of the local customer records it keeps in step. Without
 * ERPNEXT_URL and the API key pair the connector is "not configured": the local customer API still works and outbox
 * entries wait until ERPNext is set up.
 */
import { z } from 'zod';
import { durationMs, variable } from './env.js';

export const conflictPolicies = ['newer-wins', 'local-wins', 'remote-wins'] as const;
export type ConflictPolicy = (typeof conflictPolicies)[number];

export const erpnextVariables = {
  ERPNEXT_URL: variable(z.url({ protocol: /^https?$/, message: 'expected an http(s):// URL' }).optional(), {
    example: 'https://erp.example.com',
    description:
      'Base URL of the ERPNext site (without /api). Unset: the ERPNext connector is not configured.',
  }),
  ERPNEXT_API_KEY: variable(z.string().min(1).optional(), {
    example: '0a1b2c3d4e5f6a7',
    secret: true,
    description: 'API key of the ERPNext integration user (User → API Access → Generate Keys).',
  }),
  ERPNEXT_API_SECRET: variable(z.string().min(1).optional(), {
    example: '9f8e7d6c5b4a3f2',
    secret: true,
    description: 'API secret shown once when the ERPNext API key was generated.',
  }),
  ERPNEXT_WEBHOOK_SECRET: variable(z.string().min(8).optional(), {
    example: 'long-random-shared-secret',
    secret: true,
    description:
      'Webhook Secret of the ERPNext Customer webhooks ("Enable Security"); unset: webhooks are refused.',
  }),
  ERPNEXT_TIME_ZONE: variable(
    z
      .string()
      .refine((tz) => isTimeZone(tz), { message: 'expected an IANA time zone name' })
      .default('UTC'),
    {
      example: 'America/New_York',
      description:
        "Time zone of the ERPNext site's System Settings: ERPNext timestamps are naive local times in it.",
    },
  ),
  ERPNEXT_COMPANY: variable(z.string().min(1).optional(), {
    example: 'Acme Supplies LLC',
    description:
      'ERPNext Company whose credit limit the local credit limit is. Unset: credit limits are not synced.',
  }),
  ERPNEXT_VAT_FIELD: variable(
    z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'expected a field name like custom_vat_number')
      .optional(),
    {
      example: 'custom_vat_number',
      description:
        'Custom field on the ERPNext Customer holding the VAT number (ERPNext has none). Unset: kept locally only.',
    },
  ),
  CUSTOMER_DEFAULT_COUNTRY: variable(z.string().min(1).default('United States'), {
    example: 'United States',
    description: 'Country of a new customer address when none is given (an ERPNext Country name).',
  }),
  ERPNEXT_PULL_SCHEDULE: variable(z.string().min(1).default('15 minutes'), {
    example: '15 minutes',
    description:
      'How often erpnext.pull-customers reads customers changed in ERPNext (cron or "every" interval).',
  }),
  ERPNEXT_PUSH_SCHEDULE: variable(z.string().min(1).default('1 minute'), {
    example: '1 minute',
    description:
      'How often erpnext.push-customers retries waiting outbox entries (each local write also pushes at once).',
  }),
  ERPNEXT_PAGE_SIZE: variable(z.coerce.number().int().min(1).max(1000).default(200), {
    example: '200',
    description:
      'Customers asked for per page when pulling (ERPNext answers only 20 when a client forgets to ask).',
  }),
  ERPNEXT_PULL_OVERLAP_MS: variable(durationMs.default(60_000), {
    example: '60000',
    description:
      'Each pull re-reads changes this far before its saved cursor, to catch late commits; re-reads write nothing.',
  }),
  ERPNEXT_REQUESTS_PER_SECOND: variable(z.coerce.number().min(0.1).max(1000).default(10), {
    example: '10',
    description: 'Most requests per second sent to ERPNext.',
  }),
  ERPNEXT_TIMEOUT_MS: variable(durationMs.default(15_000), {
    example: '15000',
    description: 'Time limit of one request to ERPNext.',
  }),
  ERPNEXT_RETRIES: variable(z.coerce.number().int().min(0).max(10).default(3), {
    example: '3',
    description:
      'Retries of one request after a network error, 429 or 5xx (with exponential backoff and jitter).',
  }),
  ERPNEXT_RETRY_BASE_MS: variable(durationMs.default(500), {
    example: '500',
    description: 'First delay between request retries; Retry-After from ERPNext wins when it is longer.',
  }),
  ERPNEXT_PUSH_MAX_ATTEMPTS: variable(z.coerce.number().int().min(1).max(50).default(8), {
    example: '8',
    description: 'Deliveries tried for one outbox entry before it is left as failed for a person to retry.',
  }),
  ERPNEXT_PUSH_BACKOFF_MS: variable(durationMs.default(30_000), {
    example: '30000',
    description:
      'Wait after the first failed delivery of an outbox entry; doubles with each attempt (with jitter).',
  }),
  ERPNEXT_CONFLICT_POLICY: variable(z.enum(conflictPolicies).default('newer-wins'), {
    example: 'newer-wins',
    description:
      'Which value a field changed on both sides keeps: the newer change, always local, or always ERPNext.',
  }),
};

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
