/**
 * The CRM's two ways of writing a time. The login's `expiresAt` is .NET's round-trip format with the server's offset
 * and seven fraction digits ("2025-12-16T11:43:53.1385332+03:30"); records' `creatDate`/`modifyDate` are the server's
 * wall clock without any offset ("2025-12-21T14:06:17.173"). Both are parsed field by field, never by `Date.parse`,
 * whose reading of a naive time is the worker's own zone and whose acceptance of seven digits is the engine's choice.
 */
import { instantOfWallClock } from '../../time-zone.js';

const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

interface TimestampFields {
  wallMs: number;
  offsetMinutes?: number;
}

function fieldsOf(text: string): TimestampFields | undefined {
  const m = timestampPattern.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  // Whole milliseconds, cut toward the past: a token is never taken for valid after the instant it ends.
  const milliseconds = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  const zone = m[8];
  if (zone === undefined) return { wallMs };
  if (zone === 'Z') return { wallMs, offsetMinutes: 0 };
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMins = Number(zone.slice(4, 6));
  if (offsetHours > 14 || offsetMins > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return { wallMs, offsetMinutes: sign * (offsetHours * 60 + offsetMins) };
}

/** A timestamp that carries its offset (the login's `expiresAt`) → milliseconds since 1970 UTC; undefined if not one. */
export function parseOffsetTimestamp(text: string): number | undefined {
  const fields = fieldsOf(text);
  if (!fields || fields.offsetMinutes === undefined) return undefined;
  return fields.wallMs - fields.offsetMinutes * 60_000;
}

/**
 * A record's `creatDate`/`modifyDate` → a UTC Date: a naive time is the CRM server's wall clock in `timeZone`; one
 * that carries an offset is taken as written. Undefined when the text is neither.
 */
export function parseCrmTimestamp(text: string, timeZone: string): Date | undefined {
  const fields = fieldsOf(text);
  if (!fields) return undefined;
  if (fields.offsetMinutes !== undefined) return new Date(fields.wallMs - fields.offsetMinutes * 60_000);
  return new Date(instantOfWallClock(fields.wallMs, timeZone));
}
