/**
 * What a portal tells the crawl driver about its session: how its login form is filled in, how to recognise its login
 * page (where an ended session sends every page), and how the browser context that reads it is set up. Everything
 * else about sessions — saving the login between runs, logging in again, recycling the context — the driver does.
 */
import type { BrowserContextOptions, Page } from 'playwright';
import type { PortalName } from '../../config/portals.js';

export interface PortalSite {
  portal: PortalName;
  /** Viewport, scripts on or off: how the context that reads the portal is opened. */
  contextOptions: BrowserContextOptions;
  /** True for an address of the portal's login page. */
  isLoginUrl(url: string): boolean;
  /**
   * Logs in on `page`, a tab of a fresh context of its own. Returns once the portal has accepted the credentials;
   * throws LoginRejectedError when it refuses them, PortalUnavailableError when the form did not load.
   */
  login(page: Page): Promise<void>;
}
