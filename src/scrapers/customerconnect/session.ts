/**
 * The CustomerConnect login: one browser context holding the session, started from the login state saved by the
 * previous run when it is still young enough, and logged in again whenever a page turns out to be the login form.
 * A refused login is a clear error that is never retried, so a wrong password cannot lock the account.
 */
import type { Browser, BrowserContext, Page } from 'playwright';
import type { Logger } from 'pino';
import type { PortalSessionStore } from '../portal-session-store.js';
import { LoginRejectedError, PortalUnavailableError } from './errors.js';
import type { CustomerConnectProfile } from './profile.js';

export interface SessionSettings {
  baseUrl: string;
  email: string;
  password: string;
  profile: CustomerConnectProfile;
  store: PortalSessionStore;
  sessionMaxAgeMs: number;
  navigationTimeoutMs: number;
  log: Logger;
}

/** Page parts the scraper never reads; not loading them makes every page cheaper for both sides. */
const skippedResources = new Set(['image', 'media', 'font']);

export class CustomerConnectSession {
  private loggingIn: Promise<void> | undefined;
  private rejected: LoginRejectedError | undefined;
  logins = 0;

  constructor(
    private readonly browser: Browser,
    private readonly settings: SessionSettings,
  ) {}

  private get who() {
    return { origin: new URL(this.settings.baseUrl).origin, username: this.settings.email };
  }

  url(path: string): string {
    return new URL(path, `${this.settings.baseUrl.replace(/\/+$/, '')}/`).toString();
  }

  /** True when the address is the portal's login route: where an ended session sends every page. */
  isLoginUrl(url: string): boolean {
    const login = new URL(this.url(this.settings.profile.routes.login));
    const actual = new URL(url);
    const route = login.searchParams.get('route');
    return route ? actual.searchParams.get('route') === route : actual.pathname === login.pathname;
  }

  async openContext(): Promise<BrowserContext> {
    const saved = await this.settings.store.load(this.who, this.settings.sessionMaxAgeMs);
    const context = await this.browser.newContext({ storageState: saved, viewport: { width: 1280, height: 900 } });
    context.setDefaultNavigationTimeout(this.settings.navigationTimeoutMs);
    context.setDefaultTimeout(Math.min(this.settings.navigationTimeoutMs, 30_000));
    await context.route('**/*', (route) =>
      skippedResources.has(route.request().resourceType()) ? route.abort() : route.continue(),
    );
    return context;
  }

  /** Keeps the current login for the next context or the next run. */
  async saveState(context: BrowserContext): Promise<void> {
    await this.settings.store.save(this.who, await context.storageState());
  }

  /**
   * Logs in using this page. Pages that find the session over at the same moment share one login; after a refusal
   * every later call fails the same way without asking the portal again.
   */
  login(page: Page): Promise<void> {
    if (this.rejected) return Promise.reject(this.rejected);
    this.loggingIn ??= this.performLogin(page).finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  private async performLogin(page: Page): Promise<void> {
    const { profile, log } = this.settings;
    const loginUrl = this.url(profile.routes.login);
    const response = await page.goto(loginUrl, { waitUntil: 'domcontentloaded' });
    if (response && response.status() >= 500) throw new PortalUnavailableError(loginUrl, response.status());
    if ((await page.locator(profile.login.loggedIn).count()) > 0) return;
    await page.locator(profile.login.email).fill(this.settings.email);
    await page.locator(profile.login.password).fill(this.settings.password);
    await page.locator(profile.login.submit).click();
    // The next page shows either the logged-in links or the warning; the form we left shows neither.
    const outcome = page.locator(`${profile.login.loggedIn}, ${profile.login.error}`).first();
    await outcome.waitFor({ state: 'attached', timeout: this.settings.navigationTimeoutMs });
    if ((await page.locator(profile.login.loggedIn).count()) === 0) {
      const warning = (await page.locator(profile.login.error).first().textContent())?.trim() ?? '';
      this.rejected = new LoginRejectedError(warning);
      await this.settings.store.clear();
      throw this.rejected;
    }
    this.logins++;
    log.info({ portal: 'customerconnect' }, 'logged in to CustomerConnect');
    await this.saveState(page.context());
  }
}
