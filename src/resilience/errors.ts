/**
 * One classification of failures for every external system, so "which error is worth another try" is answered in
 * one vocabulary: a connector's own typed errors are mapped onto it by the classifier its policy is given.
 */

/**
 * - `retryable`: the system was down, slow or failed inside (network, timeout, 5xx): try again after a backoff.
 * - `rate-limited`: the system is up but asked us to slow down (429, concurrency governance): wait, then try again.
 * - `auth`: credentials or a session were refused: re-authenticate once if the caller can, else stop.
 * - `permanent`: the request itself is wrong (validation, not found, bad response): trying again cannot help.
 */
export type FailureClass = 'retryable' | 'rate-limited' | 'auth' | 'permanent';

export interface Classification {
  class: FailureClass;
  /** How long the remote asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

export type Classifier = (error: unknown) => Classification;

/** Raised instead of calling a system whose circuit is open: it failed too often in a row to be worth hammering. */
export class CircuitOpenError extends Error {
  constructor(
    readonly system: string,
    readonly what: string,
    readonly reopensAt: Date,
    cause?: unknown,
  ) {
    super(
      `${system} is failing: its circuit is open after repeated failures, so ${what} was not sent; the next try is ` +
        `allowed from ${reopensAt.toISOString()}${cause instanceof Error ? ` (last failure: ${cause.message})` : ''}`,
      { cause },
    );
    this.name = 'CircuitOpenError';
  }
}

/** An attempt that ran past the policy's time limit and did not end by itself when asked to. */
export class AttemptTimeoutError extends Error {
  constructor(
    readonly system: string,
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${system} did not answer ${what} within ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

/**
 * Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Anything else, or a time in the
 * past, is no instruction at all.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return at > now ? at - now : undefined;
}
