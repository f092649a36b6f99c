/**
 * The NetSuite → OPMS price sync as a worker feature: its five jobs, API routes, webhook and the 'netsuite' and
 * 'opms' connection checks. Without NetSuite or OPMS settings it still loads, schedules nothing, and every entry
 * point says which variables to set.
 */
import { z } from 'zod';
import { configured, type Configured } from '../../config/configured.js';
import { connectionCheck } from '../../connection-check.js';
import { checkNetSuite } from '../../connectors/netsuite/check.js';
import { NetSuiteClient } from '../../connectors/netsuite/client.js';
import { netSuiteSettings } from '../../connectors/netsuite/settings.js';
import { checkOpms } from '../../connectors/opms/check.js';
import { OpmsDatabase } from '../../connectors/opms/client.js';
import { opmsSettings } from '../../connectors/opms/settings.js';
import type { ConnectionCheck, ConnectionCheckResult, Feature, FeatureFactory } from '../../feature.js';
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
import { bothEnds, priceSyncSettings } from './settings.js';
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

/** A system's client when it is configured, and its connection check either way. */
function connector<S, C>(
  system: string,
  settings: Configured<S>,
  build: (settings: S) => C,
  check: (client: C) => Promise<ConnectionCheckResult>,
): { client?: C; connection: ConnectionCheck } {
  if (!settings.configured) return { connection: connectionCheck(system, settings, check) };
  const client = build(settings.settings);
  return { client, connection: connectionCheck(system, configured(client), check) };
}

function priceSyncJobDefinitions(
  ready: () => PriceSyncDeps,
  scheduled: (schedule: string) => string | undefined,
): AnyJobDefinition[] {
  return [
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
}

export const netsuiteToOpmsFeature: FeatureFactory = (app) => {
  const { config, log } = app;
  const netsuiteSettings = netSuiteSettings(config);
  const opmsDatabaseSettings = opmsSettings(config);
  const netsuite = connector(
    'netsuite',
    netsuiteSettings,
    (s) => app.shared.get(NetSuiteClient.accountKey(s), () => NetSuiteClient.fromSettings(s)),
    checkNetSuite,
  );
  const opms = connector('opms', opmsDatabaseSettings, (s) => new OpmsDatabase(s), checkOpms);
  const ends = bothEnds(netsuiteSettings, opmsDatabaseSettings);
  const notConfigured = ends.configured ? undefined : ends.reason;
  const sync = priceSyncSettings(config);
  const deps: PriceSyncDeps | undefined =
    netsuite.client && opms.client
      ? {
          db: app.db,
          netsuite: netsuite.client,
          opms: opms.client,
          rules: sync.rules,
          query: sync.query,
          pageSize: sync.pageSize,
          overlapMs: sync.overlapMs,
        }
      : undefined;
  const ready = (): PriceSyncDeps => {
    if (!deps) throw new Error(notConfigured);
    return deps;
  };
  const connections = [netsuite.connection, opms.connection];

  const feature: Feature = {
    name: 'netsuite-to-opms',
    jobs: priceSyncJobDefinitions(ready, (schedule) => (deps ? schedule : undefined)),
    routes: priceSyncRoutes({
      db: app.db,
      jobs: app.jobs,
      notConfigured,
      schedule: deps && config.SCHEDULES_ENABLED ? sync.schedule : undefined,
      checks: connections,
    }),
    webhooks: webhookRouter({
      db: app.db,
      jobs: app.jobs,
      secret: deps ? sync.webhookSecret : undefined,
      fields: sync.rules.fields.map((f) => f.from),
      skipField: sync.query.skipField,
      itemJob: priceSyncJobs.item,
    }),
    connections,
    async stop() {
      await opms.client?.close();
    },
  };
  if (notConfigured) log.info(notConfigured);
  return feature;
};
