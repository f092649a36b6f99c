/**
 * Moves through CustomerConnect pages: every page load goes through one limiter (concurrency and spacing from the
 * settings), is retried with exponential backoff and jitter on timeouts and 5xx, logs in again when the portal sends
 * it to the login form, and is read while the page is still open so a failure can be saved with its screenshot and
 * trace. The browser context is replaced after a number of pages so Chromium's memory stays bounded.
 *
 * When the profile takes pages as served ("commit"), no tab navigates to a portal page: one reading tab per context
 * opens on an empty page of the portal's origin and reads every page, several at once, with its own fetch: the same
 * cookie jar and network stack, without the document, subresources and paint of a navigation nobody looks at, which
 * were most of Chromium's CPU per page. A failed page is shown in a tab of its own for the screenshot.
 */
import Bottleneck from 'bottleneck';
import type { BrowserContext, Page } from 'playwright';
import type { Logger } from 'pino';
import type { ArtefactLink, FailureArtefactStore } from '../artefacts.js';
import { classifyPortalError, PortalUnavailableError, SessionExpiredError } from '../errors.js';
import { isLoginPage, loadPage, type PortalPage } from './parse.js';
import type { CustomerConnectProfile } from './profile.js';
import type { CustomerConnectSession } from './session.js';

export interface NavigatorSettings {
  concurrency: number;
  minSpacingMs: number;
  retryAttempts: number;
  retryBaseMs: number;
  recycleAfterPages: number;
  navigationTimeoutMs: number;
  profile: CustomerConnectProfile;
  artefacts: FailureArtefactStore;
  log: Logger;
  signal?: AbortSignal;
}

export interface NavigatorStats {
  pages: number;
  retries: number;
  relogins: number;
  recycles: number;
}

const artefactsByError = new WeakMap<object, ArtefactLink>();

/** The artefacts saved when this error failed a step, for linking from the run's events. */
export function artefactsOf(error: unknown): ArtefactLink | undefined {
  return typeof error === 'object' && error !== null ? artefactsByError.get(error) : undefined;
}

/** What one page load brought back, however it was loaded. */
interface Loaded {
  status: number;
  finalUrl: string;
  html: string | undefined;
  retryAfterMs: number | undefined;
}

interface Fetched {
  status: number;
  url: string;
  retryAfter: string | null;
  html: string;
}

/**
 * Runs in the tab and answers what went wrong as text, since an error thrown here reaches the worker as the tab's
 * failure. Scripts are off in the scraping context, which stops the page's timers too, but not AbortSignal.timeout.
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

/** Runs in the tab: puts the failed page in it, at its own address, so the screenshot and trace show what failed. */
function showInTab({ url, html }: { url: string; html: string }): void {
  history.replaceState(null, '', url);
  document.open();
  document.write(html);
  document.close();
}

