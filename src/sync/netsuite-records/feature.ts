/**
 * NetSuite customers, invoices and credit notes as a worker feature: the jobs netsuite.records.initial and
 * netsuite.records.incremental (scheduled), their control routes, and the records API under /api/netsuite. Without
 * NetSuite settings it still loads and serves what is stored, schedules nothing, and says which variables to set.
 */
import { Router } from 'express';
import { z } from 'zod';
import { NetSuiteClient } from '../../connectors/netsuite/client.js';
import { netSuiteSettings } from '../../connectors/netsuite/settings.js';
import type { Config } from '../../config/index.js';
import { parseStatusMap } from '../../config/netsuite-records.js';
import type { Feature, FeatureFactory } from '../../feature.js';
import type { AnyJobDefinition, RunContext } from '../../jobs/types.js';
import { recordsApi } from './api.js';
import type { MappingRules } from './mapping.js';
import { runIncrementalSync, runInitialLoad, type RecordsSyncDeps } from './passes.js';
import type { QuerySettings } from './query.js';
import { initialLoadBody } from '../../api/flow-routes.js';
import { recordsJobs, recordsRoutes } from './routes.js';

export function mappingRulesFrom(config: Config): MappingRules {
  return {
    dateFormat: config.NETSUITE_DATE_FORMAT,
    periodDates: config.NETSUITE_RECORDS_PERIOD_DATES,
    subscriptionCategories: config.NETSUITE_RECORDS_SUBSCRIPTION_CATEGORIES,
    lineFilters: config.NETSUITE_RECORDS_LINE_FILTERS.filter((f) => f !== 'none'),
    statusMap: parseStatusMap(config.NETSUITE_RECORDS_STATUS_MAP),
    timeZone: config.NETSUITE_TIMEZONE,
    customerFields: config.NETSUITE_RECORDS_CUSTOMER_FIELDS,
    transactionFields: config.NETSUITE_RECORDS_TRANSACTION_FIELDS,
  };
}

export function querySettingsFrom(config: Config): QuerySettings {
  return {
    revenueCategoryField: config.NETSUITE_RECORDS_REVENUE_CATEGORY_FIELD,
    periodStartField: config.NETSUITE_RECORDS_PERIOD_START_FIELD,
    periodEndField: config.NETSUITE_RECORDS_PERIOD_END_FIELD,
    periodDates: config.NETSUITE_RECORDS_PERIOD_DATES,
    appliesToField: config.NETSUITE_RECORDS_CREDIT_APPLIES_TO_FIELD,
    customerFields: config.NETSUITE_RECORDS_CUSTOMER_FIELDS,
    transactionFields: config.NETSUITE_RECORDS_TRANSACTION_FIELDS,
    timeZone: config.NETSUITE_TIMEZONE,
  };
}

export const netsuiteRecordsFeature: FeatureFactory = (app) => {
  const { config, log } = app;
  const netsuite = netSuiteSettings(config);
  const notConfigured = netsuite.configured
    ? undefined
    : `The NetSuite records sync is not configured. ${netsuite.reason}.`;
  const deps: RecordsSyncDeps | undefined = netsuite.configured
    ? {
        db: app.db,
        netsuite: app.shared.get(NetSuiteClient.accountKey(netsuite.settings), () =>
          NetSuiteClient.fromSettings(netsuite.settings),
        ),
        rules: mappingRulesFrom(config),
        query: querySettingsFrom(config),
        pageSize: config.NETSUITE_RECORDS_PAGE_SIZE,
        overlapMs: config.NETSUITE_RECORDS_OVERLAP_MS,
      }
    : undefined;
  const ready = (): RecordsSyncDeps => {
    if (!deps) throw new Error(notConfigured);
    return deps;
  };

  const jobs: AnyJobDefinition[] = [
    {
      name: recordsJobs.initial,
      description:
        'Every NetSuite customer, invoice and credit note with its lines; continues after a crash from the last committed page (counts records; lines left out of revenue as skipped)',
      data: initialLoadBody,
      run: async (ctx: RunContext, data: { restart: boolean }) =>
        void (await runInitialLoad(ready(), ctx, data)),
    },
    {
      name: recordsJobs.incremental,
      description:
        'NetSuite customers, invoices and credit notes modified since the cursors (minus an overlap window), then deletions; continues the initial load while it is unfinished',
      data: z.object({}),
      schedule: (c) => (deps ? c.NETSUITE_RECORDS_SCHEDULE : undefined),
      run: async (ctx: RunContext) => runIncrementalSync(ready(), ctx),
    },
  ];

  const routes = Router();
  routes.use(
    recordsRoutes({
      db: app.db,
      jobs: app.jobs,
      notConfigured,
      schedule: deps && config.SCHEDULES_ENABLED ? config.NETSUITE_RECORDS_SCHEDULE : undefined,
      statusMap: parseStatusMap(config.NETSUITE_RECORDS_STATUS_MAP),
      check: async () => {
        const page = await ready().netsuite.suiteql(
          'SELECT c.id FROM customer c WHERE c.id > 0 ORDER BY c.id',
          {
            limit: 1,
          },
        );
        return { ok: true, detail: `NetSuite account answers; ${page.totalResults} customers visible` };
      },
    }),
  );
  routes.use(recordsApi(app.db));

  const feature: Feature = {
    name: 'netsuite-records',
    jobs,
    routes,
  };
  if (notConfigured) log.info(notConfigured);
  return feature;
};
