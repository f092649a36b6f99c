/** Variables of OPMS, the product database (MySQL/MariaDB) the NetSuite price sync writes into. */
import { z } from 'zod';
import { variable } from './env.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: 'expected a table or column name (letters, digits, underscore)',
});

export const opmsVariables = {
  OPMS_DATABASE_URL: variable(
    z.url({ protocol: /^(mysql|mariadb)$/, message: 'expected a mysql:// URL' }).optional(),
    {
      example: 'mysql://opms_sync:secret@opms-db.internal:3306/opms',
      secret: true,
      description:
        'The OPMS MySQL/MariaDB database. Unset: the NetSuite → OPMS price sync is not configured.',
    },
  ),
  OPMS_WRITES_PER_SECOND: variable(z.coerce.number().positive().max(1000).default(10), {
    example: '10',
    description:
      'Write transactions per second allowed on OPMS; one batch of items in one transaction counts as one.',
  }),
  OPMS_BATCH_SIZE: variable(z.coerce.number().int().min(1).max(5000).default(500), {
    example: '500',
    description: 'Items written to OPMS in one transaction.',
  }),
  OPMS_ITEM_TABLE: variable(identifier.default('T_ITEM'), {
    example: 'T_ITEM',
    description: 'OPMS item table.',
  }),
  OPMS_ITEM_CODE_COLUMN: variable(identifier.default('code'), {
    example: 'code',
    description: 'Column of the item table holding the NetSuite itemid.',
  }),
  OPMS_ITEM_PRODUCT_COLUMN: variable(identifier.default('product_id'), {
    example: 'product_id',
    description: 'Column of the item table naming the product whose prices and costs the item shares.',
  }),
  OPMS_PRICE_TABLE: variable(identifier.default('T_PRODUCT_PRICE'), {
    example: 'T_PRODUCT_PRICE',
    description: 'OPMS price table (one row per product).',
  }),
  OPMS_PRICE_PRODUCT_COLUMN: variable(identifier.default('product_id'), {
    example: 'product_id',
    description: 'Product key column of the price table.',
  }),
  OPMS_COST_TABLE: variable(identifier.default('T_PRODUCT_PRICE_COST'), {
    example: 'T_PRODUCT_PRICE_COST',
    description: 'OPMS cost table (one row per product).',
  }),
  OPMS_COST_PRODUCT_COLUMN: variable(identifier.default('product_id'), {
    example: 'product_id',
    description: 'Product key column of the cost table.',
  }),
};
