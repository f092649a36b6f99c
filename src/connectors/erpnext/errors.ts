/**
 * ERPNext failures as typed errors. Frappe answers errors with `exc_type` and a doubly JSON-encoded
 * `_server_messages`; both are decoded here so a person reads ERPNext's own words ("Could not find Customer Group:
 * Foo") instead of a status code. `classify` tells the resilience kit which of them are worth another try.
 */
import {
  AttemptTimeoutError,
  CircuitOpenError,
  parseRetryAfter,
  type Classification,
} from '../../resilience/index.js';
import { frappeErrorEnvelope } from './schemas.js';

export type ErpNextErrorKind =
  | 'auth'
  | 'permission'
  | 'not-found'
  | 'validation'
  | 'duplicate'
  | 'rate-limit'
  | 'unavailable'
  | 'timeout'
  | 'bad-response';

export interface ErpNextErrorDetails {
  kind: ErpNextErrorKind;
  /** What was asked, e.g. "PUT /api/resource/Customer/CUST-2024-00001". */
  request: string;
  status?: number;
  excType?: string;
  messages?: string[];
  /** Seconds, from Retry-After. */
  retryAfter?: number;
  body?: unknown;
  /** The request surely never reached ERPNext (connection refused), so sending it again cannot duplicate it. */
  notReached?: boolean;
}

const advice: Record<ErpNextErrorKind, string> = {
  auth: 'check ERPNEXT_API_KEY and ERPNEXT_API_SECRET (User → API Access in ERPNext)',
  permission: 'give the integration user a role that may read and write Customer, Address and Contact',
  'not-found': 'the record may have been deleted or renamed in ERPNext',
  validation: 'correct the record so ERPNext accepts it, then retry',
  duplicate: 'a record with that name already exists in ERPNext',
  'rate-limit': 'ERPNext is throttling requests; lower ERPNEXT_REQUESTS_PER_SECOND if this persists',
  unavailable: 'ERPNext could not be reached or failed; it is retried automatically',
  timeout: 'ERPNext did not answer in time (ERPNEXT_TIMEOUT_MS); it is retried automatically',
  'bad-response': 'ERPNext answered something that is not what its API documents; check ERPNEXT_URL',
};

export class ErpNextError extends Error {
  readonly kind: ErpNextErrorKind;
  readonly request: string;
  readonly status?: number;
  readonly excType?: string;
  readonly messages: string[];
  readonly retryAfter?: number;
  readonly body?: unknown;
  readonly notReached: boolean;

  constructor(details: ErpNextErrorDetails) {
    const said = details.messages && details.messages.length > 0 ? `: ${details.messages.join('; ')}` : '';
    const code = [details.status, details.excType].filter((x) => x !== undefined).join(' ');
    super(`ERPNext refused ${details.request}${code ? ` (${code})` : ''}${said} — ${advice[details.kind]}`);
    this.name = 'ErpNextError';
    this.kind = details.kind;
    this.request = details.request;
    this.status = details.status;
    this.excType = details.excType;
    this.messages = details.messages ?? [];
    this.retryAfter = details.retryAfter;
    this.body = details.body;
    this.notReached = details.notReached ?? false;
  }

  /** Worth trying again later without changing anything: the remote was busy, down or slow. */
  get transient(): boolean {
    const { class: failure } = classify(this);
    return failure === 'retryable' || failure === 'rate-limited';
  }
}

/**
 * ERPNext's failures in the resilience kit's terms: 429 waits as long as Retry-After asks; down, failing inside or
 * slow is tried again; refused credentials are an auth failure; everything else (validation, permission, not
 * found, an answer that is not ERPNext's) cannot be helped by sending the same request again.
 */
export function classify(error: unknown): Classification {
  if (!(error instanceof ErpNextError)) return { class: 'permanent' };
  switch (error.kind) {
    case 'rate-limit':
      return {
        class: 'rate-limited',
        ...(error.retryAfter === undefined ? {} : { retryAfterMs: error.retryAfter * 1000 }),
      };
    case 'unavailable':
    case 'timeout':
      return { class: 'retryable' };
    case 'auth':
      return { class: 'auth' };
    default:
      return { class: 'permanent' };
  }
}

function kindOf(status: number, excType?: string): ErpNextErrorKind {
  if (status === 401 || excType === 'AuthenticationError' || excType === 'SessionExpired') return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'not-found';
  if (status === 409) return 'duplicate';
  if (status === 417 || status === 400 || status === 422) return 'validation';
  if (status === 429) return 'rate-limit';
  if (status === 408) return 'timeout';
  return 'unavailable';
}

/**
 * The resilience kit's own failures in ERPNext's terms, so a caller handles one error type: an attempt past its time
 * limit is a timeout; an open circuit means the request was never sent.
 */
export function fromPolicyFailure(error: unknown, request: string): unknown {
  if (error instanceof AttemptTimeoutError) return new ErpNextError({ kind: 'timeout', request });
  if (error instanceof CircuitOpenError)
    return new ErpNextError({ kind: 'unavailable', request, messages: [error.message], notReached: true });
  return error;
}

/** `_server_messages` is a JSON list of JSON objects encoded as strings; each has a `message`. */
export function decodeServerMessages(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const outer = JSON.parse(raw) as unknown;
    if (!Array.isArray(outer)) return [];
    return outer.flatMap((item) => {
      try {
        const inner = typeof item === 'string' ? (JSON.parse(item) as unknown) : item;
        if (inner && typeof inner === 'object' && 'message' in inner)
          return [stripHtml(String(inner.message))];
        return typeof inner === 'string' ? [stripHtml(inner)] : [];
      } catch {
        return typeof item === 'string' ? [stripHtml(item)] : [];
      }
    });
  } catch {
    return [];
  }
}

function stripHtml(text: string): string {
  return text.replace(/<[^>]*>/g, '').trim();
}

export function errorFromResponse(
  request: string,
  status: number,
  body: unknown,
  retryAfterHeader: string | null,
): ErpNextError {
  const envelope = frappeErrorEnvelope.safeParse(body);
  const excType = envelope.success ? envelope.data.exc_type : undefined;
  const messages = envelope.success ? decodeServerMessages(envelope.data._server_messages) : [];
  if (envelope.success && messages.length === 0 && envelope.data.exception)
    messages.push(envelope.data.exception);
  const waitMs = parseRetryAfter(retryAfterHeader);
  return new ErpNextError({
    kind: kindOf(status, excType),
    request,
    status,
    excType,
    messages,
    retryAfter: waitMs === undefined ? undefined : waitMs / 1000,
    body,
  });
}
