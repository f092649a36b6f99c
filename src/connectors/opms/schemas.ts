/**
 * What OPMS returns to the sync's queries, as zod schemas: items joined to their product's prices and costs, and
 * the count of the connection check.
 */
import { z } from 'zod';

/** An item and its product; each mapped price or cost column comes beside it under its `table.column` alias. */
export const itemRowSchema = z.looseObject({
  item_code: z.union([z.string(), z.number()]).transform(String),
  product_id: z.coerce.number().int(),
});

/** A DECIMAL column: a string (the pool keeps decimals as text), NULL when the product has no row or no value. */
export const moneyColumnSchema = z
  .union([z.string(), z.number(), z.null()])
  .transform((value) => (value === null ? null : String(value)));

export const countRowSchema = z.object({ n: z.coerce.number().int().min(0) });
