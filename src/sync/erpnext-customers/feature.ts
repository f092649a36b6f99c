/**
 * The customers feature: the local customer API and live events, kept in step with ERPNext both ways (outbox push,
 * scheduled pull, signed webhooks). Without ERPNext settings the local API still works and changes wait in the
 * outbox; the jobs are then not scheduled and the connection check says what to set.
 */
import { configured, type Configured } from '../../config/configured.js';
import { checkErpNext } from '../../connectors/erpnext/check.js';
import { connectionCheck } from '../../connection-check.js';
import { ErpNextClient } from '../../connectors/erpnext/client.js';
import { ErpNextCustomers } from '../../connectors/erpnext/customers.js';
import { erpnextSettings } from '../../connectors/erpnext/settings.js';
import { CustomerEvents } from '../../customers/events.js';
import type { AppContext, Feature, FeatureFactory } from '../../feature.js';
import type { CustomerSync } from './context.js';
import { customerReadOptions } from './mapping.js';
import { pullCustomersJob } from './pull.js';
import { pushCustomersJob } from './push.js';
import { customerRoutes } from './routes.js';
import { customerSyncSettings } from './settings.js';
import { customerWebhookRoutes } from './webhook.js';

function connectErpNext(app: AppContext): Configured<ErpNextClient> {
  const settings = erpnextSettings(app.config);
  return settings.configured ? configured(new ErpNextClient(settings.settings)) : settings;
}

export const customersFeature: FeatureFactory = (app: AppContext): Feature => {
  const settings = customerSyncSettings(app.config);
  const connection = connectErpNext(app);
  const sync: CustomerSync = {
    db: app.db,
    settings,
    remote: connection.configured
      ? new ErpNextCustomers(connection.settings, customerReadOptions(settings.mapping))
      : null,
    missingSettings: connection.configured ? [] : connection.missing,
    events: new CustomerEvents(),
    jobs: app.jobs,
    log: app.log.child({ feature: 'customers' }),
  };
  if (!sync.remote)
    sync.log.info(
      { missing: sync.missingSettings },
      'ERPNext is not configured; customer changes wait in the outbox',
    );
  return {
    name: 'customers',
    jobs: [pushCustomersJob(sync), pullCustomersJob(sync)],
    routes: customerRoutes(sync),
    webhooks: customerWebhookRoutes(sync),
    connections: [connectionCheck('erpnext', connection, checkErpNext)],
    stop: async () => {
      if (connection.configured) await connection.settings.stop();
    },
  };
};
