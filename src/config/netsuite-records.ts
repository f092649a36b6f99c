/**
 * Variables of the NetSuite records flow (customers, invoices and credit notes read through SuiteQL): schedule,
 * overlap, the account's date format, which columns hold the revenue category and period, and the seed's rules for
 * statuses, subscription lines and the lines counted as revenue.
 */
import { z } from 'zod';
import { durationMs, listString, variable } from './env.js';

export const accountDateFormats = [
  'DD/MM/YYYY',
  'M/D/YYYY',
  'MM/DD/YYYY',
  'D/M/YYYY',
  'DD.MM.YYYY',
  'YYYY-MM-DD',
] as const;
export type AccountDateFormat = (typeof accountDateFormats)[number];

export const lineFilters = ['category', 'net_amount'] as const;
export type LineFilter = (typeof lineFilters)[number];

const columnName = z.string().regex(/^[a-z][a-z0-9_]*$/, {
  message: 'expected a SuiteQL column name in lower case, e.g. custcol_revenue_category',
});

/** Names the flow's own queries give their columns: extra columns may not take them. */
const reservedAliases = new Set([
  'id',
  'entityid',
  'companyname',
  'email',
  'currency',
  'subsidiary',
  'isinactive',
  'lastmodified',
  'tranid',
  'entity',
  'trandate',
  'status',
  'total',
  'appliesto',
  'lineid',
  'item',
  'memo',
  'netamount',
  'foreignamount',
  'revenuecategory',
  'periodstart',
  'periodend',
]);

const columnList = listString.pipe(
  z.array(
    columnName.refine((name) => !reservedAliases.has(name), {
      message: 'is a name the flow already uses for a column of its own',
    }),
  ),
);

const statusPair = /^([A-Za-z0-9]+)\s*=\s*([a-z][a-z_]*)$/;

/** `A=open,B=paid,D=pending` → NetSuite status code → our status. */
export function parseStatusMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const m = statusPair.exec(pair.trim());
    if (m) map[m[1]!] = m[2]!;
  }
  return map;
}

/** Kept as written (so the README shows it so); parseStatusMap reads it. */
const statusMap = z.string().refine((text) => text.split(',').every((pair) => statusPair.test(pair.trim())), {
  message: 'expected CODE=status pairs separated by commas, e.g. A=open,B=paid',
});

export const netsuiteRecordsVariables = {
  NETSUITE_DATE_FORMAT: variable(z.enum(accountDateFormats).default('DD/MM/YYYY'), {
    example: 'M/D/YYYY',
    description:
      'Date format of the integration user (Set Preferences): dates SuiteQL cannot give as ISO are read in it, and a value that does not fit is quarantined.',
  }),
  NETSUITE_RECORDS_SCHEDULE: variable(z.string().min(1).default('15 minutes'), {
    example: '15 minutes',
    description:
      'How often netsuite.records.incremental reads customers, invoices, credit notes and deletions changed in NetSuite (cron or interval).',
  }),
  NETSUITE_RECORDS_OVERLAP_MS: variable(durationMs.default(10 * 60 * 1000), {
    example: '600000',
    description:
      'Each incremental pass re-reads records modified this long before its saved cursor (late commits, clock skew); re-reads write nothing.',
  }),
  NETSUITE_RECORDS_PAGE_SIZE: variable(z.coerce.number().int().min(1).max(1000).default(1000), {
    example: '1000',
    description: 'SuiteQL rows per page for the records flow (NetSuite allows at most 1000).',
  }),
  NETSUITE_RECORDS_REVENUE_CATEGORY_FIELD: variable(columnName.default('custcol_revenue_category'), {
    example: 'custcol_revenue_category',
    description: 'Transaction line column holding the revenue category.',
  }),
  NETSUITE_RECORDS_PERIOD_START_FIELD: variable(columnName.default('custcol_rev_period_start'), {
    example: 'custcol_rev_period_start',
    description: 'Transaction line column holding the start of the revenue period.',
  }),
  NETSUITE_RECORDS_PERIOD_END_FIELD: variable(columnName.default('custcol_rev_period_end'), {
    example: 'custcol_rev_period_end',
    description: 'Transaction line column holding the end of the revenue period.',
  }),
  NETSUITE_RECORDS_PERIOD_DATES: variable(z.enum(['iso', 'account']).default('iso'), {
    example: 'account',
    description:
      'iso: the period columns are date fields, asked for as ISO with TO_CHAR. account: they are text fields holding dates as people type them, read with NETSUITE_DATE_FORMAT.',
  }),
  NETSUITE_RECORDS_SUBSCRIPTION_CATEGORIES: variable(listString.default(['Subscription']), {
    example: 'Subscription,SaaS',
    description:
      'Revenue categories (case-insensitive) of subscription lines; a line is a subscription only when its period also ends after it starts, else one-off.',
  }),
  NETSUITE_RECORDS_LINE_FILTERS: variable(
    listString.pipe(z.array(z.enum([...lineFilters, 'none']))).default([...lineFilters]),
    {
      example: 'category,net_amount',
      description:
        'What a line needs to count as revenue: category (a revenue category) and/or net_amount (a net amount), or none. Lines left out are kept, flagged, and counted as skipped.',
    },
  ),
  NETSUITE_RECORDS_STATUS_MAP: variable(statusMap.default('A=open,B=paid,D=pending'), {
    example: 'A=open,B=paid,D=pending',
    description:
      'Transaction status codes and the status they are stored as; any other code is kept as NetSuite gives it and counted in the run.',
  }),
  NETSUITE_RECORDS_CREDIT_APPLIES_TO_FIELD: variable(columnName.default('createdfrom'), {
    example: 'createdfrom',
    description: 'Credit memo column naming the invoice it applies to.',
  }),
  NETSUITE_RECORDS_CUSTOMER_FIELDS: variable(columnList.default([]), {
    example: 'custentity_region,custentity_segment',
    description: 'Extra customer columns kept with each customer (in its extra values).',
  }),
  NETSUITE_RECORDS_TRANSACTION_FIELDS: variable(columnList.default([]), {
    example: 'custbody_contract_id',
    description:
      'Extra transaction body columns kept with each invoice and credit note (in its extra values).',
  }),
};
