/**
 * A logged-in RouteStar browser context: reuses the saved login (0600 file) across runs, logs in when the portal
 * sends us to its login page, loads pages through a polite limiter with retries and backoff for timeouts and 5xx
 * (never for refused credentials), and recycles the context after N page loads so Chromium's memory stays bounded.
 */
import Bottleneck from 'bottleneck';
import type { Browser, BrowserContext, Page } from 'playwright';
import type { Logger } from 'pino';
import type { PortalSessionStore } from '../portal-session-store.js';
import { isRetryable, LoginRejectedError, PortalUnavailableError, SessionExpiredError } from './errors.js';
import { onLoginPage } from './navigate.js';
import type { RouteStarProfile } from './profile.js';

export interface RouteStarSessionOptions {
  /** Launched (or reused) only when a page is first needed, so runs that only post stock start no browser. */
  browser: () => Promise<Browser>;
  baseUrl: string;
  username: string;
  password: string;
  profile: RouteStarProfile;
  sessionStore: PortalSessionStore;
  log: Logger;
  concurrency: number;
  minSpacingMs: number;
  navigationTimeoutMs: number;
  retryAttempts: number;
  retryBaseMs: number;
  sessionMaxAgeMs: number;
  recycleAfterPages: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RouteStarSession {
  private context: BrowserContext | null = null;
  private readonly pages = new Map<string, Page>();
  private pageLoads = 0;
  private readonly limiter: Bottleneck;
  /** A login under way: tabs that find the session expired at the same time wait for it instead of racing it. */
  private relogin: Promise<void> | null = null;
  /** How many times this session logged in (a reused saved login counts zero). */
  logins = 0;

  constructor(private readonly options: RouteStarSessionOptions) {
    this.limiter = new Bottleneck({ maxConcurrent: options.concurrency, minTime: options.minSpacingMs });
  }

  get profile(): RouteStarProfile {
    return this.options.profile;
  }

  private get who() {
    return { origin: new URL(this.options.baseUrl).origin, username: this.options.username };
  }

  async currentContext(): Promise<BrowserContext> {
    if (this.context) return this.context;
    const storageState = await this.options.sessionStore.load(this.who, this.options.sessionMaxAgeMs);
    this.context = await (
      await this.options.browser()
    ).newContext({
      viewport: { width: 1920, height: 1080 },
      storageState,
    });
    this.context.setDefaultNavigationTimeout(this.options.navigationTimeoutMs);
    this.pageLoads = 0;
    return this.context;
  }

  /** A named tab of the context (the list stays open in one while details load in another). */
  async tab(name: string): Promise<Page> {
    const existing = this.pages.get(name);
    if (existing && !existing.isClosed()) return existing;
    const page = await (await this.currentContext()).newPage();
    this.pages.set(name, page);
    return page;
  }

  /** The context has loaded enough pages to be recycled at the next quiet moment. */
  get recycleDue(): boolean {
    return this.context !== null && this.pageLoads >= this.options.recycleAfterPages;
  }

  /** Closes and reopens the context with the same login once it has loaded enough pages. Call between steps only. */
  async recycleIfDue(): Promise<boolean> {
    if (!this.recycleDue) return false;
    this.options.log.debug({ pageLoads: this.pageLoads }, 'recycling the RouteStar browser context');
    await this.saveLogin();
    await this.closeContext();
    return true;
  }

  private async saveLogin(): Promise<void> {
    if (!this.context) return;
    await this.options.sessionStore.save(this.who, await this.context.storageState());
  }

  private async closeContext(): Promise<void> {
    const context = this.context;
    this.context = null;
    this.pages.clear();
    await context?.close().catch(() => undefined);
  }

  /** Logs in on the given tab; the portal then returns to the page it was sent from. */
  async login(page: Page): Promise<void> {
    const { profile } = this.options;
    if (!onLoginPage(page, profile)) {
      await this.limiter.schedule(() =>
        page.goto(new URL(profile.routes.login, this.options.baseUrl).toString()),
      );
    }
    await page.locator(profile.login.username).waitFor({ state: 'attached' });
    await page.fill(profile.login.username, this.options.username);
    await page.fill(profile.login.password, this.options.password);
    await this.limiter.schedule(() =>
      Promise.all([page.waitForEvent('load'), page.click(profile.login.submit)]),
    );
    if (onLoginPage(page, profile) && (await page.locator(profile.login.username).count()) > 0) {
      const message =
        (
          await page
            .locator(profile.login.error)
            .first()
            .textContent()
            .catch(() => '')
        )?.trim() ?? '';
      await this.options.sessionStore.clear();
      throw new LoginRejectedError(message);
    }
    this.logins += 1;
    await this.saveLogin();
  }

  /**
   * Loads a portal path in the tab, logging in when sent to the login page, retrying timeouts and 5xx with
   * exponential backoff and jitter. Returns once the document has loaded (grids may still be drawing).
   */
  async open(tabName: string, path: string, step: string): Promise<Page> {
    return this.withRetry(step, async () => {
      const page = await this.tab(tabName);
      const url = new URL(path, this.options.baseUrl).toString();
      for (let login = 0; ; login++) {
        this.pageLoads += 1;
        // The document and its scripts are enough: the grid is drawn later anyway and is waited for on its own.
        const response = await this.limiter
          .schedule(() => page.goto(url, { waitUntil: 'domcontentloaded' }))
          .catch(async (error: unknown) => {
            // The page being left can still navigate by itself (its script sends a refused data request to the
            // login form) and cut this navigation short: what counts is where the tab ends up.
            if (!/interrupted by another navigation/i.test(String(error))) throw error;
            await page.waitForLoadState('domcontentloaded').catch(() => undefined);
            if (!onLoginPage(page, this.options.profile) && page.url() !== url)
              throw new PortalUnavailableError(step, `the page was sent to ${page.url()} instead of ${path}`);
            return null;
          });
        const status = response?.status() ?? 0;
        if (status >= 500) throw new PortalUnavailableError(step, `HTTP ${status} for ${path}`);
        if (!onLoginPage(page, this.options.profile)) {
          if (status >= 400) throw new PortalUnavailableError(step, `HTTP ${status} for ${path}`);
          return page;
        }
        if (login >= 1) throw new SessionExpiredError(step);
        await this.login(page);
        if (!onLoginPage(page, this.options.profile) && page.url() === url) return page;
      }
    });
  }

  /** Retries `fn` on timeouts and 5xx; a step that reports an expired session is redone once after logging in. */
  async withRetry<T>(step: string, fn: () => Promise<T>): Promise<T> {
    let relogged = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (error instanceof SessionExpiredError && !relogged) {
          relogged = true;
          this.options.log.info({ step }, 'RouteStar session expired; logging in again');
          this.relogin ??= this.tab('login')
            .then((page) => this.login(page))
            .finally(() => {
              this.relogin = null;
            });
          await this.relogin;
          attempt -= 1;
          continue;
        }
        if (!isRetryable(error) || attempt >= this.options.retryAttempts) throw error;
        const delay = this.options.retryBaseMs * 2 ** (attempt - 1);
        const jittered = delay / 2 + Math.random() * delay;
        this.options.log.warn(
          { step, attempt, delayMs: Math.round(jittered), err: (error as Error).message },
          'RouteStar step failed; retrying',
        );
        await sleep(jittered);
      }
    }
  }

  async close(): Promise<void> {
    await this.saveLogin().catch(() => undefined);
    await this.closeContext();
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}
