/** The ERPNext customer sync's settings, read once from the configuration, and what is missing when it is off. */
import type { Config } from '../../config/index.js';
import type { ConflictPolicy } from '../../config/erpnext.js';
import type { ErpNextSettings } from '../../connectors/erpnext/client.js';
import { syncedFieldNames, type CustomerMappingSettings } from '../../connectors/erpnext/mapping.js';
import type { CustomerFieldName } from '../../customers/fields.js';

export interface CustomerSyncSettings {
  /** Null when ERPNext is not configured: local customers work, outbox entries wait. */
  connection: ErpNextSettings | null;
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

export function missingErpNextSettings(config: Config): string[] {
  return (['ERPNEXT_URL', 'ERPNEXT_API_KEY', 'ERPNEXT_API_SECRET'] as const).filter((name) => !config[name]);
}

export function customerSyncSettings(config: Config): CustomerSyncSettings {
  const mapping: CustomerMappingSettings = {
    company: config.ERPNEXT_COMPANY,
    vatField: config.ERPNEXT_VAT_FIELD,
  };
  return {
    connection:
      missingErpNextSettings(config).length === 0
        ? {
            url: config.ERPNEXT_URL!,
            apiKey: config.ERPNEXT_API_KEY!,
            apiSecret: config.ERPNEXT_API_SECRET!,
            requestsPerSecond: config.ERPNEXT_REQUESTS_PER_SECOND,
            timeoutMs: config.ERPNEXT_TIMEOUT_MS,
            retries: config.ERPNEXT_RETRIES,
            retryBaseMs: config.ERPNEXT_RETRY_BASE_MS,
          }
        : null,
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
