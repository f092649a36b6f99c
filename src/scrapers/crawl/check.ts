/** "Do my portal credentials work?", the same for every portal: one login, in a context of its own, and its answer. */
import type { Logger } from 'pino';
import type { SharedBrowser } from '../../browser/chromium.js';
import type { PortalSettings } from '../../config/portals.js';
import type { ConnectionCheckResult } from '../../feature.js';
import { PortalSession } from './session.js';
import type { PortalSite } from './site.js';

export function checkPortalLogin(
  browser: SharedBrowser,
  site: PortalSite,
  settings: PortalSettings,
  log: Logger,
): Promise<ConnectionCheckResult> {
  return browser.lend(async (lend) => {
    const session = new PortalSession(site, settings, lend, log);
    try {
      await session.login();
      return { ok: true, detail: `logged in to ${settings.baseUrl} as ${settings.username}` };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    } finally {
      await session.close();
    }
  });
}
