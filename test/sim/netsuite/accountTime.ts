/** Account-local wall-clock formatting for the NetSuite simulator (SuiteQL answers in the user's time zone). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(utcMs: number, timeZone: string): Record<string, number> {
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
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

const pad = (n: number | undefined, w = 2) => String(n ?? 0).padStart(w, '0');

/** `YYYY-MM-DD HH24:MI:SS` in the account time zone, what TO_CHAR gives. */
export function toCharWallClock(utcMs: number, timeZone: string): string {
  const p = parts(utcMs, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** A bare date column in the account's date preference (M/D/YYYY unless set otherwise). */
export function accountDate(utcMs: number, timeZone: string, format: AccountDateFormat = 'M/D/YYYY'): string {
  const p = parts(utcMs, timeZone);
  return accountDateIn(`${p.year}-${pad(p.month)}-${pad(p.day)}`, format);
}

/** Wall-clock time in the account zone back to UTC milliseconds (what TO_TIMESTAMP literals mean). */
export function wallClockToUtc(wall: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(wall);
  if (!m) return undefined;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = parts(guess, timeZone);
    const shown = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
    guess += asUtc - shown;
  }
  return guess;
}

/** The account's date preference (Set Preferences > Date Format); M/D/YYYY and D/M/YYYY show no leading zeros. */
export type AccountDateFormat =
  'M/D/YYYY' | 'D/M/YYYY' | 'MM/DD/YYYY' | 'DD/MM/YYYY' | 'DD.MM.YYYY' | 'YYYY-MM-DD';

/** A calendar date `YYYY-MM-DD` as the account shows it. */
export function accountDateIn(isoDate: string, format: AccountDateFormat): string {
  const [year, month, day] = isoDate.split('-');
  const values: Record<string, string> = {
    YYYY: year!,
    MM: month!,
    DD: day!,
    M: String(Number(month)),
    D: String(Number(day)),
  };
  return format.replace(/YYYY|MM|DD|M|D/g, (token) => values[token]!);
}
