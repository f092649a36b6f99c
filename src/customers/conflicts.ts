/** Conflicts kept for review: a field both sides changed since the last sync, both values, and which one was kept. */
import { and, desc, eq, lt } from 'drizzle-orm';
import type { ConflictPolicy } from '../config/erpnext.js';
import type { Queryable } from '../db/database.js';
import { customerConflicts } from '../models/customers.js';
import type { FieldConflict } from './merge.js';

export type CustomerConflict = typeof customerConflicts.$inferSelect;

export async function recordConflicts(
  tx: Queryable,
  input: {
    customerId: string;
    erpnextName: string | null;
    conflicts: FieldConflict[];
    policy: ConflictPolicy;
    localChangedAt: Date;
    remoteChangedAt: Date;
  },
): Promise<void> {
  if (input.conflicts.length === 0) return;
  await tx.insert(customerConflicts).values(
    input.conflicts.map((c) => ({
      customerId: input.customerId,
      erpnextName: input.erpnextName,
      field: c.field,
      baseValue: c.base,
      localValue: c.local,
      remoteValue: c.remote,
      kept: c.kept,
      policy: input.policy,
      localChangedAt: input.localChangedAt,
      remoteChangedAt: input.remoteChangedAt,
    })),
  );
}

export async function listConflicts(
  db: Queryable,
  filter: { customerId?: string; beforeId?: number; limit: number },
): Promise<CustomerConflict[]> {
  const where = [
    filter.customerId ? eq(customerConflicts.customerId, filter.customerId) : undefined,
    filter.beforeId !== undefined ? lt(customerConflicts.id, filter.beforeId) : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select()
    .from(customerConflicts)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(customerConflicts.id))
    .limit(filter.limit);
}
