/** The Siagh client's settings, built from the configuration, or the variables a person still has to set. */
import type { Config } from '../../config/index.js';
import { configured, notConfigured, type Configured } from '../../config/configured.js';
import { siaghPasswordHash } from './auth.js';

export interface SiaghSettings {
  baseUrl: string;
  userName: string;
  /** MD5 of the password, upper-case hex: what Siagh's login takes. The password itself is not kept. */
  passwordHash: string;
  /** Fiscal year to write pre-invoices in; undefined: the one Siagh reports at login. */
  fiscalYear?: number;
  timeZone: string;
  requestsPerSecond: number;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** Where pre-invoices are looked up by `_In_Suid` (inferred endpoint, see config). */
  preInvoiceLookupPath: string;
}

export function siaghSettings(config: Config): Configured<SiaghSettings> {
  const missing = [
    ...(config.SIAGH_URL ? [] : ['SIAGH_URL']),
    ...(config.SIAGH_USERNAME ? [] : ['SIAGH_USERNAME']),
    ...(config.SIAGH_PASSWORD || config.SIAGH_PASSWORD_MD5 ? [] : ['SIAGH_PASSWORD or SIAGH_PASSWORD_MD5']),
  ];
  if (missing.length > 0) return notConfigured(missing, `Siagh is not configured: set ${missing.join(', ')}`);
  const fromPassword =
    config.SIAGH_PASSWORD === undefined ? undefined : siaghPasswordHash(config.SIAGH_PASSWORD);
  if (fromPassword && config.SIAGH_PASSWORD_MD5 && fromPassword !== config.SIAGH_PASSWORD_MD5)
    return notConfigured(
      ['SIAGH_PASSWORD', 'SIAGH_PASSWORD_MD5'],
      'SIAGH_PASSWORD and SIAGH_PASSWORD_MD5 are both set and disagree: keep one of them',
    );
  return configured({
    baseUrl: config.SIAGH_URL!.replace(/\/+$/, ''),
    userName: config.SIAGH_USERNAME!,
    passwordHash: (fromPassword ?? config.SIAGH_PASSWORD_MD5)!,
    ...(config.SIAGH_FISCAL_YEAR === undefined ? {} : { fiscalYear: config.SIAGH_FISCAL_YEAR }),
    timeZone: config.SIAGH_TIME_ZONE,
    requestsPerSecond: config.SIAGH_REQUESTS_PER_SECOND,
    concurrency: config.SIAGH_CONCURRENCY,
    timeoutMs: config.SIAGH_TIMEOUT_MS,
    retries: config.SIAGH_RETRIES,
    retryBaseMs: config.SIAGH_RETRY_BASE_MS,
    preInvoiceLookupPath: config.SIAGH_PREINVOICE_LOOKUP_PATH,
  });
}
