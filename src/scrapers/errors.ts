/**
 * What can go wrong while reading a vendor portal, one set of errors for every portal, and how the resilience kit
 * treats each: a slow or failing portal is tried again, an ended session is logged in again, and anything a retry
 * cannot fix (a changed page, refused credentials, a bad profile) stops with a message that says what to change.
 */
import { portalDescriptions, type PortalName } from '../config/portals.js';
import { CircuitOpenError, type Classification } from '../resilience/index.js';

/** The page no longer has the shape the profile describes; retrying will not help, the profile must be updated. */
export class MarkupChangedError extends Error {
  constructor(
    readonly portal: PortalName,
    /** What was being read, e.g. "pending invoices grid" or "order list page". */
    readonly where: string,
    /** Each part the profile names that the page no longer has, as a phrase a person can check. */
    readonly missing: string[],
  ) {
    const { label, profileFileVariable } = portalDescriptions[portal];
    super(
      `${label} ${where} no longer matches the profile: ${missing.join('; ')}. Compare the saved page with the ` +
        `profile and set what changed (captions, selectors, patterns) in ${profileFileVariable}.`,
    );
    this.name = 'MarkupChangedError';
  }
}

/**
 * A list showed fewer rows than the page (its pager, total or row numbers) or an earlier run says it has. Reading on
 * would report the list as complete and silently miss the documents not shown, so the step fails with its artefacts
 * instead. Tried again, as a page drawn later than it was awaited reads right the next time.
 */
export class ListIncompleteError extends Error {
  constructor(
    readonly portal: PortalName,
    /** E.g. "page 1 of the closed invoices list". */
    readonly where: string,
    /** Why more rows were expected, e.g. 'its pager shows 3 pages'. */
    readonly evidence: string,
    /** What it showed, e.g. 'rows 1–4 and 7–10 only'. */
    readonly shown = 'no rows',
  ) {
    super(
      `${portalDescriptions[portal].label} ${where} showed ${shown} although ${evidence}; nothing of it was stored. ` +
        "The saved page shows what was read; if the rows appear in a browser, the page draws them later than the profile's grid wait allows.",
    );
    this.name = 'ListIncompleteError';
  }
}

/** The portal sent us to its login page: the session ended. The step is done again after logging in again. */
export class SessionExpiredError extends Error {
  constructor(
    readonly portal: PortalName,
    readonly where: string,
  ) {
    super(`The ${portalDescriptions[portal].label} session ended during ${where}; logging in again.`);
    this.name = 'SessionExpiredError';
  }
}

/** Wrong user name or password: never retried, so a wrong password cannot lock the account. */
export class LoginRejectedError extends Error {
  constructor(
    readonly portal: PortalName,
    portalMessage: string,
  ) {
    const { label, credentialVariables } = portalDescriptions[portal];
    super(
      `${label} refused the login${portalMessage ? ` ("${portalMessage}")` : ''}. Check ` +
        `${credentialVariables.join(' and ')} by logging in with a browser; the scraper will not retry with the ` +
        'same credentials.',
    );
    this.name = 'LoginRejectedError';
  }
}

/** An HTTP error, a page that did not load in time, or a page that reported a failed data request. */
export class PortalUnavailableError extends Error {
  constructor(
    readonly portal: PortalName,
    readonly where: string,
    detail: string,
    readonly answer: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`${portalDescriptions[portal].label} did not answer properly during ${where}: ${detail}.`, {
      cause: answer.cause,
    });
    this.name = 'PortalUnavailableError';
  }
}

/** The portal says the document does not exist for this account: nothing to retry, and nothing else is wrong. */
export class DocumentNotFoundError extends Error {
  constructor(
    readonly portal: PortalName,
    /** E.g. "order 75938". */
    readonly document: string,
  ) {
    super(
      `${portalDescriptions[portal].label} has no ${document} for this account (its page says it cannot be found)`,
    );
    this.name = 'DocumentNotFoundError';
  }
}

/** The profile override file cannot be used; the worker says so at start-up and at every run until it is fixed. */
export class ProfileError extends Error {
  constructor(
    readonly portal: PortalName,
    problem: string,
    readonly file?: string,
  ) {
    const { label, profileFileVariable } = portalDescriptions[portal];
    super(
      `The ${label} profile${file ? ` file ${file}` : ''} is not usable: ${problem}. Fix the file or unset ` +
        `${profileFileVariable}.`,
    );
    this.name = 'ProfileError';
  }
}

/** Browser failures that say the portal or the tab did not answer, not that the request was wrong. */
const passingBrowserFault =
  /net::ERR_|Timeout \d+ms exceeded|Navigation failed|interrupted by another navigation|Target page, context or browser has been closed|Execution context was destroyed/;

/** The resilience kit's view of a portal failure. */
export function classifyPortalError(error: unknown): Classification {
  if (error instanceof SessionExpiredError) return { class: 'auth' };
  if (error instanceof ListIncompleteError) return { class: 'retryable' };
  if (error instanceof PortalUnavailableError) {
    const { status, retryAfterMs } = error.answer;
    if (status === 429) return { class: 'rate-limited', retryAfterMs };
    // Other 4xx answers say the request itself is wrong; another try asks the same.
    if (status === undefined || status >= 500 || status === 408) return { class: 'retryable', retryAfterMs };
    return { class: 'permanent' };
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || passingBrowserFault.test(error.message)))
    return { class: 'retryable' };
  return { class: 'permanent' };
}

/** Errors after which reading more pages would only repeat the failure (or hammer a portal that is down). */
export function endsTheCrawl(error: unknown): boolean {
  return (
    error instanceof MarkupChangedError ||
    error instanceof LoginRejectedError ||
    error instanceof ProfileError ||
    error instanceof CircuitOpenError
  );
}
