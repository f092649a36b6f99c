/**
 * The alert rules: each reads the database and returns the problems that hold NOW. Rules about runs look at the
 * latest finished run of each job, so a problem lasts until a later run of that job no longer shows it.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AlertRuleName } from '../config/alerts.js';
import { listOutbox } from '../customers/outbox.js';
import type { Database } from '../db/database.js';
import { listInventory } from '../ledger/index.js';
import type { AlertLink } from '../models/alerts.js';
import type { Problem } from './problem.js';

export interface RuleSettings {
  /** JOB_MAX_ATTEMPTS: a scheduled or queued run that failed this many times is given up. */
  maxAttempts: number;
  staleFactor: number;
  quarantineMin: number;
}

interface FinishedRun extends Record<string, unknown> {
  id: string;
  job: string;
  status: string;
  trigger: string;
  attempt: number;
  error: string | null;
  /** The job's last `maxAttempts` finished runs all failed. */
  exhausted: boolean;
}

/** The latest finished run of every job, and whether its recent runs all failed. */
async function latestFinishedRuns(db: Database, settings: RuleSettings): Promise<FinishedRun[]> {
  const { rows } = await db.execute<FinishedRun>(sql`
    WITH finished AS (
      SELECT id, job, status, trigger, attempt, error,
             row_number() OVER (PARTITION BY job ORDER BY queued_at DESC) AS n
        FROM sync_runs
       WHERE status IN ('succeeded', 'partial', 'failed') AND finished_at IS NOT NULL)
    SELECT f.id, f.job, f.status, f.trigger, f.attempt, f.error,
           (SELECT count(*) = ${settings.maxAttempts} AND bool_and(g.status = 'failed')
              FROM finished g WHERE g.job = f.job AND g.n <= ${settings.maxAttempts}) AS exhausted
      FROM finished f
     WHERE f.n = 1`);
  return rows;
}

const runLink = (runId: string): AlertLink => ({ label: 'run', href: `/api/runs/${runId}` });

function inRuns(runs: FinishedRun[]): SQL {
  return sql`run_id IN (${sql.join(
    runs.map((r) => sql`${r.id}::uuid`),
    sql`, `,
  )})`;
}

/**
 * A run is given up when the runner will not try it again: a CLI run at once; a queued run (retried in its own row)
 * after its last attempt; a scheduled one (each retry a new run) when the job's last JOB_MAX_ATTEMPTS runs all failed.
 */
function runFailed(runs: FinishedRun[], settings: RuleSettings): Problem[] {
  return runs
    .filter(
      (r) =>
        r.status === 'failed' && (r.trigger === 'cli' || r.attempt >= settings.maxAttempts || r.exhausted),
    )
    .map((r) => ({
      key: `run-failed:${r.job}`,
      rule: 'run-failed',
      severity: 'critical',
      title: `${r.job} failed`,
      detail: r.exhausted
        ? `The last ${settings.maxAttempts} runs of ${r.job} failed; the last one: ${r.error ?? 'no message'}.`
        : `The last run of ${r.job} failed after ${r.attempt} attempt${r.attempt === 1 ? '' : 's'}: ${r.error ?? 'no message'}.`,
      links: [runLink(r.id)],
    }));
}

interface MarkupEvent extends Record<string, unknown> {
  run_id: string;
  message: string;
  details: { artefacts?: { screenshot?: string; html?: string; trace?: string; dir?: string } } | null;
}

/** A portal page whose layout no longer matches the profile: no retry fixes it, a person must look at the page. */
async function markupChanged(db: Database, runs: FinishedRun[]): Promise<Problem[]> {
  if (runs.length === 0) return [];
  const { rows } = await db.execute<MarkupEvent>(sql`
    SELECT DISTINCT ON (run_id) run_id, message, details
      FROM sync_run_events
     WHERE ${inRuns(runs)} AND details->>'error' = 'MarkupChangedError'
     ORDER BY run_id, id`);
  const jobOf = new Map(runs.map((r) => [r.id, r.job]));
  return rows.map((e) => {
    const artefacts = e.details?.artefacts ?? {};
    const files = (['screenshot', 'html', 'trace'] as const).flatMap((kind) =>
      artefacts[kind] ? [{ label: kind, href: artefacts[kind] }] : [],
    );
    return {
      key: `markup-changed:${jobOf.get(e.run_id)}`,
      rule: 'markup-changed',
      severity: 'critical',
      title: `${jobOf.get(e.run_id)}: the portal's page layout changed`,
      detail: e.message,
      links: [runLink(e.run_id), ...files],
    } satisfies Problem;
  });
}

/**
 * Records set aside with a reason instead of stored: the portal scrapers record the row's reason and HTML, the price
 * sync says "quarantined" in its message.
 */
