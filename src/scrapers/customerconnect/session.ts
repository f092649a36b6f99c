/**
 * The CustomerConnect login and how an ended session shows: the portal sends every page to its login route, or
 * answers with the login form in place of the page. Saving the login, logging in again and recycling the context are
 * the crawl driver's; a refused login is never retried, so a wrong password cannot lock the account.
 */
import type { PortalSettings } from '../../config/portals.js';
import type { PortalSite } from '../crawl/site.js';
import { LoginRejectedError, PortalUnavailableError } from '../errors.js';
import type { CustomerConnectProfile } from './profile.js';

export function customerConnectSite(profile: CustomerConnectProfile, settings: PortalSettings): PortalSite {
  const url = (path: string) => new URL(path, `${(settings.baseUrl ?? '').replace(/\/+$/, '')}/`).toString();
  const loginRoute = new URL(url(profile.routes.login));
  return {
    portal: 'customerconnect',
    // Scripts stay off unless the profile says the pages need them: the account pages are rendered on the server.
    contextOptions: {
      viewport: { width: 1280, height: 900 },
      javaScriptEnabled: profile.pageLoad.javaScript,
    },
    isLoginUrl(address) {
      const actual = new URL(address);
      const route = loginRoute.searchParams.get('route');
      return route ? actual.searchParams.get('route') === route : actual.pathname === loginRoute.pathname;
    },
    async login(page) {
      const loginUrl = url(profile.routes.login);
      const response = await page.goto(loginUrl, { waitUntil: 'domcontentloaded' });
      if (response && response.status() >= 500) {
        throw new PortalUnavailableError('customerconnect', 'the login page', `HTTP ${response.status()}`, {
          status: response.status(),
        });
      }
      await page.locator(profile.login.email).fill(settings.username ?? '');
      await page.locator(profile.login.password).fill(settings.password ?? '');
      await page.locator(profile.login.submit).click();
      // The next page shows either the logged-in links or the warning; the form we left shows neither.
      await page
        .locator(`${profile.login.loggedIn}, ${profile.login.error}`)
        .first()
        .waitFor({ state: 'attached' });
      if ((await page.locator(profile.login.loggedIn).count()) === 0) {
        const warning = (await page.locator(profile.login.error).first().textContent())?.trim() ?? '';
        throw new LoginRejectedError('customerconnect', warning);
      }
    },
  };
}
