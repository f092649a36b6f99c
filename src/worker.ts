/**
 * The worker: database (embedded or server), migrations, every feature, the job runner and the control API, started
 * in that order and stopped in reverse with a graceful drain.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createServer } from './api/server.js';
import type { Config } from './config/index.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { applyMigrations } from './db/migrations.js';
import type { AppContext, Feature, FeatureFactory } from './feature.js';
import { featureFactories } from './features.js';
import { pruneHistoryJob } from './jobs/prune-history.js';
import { JobRunner } from './jobs/runner.js';
import { failOrphanedRuns } from './jobs/runs.js';
import { SharedBrowser } from './browser/chromium.js';
import { SharedResources } from './shared-resources.js';
import { createMetrics } from './metrics/registry.js';
import { metricsRoutes } from './metrics/routes.js';
import { statusRoutes } from './status/routes.js';

export const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface Worker {
  config: Config;
  database: DatabaseHandle;
  runner: JobRunner;
  features: Feature[];
  /** Base URL of the control API, e.g. http://127.0.0.1:8080 */
  url: string;
  stop(): Promise<{ interrupted: number }>;
}

export interface StartOptions {
  log: Logger;
  /** Replaces the features of src/features.ts (tests). */
  features?: FeatureFactory[];
  /** An already open database (tests); otherwise opened from the configuration. */
  database?: DatabaseHandle;
  /** false: no HTTP server (the CLI's one-shot commands). */
  http?: boolean;
  /** false: the runner is built but takes no jobs (one-shot CLI runs in this process). */
  processJobs?: boolean;
}

export async function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  return openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
  });
}

export async function startWorker(config: Config, options: StartOptions): Promise<Worker> {
  const { log } = options;
  const started = Date.now();
  const database = options.database ?? (await openConfiguredDatabase(config));
  await applyMigrations(database.db);
  log.info({ embedded: database.embedded }, database.embedded ? 'embedded database ready' : 'database ready');

  // Features are built before the runner (it needs their jobs) but may enqueue only once it exists.
  const pending: { runner?: JobRunner } = {};
  const app: AppContext = {
    config,
    db: database.db,
    pool: database.pool,
    log,
    browser: new SharedBrowser({ executablePath: config.CHROMIUM_PATH }),
    shared: new SharedResources(),
    jobs: {
      enqueue: (name, data, trigger) => {
        if (!pending.runner) throw new Error('The job runner is not started yet');
        return pending.runner.enqueue(name, data, trigger);
      },
    },
  };
  const features: Feature[] = [];
  for (const factory of options.features ?? featureFactories) features.push(await factory(app));

  const runner = new JobRunner(
    { config, db: database.db, pool: database.pool, log, embedded: database.embedded },
    [
      pruneHistoryJob({ config, db: database.db, pool: database.pool }),
      ...features.flatMap((f) => f.jobs ?? []),
    ],
  );
  pending.runner = runner;
  const stopTellingFeatures = runner.onRunChange(({ runId, job, status }) => {
    if (status === 'queued' || status === 'running') return;
    for (const feature of features) feature.onRunFinished?.({ runId, job, status });
  });
  const metrics = createMetrics({ db: database.db, pool: database.pool, runner });
  // A run still "running" past the lock lifetime belongs to a process that died: no worker holds it any more.
  const orphans = await failOrphanedRuns(
    database.db,
    'Interrupted: the worker running it stopped before it finished',
    {
      startedBefore: new Date(Date.now() - config.JOB_LOCK_LIFETIME_MS),
    },
  );
  if (orphans > 0) log.warn({ runs: orphans }, 'marked runs of a previous process as failed');
  if (options.processJobs !== false) await runner.start();

  let server: Server | undefined;
  let url = '';
  if (options.http !== false) {
    const host = config.HOST ?? (config.API_KEYS.length > 0 ? '0.0.0.0' : '127.0.0.1');
    if (config.API_KEYS.length === 0)
      log.warn('API_KEYS is not set: the control API accepts any caller, so it listens on 127.0.0.1 only');
    const checks = features.flatMap((f) => f.connections ?? []);
    const pages = [
      { path: '/status', router: statusRoutes({ config, db: database.db, runner, checks, version }) },
      {
        path: '/metrics',
        router: metricsRoutes(metrics.registry),
        extraKeys: config.METRICS_TOKEN ? [config.METRICS_TOKEN] : undefined,
      },
    ];
    const express = createServer({
      ...app,
      runner,
      features,
      version,
      pages,
      observeWebhooks: metrics.webhooks,
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = express.listen(config.PORT, config.API_KEYS.length === 0 ? '127.0.0.1' : host, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
    const address = server.address() as AddressInfo;
    url = `http://${address.address === '0.0.0.0' ? '127.0.0.1' : address.address}:${address.port}`;
    log.info({ url, dashboard: `${url}/dash`, startupMs: Date.now() - started }, 'syncworker started');
  }

  let stopping: Promise<{ interrupted: number }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down: no new jobs are taken; running jobs may finish');
      const closed = server
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
      server?.closeIdleConnections();
      const result = await runner.stop(config.SHUTDOWN_TIMEOUT_MS);
      stopTellingFeatures();
      server?.closeAllConnections();
      await closed;
      metrics.stop();
      for (const feature of features.reverse())
        await feature.stop?.().catch((err: Error) => log.error({ err }, 'feature stop failed'));
      await app.shared.stop().catch((err: Error) => log.error({ err }, 'stopping shared clients failed'));
      if (!options.database) await database.close();
      log.info({ interrupted: result.interrupted }, 'stopped');
      return result;
    })());

  return { config, database, runner, features, url, stop };
}

/**
 * Runs until SIGTERM or SIGINT, then drains and stops; resolves with the process exit code. A signal that arrives
 * while the worker drains is only logged: Ctrl-C under `npm start` reaches the worker twice (from the terminal and
 * forwarded by npm), and the second must not cut the drain short.
 */
export function stopOnSignals(worker: Worker, log: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      log.info({ signal }, stopping ? 'signal received; already shutting down' : 'signal received');
      if (stopping) return;
      stopping = true;
      worker.stop().then(
        () => resolve(0),
        (error: Error) => {
          log.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });
}