async function quarantined(db: Database, runs: FinishedRun[], settings: RuleSettings): Promise<Problem[]> {
  if (runs.length === 0) return [];
  const { rows } = await db.execute<{ run_id: string; n: number }>(sql`
    SELECT run_id, count(*)::int AS n
      FROM sync_run_events
     WHERE ${inRuns(runs)} AND level = 'warn'
       AND ((details ? 'reason' AND details ? 'html') OR message ILIKE '%quarantined%')
     GROUP BY run_id`);
  const jobOf = new Map(runs.map((r) => [r.id, r.job]));
  return rows
    .filter((r) => r.n >= settings.quarantineMin)
    .map((r) => ({
      key: `quarantined:${jobOf.get(r.run_id)}`,
      rule: 'quarantined',
      severity: 'warning',
      title: `${jobOf.get(r.run_id)}: ${r.n} record${r.n === 1 ? '' : 's'} quarantined`,
      detail: `The last run of ${jobOf.get(r.run_id)} set ${r.n} record${r.n === 1 ? '' : 's'} aside with a reason instead of storing ${r.n === 1 ? 'it' : 'them'}; the run's events say why.`,
      links: [runLink(r.run_id)],
    }));
}

interface ScheduleHistory extends Record<string, unknown> {
  job: string;
  interval_ms: number | null;
  last_success: Date | string | null;
  first_seen: Date | string;
}

/**
 * A job's usual interval is read from its own history (the median gap between its last scheduled runs), which serves
 * cron expressions and Agenda intervals alike and follows a schedule when it is changed.
 */
async function stale(db: Database, settings: RuleSettings, now: Date): Promise<Problem[]> {
  const { rows } = await db.execute<ScheduleHistory>(sql`
    WITH scheduled AS (
      SELECT job, queued_at, row_number() OVER (PARTITION BY job ORDER BY queued_at DESC) AS n
        FROM sync_runs WHERE trigger = 'schedule'),
    gaps AS (
      SELECT job, extract(epoch FROM queued_at - lag(queued_at) OVER (PARTITION BY job ORDER BY queued_at)) * 1000 AS gap
        FROM scheduled WHERE n <= 6)
    SELECT g.job,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap) AS interval_ms,
           (SELECT max(finished_at) FROM sync_runs s
             WHERE s.job = g.job AND s.status IN ('succeeded', 'partial')) AS last_success,
           (SELECT min(queued_at) FROM sync_runs s WHERE s.job = g.job) AS first_seen
      FROM gaps g WHERE g.gap IS NOT NULL
     GROUP BY g.job
    HAVING count(*) >= 2`);
  return rows.flatMap((r) => {
    const interval = Number(r.interval_ms);
    if (!(interval > 0)) return [];
    const since = new Date(r.last_success ?? r.first_seen);
    const age = now.getTime() - since.getTime();
    if (age <= settings.staleFactor * interval) return [];
    return [
      {
        key: `stale:${r.job}`,
        rule: 'stale',
        severity: 'warning',
        title: `${r.job} is stale`,
        detail:
          `${r.job} runs about every ${humanDuration(interval)} but has not succeeded ` +
          `${r.last_success ? `since ${since.toISOString()}` : 'once'} (${humanDuration(age)}).`,
        links: [{ label: 'runs', href: `/api/runs?job=${encodeURIComponent(r.job)}` }],
      },
    ];
  });
}

const alertListLimit = 500;

async function oversold(db: Database): Promise<Problem[]> {
  const rows = await listInventory(db, { filter: 'oversold', threshold: 0, limit: alertListLimit });
  return rows.map((i) => ({
    key: `oversold:${i.sku}`,
    rule: 'oversold',
    severity: 'warning',
    title: `Item ${i.sku} is oversold`,
    detail: `On hand for ${i.sku} (${i.name}) is ${Number(i.onHand)}: more was sold than the ledger holds. Check for a missing purchase order or a count adjustment.`,
    links: [{ label: 'item', href: `/api/inventory/${encodeURIComponent(i.sku)}` }],
  }));
}

async function outboxFailed(db: Database): Promise<Problem[]> {
  const entries = await listOutbox(db, { status: 'failed', limit: alertListLimit });
  return entries.map((e) => ({
    key: `outbox-failed:${e.id}`,
    rule: 'outbox-failed',
    severity: 'critical',
    title: `Customer change ${e.id} did not reach ERPNext`,
    detail: `The ${e.reason} of customer ${e.customerId} was given up after ${e.attempts} attempts: ${e.lastError ?? 'no message'}. Retry it with POST /api/customers/outbox/${e.id}/retry once the cause is fixed.`,
    links: [{ label: 'outbox', href: `/api/customers/outbox?status=failed&customerId=${e.customerId}` }],
  }));
}

/** The rules that are evaluated from stored state; 'circuit-open' is raised as the circuit changes instead. */
export const evaluatedRules = [
  'run-failed',
  'stale',
  'markup-changed',
  'quarantined',
  'oversold',
  'outbox-failed',
] as const satisfies readonly AlertRuleName[];

export async function currentProblems(
  db: Database,
  enabled: readonly AlertRuleName[],
  settings: RuleSettings,
  now: Date,
): Promise<Problem[]> {
  const on = new Set(enabled);
  const runs = await latestFinishedRuns(db, settings);
  const found: Problem[] = [];
  if (on.has('run-failed')) found.push(...runFailed(runs, settings));
  if (on.has('stale')) found.push(...(await stale(db, settings, now)));
  if (on.has('markup-changed')) found.push(...(await markupChanged(db, runs)));
  if (on.has('quarantined')) found.push(...(await quarantined(db, runs, settings)));
  if (on.has('oversold')) found.push(...(await oversold(db)));
  if (on.has('outbox-failed')) found.push(...(await outboxFailed(db)));
  return found;
}

export function humanDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
