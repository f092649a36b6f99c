/**
 * One RouteStar sync as the job runs it, for the suites that drive real Chromium against the simulator: a run is
 * begun, syncRouteStar reads the simulator with settings from the environment the test gives (on top of quick
 * defaults), and the run is finished with its status, events and counters, whether the sync threw or not.
 */
import type { Browser } from 'playwright';
import { loadConfig } from '../../src/config/index.js';
import { portalSettings } from '../../src/config/portals.js';
import { beginRun, runEvents } from '../../src/jobs/runs.js';
import { createLogger } from '../../src/log.js';
import type { RouteStarProfile } from '../../src/scrapers/routestar/profile.js';
import {
  syncRouteStar,
  type RouteStarSyncRequest,
  type RouteStarSyncSummary,
} from '../../src/scrapers/routestar/sync.js';
import type { RouteStarSim } from '../sim/routestar/server.js';
import type { PortalSuite } from './portal-suite.js';

const silent = createLogger({ level: 'silent', destination: process.stderr });

export interface RouteStarSyncSetup {
  suite: PortalSuite;
  sim: RouteStarSim;
  browser: Browser;
  profile: RouteStarProfile;
  closedWindowDays: number;
  /** Configuration variables over the defaults: one tab, no spacing, quick retries. */
  env?: Record<string, string>;
  now?: () => Date;
}

export async function recordedRouteStarSync(setup: RouteStarSyncSetup, request: RouteStarSyncRequest) {
  const { suite, sim } = setup;
  const ctx = await beginRun(suite.database.db, silent, {
    job: 'routestar.sync',
    trigger: 'manual',
    signal: new AbortController().signal,
  });
  const settings = portalSettings(
    loadConfig({
      DATA_DIR: suite.dataDir,
      ROUTESTAR_BASE_URL: sim.url,
      ROUTESTAR_USERNAME: sim.username,
      ROUTESTAR_PASSWORD: sim.password,
      ROUTESTAR_CONCURRENCY: '1',
      ROUTESTAR_MIN_SPACING_MS: '0',
      PORTAL_RETRY_BASE_MS: '50',
      ...setup.env,
    }),
    'routestar',
  );
  let error: unknown;
  let summary: RouteStarSyncSummary | undefined;
  try {
    summary = await syncRouteStar(
      ctx,
      {
        db: suite.database.db,
        settings,
        profile: setup.profile,
        browser: async () => setup.browser,
        closedWindowDays: setup.closedWindowDays,
        now: setup.now,
      },
      request,
    );
  } catch (e) {
    error = e;
  }
  const status = await ctx.finish(error);
  const events = await runEvents(suite.database.db, ctx.runId);
  return { summary, status, error, events, counters: { ...ctx.counters } };
}
