/**
 * The Siagh simulator's refusals for load: a per-second request limit and refusals queued by a test, both answered
 * with Retry-After. Siagh's own throttling is not documented; a 429 with Retry-After is the inferred shape [I].
 */
export interface Refusal {
  status: 429 | 503;
  retryAfterSeconds: number;
  message: string;
}

export class Throttle {
  private readonly queued: Refusal[] = [];
  private readonly window = { second: 0, count: 0 };
  refused = 0;

  constructor(private readonly knobs: { rateLimitPerSecond?: number }) {}

  refuseNext(count: number, status: 429 | 503, retryAfterSeconds: number): void {
    for (let i = 0; i < count; i++)
      this.queued.push({ status, retryAfterSeconds, message: 'The server is busy. Please try again later.' });
  }

  /** The refusal for the request arriving now, if it is refused. */
  check(): Refusal | undefined {
    const refusal = this.queued.shift() ?? this.overLimit();
    if (refusal) this.refused++;
    return refusal;
  }

  private overLimit(): Refusal | undefined {
    const limit = this.knobs.rateLimitPerSecond;
    if (!limit) return undefined;
    const second = Math.floor(Date.now() / 1000);
    if (this.window.second !== second) Object.assign(this.window, { second, count: 0 });
    this.window.count += 1;
    return this.window.count <= limit
      ? undefined
      : { status: 429, retryAfterSeconds: 1, message: 'Too many requests.' };
  }
}
