/**
 * The checksum of a record's synced state, as the flow's loop prevention compares it: SHA-256 of its JSON with the
 * keys of every object sorted, so the same state always gives the same checksum whatever order its fields were built
 * in. `undefined` members are left out, as JSON.stringify leaves them out.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

export function checksumOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The top-level fields whose values differ between two states, in key order. */
export function changedFields(before: object | null | undefined, after: object): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((key) => canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null));
}
