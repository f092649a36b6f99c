/**
 * The crawl driver both portals run on. A portal brings its site (login, login-page detection), its routes (a reader
 * and a handler per label) and its lanes of tabs; the driver does the rest the same way for every portal:
 *
 * - tabs: each lane is a TabPool, so every tab takes the next page as soon as it is free;
 * - politeness and retries: every page step runs through the portal's ResiliencePolicy (spacing, concurrency,
 *   backoff that honours Retry-After, a circuit breaker), which classifies portal errors and logs in again when a
 *   step finds the session ended;
 * - sessions and memory: the PortalSession keeps the login and recycles the context between steps;
 * - artefacts: a step that fails for good leaves a screenshot, its HTML and a trace (first occurrence only);
 * - the run: outcomes, progress, quarantine and failures are reported through one CrawlRecord.
 *
 * A failure that ends the crawl (a changed page, refused credentials, an open circuit, or any failure of a route
 * without a `failed` handler) stops new pages from starting; the pages already running finish, and `run` rethrows it.
 */
import type { Browser } from 'playwright';
import { portalDescriptions, type PortalSettings } from '../../config/portals.js';
import type { RunContext } from '../../jobs/types.js';
import { ResiliencePolicy } from '../../resilience/index.js';
import { failureArtefactStore, type ArtefactLink, type FailureArtefactStore } from '../artefacts.js';
import { classifyPortalError, endsTheCrawl } from '../errors.js';
import { TabPool } from '../tab-pool.js';
import { CrawlRecord } from './record.js';
import type { Crawl, Labelled, Route, Routes } from './router.js';
import { PortalSession, type SessionStats } from './session.js';
import type { PortalSite } from './site.js';
import { Visit } from './visit.js';

export interface CrawlerOptions<Q> {
  ctx: RunContext;
  site: PortalSite;
  settings: PortalSettings;
  /** Launched (or reused) only when a page is first needed, so runs that read nothing start no browser. */
  browser: () => Promise<Browser>;
  /** Tabs per lane. */
  lanes: Record<string, number>;
  routes: Routes<Q>;
}

export interface CrawlStats extends SessionStats {
  /** Page steps tried again after a passing fault. */
  retries: number;
}

type Step = { ok: true; result: unknown } | { ok: false; error: unknown; link: ArtefactLink | undefined };

export class Crawler<Q> implements Crawl<Q> {
  readonly record: CrawlRecord;
  readonly session: PortalSession;
  private readonly policy: ResiliencePolicy;
  private readonly artefacts: FailureArtefactStore;
  private readonly lanes = new Map<string, TabPool<Labelled<Q>>>();
  private readonly handling = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private retries = 0;

  constructor(private readonly options: CrawlerOptions<Q>) {
    const { ctx, site, settings } = options;
    this.record = new CrawlRecord(ctx);
    this.session = new PortalSession(site, settings, options.browser, ctx.log);
    this.artefacts = failureArtefactStore({
      dataDir: settings.dataDir,
      portal: site.portal,
      trace: settings.trace,
    });
    const tabs = Object.values(options.lanes).reduce((sum, width) => sum + width, 0);
    this.policy = new ResiliencePolicy({
      system: portalDescriptions[site.portal].label,
      // As many steps at once as there are tabs: the tabs are the concurrency, the limiter spaces their page loads.
      concurrency: tabs,
      minSpacingMs: settings.minSpacingMs,
      retries: settings.retryAttempts - 1,
      retryBaseMs: settings.retryBaseMs,
      // No time limit of the kit's own: it would abandon an attempt whose browser work goes on in the tab the retry
      // reuses. Each navigation has the navigation timeout and each wait its own deadline from the profile.
      classify: classifyPortalError,
    });
    for (const [lane, width] of Object.entries(options.lanes)) {
      this.lanes.set(lane, new TabPool<Labelled<Q>>(width, (item, slot) => this.work(item, slot)));
    }
  }

