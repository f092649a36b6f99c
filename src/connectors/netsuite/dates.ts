/**
 * SuiteQL gives dates as wall-clock time in the integration user's time zone. Cursors are kept in UTC; these convert
 * between the two at the query boundary, so no date is ever truncated or shifted.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockParts(utcMs: number, timeZone: string): number[] {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(utcMs)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return [p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!];
}

/** `YYYY-MM-DD HH24:MI:SS` (TO_CHAR output) in `timeZone` → a UTC Date; undefined when the text is not that format. */
export function parseAccountTimestamp(text: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  let utc = wall;
  // Two rounds settle the zone offset, including across a daylight-saving change.
  for (let i = 0; i < 2; i++) {
    const [y, mo, d, h, mi, s] = wallClockParts(utc, timeZone);
    utc += wall - Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  }
  return new Date(utc);
}

/** A UTC instant as the account's wall clock, for TO_TIMESTAMP literals in SuiteQL filters. */
export function formatAccountTimestamp(at: Date, timeZone: string): string {
  const [y, mo, d, h, mi, s] = wallClockParts(at.getTime(), timeZone);
  const pad = (n: number | undefined) => String(n).padStart(2, '0');
  return `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** NetSuite REST host name rule: `1234567_SB1` → `1234567-sb1`. */
export function accountHostName(accountId: string): string {
  return accountId.toLowerCase().replace(/_/g, '-');
}
