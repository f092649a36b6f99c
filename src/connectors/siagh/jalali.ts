/**
 * Siagh's dates are Jalali (Solar Hijri) calendar days written `1404/09/04`, its times `17:33` on the wall clock of
 * the company (Asia/Tehran), and its fiscal year is a Jalali year (1404 starts on 1 Farvardin = 21 March 2025).
 *
 * The calendar arithmetic is jalaali-js (Borkowski's algorithm, exact for Jalali years -61…3177, no dependencies,
 * ESM with types, maintained): chosen over date-fns-jalali, whose current release is a pre-release, and over
 * @internationalized/date, which brings a whole calendar system for one conversion. The time-zone step (which
 * calendar day it is in Tehran at an instant) is the worker's one way of doing it, src/time-zone.ts.
 */
import { isValidJalaaliDate, toGregorian, toJalaali } from 'jalaali-js';
import { instantOfWallClock, wallClockAt } from '../../time-zone.js';

export interface JalaliDate {
  year: number;
  month: number;
  day: number;
}

const jalaliDatePattern = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/;
const wallTimePattern = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** `1404/09/04`: the form Siagh writes and expects. */
export function formatJalaliDate(date: JalaliDate): string {
  return `${date.year}/${String(date.month).padStart(2, '0')}/${String(date.day).padStart(2, '0')}`;
}

/** Reads `1404/09/04` (or `1404/9/4`); anything else, or a day the calendar does not have, is refused. */
export function parseJalaliDate(text: string): JalaliDate {
  const match = jalaliDatePattern.exec(text.trim());
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || !isValidJalaaliDate(year, month, day))
    throw new RangeError(`"${text}" is not a Jalali date written YYYY/MM/DD (e.g. 1404/09/04)`);
  return { year, month, day };
}

/** The Jalali calendar day an instant falls on in `timeZone`. */
export function jalaliDateAt(instant: Date, timeZone: string): JalaliDate {
  const wall = new Date(wallClockAt(instant.getTime(), timeZone));
  const { jy, jm, jd } = toJalaali(wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate());
  return { year: jy, month: jm, day: jd };
}

/** The Gregorian day (YYYY-MM-DD) of a Jalali date. */
export function gregorianDayOf(date: JalaliDate): string {
  const { gy, gm, gd } = toGregorian(date.year, date.month, date.day);
  return `${gy}-${String(gm).padStart(2, '0')}-${String(gd).padStart(2, '0')}`;
}

/**
 * The instant a Siagh date and wall time (`SystemDate` `1404/09/04`, `SystemTime` `17:33`) stand for in
 * `timeZone`; without a time, the start of that day.
 */
export function instantOfJalali(date: string, time: string | undefined, timeZone: string): Date {
  const { year, month, day } = parseJalaliDate(date);
  const { gy, gm, gd } = toGregorian(year, month, day);
  let [hours, minutes, seconds] = [0, 0, 0];
  if (time !== undefined) {
    const match = wallTimePattern.exec(time.trim());
    if (!match || Number(match[1]) > 23 || Number(match[2]) > 59 || Number(match[3] ?? 0) > 59)
      throw new RangeError(`"${time}" is not a time written HH:MM (e.g. 17:33)`);
    [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  }
  return new Date(instantOfWallClock(Date.UTC(gy, gm - 1, gd, hours, minutes, seconds), timeZone));
}

/** The Jalali fiscal year an instant belongs to in `timeZone`: Iranian fiscal years start on 1 Farvardin. */
export function fiscalYearAt(instant: Date, timeZone: string): number {
  return jalaliDateAt(instant, timeZone).year;
}
