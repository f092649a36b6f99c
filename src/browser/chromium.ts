/**
 * The one headless Chromium the portal scrapers share, kept outside the portal folders so the worker's core can hold
 * it without importing a portal. Debian's build is used when present (Playwright's own browser download is not
 * possible on our machines): its headless shell first, else the full Chromium; otherwise Playwright's installed
 * browser. When none exists the error says how to get one.
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserType } from 'playwright';

/**
 * The headless shell first: it is the build Playwright itself runs headless, and on a RouteStar detail page Chromium
 * spends about a quarter less CPU in it than in the full browser's headless mode; the scrapers are CPU-bound.
 */
const debianChromium = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags that keep Chromium quiet on a machine without outside network and without a sandbox (root, containers). */
const quietFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class BrowserNotFoundError extends Error {
  constructor() {
    super(
      'No Chromium found for the portal scrapers. Install Debian\'s package ("apt-get install chromium-headless-shell", ' +
        'which puts it at /usr/bin/chromium-headless-shell, or "apt-get install chromium"), or set CHROMIUM_PATH to a Chromium binary, or run "npx playwright install chromium" where ' +
        'downloads are allowed.',
    );
    this.name = 'BrowserNotFoundError';
  }
}

/**
 * Playwright is loaded when a browser is first needed, not when the worker starts: it is the heaviest module the
 * worker has (about 0.7 s of CPU), and a worker without portal jobs due should be ready without it.
 */
async function playwrightChromium(): Promise<BrowserType> {
  return (await import('playwright')).chromium;
}

export async function findChromium(explicitPath = process.env.CHROMIUM_PATH): Promise<string | undefined> {
  if (explicitPath) return existsSync(explicitPath) ? explicitPath : undefined;
  const debian = debianChromium.find((p) => existsSync(p));
  if (debian) return debian;
  const bundled = (await playwrightChromium()).executablePath();
  return bundled && existsSync(bundled) ? bundled : undefined;
}

export async function launchBrowser(options: { executablePath?: string } = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? (await findChromium());
  if (!executablePath) throw new BrowserNotFoundError();
  return (await playwrightChromium()).launch({ executablePath, headless: true, args: quietFlags });
}

/**
 * The browser both portals share: launched on first use, closed when the last user lets go. Each portal works in its
 * own context, so sessions never mix, while only one Chromium runs.
 */
export class SharedBrowser {
  private launching?: Promise<Browser>;
  private users = 0;

  constructor(private readonly options: { executablePath?: string } = {}) {}

  async acquire(): Promise<Browser> {
    this.users += 1;
    this.launching ??= launchBrowser(this.options).then((browser) => {
      browser.on('disconnected', () => (this.launching = undefined));
      return browser;
    });
    try {
      return await this.launching;
    } catch (error) {
      this.users -= 1;
      this.launching = undefined;
      throw error;
    }
  }

  /**
   * Lends Chromium to `work`, launched only if `work` asks for it, and gives it back afterwards, whatever happens.
   * Between scheduled runs hours apart no Chromium is left holding memory.
   */
  async lend<T>(work: (browser: () => Promise<Browser>) => Promise<T>): Promise<T> {
    let acquired: Promise<Browser> | undefined;
    try {
      return await work(() => (acquired ??= this.acquire()));
    } finally {
      if (acquired)
        await acquired.then(
          () => this.release(),
          () => undefined,
        );
    }
  }

  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || !this.launching) return;
    const browser = await this.launching.catch(() => undefined);
    this.launching = undefined;
    await browser?.close();
  }
}
