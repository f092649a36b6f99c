/**
 * The Payamgostar CRM → Siagh finance flow as a worker feature: its jobs, control API, the CRM's (and Siagh's)
 * webhooks, and the 'payamgostar' and 'siagh' connection checks. Without the settings of either system it still
 * loads, schedules nothing, and every entry point says which variables to set.
 */
import { PayamgostarClient } from '../../connectors/payamgostar/client.js';
import { checkPayamgostar } from '../../connectors/payamgostar/check.js';
import { payamgostarSettings } from '../../connectors/payamgostar/settings.js';
import { checkSiagh } from '../../connectors/siagh/check.js';
import { SiaghClient } from '../../connectors/siagh/client.js';
import { siaghSettings } from '../../connectors/siagh/settings.js';
import { configured, type Configured } from '../../config/configured.js';
import { connectionCheck } from '../../connection-check.js';
import type { Feature, FeatureFactory } from '../../feature.js';
import { CreatedRecords, RecordLocks, type FlowDeps } from './context.js';
import { flowJobDefinitions } from './jobs.js';
import { flowRoutes } from './routes.js';
import { webhookRouter } from './webhook.js';

export const payamgostarSiaghFeature: FeatureFactory = (app) => {
  const { config, log } = app;
  const crmSettings = payamgostarSettings(config);
  const siagh = siaghSettings(config);
  const reasons = [crmSettings, siagh].flatMap((s) => (s.configured ? [] : [s.reason]));
  const notConfigured =
    reasons.length > 0 ? `The Payamgostar → Siagh sync is not configured. ${reasons.join('. ')}.` : undefined;
  const created = new CreatedRecords();
  const crmConnection: Configured<PayamgostarClient> = crmSettings.configured
    ? configured(new PayamgostarClient(crmSettings.settings))
    : crmSettings;
  const crm = crmConnection.configured ? crmConnection.settings : undefined;
  const siaghClient = siagh.configured ? new SiaghClient(siagh.settings) : undefined;
  const deps: FlowDeps | undefined =
    crm && siaghClient && crmSettings.configured && siagh.configured
      ? {
          db: app.db,
          crm,
          siagh: siaghClient,
          log: log.child({ feature: 'payamgostar-siagh' }),
          locks: new RecordLocks(),
          created,
          settings: {
            customerNumbers: crmSettings.settings.customerNumbers,
            echoWindowMs: config.PAYAMGOSTAR_SIAGH_ECHO_WINDOW_MS,
            importParallelism: config.PAYAMGOSTAR_SIAGH_IMPORT_PARALLELISM,
            pollRecheck: config.PAYAMGOSTAR_SIAGH_POLL_RECHECK,
            ...(config.PAYAMGOSTAR_SIAGH_SALES_CENTER === undefined
              ? {}
              : { salesCenter: config.PAYAMGOSTAR_SIAGH_SALES_CENTER }),
            // A write stamp outlives every retry of the slower system before it counts as left by a dead process.
            pendingStaleMs: Math.max(
              120_000,
              2 *
                Math.max(
                  (config.PAYAMGOSTAR_RETRIES + 1) * config.PAYAMGOSTAR_TIMEOUT_MS,
                  (config.SIAGH_RETRIES + 1) * config.SIAGH_TIMEOUT_MS,
                ),
            ),
          },
        }
      : undefined;
  const ready = (): FlowDeps => {
    if (!deps) throw new Error(notConfigured);
    return deps;
  };
  const connections = [
    connectionCheck('payamgostar', crmConnection, checkPayamgostar),
    connectionCheck('siagh', siagh, (settings) => checkSiagh(settings)),
  ];
  const schedulesOn = deps !== undefined && config.SCHEDULES_ENABLED;
  const feature: Feature = {
    name: 'payamgostar-siagh',
    jobs: flowJobDefinitions(ready, deps !== undefined),
    routes: flowRoutes({
      db: app.db,
      jobs: app.jobs,
      notConfigured,
      schedules: schedulesOn
        ? {
            poll: config.PAYAMGOSTAR_SIAGH_POLL_SCHEDULE,
            driftCheck: config.PAYAMGOSTAR_SIAGH_DRIFT_SCHEDULE,
          }
        : {},
      checks: connections,
    }),
    webhooks: webhookRouter({
      db: app.db,
      jobs: app.jobs,
      token: config.PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN,
      notConfigured,
      created,
    }),
    connections,
    async stop() {
      await crm?.stop();
      await siaghClient?.stop();
    },
  };
  if (notConfigured) log.info(notConfigured);
  return feature;
};
