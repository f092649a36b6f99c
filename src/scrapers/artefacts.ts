/**
 * Evidence of portal failures: a screenshot, the page's HTML and a Playwright trace, saved under
 * DATA_DIR/artefacts/<portal>/ on the FIRST occurrence of each distinct error only, so a portal that breaks every
 * two hours does not fill the disk. Later occurrences link to the first one's files.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright';

export interface ArtefactLink {
  /** Same for every occurrence of the same kind of error at the same step. */
  signature: string;
  /** True when this call saved the files; false when an earlier occurrence already had. */
  firstOccurrence: boolean;
  dir: string;
  screenshot?: string;
  html?: string;
  trace?: string;
}

export interface Failure {
  /** What the scraper was doing, e.g. "order list page" or "order detail". */
  step: string;
  error: unknown;
  page?: Page;
  /** The HTML that failed to parse, when it is at hand (more exact than the page's current content). */
  html?: string;
}

export interface FailureArtefactStore {
  /**
   * Starts recording a step of this context in the trace. Call before each page step when tracing is wanted; steps
   * that succeed are discarded by `endStep`, a failing one is kept by `capture`.
   */
  startStep(context: BrowserContext): Promise<void>;
  endStep(context: BrowserContext): Promise<void>;
  capture(failure: Failure): Promise<ArtefactLink>;
}

/**
 * Numbers, quoted values and URLs differ between occurrences of the same fault (order 75938 vs 75939, a timeout after
 * 90012 ms), so they are masked before hashing; the error's class and wording stay.
 */
export function errorSignature(step: string, error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0] ?? '';
  const normalised = firstLine
    .replace(/https?:\/\/\S+/g, '<url>')
    .replace(/"[^"]*"/g, '<value>')
    .replace(/\d+/g, '<n>')
    .toLowerCase();
  return `${step.toLowerCase()}|${name}|${normalised}`;
}

function folderName(signature: string): string {
  const hash = createHash('sha256').update(signature).digest('hex').slice(0, 12);
  const slug = signature
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .toLowerCase();
  return `${slug}-${hash}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export function failureArtefactStore(options: { dataDir: string; portal: string; trace?: boolean }): FailureArtefactStore {
  const root = join(options.dataDir, 'artefacts', options.portal);
  const tracing = options.trace ?? true;
  const traced = new WeakSet<BrowserContext>();
  const openChunk = new WeakSet<BrowserContext>();
  // Two steps failing the same way at once must not both believe they are first.
  const inFlight = new Map<string, Promise<ArtefactLink>>();

  async function stopChunk(context: BrowserContext, path?: string): Promise<boolean> {
    if (!openChunk.has(context)) return false;
    openChunk.delete(context);
    try {
      await context.tracing.stopChunk(path ? { path } : {});
      return path !== undefined;
    } catch {
      // A context already closed (the failure may be a crash) has no trace left to save.
      return false;
    }
  }

  async function save(failure: Failure, signature: string): Promise<ArtefactLink> {
    const dir = join(root, folderName(signature));
    const context = failure.page?.context();
    if (await exists(join(dir, 'error.txt'))) {
      if (context) await stopChunk(context);
      return linkTo(dir, signature, false);
    }
    await mkdir(dir, { recursive: true });
    const link: ArtefactLink = { signature, firstOccurrence: true, dir };
    const error = failure.error;
    const description =
      `step: ${failure.step}\nat: ${new Date().toISOString()}\nurl: ${safeUrl(failure.page)}\n\n` +
      (error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error));
    if (failure.page && !failure.page.isClosed()) {
      try {
        link.screenshot = join(dir, 'screenshot.png');
        await failure.page.screenshot({ path: link.screenshot, fullPage: true, timeout: 10_000 });
      } catch {
        delete link.screenshot;
      }
    }
    let html = failure.html;
    if (html === undefined && failure.page && !failure.page.isClosed()) {
      html = await failure.page.content().catch(() => undefined);
    }
    if (html !== undefined) {
      link.html = join(dir, 'page.html');
      await writeFile(link.html, html);
    }
    if (context) {
      const tracePath = join(dir, 'trace.zip');
      if (await stopChunk(context, tracePath)) link.trace = tracePath;
    }
    // Written last: its presence marks the folder complete, so a crash mid-capture is retried next time.
    await writeFile(join(dir, 'error.txt'), description);
    return link;
  }

  return {
    async startStep(context) {
      if (!tracing) return;
      if (openChunk.has(context)) await stopChunk(context);
      if (!traced.has(context)) {
        await context.tracing.start({ snapshots: true, screenshots: true });
        traced.add(context);
      }
      await context.tracing.startChunk();
      openChunk.add(context);
    },
    async endStep(context) {
      await stopChunk(context);
    },
    async capture(failure) {
      const signature = errorSignature(failure.step, failure.error);
      const running = inFlight.get(signature);
      if (running) {
        const first = await running;
        const context = failure.page?.context();
        if (context) await stopChunk(context);
        return { ...first, firstOccurrence: false };
      }
      const saving = save(failure, signature).finally(() => inFlight.delete(signature));
      inFlight.set(signature, saving);
      return saving;
    },
  };
}

async function linkTo(dir: string, signature: string, firstOccurrence: boolean): Promise<ArtefactLink> {
  const link: ArtefactLink = { signature, firstOccurrence, dir };
  for (const [key, file] of [
    ['screenshot', 'screenshot.png'],
    ['html', 'page.html'],
    ['trace', 'trace.zip'],
  ] as const) {
    if (await exists(join(dir, file))) link[key] = join(dir, file);
  }
  return link;
}

function safeUrl(page: Page | undefined): string {
  if (!page) return '(no page)';
  try {
    const url = new URL(page.url());
    // Query strings of login pages can carry tokens; the path is enough to find the page again.
    return `${url.origin}${url.pathname}${url.searchParams.has('route') ? `?route=${url.searchParams.get('route')}` : ''}`;
  } catch {
    return page.url();
  }
}
