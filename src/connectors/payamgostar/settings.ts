/** The Payamgostar client's settings, built from the configuration, or the variables a person still has to set. */
import type { Config } from '../../config/index.js';
import { configured, notConfigured, type Configured } from '../../config/configured.js';
import type { CustomerNumberFormat } from './customer-number.js';

export interface PayamgostarSettings {
  /** Without /api. */
  baseUrl: string;
  username: string;
  password: string;
  deviceId: string;
  pageSize: number;
  requestsPerSecond: number;
  /** Requests in flight at once. */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** After a refused login, how long no login is tried. */
  loginCooldownMs: number;
  /** The CRM server's zone: records' naive creatDate/modifyDate are wall-clock times in it. */
  timeZone: string;
  customerNumbers: CustomerNumberFormat;
}

export function payamgostarSettings(config: Config): Configured<PayamgostarSettings> {
  const required = {
    PAYAMGOSTAR_URL: config.PAYAMGOSTAR_URL,
    PAYAMGOSTAR_USERNAME: config.PAYAMGOSTAR_USERNAME,
    PAYAMGOSTAR_PASSWORD: config.PAYAMGOSTAR_PASSWORD,
  };
  const missing = Object.entries(required)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length > 0)
    return notConfigured(missing, `Payamgostar is not configured: set ${missing.join(', ')}`);
  return configured({
    baseUrl: required.PAYAMGOSTAR_URL!.replace(/\/+$/, ''),
    username: required.PAYAMGOSTAR_USERNAME!,
    password: required.PAYAMGOSTAR_PASSWORD!,
    deviceId: config.PAYAMGOSTAR_DEVICE_ID,
    pageSize: config.PAYAMGOSTAR_PAGE_SIZE,
    requestsPerSecond: config.PAYAMGOSTAR_REQUESTS_PER_SECOND,
    concurrency: 4,
    timeoutMs: config.PAYAMGOSTAR_TIMEOUT_MS,
    retries: config.PAYAMGOSTAR_RETRIES,
    retryBaseMs: config.PAYAMGOSTAR_RETRY_BASE_MS,
    loginCooldownMs: config.PAYAMGOSTAR_LOGIN_COOLDOWN_MS,
    timeZone: config.PAYAMGOSTAR_TIME_ZONE,
    customerNumbers: {
      prefix: config.PAYAMGOSTAR_CUSTOMER_NUMBER_PREFIX,
      offset: config.PAYAMGOSTAR_CUSTOMER_NUMBER_OFFSET,
    },
  });
}
