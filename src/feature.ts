/**
 * A feature is one part of the product (the ledger, a portal, a connector) plugged into the worker: the jobs it
 * defines, the API routes it serves, and how to test the credentials of the systems it talks to.
 */
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { Database } from './db/database.js';
import type pg from 'pg';
import type { ConnectionCheck } from './connection-check.js';
import type { AnyJobDefinition, JobQueue, RunStatus } from './jobs/types.js';
import type { SharedBrowser } from './browser/chromium.js';
import type { SharedResources } from './shared-resources.js';

export interface AppContext {
  config: Config;
  db: Database;
  pool: pg.Pool;
  log: Logger;
  jobs: JobQueue;
  /** The one Chromium the portal scrapers share, launched on first use. */
  browser: SharedBrowser;
  /** Clients shared between features, one per external account (see shared-resources.ts). */
  shared: SharedResources;
}

export interface Feature {
  name: string;
  jobs?: AnyJobDefinition[];
  /** Mounted under /api behind the API-key check. */
  routes?: Router;
  /** Mounted under /api before the API-key check: webhooks that authenticate themselves (signature, own secret). */
  webhooks?: Router;
  connections?: ConnectionCheck[];
  /** Told of each run of this process that ended, whatever its job, to act on it at once (alerts). */
  onRunFinished?(run: FinishedRun): void;
  /** Releases what the feature holds (browsers, connection pools) at shutdown. */
  stop?(): Promise<void>;
}

export interface FinishedRun {
  runId: string;
  job: string;
  status: Exclude<RunStatus, 'queued' | 'running'>;
}

export type { ConnectionCheck, ConnectionCheckResult } from './connection-check.js';

export type FeatureFactory = (app: AppContext) => Feature | Promise<Feature>;
