/** What NetSuite returns, as zod schemas: the SuiteQL page envelope, the OAuth 2.0 token answer, item records. */
import { z } from 'zod';

export const suiteQlPageSchema = z.object({
  links: z.array(z.object({ rel: z.string(), href: z.string() })).default([]),
  count: z.number().int().min(0),
  hasMore: z.boolean(),
  offset: z.number().int().min(0),
  totalResults: z.number().int().min(0),
  // Values are strings (numbers too) and NULL columns are left out, so rows stay loosely typed here.
  items: z.array(z.record(z.string(), z.unknown())),
});
export type SuiteQlPage = z.infer<typeof suiteQlPageSchema>;
export type SuiteQlRow = Record<string, string | undefined>;

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
  token_type: z.string(),
});

const reference = z.object({ id: z.string(), refName: z.string().optional() });

export const itemRecordSchema = z.looseObject({
  id: z.string(),
  itemId: z.string(),
  lastModifiedDate: z.string().optional(),
  cost: z.number().optional(),
  price: z
    .object({
      items: z
        .array(
          z.object({
            currencyPage: reference,
            priceLevel: reference,
            quantity: z.object({ value: z.number() }).optional(),
            price: z.number().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
export type ItemRecord = z.infer<typeof itemRecordSchema>;
