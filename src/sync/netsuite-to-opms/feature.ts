/**
 * The NetSuite → OPMS price sync as a worker feature: its five jobs, API routes, webhook and the 'netsuite' and
 * 'opms' connection checks. Without NetSuite or OPMS settings it still loads, schedules nothing, and every entry
 * point says which variables to set.
 */
import { z } from 'zod';
import { defaultPriceFieldMappings } from '../../config/netsuite.js';
import { checkNetSuite, netSuiteFromConfig } from '../../connectors/netsuite/client.js';
import { opmsFromConfig } from '../../connectors/opms/client.js';
import type { ConnectionCheck, Feature, FeatureFactory } from '../../feature.js';
import type { AnyJobDefinition, RunContext } from '../../jobs/types.js';
import {
  manualSyncData,
  runForceFullSync,
  runIncrementalSync,
  runInitialSync,
  runManualSync,
  runSingleItemSync,
  type PriceSyncDeps,
} from './passes.js';
import { priceSyncJobs, priceSyncRoutes } from './routes.js';
import { webhookRouter } from './webhook.js';

const snapshotData = z.object({
  itemId: z.string(),
  itemCode: z.string(),
  // A Date before the queue serialises it, an ISO string after.
  modifiedAt: z.coerce.date().optional(),
  skip: z.boolean(),
  values: z.record(z.string(), z.unknown()),
});

const itemJobData = z.object({ itemId: z.string().regex(/^\d+$/), snapshot: snapshotData.optional() });

export const netsuiteToOpmsFeature: FeatureFactory = (app) => {
  const { config, log } = app;
  const netsuite = netSuiteFromConfig(config, log.child({ connector: 'netsuite' }));
  const opms = opmsFromConfig(config);
  const reasons = [netsuite, opms].flatMap((s) => (s.configured ? [] : [s.reason]));
  const notConfigured =
    reasons.length > 0
      ? `The NetSuite → OPMS price sync is not configured. ${reasons.join('. ')}.`
      : undefined;
  const fields = config.NETSUITE_OPMS_FIELD_MAP ?? defaultPriceFieldMappings;
  const deps: PriceSyncDeps | undefined =
    netsuite.configured && opms.configured
      ? {
          db: app.db,
          netsuite: netsuite.client,
          opms: opms.opms,
          rules: { fields, maxValue: config.NETSUITE_OPMS_MAX_PRICE },
          query: {
            fields,
            skipField: config.NETSUITE_OPMS_SKIP_FIELD,
            itemTypes: config.NETSUITE_OPMS_ITEM_TYPES,
            timeZone: config.NETSUITE_TIMEZONE,
          },
          pageSize: config.NETSUITE_OPMS_PAGE_SIZE,
          overlapMs: config.NETSUITE_OPMS_OVERLAP_MS,
        }
      : undefined;
  const ready = (): PriceSyncDeps => {
    if (!deps) throw new Error(notConfigured);
    return deps;
  };
  const scheduled = (schedule: string) => (deps ? schedule : undefined);

  const jobs: AnyJobDefinition[] = [
    {
      name: priceSyncJobs.initial,
      description:
        'Initial bulk sync of every NetSuite item price to OPMS; continues after a crash from the last committed page',
      data: z.object({ restart: z.boolean().default(false) }),
      run: async (ctx: RunContext, data: { restart: boolean }) =>
        void (await runInitialSync(ready(), ctx, data)),
    },
    {
      name: priceSyncJobs.item,
      description: 'One NetSuite item to OPMS (from the webhook values, or read from NetSuite)',
      data: itemJobData,
      concurrency: 4,
      run: async (ctx: RunContext, data: z.infer<typeof itemJobData>) =>
        void (await runSingleItemSync(ready(), ctx, data)),
    },
    {
      name: priceSyncJobs.incremental,
      description:
        'Items modified in NetSuite since the last pass (minus an overlap window) to OPMS: the fallback for missed webhooks',
      data: z.object({}),
      schedule: (c) => scheduled(c.NETSUITE_OPMS_SCHEDULE),
      run: async (ctx: RunContext) => void (await runIncrementalSync(ready(), ctx)),
    },
    {
      name: priceSyncJobs.manual,
      description: 'Listed NetSuite items, or those modified in a date range, to OPMS',
      data: manualSyncData,
      run: async (ctx: RunContext, data: z.infer<typeof manualSyncData>) => runManualSync(ready(), ctx, data),
    },
    {
      name: priceSyncJobs.forceFull,
      description: 'Every NetSuite item compared with OPMS value by value, ignoring cursors',
      data: z.object({}),
      run: async (ctx: RunContext) => runForceFullSync(ready(), ctx),
    },
  ];

  const connections: ConnectionCheck[] = [
    {
      system: 'netsuite',
      check: async () =>
        netsuite.configured ? checkNetSuite(netsuite.client) : { ok: false, detail: netsuite.reason },
    },
    {
      system: 'opms',
      check: async () => (opms.configured ? opms.opms.check() : { ok: false, detail: opms.reason }),
    },
  ];

  const feature: Feature = {
    name: 'netsuite-to-opms',
    jobs,
    routes: priceSyncRoutes({
      db: app.db,
      jobs: app.jobs,
      notConfigured,
      schedule: deps && config.SCHEDULES_ENABLED ? config.NETSUITE_OPMS_SCHEDULE : undefined,
      checks: connections,
    }),
    webhooks: webhookRouter({
      db: app.db,
      jobs: app.jobs,
      secret: deps ? config.NETSUITE_OPMS_WEBHOOK_SECRET : undefined,
      fields: fields.map((f) => f.from),
      skipField: config.NETSUITE_OPMS_SKIP_FIELD,
      itemJob: priceSyncJobs.item,
    }),
    connections,
    async stop() {
      if (netsuite.configured) await netsuite.client.stop();
      if (opms.configured) await opms.opms.close();
    },
  };
  if (notConfigured) log.info(notConfigured);
  return feature;
};
