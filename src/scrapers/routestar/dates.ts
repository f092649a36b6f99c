/**
 * RouteStar's dates and times, read in the business's time zone (America/New_York). A date-only value stays a
 * calendar date (YYYY-MM-DD): turning it into UTC midnight would move it to the previous evening in Virginia.
 */
import { dayIn, instantOfWallClock } from '../../time-zone.js';

export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const tokenPattern: Record<string, string> = {
  YYYY: '(\\d{4})',
  MM: '(\\d{1,2})',
  M: '(\\d{1,2})',
  DD: '(\\d{1,2})',
  D: '(\\d{1,2})',
  hh: '(\\d{1,2})',
  h: '(\\d{1,2})',
  HH: '(\\d{1,2})',
  H: '(\\d{1,2})',
  mm: '(\\d{2})',
  A: '(AM|PM|am|pm)',
};

/** Format strings use the tokens YYYY M MM D DD h hh H HH mm A; anything else must appear verbatim. */
function compile(format: string): { regex: RegExp; tokens: string[] } {
  const tokens: string[] = [];
  let source = '';
  const scanner = /YYYY|MM|M|DD|D|hh|h|HH|H|mm|A|./g;
  for (const match of format.matchAll(scanner)) {
    const token = match[0];
    const pattern = tokenPattern[token];
    if (pattern) {
      tokens.push(token);
      source += pattern;
    } else {
      source += token === ' ' ? '\\s+' : token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return { regex: new RegExp(`^${source}$`), tokens };
}

const compiled = new Map<string, ReturnType<typeof compile>>();

export function parseWithFormat(text: string, format: string): DateParts | null {
  let c = compiled.get(format);
  if (!c) {
    c = compile(format);
    compiled.set(format, c);
  }
  const match = c.regex.exec(text.trim());
  if (!match) return null;
  const parts: DateParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
  let pm: boolean | null = null;
  c.tokens.forEach((token, index) => {
    const value = match[index + 1] ?? '';
    if (token === 'YYYY') parts.year = Number(value);
    else if (token === 'M' || token === 'MM') parts.month = Number(value);
    else if (token === 'D' || token === 'DD') parts.day = Number(value);
    else if (token.startsWith('h') || token.startsWith('H')) parts.hour = Number(value);
    else if (token === 'mm') parts.minute = Number(value);
    else if (token === 'A') pm = value.toUpperCase() === 'PM';
  });
  if (pm !== null) parts.hour = (parts.hour % 12) + (pm ? 12 : 0);
  const check = new Date(Date.UTC(parts.year, parts.month - 1, parts.day));
  if (check.getUTCMonth() !== parts.month - 1 || check.getUTCDate() !== parts.day) return null;
  if (parts.hour > 23 || parts.minute > 59) return null;
  return parts;
}

export function isoDate(parts: DateParts): string {
  return `${String(parts.year).padStart(4, '0')}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`;
}

/** The UTC instant of a wall-clock time in `timeZone`, as an ISO string. */
export function zonedToIso(parts: DateParts, timeZone: string): string {
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return new Date(instantOfWallClock(wall, timeZone)).toISOString();
}

export function shiftDate(isoDay: string, days: number): string {
  const d = new Date(`${isoDay}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The closed-list window: the last `days` calendar days up to today, in the business's time zone. */
export function closedWindow(days: number, timeZone: string, now = new Date()): { from: string; to: string } {
  const to = dayIn(timeZone, now);
  return { from: shiftDate(to, -(days - 1)), to };
}
