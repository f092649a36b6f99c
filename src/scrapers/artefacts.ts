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
   * Marks a page step as running in this context. Playwright traces a whole context, so the trace is recorded in
   * chunks that start when the first step of the context starts and are thrown away when the last one ends; a
   * failing step keeps the chunk, which holds its own actions and those of the steps running beside it.
   */
  startStep(context: BrowserContext): Promise<void>;
  endStep(context: BrowserContext): Promise<void>;
  /** Saves the failure's evidence; call before the failing step's `endStep`. */
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

export function failureArtefactStore(options: {
  dataDir: string;
  portal: string;
  trace?: boolean;
}): FailureArtefactStore {
  const root = join(options.dataDir, 'artefacts', options.portal);
  const tracing = options.trace ?? true;
  const traces = new WeakMap<BrowserContext, ContextTrace>();
  // Two steps failing the same way at once must not both believe they are first.
  const inFlight = new Map<string, Promise<ArtefactLink>>();

  function traceOf(context: BrowserContext): ContextTrace {
    let trace = traces.get(context);
    if (!trace) {
      trace = { steps: 0, started: false, open: false, queue: Promise.resolve() };
      traces.set(context, trace);
    }
    return trace;
  }

  /** Tracing calls of one context run one after another; a context already closed simply has no trace. */
  function traceWork(context: BrowserContext, work: (trace: ContextTrace) => Promise<void>): Promise<void> {
    const trace = traceOf(context);
    const next = trace.queue.then(() => work(trace)).catch(() => undefined);
    trace.queue = next;
    return next;
  }

  async function saveTrace(context: BrowserContext, path: string): Promise<boolean> {
    let saved = false;
    await traceWork(context, async (trace) => {
      if (!trace.open) return;
      await context.tracing.stopChunk({ path });
      saved = true;
      // Steps still running beside the failed one go on being recorded.
      await context.tracing.startChunk();
    });
    return saved;
  }

  async function save(failure: Failure, signature: string): Promise<ArtefactLink> {
    const dir = join(root, folderName(signature));
    const context = failure.page?.context();
    if (await exists(join(dir, 'error.txt'))) return linkTo(dir, signature, false);
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
      if (await saveTrace(context, tracePath)) link.trace = tracePath;
    }
    // Written last: its presence marks the folder complete, so a crash mid-capture is retried next time.
    await writeFile(join(dir, 'error.txt'), description);
    return link;
  }

  return {
    async startStep(context) {
      if (!tracing) return;
      await traceWork(context, async (trace) => {
        trace.steps++;
        if (trace.open) return;
        if (!trace.started) {
          // DOM snapshots show what the page held; screencast frames would cost a third more time on every page.
          await context.tracing.start({ snapshots: true, screenshots: false });
          trace.started = true;
        }
        await context.tracing.startChunk();
        trace.open = true;
      });
    },
    async endStep(context) {
      if (!tracing) return;
      await traceWork(context, async (trace) => {
        trace.steps = Math.max(0, trace.steps - 1);
        if (trace.steps > 0 || !trace.open) return;
        trace.open = false;
        await context.tracing.stopChunk();
      });
    },
    async capture(failure) {
      const signature = errorSignature(failure.step, failure.error);
      const running = inFlight.get(signature);
      if (running) return { ...(await running), firstOccurrence: false };
      const saving = save(failure, signature).finally(() => inFlight.delete(signature));
      inFlight.set(signature, saving);
      return saving;
    },
  };
}

interface ContextTrace {
  /** Steps running in the context now. */
  steps: number;
  started: boolean;
  /** A chunk is being recorded. */
  open: boolean;
  queue: Promise<void>;
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
