/**
 * Wall-clock time in a named time zone, and back. The portals and remote systems write local times without an offset
 * (RouteStar and CustomerConnect in New York, NetSuite in the integration user's zone, ERPNext in the site's zone); the
 * worker keeps instants in UTC and converts at the boundary, here, in one way for all of them.
 */

const wallClocks = new Map<string, Intl.DateTimeFormat>();
const calendars = new Map<string, Intl.DateTimeFormat>();

/** A formatter is slow to build and a sync converts thousands of dates: one per zone is kept. */
function cached(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  build: () => Intl.DateTimeFormat,
): Intl.DateTimeFormat {
  let formatter = cache.get(timeZone);
  if (!formatter) {
    formatter = build();
    cache.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * What the wall clock in `timeZone` shows at the instant `utcMs`, to the second, as milliseconds since 1970 read as if
 * that wall clock were UTC (so `new Date(…).getUTCHours()` gives the local hour).
 */
export function wallClockAt(utcMs: number, timeZone: string): number {
  const formatter = cached(
    wallClocks,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  );
  const p = { year: NaN, month: NaN, day: NaN, hour: NaN, minute: NaN, second: NaN };
  for (const part of formatter.formatToParts(new Date(utcMs))) {
    if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** The UTC instant at which the wall clock in `timeZone` shows `wallMs` (local fields given as by `Date.UTC`). */
export function instantOfWallClock(wallMs: number, timeZone: string): number {
  const offset = (utcMs: number) => wallClockAt(utcMs, timeZone) - Math.floor(utcMs / 1000) * 1000;
  // Around a daylight-saving change the offset at the first guess can differ from the one at the answer; a second
  // look at the guess settles it.
  const guess = wallMs - offset(wallMs);
  return wallMs - offset(guess);
}

/** The calendar day (YYYY-MM-DD) that `at` falls on in `timeZone`. */
export function dayIn(timeZone: string, at = new Date()): string {
  return cached(
    calendars,
    timeZone,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  ).format(at);
}
