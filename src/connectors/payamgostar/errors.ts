/**
 * Payamgostar failures as typed errors, and the one classification the resilience kit retries by. The CRM's login
 * answers three refusals a person must act on (401 wrong credentials, 403 too many login attempts, 402 the licence
 * lacks the MobileApp module): none of them is worth another try, and the 403 is made worse by one.
 */
import type { Classification } from '../../resilience/index.js';

export type PayamgostarErrorKind =
  /** The login was refused: wrong user name or password. */
  | 'credentials'
  /** The login was refused with 403: too many login attempts, the user is locked out for a while. */
  | 'locked-out'
  /** The login was refused with 402: the CRM's licence lacks the MobileApp module the API belongs to. */
  | 'module-missing'
  /** A request was refused with 401: the access token expired or was revoked; a new login fixes it. */
  | 'token'
  | 'permission'
  | 'not-found'
  | 'validation'
  | 'rate-limit'
  | 'unavailable'
  | 'bad-response';

export interface PayamgostarErrorDetails {
  kind: PayamgostarErrorKind;
  /** What was asked, e.g. "POST /api/v2/crmobject/person/get". */
  request: string;
  status?: number;
  /** The CRM's own words, when it gave any. */
  remoteMessage?: string;
  retryAfterMs?: number;
  /** The request surely never reached the CRM (connection refused), so sending it again cannot duplicate it. */
  notReached?: boolean;
  /** For a refused login that is not tried again before this time. */
  loginAllowedAt?: Date;
  cause?: unknown;
}

const advice: Record<PayamgostarErrorKind, string> = {
  credentials: 'check PAYAMGOSTAR_USERNAME and PAYAMGOSTAR_PASSWORD',
  'locked-out':
    'the CRM locked the user out after too many login attempts: wait, check PAYAMGOSTAR_PASSWORD, and do not retry by hand meanwhile (each try prolongs the lock-out)',
  'module-missing':
    'the CRM licence has no MobileApp module, which its API belongs to: ask the CRM administrator to enable it',
  token: 'the access token was refused; the worker logs in again once by itself',
  permission: 'give the CRM user the right to read and write identities and quotes',
  'not-found': 'the record may have been deleted in the CRM',
  validation: 'correct the record so the CRM accepts it, then retry',
  'rate-limit': 'the CRM is throttling requests; lower PAYAMGOSTAR_REQUESTS_PER_SECOND if this persists',
  unavailable: 'the CRM could not be reached or failed; it is retried automatically',
  'bad-response': 'the CRM answered something its API does not; check PAYAMGOSTAR_URL',
};

export class PayamgostarError extends Error {
  readonly kind: PayamgostarErrorKind;
  readonly request: string;
  readonly status?: number;
  readonly remoteMessage?: string;
  readonly retryAfterMs?: number;
  readonly notReached: boolean;
  readonly loginAllowedAt?: Date;

  constructor(details: PayamgostarErrorDetails) {
    const status = details.status === undefined ? '' : ` (${details.status})`;
    const said = details.remoteMessage ? `: ${details.remoteMessage}` : '';
    const until = details.loginAllowedAt
      ? `; no login is tried before ${details.loginAllowedAt.toISOString()}`
      : '';
    super(`Payamgostar refused ${details.request}${status}${said} — ${advice[details.kind]}${until}`, {
      cause: details.cause,
    });
    this.name = 'PayamgostarError';
    this.kind = details.kind;
    this.request = details.request;
    this.status = details.status;
    this.remoteMessage = details.remoteMessage;
    this.retryAfterMs = details.retryAfterMs;
    this.notReached = details.notReached ?? false;
    this.loginAllowedAt = details.loginAllowedAt;
  }

  /** The login itself was refused for a reason only a person can fix: stop, never retry, never re-login. */
  get loginRefused(): boolean {
    return this.kind === 'credentials' || this.kind === 'locked-out' || this.kind === 'module-missing';
  }
}

/** The resilience kit's view of a failure: what is worth another try, and what a fresh login fixes. */
export function classify(error: unknown): Classification {
  // Network failures arrive wrapped as 'unavailable'; anything else unknown is a fault here, not in the CRM.
  if (!(error instanceof PayamgostarError)) return { class: 'permanent' };
  switch (error.kind) {
    case 'token':
      return { class: 'auth' };
    case 'rate-limit':
      return { class: 'rate-limited', retryAfterMs: error.retryAfterMs };
    case 'unavailable':
      return { class: 'retryable', retryAfterMs: error.retryAfterMs };
    default:
      // Refused logins are final: a re-login or retry would only add login attempts to a locked-out user.
      return { class: 'permanent' };
  }
}

/** The CRM's error text: its envelopes are not documented, so every shape seen from ASP.NET services is read. */
export function remoteMessageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 300) || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const fields = body as Record<string, unknown>;
  for (const key of ['errorMessage', 'message', 'Message', 'error_description', 'detail', 'title', 'error']) {
    const value = fields[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 300);
  }
  return undefined;
}

/** A refusal of the login request, by status. */
export function loginErrorFrom(
  status: number,
  body: unknown,
  request: string,
  retryAfterMs: number | null | undefined,
): PayamgostarError {
  const remoteMessage = remoteMessageOf(body);
  if (status === 401) return new PayamgostarError({ kind: 'credentials', request, status, remoteMessage });
  if (status === 403) return new PayamgostarError({ kind: 'locked-out', request, status, remoteMessage });
  if (status === 402) return new PayamgostarError({ kind: 'module-missing', request, status, remoteMessage });
  return errorFrom(status, body, request, retryAfterMs);
}

/** A refusal of any other request, by status. */
export function errorFrom(
  status: number,
  body: unknown,
  request: string,
  retryAfterMs: number | null | undefined,
): PayamgostarError {
  const remoteMessage = remoteMessageOf(body);
  const details = { request, status, remoteMessage, retryAfterMs: retryAfterMs ?? undefined };
  if (status === 401) return new PayamgostarError({ kind: 'token', ...details });
  if (status === 403) return new PayamgostarError({ kind: 'permission', ...details });
  if (status === 404) return new PayamgostarError({ kind: 'not-found', ...details });
  if (status === 429) return new PayamgostarError({ kind: 'rate-limit', ...details });
  if (status === 408 || status >= 500) return new PayamgostarError({ kind: 'unavailable', ...details });
  return new PayamgostarError({ kind: 'validation', ...details });
}
