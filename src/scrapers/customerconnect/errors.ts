/**
 * The ways a CustomerConnect step fails, typed so the retry policy can tell a passing fault (timeout, 5xx, expired
 * session) from one that no retry fixes (refused login, changed markup).
 */

export class MarkupChangedError extends Error {
  constructor(
    readonly pageKind: string,
    readonly missing: string[],
  ) {
    super(
      `The CustomerConnect ${pageKind} page no longer has the expected layout: missing ${missing.join('; ')}. ` +
        'Compare the saved page with the profile and fix it with CUSTOMERCONNECT_PROFILE_FILE.',
    );
    this.name = 'MarkupChangedError';
  }
}

export class LoginRejectedError extends Error {
  constructor(warning: string) {
    super(
      `CustomerConnect refused the login${warning ? ` ("${warning}")` : ''}. ` +
        'Check CUSTOMERCONNECT_EMAIL and CUSTOMERCONNECT_PASSWORD; the scraper will not retry so the account is not locked.',
    );
    this.name = 'LoginRejectedError';
  }
}

/** The portal sent us back to its login form: the session ended. Handled by logging in again. */
export class SessionExpiredError extends Error {
  constructor(readonly url: string) {
    super(`The CustomerConnect session ended (redirected to the login page while opening ${url})`);
    this.name = 'SessionExpiredError';
  }
}

/** A 5xx answer or a page that did not load in time: worth another try after a pause. */
export class PortalUnavailableError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    cause?: unknown,
  ) {
    super(
      status
        ? `CustomerConnect answered ${status} for ${url}`
        : `CustomerConnect did not answer in time for ${url}${cause instanceof Error ? ` (${cause.message.split('\n')[0]})` : ''}`,
      { cause },
    );
    this.name = 'PortalUnavailableError';
  }
}

export class OrderNotFoundError extends Error {
  constructor(readonly orderNumber: string) {
    super(
      `CustomerConnect has no order ${orderNumber} for this account (the order page says it cannot be found)`,
    );
    this.name = 'OrderNotFoundError';
  }
}

/** Errors that another attempt of the same step cannot fix. */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof MarkupChangedError ||
    error instanceof LoginRejectedError ||
    error instanceof OrderNotFoundError
  );
}
