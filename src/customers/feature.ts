/**
 * The customers feature: the local customer API and live events, kept in step with ERPNext both ways (outbox push,
 * scheduled pull, signed webhooks). Without ERPNext settings the local API still works and changes wait in the
 * outbox; the jobs are then not scheduled and the connection check says what to set.
 */
import { ErpNextClient } from '../connectors/erpnext/client.js';
import { erpnextConnectionCheck } from '../connectors/erpnext/connection-check.js';
import { ErpNextCustomers } from '../connectors/erpnext/customers.js';
import type { AppContext, Feature, FeatureFactory } from '../feature.js';
import type { CustomerSync } from '../sync/erpnext-customers/context.js';
import { pullCustomersJob } from '../sync/erpnext-customers/pull.js';
import { pushCustomersJob } from '../sync/erpnext-customers/push.js';
import { customerSyncSettings, missingErpNextSettings } from '../sync/erpnext-customers/settings.js';
import { customerWebhookRoutes } from '../sync/erpnext-customers/webhook.js';
import { CustomerEvents } from './events.js';
import { customerRoutes } from './routes.js';

function createCustomerSync(app: AppContext): { sync: CustomerSync; client: ErpNextClient | null } {
  const settings = customerSyncSettings(app.config);
  const client = settings.connection ? new ErpNextClient(settings.connection) : null;
  const sync: CustomerSync = {
    db: app.db,
    settings,
    remote: client ? new ErpNextCustomers(client, settings.mapping) : null,
    missingSettings: missingErpNextSettings(app.config),
    events: new CustomerEvents(),
    jobs: app.jobs,
    log: app.log.child({ feature: 'customers' }),
  };
  return { sync, client };
}

export const customersFeature: FeatureFactory = (app: AppContext): Feature => {
  const { sync, client } = createCustomerSync(app);
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
    connections: [erpnextConnectionCheck(client, sync.missingSettings, app.config.ERPNEXT_URL)],
  };
};
