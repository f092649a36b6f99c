/**
 * The three-way merge of a customer changed on both sides since the last sync: a field changed on one side only
 * takes that side's value; a field changed on both sides to different values is a conflict settled by the policy
 * (by default the newer change wins) and reported with both values.
 */
import type { ConflictPolicy } from '../config/erpnext.js';
import { sameValue, type CustomerFieldName, type CustomerFields } from './fields.js';

export interface FieldConflict {
  field: CustomerFieldName;
  base: unknown;
  local: unknown;
  remote: unknown;
  kept: 'local' | 'remote';
}

export interface MergeInput {
  fields: readonly CustomerFieldName[];
  base: Partial<CustomerFields>;
  local: Partial<CustomerFields>;
  remote: Partial<CustomerFields>;
  policy: ConflictPolicy;
  localChangedAt: Date;
  remoteChangedAt: Date;
}

export interface MergeResult {
  merged: Partial<CustomerFields>;
  conflicts: FieldConflict[];
}

export function mergeCustomer(input: MergeInput): MergeResult {
  const merged: Record<string, unknown> = {};
  const conflicts: FieldConflict[] = [];
  // Ties go to ERPNext: it is the book of record the accountants sign off.
  const newerSide: 'local' | 'remote' = input.localChangedAt > input.remoteChangedAt ? 'local' : 'remote';
  for (const field of input.fields) {
    const base = input.base[field] ?? null;
    const local = input.local[field] ?? null;
    const remote = input.remote[field] ?? null;
    if (sameValue(local, remote) || sameValue(remote, base)) merged[field] = local;
    else if (sameValue(local, base)) merged[field] = remote;
    else {
      const kept =
        input.policy === 'local-wins' ? 'local' : input.policy === 'remote-wins' ? 'remote' : newerSide;
      merged[field] = kept === 'local' ? local : remote;
      conflicts.push({ field, base, local, remote, kept });
    }
  }
  return { merged: merged, conflicts };
}
