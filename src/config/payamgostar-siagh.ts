/**
 * Variables of the Payamgostar CRM → Siagh finance flow: the secret token the CRM's webhook URL carries, how often
 * the CRM is polled for changes whose webhook was lost, the loop-prevention time gate, the initial import's
 * parallelism and the pre-invoice header values a tenant chooses. The two systems' own connection settings are in
 * payamgostar.ts and siagh.ts.
 */
import { z } from 'zod';
import { durationMs, variable } from './env.js';

export const payamgostarSiaghVariables = {
  PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN: variable(
    z
      .string()
      .regex(/^[A-Za-z0-9._~-]{16,200}$/, 'expected 16 to 200 URL-safe characters (letters, digits, . _ ~ -)')
      .optional(),
    {
      example: 'k7Qm2vX9pLr4tW8zN3bC',
      secret: true,
      description:
        'Secret token in the webhook URLs given to the CRM (…/api/sync/payamgostar-siagh/webhook?token=…); the CRM signs nothing, so a call without it gets 401. Unset: webhooks are refused and the poll carries the sync.',
    },
  ),
  PAYAMGOSTAR_SIAGH_POLL_SCHEDULE: variable(z.string().min(1).default('5 minutes'), {
    example: '5 minutes',
    description:
      'How often payamgostar-siagh.poll looks for CRM customers changed without a webhook (cron or interval).',
  }),
  PAYAMGOSTAR_SIAGH_POLL_RECHECK: variable(z.coerce.number().int().min(0).max(100_000).default(100), {
    example: '100',
    description:
      'Mapped customers read in full and compared by checksum on each poll, least recently checked first (the CRM lists no modification dates, so edits that keep the name and customer number are found this way).',
  }),
  PAYAMGOSTAR_SIAGH_DRIFT_SCHEDULE: variable(z.string().min(1).default('1 hour'), {
    example: '1 hour',
    description:
      'How often payamgostar-siagh.drift-check reads every Siagh contact and reports those changed in Siagh only (they are not copied to the CRM).',
  }),
  PAYAMGOSTAR_SIAGH_ECHO_WINDOW_MS: variable(durationMs.max(600_000).default(10_000), {
    example: '10000',
    description:
      "Time gate of the loop prevention: for this long after the worker wrote a record to one system, a difference in only the fields it wrote is that system's rendering of the write, not a change to send back.",
  }),
  PAYAMGOSTAR_SIAGH_IMPORT_PARALLELISM: variable(z.coerce.number().int().min(1).max(64).default(10), {
    example: '10',
    description:
      'CRM creates in flight at once during the initial import (the CRM rate limit PAYAMGOSTAR_REQUESTS_PER_SECOND still applies).',
  }),
  PAYAMGOSTAR_SIAGH_SALES_CENTER: variable(z.coerce.number().int().min(1).optional(), {
    example: '1',
    description:
      'Siagh sales centre (codemarkazforush) of the pre-invoices made from CRM quotes. Unset: left empty.',
  }),
};
