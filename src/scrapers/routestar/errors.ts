/** What can go wrong while scraping RouteStar, as types the sync can act on: retry, log in again, or stop clearly. */

/** The page no longer has the shape the profile describes; retrying will not help, the profile must be updated. */
export class MarkupChangedError extends Error {
  constructor(
    readonly where: string,
    readonly missing: string[],
    hint = 'Compare the page with the profile and set the new captions or selectors in ROUTESTAR_PROFILE_FILE.',
  ) {
    super(`RouteStar ${where} no longer matches the profile: ${missing.join('; ')}. ${hint}`);
    this.name = 'MarkupChangedError';
  }
}

/** The portal sent us to its login page: the session expired. The step is redone after logging in again. */
export class SessionExpiredError extends Error {
  constructor(readonly step: string) {
    super(`The RouteStar session expired during ${step}; logging in again.`);
    this.name = 'SessionExpiredError';
  }
}

/** Wrong user name or password: never retried, a person must fix the credentials. */
export class LoginRejectedError extends Error {
  constructor(portalMessage: string) {
    super(
      `RouteStar refused the login${portalMessage ? ` ("${portalMessage}")` : ''}. Check ROUTESTAR_USERNAME and ` +
        'ROUTESTAR_PASSWORD by logging in with a browser; the scraper will not retry with the same credentials.',
    );
    this.name = 'LoginRejectedError';
  }
}

/** A 5xx answer or a page that did not load in time: worth retrying with backoff. */
export class PortalUnavailableError extends Error {
  constructor(
    readonly step: string,
    detail: string,
  ) {
    super(`RouteStar did not answer properly during ${step}: ${detail}.`);
    this.name = 'PortalUnavailableError';
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof PortalUnavailableError) return true;
  return error instanceof Error && error.name === 'TimeoutError';
}
