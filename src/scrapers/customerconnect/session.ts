/**
 * The CustomerConnect login: one browser context holding the session, started from the login state saved by the
 * previous run when it is still young enough, and logged in again whenever a page turns out to be the login form.
 * A refused login is a clear error that is never retried, so a wrong password cannot lock the account.
 */
import type { Browser, BrowserContext } from 'playwright';
import type { Logger } from 'pino';
import type { PortalSettings } from '../../config/portals.js';
import { portalSessionStore, type PortalSessionStore } from '../portal-session-store.js';
import { LoginRejectedError, PortalUnavailableError } from '../errors.js';
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

/** The session the configured portal settings describe, its login kept in the data folder: for syncs and checks alike. */
export function configuredSession(
  browser: Browser,
  settings: PortalSettings,
  profile: CustomerConnectProfile,
  log: Logger,
): CustomerConnectSession {
  return new CustomerConnectSession(browser, {
    baseUrl: settings.baseUrl!,
    email: settings.username!,
    password: settings.password!,
    profile,
    store: portalSessionStore(settings.dataDir, 'customerconnect'),
    sessionMaxAgeMs: settings.sessionMaxAgeMs,
    navigationTimeoutMs: settings.navigationTimeoutMs,
    log,
  });
}

export class CustomerConnectSession {
  private loggingIn: Promise<void> | undefined;
  private rejected: LoginRejectedError | undefined;
  /** Set once a page loaded as a logged-in customer: only then is the context's state worth keeping. */
  private authenticated = false;
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

  /** A context for reading pages; `savedLogin` tells whether it starts from a saved login or logged out. */
  async openContext(): Promise<{ context: BrowserContext; savedLogin: boolean }> {
    const saved = await this.settings.store.load(this.who, this.settings.sessionMaxAgeMs);
    const context = await this.browser.newContext({
      storageState: saved,
      viewport: { width: 1280, height: 900 },
      javaScriptEnabled: this.settings.profile.pageLoad.javaScript,
    });
    context.setDefaultNavigationTimeout(this.settings.navigationTimeoutMs);
    context.setDefaultTimeout(Math.min(this.settings.navigationTimeoutMs, 30_000));
    return { context, savedLogin: saved !== undefined };
  }

  markAuthenticated(): void {
    this.authenticated = true;
  }

  /** Keeps the current login for the next context or the next run; an anonymous or refused session is not kept. */
  async saveState(context: BrowserContext): Promise<void> {
    if (!this.authenticated || this.rejected) return;
    await this.settings.store.save(this.who, await context.storageState());
  }

  /**
   * Logs in and gives `target` the new session cookies. The login runs in a separate, untraced context: a
   * Playwright trace records what is typed and posted, and a saved trace must never hold the password. Contexts
   * that find the session over at the same moment share one login; after a refusal every later call fails the
   * same way without asking the portal again.
   */
  login(target: BrowserContext): Promise<void> {
    if (this.rejected) return Promise.reject(this.rejected);
    this.loggingIn ??= this.performLogin().finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn.then(() => this.transfer(target));
  }

  private loginCookies: Awaited<ReturnType<BrowserContext['cookies']>> = [];

  private async transfer(target: BrowserContext): Promise<void> {
    await target.addCookies(this.loginCookies);
  }

  private async performLogin(): Promise<void> {
    const { profile, log } = this.settings;
    const loginContext = await this.browser.newContext();
    try {
      loginContext.setDefaultTimeout(this.settings.navigationTimeoutMs);
      const page = await loginContext.newPage();
      const loginUrl = this.url(profile.routes.login);
      const response = await page.goto(loginUrl, { waitUntil: 'domcontentloaded' });
      if (response && response.status() >= 500)
        throw new PortalUnavailableError('customerconnect', loginUrl, `HTTP ${response.status()}`, {
          status: response.status(),
        });
      await page.locator(profile.login.email).fill(this.settings.email);
      await page.locator(profile.login.password).fill(this.settings.password);
      await page.locator(profile.login.submit).click();
      // The next page shows either the logged-in links or the warning; the form we left shows neither.
      const outcome = page.locator(`${profile.login.loggedIn}, ${profile.login.error}`).first();
      await outcome.waitFor({ state: 'attached' });
      if ((await page.locator(profile.login.loggedIn).count()) === 0) {
        const warning = (await page.locator(profile.login.error).first().textContent())?.trim() ?? '';
        this.rejected = new LoginRejectedError('customerconnect', warning);
        await this.settings.store.clear();
        throw this.rejected;
      }
      this.logins++;
      this.authenticated = true;
      this.loginCookies = await loginContext.cookies();
      await this.settings.store.save(this.who, await loginContext.storageState());
      log.info({ portal: 'customerconnect' }, 'logged in to CustomerConnect');
    } finally {
      await loginContext.close().catch(() => undefined);
    }
  }
}
