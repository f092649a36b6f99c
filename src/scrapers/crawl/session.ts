/**
 * A portal session, the same for every portal: one browser context holding the login, started from the login the
 * previous run saved (0600 file) while it is young enough, logged in again when a page finds the session ended, and
 * replaced by a fresh context with the same login after a number of page loads, so Chromium's memory stays bounded.
 *
 * Logins run in a context of their own that is never traced: a trace records what is typed, and a saved trace must
 * never hold the password. Tabs that find the session ended at the same moment share one login; after a refusal every
 * later call fails the same way without asking the portal again, so a wrong password cannot lock the account.
 */
import type { Browser, BrowserContext, Page } from 'playwright';
import type { Logger } from 'pino';
import type { PortalSettings } from '../../config/portals.js';
import { LoginRejectedError } from '../errors.js';
import { portalSessionStore, type PortalSessionStore } from '../portal-session-store.js';
import type { PortalSite } from './site.js';

type Cookies = Awaited<ReturnType<BrowserContext['cookies']>>;

export interface SessionStats {
  /** Pages loaded (navigated to or fetched). */
  pages: number;
  /** Logins done; a run that reuses the saved login does none. */
  logins: number;
  /** Times a page found the session ended and a new login was asked for. */
  relogins: number;
  /** Contexts closed and reopened to bound memory. */
  recycles: number;
}

/** An address on the portal's origin that only this worker answers: the empty page a reading tab opens on. */
const blankPath = '/syncworker-reading-tab';

export class PortalSession {
  private context: BrowserContext | undefined;
  private opening: Promise<BrowserContext> | undefined;
  private readonly tabs = new Map<string, Page>();
  private readingTab: Promise<Page> | undefined;
  private loggingIn: Promise<Cookies> | undefined;
  private rejected: LoginRejectedError | undefined;
  /** Set once the portal accepted us: only then is the context's state worth keeping for the next run. */
  private authenticated = false;
  private pagesInContext = 0;
  /** Steps using the context now; it is only replaced when none is. */
  private active = 0;
  private replacing: Promise<void> | undefined;
  /** A page has loaded in the context, so the browser has the portal's scripts compiled and cached. */
  private warm = false;
  private readonly waiting = new Set<() => void>();
  private readonly store: PortalSessionStore;
  /** Counts logins: a step remembers it, so a login that happened since the step began is not done again. */
  generation = 0;
  readonly stats: SessionStats = { pages: 0, logins: 0, relogins: 0, recycles: 0 };

  constructor(
    private readonly site: PortalSite,
    private readonly settings: PortalSettings,
    private readonly browser: () => Promise<Browser>,
    private readonly log: Logger,
  ) {
    this.store = portalSessionStore(settings.dataDir, site.portal);
  }

  get portal() {
    return this.site.portal;
  }

  get navigationTimeoutMs(): number {
    return this.settings.navigationTimeoutMs;
  }

  private get who() {
    return { origin: new URL(this.url('/')).origin, username: this.settings.username ?? '' };
  }

  /** A portal path (or an address the portal gave) as an absolute address. */
  url(path: string): string {
    return new URL(path, `${(this.settings.baseUrl ?? '').replace(/\/+$/, '')}/`).toString();
  }

  isLoginUrl(url: string): boolean {
    return this.site.isLoginUrl(url);
  }

