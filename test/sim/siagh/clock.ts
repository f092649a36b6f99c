/** The simulator's clock as Siagh shows it: today's Jalali date and wall time in the company's time zone. */
import { toJalaali } from 'jalaali-js';

/** Today in `timeZone` as a Jalali date and wall time. */
export function jalaliNow(timeZone: string): { date: string; time: string; year: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(new Date())
      .map((p) => [p.type, p.value]),
  );
  const { jy, jm, jd } = toJalaali(Number(parts.year), Number(parts.month), Number(parts.day));
  return {
    date: `${jy}/${String(jm).padStart(2, '0')}/${String(jd).padStart(2, '0')}`,
    time: `${parts.hour}:${parts.minute}`,
    year: jy,
  };
}
