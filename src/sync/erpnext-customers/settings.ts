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
