/**
 * Variables of the NetSuite connector (account, one of the two auth modes, limits) and of the NetSuite → OPMS price
 * sync (webhook secret, schedule, field mapping, validation).
 */
import { z } from 'zod';
import { durationMs, listString, variable } from './env.js';

/** One NetSuite field copied to one OPMS column; `source` says how SuiteQL reads it. */
export const priceFieldMappingSchema = z.object({
  /** Field name as the user-event webhook sends it (price_1_, cost, custitem_f3_rollprice…). */
  from: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** OPMS destination: the price or cost table, and its column. */
  to: z.object({ table: z.enum(['price', 'cost']), column: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
  source: z.union([
    z.object({ itemColumn: z.string().regex(/^[a-z][a-z0-9_]*$/) }),
    z.object({ priceLevel: z.number().int().positive(), currency: z.number().int().positive().default(1) }),
  ]),
});
export type PriceFieldMapping = z.infer<typeof priceFieldMappingSchema>;

export const defaultPriceFieldMappings: PriceFieldMapping[] = [
  { from: 'price_1_', to: { table: 'price', column: 'p_res_cut' }, source: { priceLevel: 1, currency: 1 } },
  {
    from: 'price_1_5',
    to: { table: 'price', column: 'p_hosp_roll' },
    source: { priceLevel: 5, currency: 1 },
  },
  { from: 'cost', to: { table: 'cost', column: 'cost_cut' }, source: { itemColumn: 'cost' } },
  {
    from: 'custitem_f3_rollprice',
    to: { table: 'cost', column: 'cost_roll' },
    source: { itemColumn: 'custitem_f3_rollprice' },
  },
];

const fieldMappingsJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of field mappings' });
      return z.NEVER;
    }
  })
  .pipe(z.array(priceFieldMappingSchema).min(1));

export const netsuiteVariables = {
  NETSUITE_ACCOUNT_ID: variable(
    z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .optional(),
    {
      example: '1234567_SB1',
      description:
        'NetSuite account id as shown in Setup > Company > Company Information. Unset: NetSuite is not configured.',
    },
  ),
  NETSUITE_BASE_URL: variable(z.url().optional(), {
    example: 'https://1234567-sb1.suitetalk.api.netsuite.com',
    description: 'Override of the REST host; default derived from the account id.',
  }),
  NETSUITE_TIMEZONE: variable(z.string().min(1).default('UTC'), {
    example: 'America/Los_Angeles',
    description:
      'Time zone of the integration user (Set Preferences); SuiteQL dates are in it, cursors are kept in UTC.',
  }),
  NETSUITE_CLIENT_ID: variable(z.string().min(1).optional(), {
    example: 'a1b2c3…',
    description: 'OAuth 2.0 machine-to-machine: the integration record client id.',
  }),
  NETSUITE_CERTIFICATE_ID: variable(z.string().min(1).optional(), {
    example: 'Pa2E…',
    description: 'OAuth 2.0: Certificate ID of the client-credentials mapping (JWT kid).',
  }),
  NETSUITE_PRIVATE_KEY: variable(z.string().min(1).optional(), {
    example: '/etc/syncworker/netsuite-key.pem',
    secret: true,
    description: 'OAuth 2.0: the certificate private key, PEM text or a path to a PEM file.',
  }),
  NETSUITE_JWT_ALGORITHM: variable(z.enum(['PS256', 'ES256']).default('PS256'), {
    example: 'PS256',
    description: 'OAuth 2.0: JWT signing algorithm (PS256 for an RSA key, ES256 for an EC P-256 key).',
  }),
  NETSUITE_SCOPES: variable(z.string().min(1).default('rest_webservices'), {
    example: 'rest_webservices',
    description: 'OAuth 2.0: scopes asked for.',
  }),
  NETSUITE_CONSUMER_KEY: variable(z.string().min(1).optional(), {
    example: '8f3e…',
    secret: true,
    description: 'Token-based authentication (OAuth 1.0a): integration consumer key.',
  }),
  NETSUITE_CONSUMER_SECRET: variable(z.string().min(1).optional(), {
    example: '1c7a…',
    secret: true,
    description: 'TBA: integration consumer secret.',
  }),
  NETSUITE_TOKEN_ID: variable(z.string().min(1).optional(), {
    example: '44d1…',
    secret: true,
    description: 'TBA: access token id.',
  }),
  NETSUITE_TOKEN_SECRET: variable(z.string().min(1).optional(), {
    example: '9e0b…',
    secret: true,
    description: 'TBA: access token secret.',
  }),
  NETSUITE_REQUESTS_PER_SECOND: variable(z.coerce.number().positive().max(100).default(1), {
    example: '1',
    description: 'Requests per second sent to the account.',
  }),
  NETSUITE_CONCURRENCY: variable(z.coerce.number().int().min(1).max(50).default(5), {
    example: '5',
    description: 'Requests in flight at once (the account governance limit, shared with other integrations).',
  }),
  NETSUITE_MAX_RETRIES: variable(z.coerce.number().int().min(0).max(20).default(6), {
    example: '6',
    description:
      'Retries of a request refused for concurrency (429) or a server error, with exponential backoff.',
  }),
  NETSUITE_RETRY_BASE_MS: variable(durationMs.default(1000), {
    example: '1000',
    description: 'First backoff delay; doubled each retry, with jitter.',
  }),
  NETSUITE_OPMS_WEBHOOK_SECRET: variable(z.string().min(16).optional(), {
    example: 'a-long-random-string-shared-with-the-suitescript',
    secret: true,
    description:
      'Bearer secret the NetSuite user-event script sends to POST /api/sync/netsuite-to-opms/webhook.',
  }),
  NETSUITE_OPMS_SCHEDULE: variable(z.string().min(1).default('15 minutes'), {
    example: '15 minutes',
    description: 'How often the incremental NetSuite → OPMS price sync runs (cron or interval).',
  }),
  NETSUITE_OPMS_OVERLAP_MS: variable(durationMs.default(10 * 60 * 1000), {
    example: '600000',
    description:
      'The incremental sync re-reads items modified this long before its saved cursor (late commits, clock skew).',
  }),
  NETSUITE_OPMS_PAGE_SIZE: variable(z.coerce.number().int().min(1).max(1000).default(1000), {
    example: '1000',
    description: 'SuiteQL rows per page (NetSuite allows at most 1000).',
  }),
  NETSUITE_OPMS_FIELD_MAP: variable(fieldMappingsJson.optional(), {
    example: '[{"from":"price_1_","to":{"table":"price","column":"p_res_cut"},"source":{"priceLevel":1}}]',
    description:
      'NetSuite → OPMS price fields as JSON; default: price_1_→p_res_cut, price_1_5→p_hosp_roll, cost→cost_cut, custitem_f3_rollprice→cost_roll.',
  }),
  NETSUITE_OPMS_MAX_PRICE: variable(z.coerce.number().positive().default(100_000), {
    example: '100000',
    description: 'Prices and costs above this are refused and the item is quarantined for a person to check.',
  }),
  NETSUITE_OPMS_SKIP_FIELD: variable(
    z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .default('custitemf3_lisa_item'),
    {
      example: 'custitemf3_lisa_item',
      description: 'Checkbox item field: items with it ticked are not synced to OPMS (counted as skipped).',
    },
  ),
  NETSUITE_OPMS_ITEM_TYPES: variable(listString.default(['InvtPart']), {
    example: 'InvtPart',
    description: 'SuiteQL item types synced (inventory and lot-numbered inventory items are both InvtPart).',
  }),
};
