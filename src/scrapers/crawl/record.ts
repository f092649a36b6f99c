/**
 * How a crawl reports on its run, the same for every portal: each document ends as exactly one of created / updated /
 * unchanged / failed, progress counts those outcomes, unreadable records are quarantined with their HTML and the
 * reason, and failures carry links to their artefacts.
 *
 * The run's database work is done one piece at a time. Detail pages finish in any order, but the embedded database
 * has a single backend and concurrent statements from several pool connections have failed there ("unnamed prepared
 * statement does not exist"), two transactions adding the same new items in a different order could deadlock each
 * other on PostgreSQL, and one writer per run keeps the order of events readable.
 */
import type { RunContext, RunEventInput } from '../../jobs/types.js';
import type { UpsertResult } from '../../ledger/index.js';
import type { ArtefactLink } from '../artefacts.js';

export type DocumentOutcome = 'created' | 'updated' | 'unchanged' | 'failed';

/** A document about to be stored, as the run's events name it. */
export interface DocumentRef {
  /** The run event entity, e.g. "sales_invoice:routestar/NRV5289". */
  entity: string;
  /** How a person names it, e.g. "Invoice NRV5289" or "Order 75938". */
  label: string;
  /** Lines stored with it; undefined when its lines were not read. */
  lines?: number;
}

export interface QuarantineEntry {
  entity?: string;
  /** What could not be read, e.g. "order 75938" or "a row (row 4)". */
  what: string;
  /** Where it was, e.g. "order list page 2". */
  where: string;
  reason: string;
  html: string;
  /** What happens to it now, e.g. "It was not stored; it is read again next run." */
  consequence: string;
  details?: Record<string, unknown>;
}

/**
 * Queues work to run one piece at a time. Work marked `first` goes ahead of the work still waiting: a list page's
 * reader waits for what is stored of its orders before it queues their detail pages, and behind a queue of finished
 * documents being written the detail tabs ran dry.
 */
function serialQueue(): <T>(work: () => Promise<T>, first?: boolean) => Promise<T> {
  const waiting: { first: (() => void)[]; rest: (() => void)[] } = { first: [], rest: [] };
  let running = false;
  const next = () => {
    const start = running ? undefined : (waiting.first.shift() ?? waiting.rest.shift());
    if (!start) return;
    running = true;
    start();
  };
  return (work, first = false) =>
    new Promise((resolve, reject) => {
      (first ? waiting.first : waiting.rest).push(() => {
        Promise.resolve()
          .then(work)
          .then(resolve, reject)
          .finally(() => {
            running = false;
            next();
          });
      });
      next();
    });
}

export class CrawlRecord {
  readonly counters: Record<DocumentOutcome, number> = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  private readonly serially = serialQueue();

  constructor(private readonly ctx: RunContext) {}

  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  /** Documents that have reached their outcome. */
  get processed(): number {
    return Object.values(this.counters).reduce((sum, n) => sum + n, 0);
  }

  /** Runs database work in turn with the run's other writes; `first` goes ahead of the waiting ones. */
  write<T>(work: () => Promise<T>, options: { first?: boolean } = {}): Promise<T> {
    return this.serially(work, options.first);
  }

  event(event: RunEventInput): Promise<void> {
    return this.write(() => this.ctx.event(event));
  }

  progress(note: string, total?: number): Promise<void> {
    return this.write(() => this.ctx.progress({ processed: this.processed, total, note }), { first: true });
  }

  count(outcome: DocumentOutcome): void {
    this.counters[outcome] += 1;
    this.ctx.count(outcome);
  }

  /** A record that could not be read: reported with its HTML and the reason. The caller counts its outcome. */
  quarantine(entry: QuarantineEntry): Promise<void> {
    return this.event({
      level: 'warn',
      entity: entry.entity,
      message: `Quarantined ${entry.what} from the ${entry.where}: ${entry.reason}. ${entry.consequence}`,
      details: { reason: entry.reason, html: entry.html, ...entry.details },
    });
  }

  /** Stores a document and counts its outcome; a document the ledger refuses is counted failed, with the reason. */
  store(document: DocumentRef, upsert: () => Promise<UpsertResult>): Promise<void> {
    return this.write(async () => {
      try {
        const result = await upsert();
        this.count(result.outcome);
        if (result.outcome !== 'unchanged') {
          await this.ctx.event({
            level: 'debug',
            message: `${document.label} ${result.outcome}${document.lines === undefined ? '' : ` with ${document.lines} lines`}`,
            entity: document.entity,
          });
        }
        for (const code of result.unmappedItemsCreated) {
          await this.ctx.event({
            level: 'warn',
            message: `${document.label} has a line for "${code}", an item nobody has mapped yet; map it so its stock is right.`,
            entity: `item:${code}`,
          });
        }
      } catch (error) {
        this.count('failed');
        await this.ctx.event({
          level: 'error',
          message: `${document.label} was not stored: ${describe(error)}`,
          entity: document.entity,
        });
      }
    });
  }

  /** A step that failed for good, with the artefacts saved for it. */
  failure(
    error: unknown,
    step: { step: string; where: string; entity?: string; endsTheRun: boolean },
    link: ArtefactLink | undefined,
  ): Promise<void> {
    return this.event({
      level: 'error',
      message: step.endsTheRun
        ? `Stopped at ${step.where}: ${describe(error)}`
        : `Could not read ${step.where}: ${describe(error)}`,
      entity: step.entity,
      details: {
        step: step.step,
        error: error instanceof Error ? error.name : 'Error',
        artefacts: link && {
          dir: link.dir,
          screenshot: link.screenshot,
          html: link.html,
          trace: link.trace,
          firstOccurrence: link.firstOccurrence,
        },
      },
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
