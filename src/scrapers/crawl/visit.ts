/**
 * One visit to a portal page: what a route's reader gets for one step. Its own tab, page loads that check the answer
 * (an HTTP error, the login page an ended session sends us to) and count towards recycling the context, and the
 * evidence — tab, HTML, address — that is saved as artefacts when the step fails for good.
 */
import type { BrowserContext, Page } from 'playwright';
import { parseRetryAfter } from '../../resilience/index.js';
import type { ArtefactLink, FailureArtefactStore } from '../artefacts.js';
import { PortalUnavailableError, SessionExpiredError } from '../errors.js';
import type { PortalSession } from './session.js';

export type WaitUntil = 'commit' | 'domcontentloaded' | 'load';

interface Fetched {
  status: number;
  url: string;
  retryAfter: string | null;
  html: string;
}

/**
 * Runs in the tab and answers what went wrong as text, since an error thrown here reaches the worker as the tab's
 * failure. Scripts may be off in the reading context, which stops the page's timers too, but not AbortSignal.timeout.
 */
async function fetchInTab({ url, timeoutMs }: { url: string; timeoutMs: number }): Promise<Fetched | string> {
  try {
    const response = await fetch(url, { credentials: 'same-origin', signal: AbortSignal.timeout(timeoutMs) });
    return {
      status: response.status,
      url: response.url,
      retryAfter: response.headers.get('retry-after'),
      html: await response.text(),
    };
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError'
      ? `Timeout ${timeoutMs}ms exceeded`
      : String(error);
  }
}

export class Visit {
  private page: Page | undefined;
  private html: string | undefined;
  private url: string | undefined;
  /** Whether `page` shows the page read; a fetched page is only shown for its screenshot when it failed. */
  private shown = false;
  private traced: BrowserContext | undefined;
  /** The session's generation when this attempt began. */
  generation = 0;

  constructor(
    private readonly session: PortalSession,
    private readonly artefacts: FailureArtefactStore,
    /** The step's name, for artefacts: the same for every page of its kind. */
    readonly step: string,
    /** The page being read, for messages: "the detail page of invoice NRV5289". */
    readonly where: string,
    private readonly tabName: string,
  ) {}

  /** Starts an attempt: the context (logging in when there is no saved login), its trace chunk, fresh evidence. */
  async begin(): Promise<void> {
    const context = await this.session.currentContext();
    if (this.traced !== context) {
      if (this.traced) await this.artefacts.endStep(this.traced);
      this.traced = context;
      await this.artefacts.startStep(context);
    }
    this.generation = this.session.generation;
    this.page = undefined;
    this.html = undefined;
    this.url = undefined;
    this.shown = false;
  }

  /** The step's own tab: the same one for every step of its lane and slot while the context lives. */
  async tab(): Promise<Page> {
    this.page = await this.session.tab(this.tabName);
    this.shown = true;
    return this.page;
  }

  /**
   * Loads a portal path in `page` and checks where it ended: an HTTP error, or the login page when the session has
   * ended. Returns once the document has reached `waitUntil` (scripts may still be drawing).
   */
  async goto(page: Page, path: string, waitUntil: WaitUntil = 'domcontentloaded'): Promise<void> {
    const url = this.session.url(path);
    this.session.pageLoaded();
    let status = 0;
    let retryAfter: string | undefined;
    try {
      const response = await page.goto(url, { waitUntil });
      status = response?.status() ?? 0;
      retryAfter = response?.headers()['retry-after'];
    } catch (error) {
      // The page being left can still navigate by itself (its script sends a refused data request to the login
      // form) and cut this navigation short: what counts is where the tab ends up.
      if (!/interrupted by another navigation/i.test(String(error))) throw error;
      await page.waitForLoadState('domcontentloaded').catch(() => undefined);
      if (!this.session.isLoginUrl(page.url()) && page.url() !== url)
        throw new PortalUnavailableError(this.session.portal, this.where, `it was sent to ${page.url()}`);
    }
    this.check(page.url(), status, retryAfter);
    this.session.pageReady();
  }

  /**
   * The HTML of a portal page. Taken as served, it is fetched from inside a tab on the portal's origin — the same
   * cookies and network stack, without the rendering of a page nobody looks at — else navigated to in the step's tab.
   */
  async read(
    path: string,
    load: { asServed: boolean; waitUntil: WaitUntil },
  ): Promise<{ url: string; html: string }> {
    if (!load.asServed) {
      const page = await this.tab();
      await this.goto(page, path, load.waitUntil);
      this.html = await page.content();
      return { url: page.url(), html: this.html };
    }
    const url = this.session.url(path);
    const tab = await this.session.fetchingTab();
    this.session.pageLoaded();
    let fetched: Fetched | string;
    try {
      fetched = await tab.evaluate(fetchInTab, { url, timeoutMs: this.session.navigationTimeoutMs });
    } catch (error) {
      // The tab itself failed (a crashed renderer): closed, so the next attempt reads in a new one.
      await tab.close().catch(() => undefined);
      throw new PortalUnavailableError(this.session.portal, this.where, 'the reading tab failed', {
        cause: error,
      });
    }
    if (typeof fetched === 'string')
      throw new PortalUnavailableError(this.session.portal, this.where, fetched);
    this.html = fetched.html;
    this.url = fetched.url;
    this.check(fetched.url, fetched.status, fetched.retryAfter ?? undefined);
    this.session.pageReady();
    return { url: fetched.url, html: fetched.html };
  }

  /** The HTML the reader took from the page, kept as the evidence of a failure (more exact than the page later). */
  keep(html: string): void {
    this.html = html;
  }

  private check(finalUrl: string, status: number, retryAfter: string | undefined): void {
    const unavailable = () =>
      new PortalUnavailableError(this.session.portal, this.where, `HTTP ${status} for ${finalUrl}`, {
        status,
        retryAfterMs: parseRetryAfter(retryAfter),
      });
    if (status >= 500) throw unavailable();
    if (this.session.isLoginUrl(finalUrl)) throw new SessionExpiredError(this.session.portal, this.where);
    if (status >= 400) throw unavailable();
  }

  /** Saves the evidence of the step's failure (first occurrence of each distinct error only). */
  async capture(error: unknown): Promise<ArtefactLink | undefined> {
    let page = this.page;
    let shownForEvidence: Page | undefined;
    if (!this.shown && this.html !== undefined && this.url !== undefined) {
      shownForEvidence = await this.session.show(this.url, this.html).catch(() => undefined);
      page = shownForEvidence;
    }
    try {
      return await this.artefacts
        .capture({ step: this.step, error, page, html: this.html })
        .catch(() => undefined);
    } finally {
      await shownForEvidence?.close().catch(() => undefined);
    }
  }

  /** Ends the step's trace chunk: call after `capture`, which keeps the chunk of a failed step. */
  async end(): Promise<void> {
    if (this.traced) await this.artefacts.endStep(this.traced);
  }
}
