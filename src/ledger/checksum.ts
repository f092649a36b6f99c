/**
 * Stable content checksums: the same data gives the same checksum whatever the key order, so a scraper can tell
 * "this list row is exactly what we stored" without comparing field by field.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level; undefined members are left out, as JSON.stringify does. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

export function checksum(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/** Stable checksum of a list row's raw fields. */
export function listChecksum(raw: unknown): string {
  return checksum(raw);
}
