/** Every feature the worker hosts, in start-up order. */
import { alertsFeature } from './alerts/feature.js';
import { customersFeature } from './sync/erpnext-customers/feature.js';
import { customerConnectFeature } from './scrapers/customerconnect/feature.js';
import type { FeatureFactory } from './feature.js';
import { ledgerFeature } from './ledger/feature.js';
import { netsuiteToOpmsFeature } from './sync/netsuite-to-opms/feature.js';
import { netsuiteRecordsFeature } from './sync/netsuite-records/feature.js';
import { payamgostarSiaghFeature } from './sync/payamgostar-siagh/feature.js';
import { routeStarFeature } from './scrapers/routestar/feature.js';

export const featureFactories: FeatureFactory[] = [
  ledgerFeature,
  netsuiteToOpmsFeature,
  routeStarFeature,
  customerConnectFeature,
  customersFeature,
  netsuiteRecordsFeature,
  payamgostarSiaghFeature,
  alertsFeature,
];
