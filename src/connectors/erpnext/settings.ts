/** The ERPNext client's settings, read once from the configuration, or the variables a person still has to set. */
import type { Config } from '../../config/index.js';
import { configured, notConfigured, type Configured } from '../../config/configured.js';
import type { ErpNextCredentials } from './auth.js';

export interface ErpNextSettings extends ErpNextCredentials {
  url: string;
  requestsPerSecond: number;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
}

const required = ['ERPNEXT_URL', 'ERPNEXT_API_KEY', 'ERPNEXT_API_SECRET'] as const;

export function erpnextSettings(config: Config): Configured<ErpNextSettings> {
  const missing = required.filter((name) => !config[name]);
  if (missing.length > 0)
    return notConfigured(missing, `Not configured: set ${missing.join(', ')} to connect to ERPNext`);
  return configured({
    url: config.ERPNEXT_URL!,
    apiKey: config.ERPNEXT_API_KEY!,
    apiSecret: config.ERPNEXT_API_SECRET!,
    requestsPerSecond: config.ERPNEXT_REQUESTS_PER_SECOND,
    timeoutMs: config.ERPNEXT_TIMEOUT_MS,
    retries: config.ERPNEXT_RETRIES,
    retryBaseMs: config.ERPNEXT_RETRY_BASE_MS,
  });
}