  /** The context pages are read in; opened on first use, logging in first when there is no saved login. */
  currentContext(): Promise<BrowserContext> {
    if (this.context) return Promise.resolve(this.context);
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<BrowserContext> {
    const saved = await this.store.load(this.who, this.settings.sessionMaxAgeMs);
    const context = await (
      await this.browser()
    ).newContext({ ...this.site.contextOptions, storageState: saved });
    context.setDefaultNavigationTimeout(this.settings.navigationTimeoutMs);
    context.setDefaultTimeout(Math.min(this.settings.navigationTimeoutMs, 30_000));
    try {
      // Logged out, the first page would only bounce to the login form: log in before asking for it.
      if (!saved) await context.addCookies(await this.login());
    } catch (error) {
      await context.close().catch(() => undefined);
      throw error;
    }
    this.context = context;
    return context;
  }

  /** The tab of that name in the current context, opened when it has none (or the one it had was closed). */
  async tab(name: string): Promise<Page> {
    const context = await this.currentContext();
    const existing = this.tabs.get(name);
    if (existing && !existing.isClosed() && existing.context() === context) return existing;
    const page = await context.newPage();
    this.tabs.set(name, page);
    return page;
  }

  /**
   * The tab that fetches pages taken as served: it sits on an empty page of the portal's origin, so its fetches carry
   * the session cookie, and reads several pages at once. Opened again when it was closed (a crashed renderer).
   */
  async fetchingTab(): Promise<Page> {
    const context = await this.currentContext();
    const opening = (this.readingTab ??= this.openBlank(context));
    try {
      const page = await opening;
      if (!page.isClosed() && page.context() === context) return page;
    } catch (error) {
      // A tab that failed to open is opened again by the next step rather than failing every step after it.
      if (this.readingTab === opening) this.readingTab = undefined;
      throw error;
    }
    if (this.readingTab === opening) this.readingTab = undefined;
    return this.fetchingTab();
  }

  /** A tab of its own showing `html` at its address, for the screenshot and trace of a page that was only fetched. */
  async show(url: string, html: string): Promise<Page> {
    const page = await this.openBlank(await this.currentContext());
    try {
      await page.evaluate(
        ({ address, content }) => {
          history.replaceState(null, '', address);
          document.open();
          document.write(content);
          document.close();
        },
        { address: url, content: html },
      );
      return page;
    } catch (error) {
      await page.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * A tab on the portal's origin without asking the portal for a page: the empty page is answered inside the browser,
   * and its route removed again so the tab's later requests reach the portal.
   */
  private async openBlank(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    const blank = this.url(blankPath);
    await page.route(blank, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title></title>' }),
    );
    await page.goto(blank, { waitUntil: 'commit' });
    await page.unroute(blank);
    return page;
  }

  /** Counts a page load towards the context's recycling. */
  pageLoaded(): void {
    this.pagesInContext += 1;
    this.stats.pages += 1;
  }

  /** A page loaded in the context: the other tabs may start. */
  pageReady(): void {
    if (this.warm) return;
    this.warm = true;
    this.changed();
  }

  /** A page loaded as a logged-in user. */
  markAuthenticated(): void {
    this.authenticated = true;
  }

  /** Logs in (once for everyone asking at the same moment) and hands back the login's cookies. */
  login(): Promise<Cookies> {
    if (this.rejected) return Promise.reject(this.rejected);
    this.loggingIn ??= this.performLogin().finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  /**
   * A step found the session ended: logs in again and gives the context the new cookies, unless a login has happened
   * since the step began (`generation`), in which case the step only needs to try again.
   */
  async renew(generation: number): Promise<void> {
    if (this.generation > generation) return;
    if (!this.loggingIn) {
      this.stats.relogins += 1;
      this.log.info({ portal: this.site.portal }, 'the portal session ended; logging in again');
    }
    const cookies = await this.login();
    await this.context?.addCookies(cookies);
  }

  private async performLogin(): Promise<Cookies> {
    const context = await (await this.browser()).newContext();
    try {
      context.setDefaultTimeout(this.settings.navigationTimeoutMs);
      context.setDefaultNavigationTimeout(this.settings.navigationTimeoutMs);
      await this.site.login(await context.newPage());
      const cookies = await context.cookies();
      await this.store.save(this.who, await context.storageState());
      this.generation += 1;
      this.stats.logins += 1;
      this.authenticated = true;
      this.log.info({ portal: this.site.portal }, 'logged in to the portal');
      return cookies;
    } catch (error) {
      if (error instanceof LoginRejectedError) {
        this.rejected = error;
        await this.store.clear();
      }
      throw error;
    } finally {
      await context.close().catch(() => undefined);
    }
  }

  /**
   * A step starts using the context. It waits while the context is being replaced, and while a fresh context loads
   * its first page: that page compiles the portal's scripts (a second of CPU on a busy machine), so one tab warms the
   * context while the others wait, instead of all of them compiling the same scripts at once.
   */
  async enter(): Promise<void> {
    for (;;) {
      if (this.replacing) {
        await this.replacing;
      } else if (this.context && this.pagesInContext >= this.settings.recycleAfterPages) {
        this.replacing = this.replaceWhenIdle().finally(() => {
          this.replacing = undefined;
        });
      } else if (this.active > 0 && !this.warm) {
        await this.nextChange();
      } else {
        this.active += 1;
        return;
      }
    }
  }

  leave(): void {
    this.active -= 1;
    this.changed();
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.waiting.add(resolve));
  }

  private changed(): void {
    for (const wake of this.waiting) wake();
    this.waiting.clear();
  }

  /** New steps wait while the running ones end; then the context is replaced under nobody's feet. */
  private async replaceWhenIdle(): Promise<void> {
    while (this.active > 0) await this.nextChange();
    this.log.debug({ portal: this.site.portal, pages: this.pagesInContext }, 'recycling the browser context');
    this.stats.recycles += 1;
    await this.closeContext();
  }

  /** Keeps the login for the next context and the next run; an anonymous or refused session is not kept. */
  private async closeContext(): Promise<void> {
    const context = this.context;
    this.context = undefined;
    this.tabs.clear();
    this.readingTab = undefined;
    this.pagesInContext = 0;
    this.warm = false;
    if (!context) return;
    if (this.authenticated && !this.rejected) {
      await context
        .storageState()
        .then((state) => this.store.save(this.who, state))
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not save the portal login'));
    }
    await context.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    await this.closeContext();
  }
}
