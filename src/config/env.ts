/**
 * Building blocks for the configuration schema: every variable carries an example of a good value (shown when
 * start-up rejects it) and whether it is a secret (never logged).
 */
import { z } from 'zod';

export interface VarMeta {
  example: string;
  secret?: boolean;
  description: string;
}

const metaByVariable = new Map<z.ZodType, VarMeta>();

export function variable<T extends z.ZodType>(schema: T, meta: VarMeta): T {
  metaByVariable.set(schema, meta);
  return schema;
}

export function metaOf(schema: z.ZodType): VarMeta | undefined {
  return metaByVariable.get(schema);
}

/** "true"/"1"/"yes" and "false"/"0"/"no", as people write them in .env files. */
export const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list; blanks removed. */
export const listString = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

export const durationMs = z.coerce.number({ message: 'expected a number of milliseconds' }).int().min(0);
