/**
 * The systems the status page shows, one row each. A system is a job-name prefix: its row appears as soon as a
 * feature brings jobs with that prefix, so flows built later show up without changing this page.
 */
import { sql } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import type { ConnectionCheck } from '../connection-check.js';
import type { Queryable } from '../db/database.js';
import type { AnyJobDefinition } from '../jobs/types.js';

export interface SystemDefinition {
  /** The name a person knows. */
  name: string;
  jobPrefix: string;
  /** Connection checks (by system) that explain what to set when the system is not configured. */
  checks: string[];
  /** The job "run now" starts, first one present wins; otherwise the system's first scheduled job. */
  runNow: string[];
}

export const systemDefinitions: SystemDefinition[] = [
  {
    name: 'CustomerConnect',
    jobPrefix: 'customerconnect.',
    checks: ['customerconnect'],
    runNow: ['customerconnect.sync'],
  },
  { name: 'RouteStar', jobPrefix: 'routestar.', checks: ['routestar'], runNow: ['routestar.sync'] },
  {
    name: 'NetSuite → OPMS',
    jobPrefix: 'netsuite-to-opms.',
    checks: ['netsuite', 'opms'],
    runNow: ['netsuite-to-opms.incremental'],
  },
  {
    name: 'NetSuite records',
    jobPrefix: 'netsuite-records.',
    checks: ['netsuite'],
    runNow: ['netsuite-records.incremental'],
  },
  { name: 'ERPNext', jobPrefix: 'erpnext.', checks: ['erpnext'], runNow: ['erpnext.pull-customers'] },
  {
    name: 'Payamgostar → Siagh',
    jobPrefix: 'payamgostar-siagh.',
    checks: ['payamgostar', 'siagh'],
    runNow: ['payamgostar-siagh.poll'],
  },
];

export type SystemState = 'healthy' | 'stale' | 'failing' | 'not configured';

export interface SystemStatus {
  name: string;
  state: SystemState;
  /** Why the state is what it is, in words a person can act on. */
  detail: string;
  jobs: string[];
  runNowJob: string | null;
  lastSuccess: { at: Date; job: string } | null;
  lastFailure: { at: Date; job: string; status: string; message: string } | null;
  nextRunAt: Date | null;
}

/** What the runner knows of one job's schedule. */
export interface JobSchedule {
  name: string;
  nextRunAt: Date | null;
  /** When the recurring schedule last started it: with nextRunAt, gives its period. */
  lastRunAt: Date | null;
}

export interface SystemInputs {
  config: Config;
  db: Queryable;
  jobs: AnyJobDefinition[];
  schedules: JobSchedule[];
  checks: ConnectionCheck[];
  now: Date;
  /** A system is stale when its last success is older than this many of its schedule's periods. */
  staleAfterPeriods: number;
}

type RunSummary = {
  job: string;
  status: string;
  finished_at: Date | string;
  error: string | null;
  failed: number;
};

/** The newest finished run of each job and outcome. */
async function latestOutcomes(db: Queryable, jobs: string[]): Promise<RunSummary[]> {
  if (jobs.length === 0) return [];
  const { rows } = await db.execute<RunSummary>(sql`
    SELECT DISTINCT ON (job, status) job, status, finished_at, error, failed
      FROM sync_runs
     WHERE job IN (SELECT jsonb_array_elements_text(${JSON.stringify(jobs)}::jsonb))
       AND status IN ('succeeded', 'partial', 'failed') AND finished_at IS NOT NULL
     ORDER BY job, status, finished_at DESC`);
  return rows;
}

const newest = <T extends { at: Date }>(items: T[]): T | null =>
  items.reduce<T | null>((best, item) => (!best || item.at > best.at ? item : best), null);

