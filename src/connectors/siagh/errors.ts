/**
 * Siagh failures as typed errors, and their classification for the resilience kit. Siagh answers a refused form
 * with HTTP 200 and `ErrError` entries in Persian: those become SiaghBusinessError with Siagh's own words kept, so a
 * person reads "کد ملی تکراری است" and not a status code. Values that cannot be written into a form at all are
 * refused before anything is sent (SiaghInputError).
 */
import { AttemptTimeoutError, parseRetryAfter, type Classification } from '../../resilience/index.js';

export type SiaghErrorKind =
  | 'login-refused'
  | 'session-expired'
  | 'rate-limit'
  | 'unavailable'
  | 'timeout'
  | 'bad-request'
  | 'bad-response'
  | 'refused';

/** One entry of a SaveFormData reply's `Errors`, as Siagh wrote it. */
export interface SiaghMessage {
  type: string;
  description: string;
  code?: number;
  column?: string;
}

export interface SiaghErrorDetails {
  kind: SiaghErrorKind;
  /** What was asked, e.g. "POST /BpmsApi/SaveFormData (contact create)". */
  request: string;
  status?: number;
  messages?: string[];
  retryAfterMs?: number;
  /** The request surely never reached Siagh (connection refused, throttled): sending it again cannot duplicate. */
  notReached?: boolean;
  /** What Siagh answered, for the record's failure log (never a session id or password). */
  reply?: unknown;
  cause?: unknown;
}

const advice: Record<SiaghErrorKind, string> = {
  'login-refused':
    'check SIAGH_USERNAME and SIAGH_PASSWORD (or SIAGH_PASSWORD_MD5: `syncworker siagh-hash` prints it)',
  'session-expired': 'the Siagh session ended; a new login is made automatically',
  'rate-limit': 'Siagh is throttling requests; lower SIAGH_REQUESTS_PER_SECOND if this persists',
  unavailable: 'Siagh could not be reached or failed inside; it is retried automatically',
  timeout:
    'Siagh did not answer in time (SIAGH_TIMEOUT_MS); it is retried when that cannot duplicate anything',
  'bad-request': 'Siagh did not accept the request; check SIAGH_URL and the Siagh version',
  'bad-response': 'Siagh answered something its API does not; check SIAGH_URL',
  refused: 'correct the record in the CRM so Siagh accepts it, then retry it',
};

export class SiaghError extends Error {
  readonly kind: SiaghErrorKind;
  readonly request: string;
  readonly status?: number;
  readonly messages: string[];
  readonly retryAfterMs?: number;
  readonly notReached: boolean;
  readonly reply?: unknown;

  constructor(details: SiaghErrorDetails) {
    const said = details.messages && details.messages.length > 0 ? `: ${details.messages.join('; ')}` : '';
    const status = details.status === undefined ? '' : ` (HTTP ${details.status})`;
    super(`Siagh refused ${details.request}${status}${said} — ${advice[details.kind]}`, {
      cause: details.cause,
    });
    this.name = 'SiaghError';
    this.kind = details.kind;
    this.request = details.request;
    this.status = details.status;
    this.messages = details.messages ?? [];
    this.retryAfterMs = details.retryAfterMs;
    this.notReached = details.notReached ?? false;
    this.reply = details.reply;
  }

  /** A write may have been carried out by Siagh even though no reply said so: do not send it blindly again. */
  get maybeApplied(): boolean {
    if (this.notReached) return false;
    return this.kind === 'timeout' || this.kind === 'unavailable';
  }
}

/** Siagh answered HTTP 200 but refused the form (`ErrError`, or `ReturnValue: false`), in its own words. */
export class SiaghBusinessError extends SiaghError {
  constructor(
    request: string,
    readonly entries: SiaghMessage[],
    reply: unknown,
  ) {
    super({
      kind: 'refused',
      request,
      status: 200,
      messages: entries.map((e) =>
        e.code !== undefined && e.code !== 0 ? `${e.description} (${e.code})` : e.description,
      ),
      reply,
    });
    this.name = 'SiaghBusinessError';
  }
}

/** A value we refuse to send because Siagh could not receive it faithfully; the record is quarantined. */
export class SiaghInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly value?: string,
  ) {
    const shown = value === undefined ? '' : ` ("${value.length > 60 ? `${value.slice(0, 60)}…` : value}")`;
    super(`Siagh field ${field} ${reason}${shown}: correct it at the source; it was not sent to Siagh`);
    this.name = 'SiaghInputError';
  }
}

/** An HTTP status other than 200 as a typed error. `body` is Siagh's `{"Message": "..."}` when it sent one. */
export function errorFromStatus(
  request: string,
  status: number,
  body: unknown,
  retryAfter: string | null,
  login = false,
): SiaghError {
  const message =
    body && typeof body === 'object' && 'Message' in body && typeof body.Message === 'string'
      ? [body.Message]
      : typeof body === 'string' && body.trim() !== ''
        ? [body.trim().slice(0, 300)]
        : [];
  const kind: SiaghErrorKind =
    status === 401 || status === 403
      ? login
        ? 'login-refused'
        : 'session-expired'
      : status === 429
        ? 'rate-limit'
        : status === 408 || status === 504
          ? 'timeout'
          : status >= 500
            ? 'unavailable'
            : 'bad-request';
  return new SiaghError({
    kind,
    request,
    status,
    messages: message,
    retryAfterMs: parseRetryAfter(retryAfter),
    notReached: status === 429,
    reply: body,
  });
}

/** The resilience kit's view of a Siagh failure. */
export function classify(error: unknown): Classification {
  if (error instanceof SiaghInputError) return { class: 'permanent' };
  if (!(error instanceof SiaghError)) {
    // fetch's own failures (DNS, refused, reset) are TypeErrors with a cause: the network, not the request.
    return { class: error instanceof TypeError ? 'retryable' : 'permanent' };
  }
  switch (error.kind) {
    case 'login-refused':
    case 'session-expired':
      return { class: 'auth' };
    case 'rate-limit':
      return { class: 'rate-limited', retryAfterMs: error.retryAfterMs };
    case 'unavailable':
    case 'timeout':
      return { class: 'retryable', retryAfterMs: error.retryAfterMs };
    default:
      return { class: 'permanent' };
  }
}

/**
 * Whether a write that failed this way may still have been carried out by Siagh (its reply was lost, or Siagh failed
 * after acting): such a write is not sent again blindly.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  if (error instanceof AttemptTimeoutError) return true;
  if (error instanceof SiaghError) return error.maybeApplied;
  return error instanceof TypeError;
}
