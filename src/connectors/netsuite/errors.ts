/**
 * NetSuite's error envelope (`o:errorDetails`) turned into typed errors, and `classify`, which tells the resilience
 * kit which of them are worth another try.
 */
import { parseRetryAfter, type Classification } from '../../resilience/index.js';

export interface NetSuiteErrorDetail {
  code: string;
  detail: string;
  path?: string;
}

export class NetSuiteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly path?: string,
    readonly request?: string,
    /** How long NetSuite asked us to wait (its Retry-After header), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`NetSuite answered ${status} ${code}${request ? ` to ${request}` : ''}: ${detail}`);
    this.name = 'NetSuiteError';
  }

  /** Over the account's concurrency governance: NetSuite says so with 429, and some accounts with 400. */
  get concurrencyLimited(): boolean {
    return (
      this.status === 429 ||
      this.code === 'CONCURRENCY_LIMIT_EXCEEDED' ||
      this.code === 'SSS_REQUEST_LIMIT_EXCEEDED'
    );
  }
}

/** Credentials refused: retrying will not help until a person fixes them (except an expired token, renewed once). */
export class NetSuiteAuthError extends NetSuiteError {
  constructor(status: number, code: string, detail: string, request?: string) {
    super(status, code, detail, undefined, request);
    this.name = 'NetSuiteAuthError';
  }
}

/** The network failed before NetSuite answered. */
export class NetSuiteNetworkError extends Error {
  constructor(
    readonly request: string,
    cause: unknown,
  ) {
    super(`NetSuite could not be reached for ${request}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'NetSuiteNetworkError';
  }
}

export function errorDetailsOf(body: unknown): NetSuiteErrorDetail | undefined {
  const details = (body as { 'o:errorDetails'?: unknown } | undefined)?.['o:errorDetails'];
  if (!Array.isArray(details) || details.length === 0) return undefined;
  const first = details[0] as Record<string, unknown>;
  return {
    code: typeof first['o:errorCode'] === 'string' ? first['o:errorCode'] : 'UNKNOWN',
    detail: typeof first.detail === 'string' ? first.detail : JSON.stringify(first),
    path: typeof first['o:errorPath'] === 'string' ? first['o:errorPath'] : undefined,
  };
}

export function netSuiteErrorFrom(
  status: number,
  body: unknown,
  request: string,
  retryAfter?: string | null,
): NetSuiteError {
  const detail = errorDetailsOf(body);
  const code = detail?.code ?? (status === 429 ? 'CONCURRENCY_LIMIT_EXCEEDED' : `HTTP_${status}`);
  const text =
    detail?.detail ??
    (typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body ?? null).slice(0, 300));
  if (status === 401 || status === 403) return new NetSuiteAuthError(status, code, text, request);
  return new NetSuiteError(status, code, text, detail?.path, request, parseRetryAfter(retryAfter));
}

/**
 * Concurrency refusals wait (honouring Retry-After), server errors, 408 and network failures are tried again,
 * refused credentials are `auth` (the client renews an expired token once), every other answer is final.
 */
export function classify(error: unknown): Classification {
  if (error instanceof NetSuiteAuthError) return { class: 'auth' };
  if (error instanceof NetSuiteError) {
    if (error.concurrencyLimited) return { class: 'rate-limited', retryAfterMs: error.retryAfterMs };
    if (error.status >= 500 || error.status === 408)
      return { class: 'retryable', retryAfterMs: error.retryAfterMs };
    return { class: 'permanent' };
  }
  if (error instanceof NetSuiteNetworkError) return { class: 'retryable' };
  return { class: 'permanent' };
}
