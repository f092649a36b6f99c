/**
 * A calendar day as the ledger's routes accept it (YYYY-MM-DD that names a real date), shared so that an adjustment's
 * day and an analytics range are refused with the same words.
 */
import { z } from 'zod';

export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date as YYYY-MM-DD' })
  // zod runs this even when the pattern failed, so it must not throw on text that is no date at all.
  .refine(
    (d) => {
      const at = Date.parse(`${d}T00:00:00Z`);
      return !Number.isNaN(at) && new Date(at).toISOString().startsWith(d);
    },
    { message: 'is not a calendar date' },
  );
