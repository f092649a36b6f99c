/** OPMS database failures in words a person can act on. */

export class OpmsError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'OpmsError';
  }
}

const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'PROTOCOL_CONNECTION_LOST',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
]);

export function opmsErrorFrom(error: unknown, doing: string): OpmsError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR')
    return new OpmsError(
      `OPMS ${doing} failed: ${message}; check the OPMS_*_TABLE and OPMS_*_COLUMN settings`,
      false,
      error,
    );
  if (
    code === 'ER_ACCESS_DENIED_ERROR' ||
    code === 'ER_DBACCESS_DENIED_ERROR' ||
    code === 'ER_TABLEACCESS_DENIED_ERROR'
  )
    return new OpmsError(
      `OPMS ${doing} was refused: ${message}; check the user in OPMS_DATABASE_URL and its grants`,
      false,
      error,
    );
  return new OpmsError(`OPMS ${doing} failed: ${message}`, transientCodes.has(code), error);
}
