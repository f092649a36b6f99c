/**
 * The worker's Prometheus metrics (prom-client): runs, records and durations from the job runner's run changes,
 * external requests and circuits from the resilience kit, webhooks from the control API, and, read when scraped,
 * quarantined records, the customer outbox, the database pool and Chromium's memory, plus the default process metrics.
 * Counters count what this process saw since it started, as Prometheus expects; several workers sum by instance.
 */
import type { RequestHandler } from 'express';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.js';
import type { JobRunner } from '../jobs/runner.js';
import { counterNames } from '../jobs/types.js';
import { circuitStates, onAnyAttempt, onAnyRequest } from '../resilience/index.js';
import { chromiumMemory } from './chromium-memory.js';

export interface MetricsDeps {
  db: Database;
  pool: pg.Pool;
  runner: JobRunner;
}

export interface WorkerMetrics {
  registry: Registry;
  /** Counts the webhook requests a feature's webhook router answers (the router runs between before and after). */
  webhooks(feature: string): { before: RequestHandler; after: RequestHandler };
  stop(): void;
}

const durationBuckets = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const requestBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function runMetrics(registry: Registry, runner: JobRunner): () => void {
  const runs = new Counter({
    name: 'syncworker_runs_total',
    help: 'Finished runs by job and outcome',
    labelNames: ['job', 'outcome'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'syncworker_run_duration_seconds',
    help: 'Run durations by job and outcome',
    labelNames: ['job', 'outcome'],
    buckets: durationBuckets,
    registers: [registry],
  });
  const records = new Counter({
    name: 'syncworker_records_total',
    help: 'Records handled by runs, by job and outcome (created, updated, unchanged, skipped, deleted, failed)',
    labelNames: ['job', 'outcome'],
    registers: [registry],
  });
  return runner.onRunChange((change) => {
    if (!change.counters || change.durationMs === undefined) return;
    runs.inc({ job: change.job, outcome: change.status });
    durations.observe({ job: change.job, outcome: change.status }, change.durationMs / 1000);
    for (const name of counterNames)
      if (change.counters[name] > 0) records.inc({ job: change.job, outcome: name }, change.counters[name]);
  });
}

function requestMetrics(registry: Registry): () => void {
  const requests = new Counter({
    name: 'syncworker_external_requests_total',
    help: 'Attempts of requests to external systems by system and outcome (ok or the failure class)',
    labelNames: ['system', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'syncworker_external_request_seconds',
    help: 'Time of one attempt of a request to an external system',
    labelNames: ['system'],
    buckets: requestBuckets,
    registers: [registry],
  });
  const waits = new Histogram({
    name: 'syncworker_rate_limit_wait_seconds',
    help: "Time a request waited for its system's rate and concurrency limits",
    labelNames: ['system'],
    buckets: [0, 0.01, 0.1, 0.5, 1, 5, 15, 60],
    registers: [registry],
  });
  const events = new Counter({
    name: 'syncworker_resilience_events_total',
    help: 'Retries, give-ups, re-authentications and circuit changes by system',
    labelNames: ['system', 'event'],
    registers: [registry],
  });
  new Gauge({
    name: 'syncworker_circuit_state',
    help: 'Circuit of each external system: 1 for its current state (closed, open, half-open)',
    labelNames: ['system', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { system, state } of circuitStates())
        for (const s of ['closed', 'open', 'half-open']) this.set({ system, state: s }, s === state ? 1 : 0);
    },
  });
  const stopRequests = onAnyRequest((r) => {
    requests.inc({ system: r.system, outcome: r.outcome });
    latency.observe({ system: r.system }, r.durationMs / 1000);
    waits.observe({ system: r.system }, r.waitedMs / 1000);
  });
  const stopAttempts = onAnyAttempt((a) => events.inc({ system: a.system, event: a.outcome }));
  return () => {
    stopRequests();
    stopAttempts();
  };
}

async function readOrNothing<T>(query: Promise<{ rows: T[] }>): Promise<T[]> {
  try {
    return (await query).rows;
  } catch {
    return [];
  }
}

/** Figures read from the database when scraped; a failed read leaves the gauge out rather than failing the scrape. */
function storedMetrics(registry: Registry, db: Database): void {
  new Gauge({
    name: 'syncworker_quarantined_records',
    help: 'Records held back for a person: NetSuite items with bad values, sales invoices refused by the stock policy',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const rows = await readOrNothing(
        db.execute<{ kind: string; n: number }>(sql`
          SELECT 'netsuite_opms_item' AS kind, count(*)::int AS n FROM netsuite_opms_quarantine
          UNION ALL
          SELECT 'sales_invoice', count(*)::int FROM sales_invoices WHERE quarantine_reason IS NOT NULL`),
      );
      for (const r of rows) this.set({ kind: r.kind }, Number(r.n));
    },
  });
  const outboxAge = new Gauge({
    name: 'syncworker_outbox_oldest_age_seconds',
    help: 'Age of the oldest customer outbox entry not yet delivered, by status',
    labelNames: ['status'],
    registers: [registry],
  });
  new Gauge({
    name: 'syncworker_outbox_entries',
    help: 'Customer outbox entries by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await readOrNothing(
        db.execute<{ status: string; n: number; age: number | null }>(sql`
          SELECT status, count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
            FROM customer_outbox GROUP BY status`),
      );
      this.reset();
      outboxAge.reset();
      for (const r of rows) {
        this.set({ status: r.status }, Number(r.n));
        if (r.status !== 'delivered' && r.age !== null) outboxAge.set({ status: r.status }, Number(r.age));
      }
    },
  });
}

function processMetrics(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: 'syncworker_db_pool_connections',
    help: 'Database pool connections: total open, idle, and callers waiting for one',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  const processes = new Gauge({
    name: 'syncworker_chromium_processes',
    help: 'Chromium processes started by this worker',
    registers: [registry],
  });
  new Gauge({
    name: 'syncworker_chromium_resident_bytes',
    help: 'Resident memory of the Chromium processes started by this worker',
    registers: [registry],
    async collect() {
      const memory = await chromiumMemory();
      if (!memory) return;
      this.set(memory.residentBytes);
      processes.set(memory.processes);
    },
  });
}

function webhookMetrics(registry: Registry): WorkerMetrics['webhooks'] {
  const webhooks = new Counter({
    name: 'syncworker_webhooks_total',
    help: 'Webhook requests by feature and outcome (received: 2xx; rejected: any other answer)',
    labelNames: ['feature', 'outcome'],
    registers: [registry],
  });
  const marker = Symbol('webhook');
  type Marked = { [marker]?: string };
  return (feature) => ({
    before: (_req, res, next) => {
      (res.locals as Marked)[marker] = feature;
      res.once('finish', () => {
        // Still marked: the feature's router answered (or failed) the request instead of passing it on.
        if ((res.locals as Marked)[marker] !== feature) return;
        webhooks.inc({ feature, outcome: res.statusCode < 300 ? 'received' : 'rejected' });
      });
      next();
    },
    after: (_req, res, next) => {
      delete (res.locals as Marked)[marker];
      next();
    },
  });
}

export function createMetrics(deps: MetricsDeps): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const stopRuns = runMetrics(registry, deps.runner);
  const stopRequests = requestMetrics(registry);
  storedMetrics(registry, deps.db);
  processMetrics(registry, deps.pool);
  return {
    registry,
    webhooks: webhookMetrics(registry),
    stop() {
      stopRuns();
      stopRequests();
    },
  };
}
