/**
 * SuiteQL gives dates as wall-clock time in the integration user's time zone. Cursors are kept in UTC; these convert
 * between the two at the query boundary, so no date is ever truncated or shifted.
 */
import { instantOfWallClock, wallClockAt } from '../../time-zone.js';

/** `YYYY-MM-DD HH24:MI:SS` (TO_CHAR output) in `timeZone` → a UTC Date; undefined when the text is not that format. */
export function parseAccountTimestamp(text: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text);
  if (!m) return undefined;
  return new Date(instantOfWallClock(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!), timeZone));
}

/** A UTC instant as the account's wall clock, for TO_TIMESTAMP literals in SuiteQL filters. */
export function formatAccountTimestamp(at: Date, timeZone: string): string {
  return new Date(wallClockAt(at.getTime(), timeZone)).toISOString().slice(0, 19).replace('T', ' ');
}

/** NetSuite REST host name rule: `1234567_SB1` → `1234567-sb1`. */
export function accountHostName(accountId: string): string {
  return accountId.toLowerCase().replace(/_/g, '-');
}
