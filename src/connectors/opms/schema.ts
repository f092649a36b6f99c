/** Where OPMS keeps what the sync writes: table and column names, configurable because OPMS installs differ. */
import type { Config } from '../../config/index.js';

export interface OpmsSchema {
  item: { table: string; code: string; product: string };
  price: { table: string; product: string };
  cost: { table: string; product: string };
}

export const defaultOpmsSchema: OpmsSchema = {
  item: { table: 'T_ITEM', code: 'code', product: 'product_id' },
  price: { table: 'T_PRODUCT_PRICE', product: 'product_id' },
  cost: { table: 'T_PRODUCT_PRICE_COST', product: 'product_id' },
};

export function opmsSchemaFromConfig(config: Config): OpmsSchema {
  return {
    item: {
      table: config.OPMS_ITEM_TABLE,
      code: config.OPMS_ITEM_CODE_COLUMN,
      product: config.OPMS_ITEM_PRODUCT_COLUMN,
    },
    price: { table: config.OPMS_PRICE_TABLE, product: config.OPMS_PRICE_PRODUCT_COLUMN },
    cost: { table: config.OPMS_COST_TABLE, product: config.OPMS_COST_PRODUCT_COLUMN },
  };
}

/** Backticked identifier; names are validated by the config schema, the quoting keeps reserved words working. */
export const ident = (name: string) => `\`${name.replace(/`/g, '')}\``;
