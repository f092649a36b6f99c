/**
 * Pure mapping of one NetSuite item's price fields to OPMS values: what to write, or why the item is skipped or
 * quarantined. The same rules serve SuiteQL rows (strings) and webhook payloads (numbers).
 */
import type { PriceFieldMapping } from '../../config/netsuite.js';
import type { OpmsColumn } from '../../connectors/opms/client.js';
import { firstUnstorable } from '../../storable-text.js';

/** One NetSuite item as read from SuiteQL or received from the user-event webhook. */
export interface PriceSnapshot {
  itemId: string;
  itemCode: string;
  /** NetSuite last-modified time in UTC; undefined when the source did not say. */
  modifiedAt?: Date;
  skip: boolean;
  /** Keyed by the mapping's `from` names; missing means NULL in NetSuite. */
  values: Record<string, unknown>;
}

export interface MappingRules {
  fields: PriceFieldMapping[];
  maxValue: number;
}

export type MappedItem =
  | { kind: 'skip'; snapshot: PriceSnapshot; reason: string }
  | { kind: 'quarantine'; snapshot: PriceSnapshot; reason: string }
  | { kind: 'write'; snapshot: PriceSnapshot; values: { field: string; to: OpmsColumn; value: string }[] };

const decimal = /^\d+(\.\d+)?$/;

/** A NetSuite price as an OPMS money string in cents; a reason when it is not a price. */
export function parsePrice(raw: unknown, maxValue: number): { value: string } | { problem: string } {
  // NetSuite leaves a price level blank for "no price"; OPMS keeps 0 for that, as the existing integration does.
  if (raw === undefined || raw === null || raw === '') return { value: '0.00' };
  const text =
    typeof raw === 'number'
      ? Number.isFinite(raw)
        ? String(raw)
        : 'NaN'
      : typeof raw === 'string'
        ? raw.trim()
        : undefined;
  if (text === undefined) return { problem: `is ${JSON.stringify(raw)}, not a number` };
  if (text.startsWith('-')) return { problem: `is negative (${text})` };
  const plain = /e/i.test(text) && Number.isFinite(Number(text)) ? Number(text).toFixed(6) : text;
  if (!decimal.test(plain)) return { problem: `is "${text}", not a decimal number` };
  if (Number(plain) > maxValue)
    return { problem: `is ${text}, above the allowed maximum ${maxValue} (NETSUITE_OPMS_MAX_PRICE)` };
  return { value: toCents(plain) };
}

/** Half-up rounding to cents on the decimal digits themselves: binary floats would turn 10.005 into 10.00. */
function toCents(decimalText: string): string {
  const [whole = '0', fraction = ''] = decimalText.split('.');
  let cents = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  if ((fraction[2] ?? '0') >= '5') cents += 1n;
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

export function mapPriceSnapshot(snapshot: PriceSnapshot, rules: MappingRules): MappedItem {
  const unstorable = firstUnstorable({ itemCode: snapshot.itemCode, ...snapshot.values });
  if (unstorable)
    return {
      kind: 'quarantine',
      snapshot,
      reason: `${unstorable.path} ${unstorable.reason}. Correct the item in NetSuite; the next sync picks it up.`,
    };
  if (snapshot.skip) return { kind: 'skip', snapshot, reason: 'flagged in NetSuite as not synced to OPMS' };
  const values: { field: string; to: OpmsColumn; value: string }[] = [];
  const problems: string[] = [];
  for (const mapping of rules.fields) {
    const parsed = parsePrice(snapshot.values[mapping.from], rules.maxValue);
    if ('problem' in parsed) problems.push(`${mapping.from} ${parsed.problem}`);
    else values.push({ field: mapping.from, to: mapping.to, value: parsed.value });
  }
  if (problems.length > 0)
    return {
      kind: 'quarantine',
      snapshot,
      reason: `${problems.join('; ')}. Correct the item in NetSuite; the next sync picks it up.`,
    };
  return { kind: 'write', snapshot, values };
}

/** NetSuite checkboxes come as 'T'/'F' from SuiteQL and as booleans from SuiteScript. */
export function isTicked(raw: unknown): boolean {
  return raw === true || raw === 'T' || raw === 'true';
}
