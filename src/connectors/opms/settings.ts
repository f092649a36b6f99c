/**
 * The OPMS client's settings read from the configuration: the database, its write limit and where it keeps what the
 * sync writes (table and column names, configurable because OPMS installs differ); or which variable is missing.
 */
import type { Config } from '../../config/index.js';
import { configured, notConfigured, type Configured } from '../../config/configured.js';

export interface OpmsTables {
  item: { table: string; code: string; product: string };
  price: { table: string; product: string };
  cost: { table: string; product: string };
}

export interface OpmsSettings {
  /** mysql:// URL, credentials included. */
  url: string;
  tables: OpmsTables;
  /** Write transactions started per second; one batch of items in one transaction counts as one. */
  writesPerSecond: number;
  /** Items written in one transaction. */
  batchSize: number;
  /** Tries after the first of a statement or transaction that lost its connection or a lock conflict. */
  retries: number;
  retryBaseMs: number;
}

export const defaultOpmsTables: OpmsTables = {
  item: { table: 'T_ITEM', code: 'code', product: 'product_id' },
  price: { table: 'T_PRODUCT_PRICE', product: 'product_id' },
  cost: { table: 'T_PRODUCT_PRICE_COST', product: 'product_id' },
};

/** A restarting MariaDB or a deadlock clears in a second or two; longer than that is an outage worth reporting. */
export const opmsRetries = { retries: 3, retryBaseMs: 500 };

export function opmsSettings(config: Config): Configured<OpmsSettings> {
  if (!config.OPMS_DATABASE_URL)
    return notConfigured(
      ['OPMS_DATABASE_URL'],
      'OPMS is not configured: set OPMS_DATABASE_URL (mysql://user:password@host:3306/opms)',
    );
  return configured({
    url: config.OPMS_DATABASE_URL,
    tables: {
      item: {
        table: config.OPMS_ITEM_TABLE,
        code: config.OPMS_ITEM_CODE_COLUMN,
        product: config.OPMS_ITEM_PRODUCT_COLUMN,
      },
      price: { table: config.OPMS_PRICE_TABLE, product: config.OPMS_PRICE_PRODUCT_COLUMN },
      cost: { table: config.OPMS_COST_TABLE, product: config.OPMS_COST_PRODUCT_COLUMN },
    },
    writesPerSecond: config.OPMS_WRITES_PER_SECOND,
    batchSize: config.OPMS_BATCH_SIZE,
    ...opmsRetries,
  });
}