function retryAfterMs(header: string | null | undefined): number | undefined {
  const seconds = Number(header ?? undefined);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** How many times one step may find itself logged out before we stop believing a new login will help. */
const maxReloginsPerStep = 2;

function isRetryable(error: unknown): boolean {
  const { class: kind } = classifyPortalError(error);
  return kind === 'retryable' || kind === 'rate-limited';
}

function abortable(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class CustomerConnectNavigator {
  private readonly limiter: Bottleneck;
  private context: BrowserContext | undefined;
  private opening: Promise<BrowserContext> | undefined;
  private idle: Page[] = [];
  /** The tab that fetches every page when pages are taken as served. */
  private readingTab: Promise<Page> | undefined;
  /** An address on the portal's origin that only this worker answers: the empty page a reading tab opens on. */
  private readonly blankUrl: string;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private pagesInContext = 0;
  readonly stats: NavigatorStats = { pages: 0, retries: 0, relogins: 0, recycles: 0 };

  constructor(
    private readonly session: CustomerConnectSession,
    private readonly settings: NavigatorSettings,
  ) {
    this.blankUrl = new URL('/syncworker-reading-tab', session.url('/')).toString();
    this.limiter = new Bottleneck({ maxConcurrent: settings.concurrency, minTime: settings.minSpacingMs });
  }

  /**
   * Opens `url` and hands its HTML to `read` while the page is open. Passing faults are retried; an error that ends
   * the step (after its retries, or at once when no retry can help) carries the artefacts saved for it. A lower
   * `priority` (0–9) goes first, so list pages are not stuck behind the detail pages they queued.
   */
  async visit<T>(
    url: string,
    step: string,
    read: (page: PortalPage, finalUrl: string) => T,
    priority = 5,
  ): Promise<T> {
    let relogins = 0;
    for (let attempt = 1; ; attempt++) {
      this.settings.signal?.throwIfAborted();
      const outcome = await this.limiter.schedule({ priority }, () => this.attempt(url, step, read));
      if (outcome.ok) return outcome.value;
      const { error } = outcome;
      if (error instanceof SessionExpiredError && relogins < maxReloginsPerStep) {
        relogins++;
        attempt--;
        continue;
      }
      if (!isRetryable(error) || attempt >= this.settings.retryAttempts) {
        const evidence =
          outcome.page && outcome.fetchedUrl && outcome.html !== undefined
            ? await this.showFailedPage(outcome.page, outcome.fetchedUrl, outcome.html).catch(() => undefined)
            : outcome.page;
        const link = await this.settings.artefacts
          .capture({ step, error, page: evidence, html: outcome.html })
          .catch(() => undefined);
        if (evidence !== outcome.page) await evidence?.close().catch(() => undefined);
        if (link && typeof error === 'object' && error !== null) artefactsByError.set(error, link);
        if (outcome.page) {
          await this.settings.artefacts.endStep(outcome.page.context());
          await this.discard(outcome.page);
        }
        throw error;
      }
      if (outcome.page) {
        await this.settings.artefacts.endStep(outcome.page.context());
        // A page whose navigation hung or failed may still be loading it; a fresh page starts clean. (A fetch that
        // failed has ended, so the reading tab is kept.)
        await this.discard(outcome.page);
      }
      this.stats.retries++;
      const backoff = this.settings.retryBaseMs * 2 ** (attempt - 1);
      const delay = Math.max(outcome.retryAfterMs ?? 0, backoff / 2 + Math.random() * backoff);
      this.settings.log.warn(
        { portal: 'customerconnect', step, attempt, delayMs: Math.round(delay), err: error },
        'portal step failed; retrying',
      );
      await abortable(delay, this.settings.signal);
    }
  }

  private async attempt<T>(
    url: string,
    step: string,
    read: (page: PortalPage, finalUrl: string) => T,
  ): Promise<
    | { ok: true; value: T }
    | {
        ok: false;
        error: unknown;
        page?: Page;
        html?: string;
        /** Set when the page was fetched: the reading tab shows only its empty page, not this one. */
        fetchedUrl?: string;
        retryAfterMs?: number;
      }
  > {
    let page: Page | undefined;
    let html: string | undefined;
    let fetchedUrl: string | undefined;
    try {
      page = await this.acquire();
      await this.settings.artefacts.startStep(page.context());
      const fetching = this.fetching;
      const loaded = fetching ? await this.fetch(page, url) : await this.navigate(page, url);
      this.stats.pages++;
      this.pagesInContext++;
      html = loaded.html;
      if (fetching) fetchedUrl = loaded.finalUrl;
      if (loaded.status >= 400) {
        return {
          ok: false,
          error: new PortalUnavailableError('customerconnect', url, `HTTP ${loaded.status}`, {
            status: loaded.status,
          }),
          page,
          html,
          fetchedUrl,
          retryAfterMs: loaded.retryAfterMs,
        };
      }
      const parsed = loadPage(html ?? '');
      if (this.session.isLoginUrl(loaded.finalUrl) || isLoginPage(parsed, this.settings.profile)) {
        this.stats.relogins++;
        this.settings.log.info(
          { portal: 'customerconnect', step },
          'CustomerConnect session ended; logging in again',
        );
        await this.session.login(page.context());
        await this.settings.artefacts.endStep(page.context());
        await this.release(page);
        return { ok: false, error: new SessionExpiredError('customerconnect', url) };
      }
      this.session.markAuthenticated();
      const value = read(parsed, loaded.finalUrl);
      await this.settings.artefacts.endStep(page.context());
      await this.release(page);
      return { ok: true, value };
    } catch (error) {
      if (!isRetryable(error) && !(error instanceof SessionExpiredError))
        return { ok: false, error, page, html, fetchedUrl };
      const wrapped =
        error instanceof PortalUnavailableError
          ? error
          : new PortalUnavailableError('customerconnect', url, 'the page did not load', { cause: error });
      return { ok: false, error: isRetryable(error) ? wrapped : error, page, html, fetchedUrl };
    }
  }

  private async navigate(page: Page, url: string): Promise<Loaded> {
    const { waitUntil } = this.settings.profile.pageLoad;
    const response = await page.goto(url, { waitUntil });
    const status = response?.status() ?? 0;
    const finalUrl = page.url();
    if (status >= 400) {
      return {
        status,
        finalUrl,
        html: await page.content().catch(() => undefined),
        retryAfterMs: retryAfterMs(response?.headers()['retry-after']),
      };
    }
    return { status, finalUrl, html: await page.content(), retryAfterMs: undefined };
  }

  private async fetch(page: Page, url: string): Promise<Loaded> {
    let fetched: Fetched | string;
    try {
      fetched = await page.evaluate(fetchInTab, { url, timeoutMs: this.settings.navigationTimeoutMs });
    } catch (error) {
      // The tab itself failed (a crashed renderer): closed, so the next attempt reads in a new one.
      await page.close().catch(() => undefined);
      throw new PortalUnavailableError('customerconnect', url, 'the tab failed', { cause: error });
    }
    if (typeof fetched === 'string') throw new PortalUnavailableError('customerconnect', url, fetched);
    return {
      status: fetched.status,
      finalUrl: fetched.url,
      html: fetched.html,
      retryAfterMs: retryAfterMs(fetched.retryAfter),
    };
  }

  private async acquire(): Promise<Page> {
    while (this.pagesInContext >= this.settings.recycleAfterPages && this.context) {
      // New pages wait until the pages in use are back, then the context is replaced under nobody's feet.
      if (this.busy === 0) {
        await this.recycle();
        break;
      }
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    const context = await this.currentContext();
    this.busy++;
    try {
      if (this.fetching) return await this.readingTabOf(context);
      const page = this.idle.pop();
      if (page && !page.isClosed()) return page;
      return await context.newPage();
    } catch (error) {
      this.returned();
      throw error;
    }
  }

  /** The context's reading tab, opened on first use and again if it was closed (a crashed renderer). */
  private async readingTabOf(context: BrowserContext): Promise<Page> {
    const opening = (this.readingTab ??= this.openReadingTab(context));
    try {
      const page = await opening;
      if (!page.isClosed()) return page;
    } catch (error) {
      // A tab that failed to open is opened again by the next step rather than failing every step after it.
      if (this.readingTab === opening) this.readingTab = undefined;
      throw error;
    }
    if (this.readingTab === opening) this.readingTab = this.openReadingTab(context);
    return this.readingTabOf(context);
  }

  private async openReadingTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await this.openBlankOnPortal(page);
    return page;
  }

  /** A tab of its own showing the failed page at its address, for the screenshot and the trace; closed after them. */
  private async showFailedPage(readingTab: Page, url: string, html: string): Promise<Page> {
    const page = await readingTab.context().newPage();
    try {
      await this.openBlankOnPortal(page);
      await page.evaluate(showInTab, { url, html });
      return page;
    } catch (error) {
      await page.close().catch(() => undefined);
      throw error;
    }
  }

  /** Pages taken as served are fetched from inside a tab on the portal's origin, never navigated to. */
  private get fetching(): boolean {
    return this.settings.profile.pageLoad.waitUntil === 'commit';
  }

  /**
   * Puts the tab on the portal's origin, so its fetches carry the session cookie, without asking the portal for a page
   * and rendering it: the empty page is answered inside the browser and its route removed again, so the tab's later
   * requests are not intercepted.
   */
  private async openBlankOnPortal(page: Page): Promise<void> {
    await page.route(this.blankUrl, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title></title>' }),
    );
    await page.goto(this.blankUrl, { waitUntil: 'commit' });
    await page.unroute(this.blankUrl);
  }

  private async release(page: Page): Promise<void> {
    if (!this.fetching && !page.isClosed() && page.context() === this.context) this.idle.push(page);
    this.returned();
  }

  private async discard(page: Page): Promise<void> {
    if (!this.fetching) await page.close().catch(() => undefined);
    this.returned();
  }

  private returned(): void {
    this.busy--;
    if (this.busy === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private currentContext(): Promise<BrowserContext> {
    if (this.context) return Promise.resolve(this.context);
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<BrowserContext> {
    const { context, savedLogin } = await this.session.openContext();
    // The reading tab opens while the login runs in its own context; one that fails is opened again on first use.
    const readingTab = this.fetching ? this.openReadingTab(context) : undefined;
    readingTab?.catch(() => undefined);
    try {
      // Logged out, the first page would only bounce to the login form: log in before asking for it.
      if (!savedLogin) await this.session.login(context);
    } catch (error) {
      await context.close().catch(() => undefined);
      throw error;
    }
    this.readingTab = readingTab;
    this.context = context;
    return context;
  }

  /** A new context from the same login: cookies carry over, Chromium's accumulated memory does not. */
  private async recycle(): Promise<void> {
    const old = this.context!;
    this.context = undefined;
    this.idle = [];
    this.readingTab = undefined;
    this.pagesInContext = 0;
    this.stats.recycles++;
    await this.session.saveState(old).catch(() => undefined);
    await old.close();
  }

  async close(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    const context = this.context;
    this.context = undefined;
    this.idle = [];
    this.readingTab = undefined;
    if (context) {
      await this.session.saveState(context).catch(() => undefined);
      await context.close().catch(() => undefined);
    }
  }
}
