/**
 * The control API: health and readiness, jobs and runs, connection checks, every feature's routes and webhooks, the
 * OpenAPI document and the Agendash dashboard. Every error is RFC 9457 problem+json.
 */
import type { IncomingMessage } from 'node:http';
import type { createExpressMiddleware } from 'agendash';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database } from '../db/database.js';
import { migrationsCurrent } from '../db/migrations.js';
import type { Feature } from '../feature.js';
import { InvalidJobDataError, UnknownJobError, type JobRunner } from '../jobs/runner.js';
import { requireApiKey } from './auth.js';
import { inputGuard } from './input-guard.js';
import { documentRoute, openApiDocument } from './openapi.js';
import { fieldErrors, HttpProblem } from './problem.js';
import { connectionRoutes } from './routes/connections.js';
import { jobRoutes } from './routes/jobs.js';
import { runRoutes } from './routes/runs.js';

declare module 'http' {
  interface IncomingMessage {
    /** The exact bytes of a JSON body, for webhook signatures computed over the raw body. */
    rawBody?: Buffer;
  }
}

export interface ServerDeps {
  config: Config;
  db: Database;
  pool: pg.Pool;
  log: Logger;
  runner: JobRunner;
  features: Feature[];
  version: string;
  /** Pages for people and scrapers (status page, metrics), mounted at their path behind the API-key check. */
  pages?: { path: string; router: Router; extraKeys?: string[] }[];
  /** Watches the webhook requests a feature's router answers (metrics); `after` runs only when it passed them on. */
  observeWebhooks?: (feature: string) => { before: RequestHandler; after: RequestHandler };
}

async function databaseReady(pool: pg.Pool): Promise<{ reachable: boolean; migrations: boolean }> {
  try {
    await withTimeout(pool.query('SELECT 1'), 3_000);
  } catch {
    return { reachable: false, migrations: false };
  }
  return {
    reachable: true,
    migrations: await withTimeout(migrationsCurrent(pool), 3_000).catch(() => false),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/** Agendash is loaded on the first visit to /dash: most workers never serve it, and it costs start-up time. */
function dashboard(agenda: Parameters<typeof createExpressMiddleware>[0]): RequestHandler {
  let middleware: Promise<RequestHandler> | undefined;
  return (req, res, next) => {
    middleware ??= import('agendash').then((m) => m.createExpressMiddleware(agenda));
    middleware.then((handler) => handler(req, res, next), next);
  };
}

export function createServer(deps: ServerDeps): Express {
  const { config, db, pool, log, runner, features } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: log,
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/ready' },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    }),
  );
  app.use(
    express.json({
      limit: '5mb',
      type: ['application/json', 'application/*+json'],
      verify: (req: IncomingMessage, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );

  documentRoute({
    method: 'get',
    path: '/health',
    summary: 'The process is alive',
    apiKey: false,
    responses: { '200': { description: 'Alive' } },
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  documentRoute({
    method: 'get',
    path: '/ready',
    summary: 'Database reachable, migrations current, job runner started',
    apiKey: false,
    responses: {
      '200': { description: 'Ready' },
      '503': { description: 'Not ready; the body says which check failed' },
    },
  });
  app.get('/ready', async (_req, res) => {
    const database = await databaseReady(pool);
    const checks = {
      database: database.reachable,
      migrations: database.migrations,
      jobRunner: runner.isStarted,
    };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.use(inputGuard());

  for (const feature of features) {
    if (!feature.webhooks) continue;
    const observed = deps.observeWebhooks?.(feature.name);
    if (observed) app.use('/api', observed.before, feature.webhooks, observed.after);
    else app.use('/api', feature.webhooks);
  }

  const auth = requireApiKey(config.API_KEYS);
  app.use('/api', auth);
  app.use('/dash', auth, dashboard(runner.agenda));
  for (const page of deps.pages ?? [])
    app.use(
      page.path,
      page.extraKeys ? requireApiKey([...config.API_KEYS, ...page.extraKeys]) : auth,
      page.router,
    );

  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument({ version: deps.version }));
  });
  app.use('/api', jobRoutes(runner, db));
  app.use('/api', runRoutes(db));
  app.use('/api', connectionRoutes(features.flatMap((f) => f.connections ?? [])));
  for (const feature of features) if (feature.routes) app.use('/api', feature.routes);

  app.use((req, _res, next) =>
    next(new HttpProblem(404, 'Not Found', `No route for ${req.method} ${req.path}`)),
  );
  app.use(problemHandler(log));
  return app;
}

function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500) log.error({ err: error, path: req.path }, 'request failed');
    res.status(problem.status).type('application/problem+json').json(problem.toJSON(req.originalUrl));
  };
}

function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof UnknownJobError) return new HttpProblem(404, 'Not Found', error.message);
  if (error instanceof InvalidJobDataError)
    return new HttpProblem(400, 'Bad Request', error.message, { errors: fieldErrors(error.zodError) });
  const status = (error as { status?: number; type?: string }).status;
  // body-parser errors: malformed JSON, body too large, wrong charset.
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new HttpProblem(
      status,
      status === 413 ? 'Content Too Large' : 'Bad Request',
      (error as Error).message,
    );
  return new HttpProblem(
    500,
    'Internal Server Error',
    'The request failed inside the worker; the log has the details',
  );
}
