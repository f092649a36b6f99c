/**
 * The price sync's own settings (which fields go where, validation, paging, schedule, webhook secret), read once
 * from the configuration, and whether the two systems it joins are both configured.
 */
import type { Config } from '../../config/index.js';
import { configured, notConfigured, type Configured } from '../../config/configured.js';
import { defaultPriceFieldMappings } from '../../config/netsuite.js';
import type { MappingRules } from './mapping.js';
import type { QuerySettings } from './query.js';

export interface PriceSyncSettings {
  rules: MappingRules;
  query: QuerySettings;
  pageSize: number;
  overlapMs: number;
  /** How often the incremental pass runs, when schedules are on. */
  schedule: string;
  /** Unset: the webhook answers 503 and says which variable to set. */
  webhookSecret?: string;
}

export function priceSyncSettings(config: Config): PriceSyncSettings {
  const fields = config.NETSUITE_OPMS_FIELD_MAP ?? defaultPriceFieldMappings;
  return {
    rules: { fields, maxValue: config.NETSUITE_OPMS_MAX_PRICE },
    query: {
      fields,
      skipField: config.NETSUITE_OPMS_SKIP_FIELD,
      itemTypes: config.NETSUITE_OPMS_ITEM_TYPES,
      timeZone: config.NETSUITE_TIMEZONE,
    },
    pageSize: config.NETSUITE_OPMS_PAGE_SIZE,
    overlapMs: config.NETSUITE_OPMS_OVERLAP_MS,
    schedule: config.NETSUITE_OPMS_SCHEDULE,
    webhookSecret: config.NETSUITE_OPMS_WEBHOOK_SECRET,
  };
}

/** Both ends configured, or every missing variable of either and one sentence saying what to set. */
export function bothEnds<N, O>(
  netsuite: Configured<N>,
  opms: Configured<O>,
): Configured<{ netsuite: N; opms: O }> {
  if (netsuite.configured && opms.configured)
    return configured({ netsuite: netsuite.settings, opms: opms.settings });
  const off = [netsuite, opms].flatMap((s) => (s.configured ? [] : [s]));
  return notConfigured(
    off.flatMap((s) => s.missing),
    `The NetSuite → OPMS price sync is not configured. ${off.map((s) => s.reason).join('. ')}.`,
  );
}
