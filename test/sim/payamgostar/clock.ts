/**
 * How the simulated CRM writes times: the server's fixed UTC offset (+03:30 in Iran, which dropped daylight saving in
 * 2022), .NET's round-trip format with seven fraction digits for the login's expiresAt, and naive wall-clock times
 * with milliseconds for records' creatDate/modifyDate.
 */

export class CrmClock {
  readonly offsetMinutes: number;

  constructor(readonly offset: string) {
    const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
    if (!m) throw new Error(`offset must look like +03:30, got ${offset}`);
    this.offsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  }

  now(): number {
    return Date.now();
  }

  /** The server's wall clock at `instantMs`, as "YYYY-MM-DDTHH:MM:SS.fff". */
  wallClock(instantMs: number = this.now()): string {
    return new Date(instantMs + this.offsetMinutes * 60_000).toISOString().slice(0, 23);
  }

  /**
   * `instantMs` as the login writes expiresAt, and the instant the text denotes. With seven digits the four below the
   * millisecond are `subMillisecond` (0–9999), as .NET's ticks give them; the instant stays at the whole millisecond.
   */
  roundTrip(
    instantMs: number,
    fractionDigits: number,
    subMillisecond: number,
  ): { text: string; instantMs: number } {
    const unit = 10 ** Math.max(0, 3 - fractionDigits);
    const exact = Math.floor(instantMs / unit) * unit;
    const wall = new Date(exact + this.offsetMinutes * 60_000).toISOString();
    const ticks = `${wall.slice(20, 23)}${String(subMillisecond).padStart(4, '0')}`.slice(0, fractionDigits);
    const fraction = fractionDigits > 0 ? `.${ticks}` : '';
    return { text: `${wall.slice(0, 19)}${fraction}${this.offset}`, instantMs: exact };
  }
}
