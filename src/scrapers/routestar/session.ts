/**
 * The RouteStar login and how an ended session shows: the portal sends any page, and any refused data request of a
 * page's script, to /web/login. Saving the login, logging in again and recycling the context are the crawl driver's.
 */
import type { Page } from 'playwright';
import type { PortalSettings } from '../../config/portals.js';
import type { PortalSite } from '../crawl/site.js';
import { LoginRejectedError, PortalUnavailableError } from '../errors.js';
import type { RouteStarProfile } from './profile.js';

export function onLoginPage(page: Page, profile: RouteStarProfile): boolean {
  return page.url().includes(profile.login.urlContains);
}

export function routeStarSite(profile: RouteStarProfile, settings: PortalSettings): PortalSite {
  return {
    portal: 'routestar',
    contextOptions: { viewport: { width: 1920, height: 1080 } },
    isLoginUrl: (url) => url.includes(profile.login.urlContains),
    async login(page) {
      const loginUrl = new URL(profile.routes.login, settings.baseUrl).toString();
      const response = await page.goto(loginUrl);
      if (response && response.status() >= 500) {
        throw new PortalUnavailableError('routestar', 'the login page', `HTTP ${response.status()}`, {
          status: response.status(),
        });
      }
      await page.locator(profile.login.username).waitFor({ state: 'attached' });
      await page.fill(profile.login.username, settings.username ?? '');
      await page.fill(profile.login.password, settings.password ?? '');
      // The page the portal lands on after the login is not read here: its document says where we are, and its
      // scripts, styles and data requests are not loaded (they would cost a whole list page for nothing).
      await page.route('**/*', (route) =>
        route.request().resourceType() === 'document' ? route.continue() : route.abort(),
      );
      await Promise.all([page.waitForEvent('domcontentloaded'), page.click(profile.login.submit)]);
      if (onLoginPage(page, profile) && (await page.locator(profile.login.username).count()) > 0) {
        const error = page.locator(profile.login.error).first();
        const message = (await error.count()) > 0 ? ((await error.textContent())?.trim() ?? '') : '';
        throw new LoginRejectedError('routestar', message);
      }
    },
  };
}
