/**
 * The simulated site's clock: naive site-local times at microsecond resolution, written as Python's `str(datetime)`
 * writes them (no fraction when the microseconds are 0). Deterministic from the seed; it can be frozen so several
 * writes share one `modified`, the tie an incremental cursor must survive.
 */
export class SiteClock {
  /** Microseconds since 1970-01-01 00:00:00 of the site's wall clock. */
  private micros: bigint;
  private frozen = false;
  private step = 0;

  /** followRealTime: never behind the real clock (UTC wall time), as a live site is; otherwise purely seeded. */
  constructor(
    start: string,
    private readonly random: () => number,
    private readonly followRealTime = false,
  ) {
    this.micros = parseSiteTime(start);
  }

  /** The time of the next write. */
  tick(): string {
    if (!this.frozen) {
      this.step += 1;
      // Every third write lands on a whole second, as real writes sometimes do, so both written forms occur.
      this.micros =
        this.step % 3 === 0
          ? (this.micros / 1_000_000n + 1n) * 1_000_000n
          : this.micros + BigInt(1 + Math.floor(this.random() * 999_999));
      const real = BigInt(Date.now()) * 1000n;
      if (this.followRealTime && real > this.micros) this.micros = real;
    }
    return formatSiteTime(this.micros);
  }

  now(): string {
    return formatSiteTime(this.micros);
  }

  freeze(frozen: boolean): void {
    this.frozen = frozen;
  }

  /** Jumps to a given time (never backwards past writes already made, which ERPNext would not do either). */
  set(time: string): void {
    this.micros = parseSiteTime(time);
  }
}

export function parseSiteTime(value: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/.exec(value.trim());
  if (!m) throw new Error(`not a datetime: ${value}`);
  const seconds = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) / 1000;
  return BigInt(seconds) * 1_000_000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

export function formatSiteTime(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return fraction === 0n ? base : `${base}.${String(fraction).padStart(6, '0')}`;
}