  async enqueue<L extends keyof Q & string>(label: L, request: Q[L], options: { first?: boolean } = {}) {
    if (this.failure) return;
    const route = this.options.routes[label];
    await this.lanes.get(route.lane)!.add({ label, request }, options);
  }

  /** Queues the first pages and crawls until every page queued since has been read and handled. */
  async run(first: Iterable<Labelled<Q>>): Promise<void> {
    for (const { label, request } of first) await this.enqueue(label, request);
    for (;;) {
      await Promise.all([...this.lanes.values()].map((lane) => lane.idle()));
      if (this.handling.size === 0) break;
      await Promise.all(this.handling);
    }
    if (this.failure) throw this.failure.error;
  }

  /** Closes the browser context (keeping the login for the next run) and the policy; returns what it took. */
  async close(): Promise<CrawlStats> {
    await this.session.close();
    await this.policy.stop();
    return { ...this.session.stats, retries: this.retries };
  }

  private stop(error: unknown): void {
    this.failure ??= { error };
  }

  /** One queued page in a free tab. Never throws: a failure that ends the crawl is kept and rethrown by `run`. */
  private async work(item: Labelled<Q>, slot: number): Promise<void> {
    if (this.failure) return;
    if (this.options.ctx.signal.aborted) {
      this.stop(this.options.ctx.signal.reason);
      return;
    }
    const route = this.options.routes[item.label] as Route<Q, unknown, unknown>;
    const step = await this.step(route, item.request, slot);
    if (step.ok) {
      this.track(route.handle(step.result, item.request, this), route, item.request);
      return;
    }
    if (this.options.ctx.signal.aborted) {
      this.stop(this.options.ctx.signal.reason);
      return;
    }
    const endsTheRun = endsTheCrawl(step.error) || !route.failed;
    if (endsTheRun) this.stop(step.error);
    const where = { step: route.step(item.request), where: route.where(item.request) };
    const reported = this.record.failure(
      step.error,
      { ...where, entity: route.entity?.(item.request), endsTheRun },
      step.link,
    );
    this.track(
      endsTheRun ? reported : reported.then(() => route.failed!(step.error, item.request, this)),
      route,
      item.request,
    );
  }

  /** Reads the page under the policy, in the lane's tab for this slot; a step that fails for good is captured. */
  private async step(route: Route<Q, unknown, unknown>, request: unknown, slot: number): Promise<Step> {
    const visit = new Visit(
      this.session,
      this.artefacts,
      route.step(request),
      route.where(request),
      `${route.lane}-${slot}`,
    );
    await this.session.enter();
    try {
      let attempts = 0;
      const result = await this.policy.execute(
        async ({ number }) => {
          // The attempt after a new login keeps its number: only a new number is a retry.
          if (number > attempts && attempts > 0) this.retries += 1;
          attempts = Math.max(attempts, number);
          await visit.begin();
          const read = await route.read(visit, request);
          this.session.markAuthenticated();
          return read;
        },
        {
          what: visit.where,
          signal: this.options.ctx.signal,
          reauthenticate: () => this.session.renew(visit.generation),
        },
      );
      return { ok: true, result };
    } catch (error) {
      // A run asked to stop has no fault to keep evidence of.
      if (this.options.ctx.signal.aborted) return { ok: false, error, link: undefined };
      return { ok: false, error, link: await visit.capture(error) };
    } finally {
      await visit.end();
      this.session.leave();
    }
  }

  /** Handling runs after the tab is free; a handler that throws ends the crawl. */
  private track(handling: Promise<void>, route: Route<Q, unknown, unknown>, request: unknown): void {
    const tracked = handling
      .catch(async (error: unknown) => {
        this.stop(error);
        await this.record.failure(
          error,
          { step: route.step(request), where: route.where(request), endsTheRun: true },
          undefined,
        );
      })
      .finally(() => this.handling.delete(tracked));
    this.handling.add(tracked);
  }
}
