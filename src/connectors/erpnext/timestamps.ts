/**
 * ERPNext's `modified` and `creation` are naive site-local times written by Python's `str(datetime)`: six fraction
 * digits, or none at all when the microseconds are zero. Cursors keep them as text at full resolution (a JS Date
 * would drop the microseconds and make rows at the same millisecond look like a tie they are not).
 */
import { instantOfWallClock, wallClockAt } from '../../time-zone.js';

const pattern = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export class InvalidFrappeTimestampError extends Error {
  constructor(readonly value: string) {
    super(`"${value}" is not an ERPNext timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff])`);
    this.name = 'InvalidFrappeTimestampError';
  }
}

export function isFrappeTimestamp(value: string): boolean {
  return pattern.test(value);
}

/** Both written forms as one comparable text: "2024-06-17 03:24:59" → "2024-06-17 03:24:59.000000". */
export function normaliseFrappeTimestamp(value: string): string {
  const m = pattern.exec(value.trim());
  if (!m) throw new InvalidFrappeTimestampError(value);
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? '').padEnd(6, '0')}`;
}

export function compareFrappeTimestamps(a: string, b: string): number {
  const na = normaliseFrappeTimestamp(a);
  const nb = normaliseFrappeTimestamp(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

interface NaiveParts {
  wallMs: number;
  micros: string;
}

function naiveParts(value: string): NaiveParts {
  const m = pattern.exec(normaliseFrappeTimestamp(value))!;
  const wallMs = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return { wallMs, micros: m[7]! };
}

function formatWall(wallMs: number, micros: string): string {
  const d = new Date(wallMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${micros}`
  );
}

/** The same naive time moved back by `ms` (whole milliseconds; the microsecond digits are kept). */
export function frappeTimestampMinus(value: string, ms: number): string {
  const { wallMs, micros } = naiveParts(value);
  const whole = Math.floor(ms / 1000) * 1000;
  const extra = ms - whole;
  const microsNum = Number(micros) - extra * 1000;
  const borrow = microsNum < 0 ? Math.ceil(-microsNum / 1_000_000) : 0;
  return formatWall(wallMs - whole - borrow * 1000, String(microsNum + borrow * 1_000_000).padStart(6, '0'));
}

/** The instant a naive site-local ERPNext timestamp denotes (to the millisecond). */
export function frappeTimestampToDate(value: string, timeZone: string): Date {
  const { wallMs, micros } = naiveParts(value);
  return new Date(instantOfWallClock(wallMs, timeZone) + Math.floor(Number(micros) / 1000));
}

/** An instant written the way the ERPNext site writes it (naive local time, microseconds). */
export function dateToFrappeTimestamp(date: Date, timeZone: string, micros = 0): string {
  const epoch = date.getTime();
  const ms = ((epoch % 1000) + 1000) % 1000;
  return formatWall(wallClockAt(epoch, timeZone), String(ms * 1000 + micros).padStart(6, '0'));
}
