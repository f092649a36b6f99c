/**
 * The portal's side of a crawl, shaped like Crawlee's router: one route per label (a list page, a detail page), each
 * with a reader that moves a tab and hands back parsed records, and a handler that acts on them — stores documents,
 * queues more pages. `Q` maps each label to what a request of that label carries.
 */
import type { CrawlRecord } from './record.js';
import type { Visit } from './visit.js';

/** What handlers may do with the crawl they are part of. */
export interface Crawl<Q> {
  /**
   * Queues a page. Waits while the lane's queue is full, so a list never runs far ahead of its details; a `first`
   * request (the next page of a list) goes ahead of the queue without waiting.
   */
  enqueue<L extends keyof Q & string>(label: L, request: Q[L], options?: { first?: boolean }): Promise<void>;
  readonly record: CrawlRecord;
}

export interface Route<Q, R, T> {
  /** The tabs it runs in: requests of one lane share its tabs, one request per tab at a time. */
  lane: string;
  /** The kind of page, for artefacts: every page of one kind failing the same way is saved once. */
  step(request: R): string;
  /** The page, for messages: "the detail page of invoice NRV5289". */
  where(request: R): string;
  /** The run event entity its failures are reported on. */
  entity?(request: R): string | undefined;
  /**
   * One attempt at the page, run under the portal's resilience policy: moves the tab (browser work only) and returns
   * what the pure parsers made of it. Throws the portal errors; the driver retries, logs in again or gives up.
   */
  read(visit: Visit, request: R): Promise<T>;
  /** What to do with what was read: store, quarantine, queue more pages. Runs after the tab is free again. */
  handle(result: T, request: R, crawl: Crawl<Q>): Promise<void>;
  /**
   * A page that could not be read, after its failure is reported with its artefacts. Without it, a failure of this
   * route ends the crawl (a list cannot go on without its page).
   */
  failed?(error: unknown, request: R, crawl: Crawl<Q>): Promise<void>;
}

/**
 * One route per label. Methods are checked bivariantly, so a route reading any `T` fits: each route is declared with
 * its own `T`, and the driver only passes a route's reading to the same route's handler.
 */
export type Routes<Q> = { [L in keyof Q]: Route<Q, Q[L], unknown> };

/** A request as the driver queues it. */
export type Labelled<Q> = { [L in keyof Q & string]: { label: L; request: Q[L] } }[keyof Q & string];
