/**
 * OPMS database failures in words a person can act on, and `classify`, which tells the resilience kit which of them
 * are worth another try.
 */
import type { Classification } from '../../resilience/index.js';

export class OpmsError extends Error {
  constructor(
    message: string,
    /** The driver's or the server's code (ER_LOCK_DEADLOCK, ECONNRESET…); empty when there was none. */
    readonly code: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'OpmsError';
  }
}

/** The connection went away or never came: the server is down, restarting or out of reach. */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST']);
/** The transaction lost a race with another writer and was rolled back: running it again is safe. */
const conflictCodes = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const accessCodes = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
]);

export function opmsErrorFrom(error: unknown, doing: string): OpmsError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR')
    return new OpmsError(
      `OPMS ${doing} failed: ${message}; check the OPMS_*_TABLE and OPMS_*_COLUMN settings`,
      code,
      error,
    );
  if (accessCodes.has(code))
    return new OpmsError(
      `OPMS ${doing} was refused: ${message}; check the user in OPMS_DATABASE_URL and its grants`,
      code,
      error,
    );
  return new OpmsError(`OPMS ${doing} failed: ${message}`, code, error);
}

/**
 * Lost connections and lock conflicts are tried again; "too many connections" waits; refused grants are `auth`;
 * wrong table names and every other SQL error are final.
 */
export function classify(error: unknown): Classification {
  const code = error instanceof OpmsError ? error.code : ((error as { code?: string })?.code ?? '');
  if (connectionCodes.has(code) || conflictCodes.has(code)) return { class: 'retryable' };
  if (code === 'ER_CON_COUNT_ERROR') return { class: 'rate-limited' };
  if (accessCodes.has(code)) return { class: 'auth' };
  return { class: 'permanent' };
}