async function notConfiguredDetail(definition: SystemDefinition, checks: ConnectionCheck[]): Promise<string> {
  const details = await Promise.all(
    checks
      .filter((c) => definition.checks.includes(c.system))
      .map((c) =>
        Promise.race([
          c.check().then((r) => (r.ok ? null : r.detail)),
          new Promise<string>((resolve) =>
            setTimeout(() => resolve(`${c.system}: its connection check did not answer`), 3_000).unref(),
          ),
        ]).catch((error: Error) => error.message),
      ),
  );
  const reasons = details.filter((d): d is string => d !== null);
  return reasons.length > 0 ? reasons.join(' ') : 'Its jobs are not scheduled: its settings are missing.';
}

function staleness(inputs: SystemInputs, schedules: JobSchedule[], lastSuccess: Date | null): string | null {
  const periods = schedules.flatMap((s) =>
    s.nextRunAt && s.lastRunAt && s.nextRunAt > s.lastRunAt
      ? [s.nextRunAt.getTime() - s.lastRunAt.getTime()]
      : [],
  );
  if (periods.length === 0) return null;
  const allowed = Math.max(...periods) * inputs.staleAfterPeriods;
  const since = lastSuccess?.getTime() ?? Math.min(...schedules.flatMap((s) => s.lastRunAt?.getTime() ?? []));
  if (inputs.now.getTime() - since <= allowed) return null;
  const minutes = Math.round((inputs.now.getTime() - since) / 60_000);
  return lastSuccess
    ? `No successful run for ${minutes} minutes, more than ${inputs.staleAfterPeriods} schedule periods.`
    : `No successful run since its schedule started ${minutes} minutes ago.`;
}

/** One row per system that has jobs in this worker. */
export async function systemStatuses(inputs: SystemInputs): Promise<SystemStatus[]> {
  const present = systemDefinitions
    .map((definition) => ({
      definition,
      jobs: inputs.jobs.filter((j) => j.name.startsWith(definition.jobPrefix)),
    }))
    .filter((s) => s.jobs.length > 0);
  const outcomes = await latestOutcomes(
    inputs.db,
    present.flatMap((s) => s.jobs.map((j) => j.name)),
  );
  return Promise.all(
    present.map(async ({ definition, jobs }) => {
      const names = jobs.map((j) => j.name);
      const runs = outcomes
        .filter((o) => names.includes(o.job))
        .map((o) => ({ ...o, at: new Date(o.finished_at) }));
      const success = newest(runs.filter((r) => r.status === 'succeeded'));
      const problem = newest(runs.filter((r) => r.status !== 'succeeded'));
      const latest = newest(runs);
      const scheduled = jobs.filter((j) => j.schedule?.(inputs.config) !== undefined);
      const schedules = inputs.schedules.filter((s) => names.includes(s.name));
      const upcoming = schedules.flatMap((s) => (s.nextRunAt ? [s.nextRunAt.getTime()] : []));
      const runNowJob =
        definition.runNow.find((name) => names.includes(name)) ?? scheduled[0]?.name ?? names[0] ?? null;
      const base = {
        name: definition.name,
        jobs: names,
        runNowJob,
        lastSuccess: success && { at: success.at, job: success.job },
        lastFailure: problem && {
          at: problem.at,
          job: problem.job,
          status: problem.status,
          message: problem.error ?? `${problem.failed} records failed`,
        },
        nextRunAt: upcoming.length > 0 ? new Date(Math.min(...upcoming)) : null,
      };
      if (scheduled.length === 0)
        return {
          ...base,
          state: 'not configured' as const,
          detail: await notConfiguredDetail(definition, inputs.checks),
        };
      if (latest?.status === 'failed')
        return { ...base, state: 'failing' as const, detail: `The last run of ${latest.job} failed.` };
      const stale = staleness(inputs, schedules, success?.at ?? null);
      if (stale) return { ...base, state: 'stale' as const, detail: stale };
      return {
        ...base,
        state: 'healthy' as const,
        detail: success ? 'The last run succeeded.' : 'Waiting for its first run.',
      };
    }),
  );
}
