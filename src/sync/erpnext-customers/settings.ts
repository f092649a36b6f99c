/** The ERPNext customer sync's settings, read once from the configuration. */
import type { Config } from '../../config/index.js';
import type { ConflictPolicy } from '../../config/erpnext.js';
import type { CustomerFieldName } from '../../customers/fields.js';
import { syncedFieldNames, type CustomerMappingSettings } from './mapping.js';

export interface CustomerSyncSettings {
  mapping: CustomerMappingSettings;
  syncedFields: CustomerFieldName[];
  timeZone: string;
  policy: ConflictPolicy;
  pageSize: number;
  pullOverlapMs: number;
  pushMaxAttempts: number;
  pushBackoffMs: number;
  /**
   * How long a push's claim on creating a Customer holds: longer than the insert can take with all its retries, so
   * the pusher records the name while the claim still links webhooks; short enough that a crashed push's customer
   * is pushed again soon.
   */
  createClaimLeaseMs: number;
  webhookSecret: string | undefined;
  defaultCountry: string;
}

export function customerSyncSettings(config: Config): CustomerSyncSettings {
  const mapping: CustomerMappingSettings = {
    company: config.ERPNEXT_COMPANY,
    vatField: config.ERPNEXT_VAT_FIELD,
  };
  return {
    mapping,
    syncedFields: syncedFieldNames(mapping),
    timeZone: config.ERPNEXT_TIME_ZONE,
    policy: config.ERPNEXT_CONFLICT_POLICY,
    pageSize: config.ERPNEXT_PAGE_SIZE,
    pullOverlapMs: config.ERPNEXT_PULL_OVERLAP_MS,
    pushMaxAttempts: config.ERPNEXT_PUSH_MAX_ATTEMPTS,
    pushBackoffMs: config.ERPNEXT_PUSH_BACKOFF_MS,
    createClaimLeaseMs: Math.max(60_000, 2 * (config.ERPNEXT_RETRIES + 1) * config.ERPNEXT_TIMEOUT_MS),
    webhookSecret: config.ERPNEXT_WEBHOOK_SECRET,
    defaultCountry: config.CUSTOMER_DEFAULT_COUNTRY,
  };
}

export class ErpNextNotConfiguredError extends Error {
  constructor(missing: string[]) {
    super(`ERPNext is not configured: set ${missing.join(', ')} to sync customers with ERPNext`);
    this.name = 'ErpNextNotConfiguredError';
  }
}
