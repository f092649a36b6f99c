/**
 * The figures behind the status page's charts, read straight from the run history and the stock ledger's tables.
 * Each series is shaped for uPlot: one array of x values (Unix seconds) and one array per line, nulls for gaps.
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';

export interface Series {
  x: number[];
  lines: { label: string; values: (number | null)[] }[];
}

export interface StatusCharts {
  runsPerDay: Series;
  recordsPerRun: Series;
  durations: Series;
  movementsPerDay: Series;
  items: string[];
}

const outcomes = ['succeeded', 'partial', 'failed'] as const;
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

function days(now: Date, count: number): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) =>
    new Date(today - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}

async function runsPerDay(db: Queryable, now: Date, count: number): Promise<Series> {
  const { rows } = await db.execute<{ day: string; status: string; runs: number }>(sql`
    SELECT to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, status, count(*)::int AS runs
      FROM sync_runs
     WHERE finished_at >= ${new Date(now.getTime() - count * 86_400_000)}
       AND status IN ('succeeded', 'partial', 'failed')
     GROUP BY 1, 2`);
  const axis = days(now, count);
  return {
    x: axis.map(dayStart),
    lines: outcomes.map((outcome) => ({
      label: outcome,
      values: axis.map((day) => Number(rows.find((r) => r.day === day && r.status === outcome)?.runs ?? 0)),
    })),
  };
}

type FinishedRun = {
  job: string;
  finished: number;
  seconds: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
};

async function recentRuns(db: Queryable, limit: number): Promise<FinishedRun[]> {
  const { rows } = await db.execute<FinishedRun>(sql`
    SELECT job, extract(epoch FROM finished_at)::float8 AS finished,
           extract(epoch FROM (finished_at - coalesce(started_at, queued_at)))::float8 AS seconds,
           created, updated, unchanged, failed
      FROM sync_runs
     WHERE finished_at IS NOT NULL AND status IN ('succeeded', 'partial', 'failed')
     ORDER BY finished_at DESC
     LIMIT ${limit}`);
  return rows.map((r) => ({ ...r, finished: Number(r.finished), seconds: Number(r.seconds) })).reverse();
}

/** uPlot needs strictly increasing x: two runs that finished in the same second are kept a millisecond apart. */
function increasing(values: number[]): number[] {
  const result: number[] = [];
  for (const v of values) result.push(result.length > 0 && v <= result.at(-1)! ? result.at(-1)! + 0.001 : v);
  return result;
}

function recordsPerRun(runs: FinishedRun[]): Series {
  return {
    x: increasing(runs.map((r) => r.finished)),
    lines: (['created', 'updated', 'unchanged', 'failed'] as const).map((counter) => ({
      label: counter,
      values: runs.map((r) => Number(r[counter])),
    })),
  };
}

/** One line per job family (the part of the job name before the dot), so slow systems stand apart. */
function durations(runs: FinishedRun[]): Series {
  const families = [...new Set(runs.map((r) => r.job.split('.')[0]!))];
  return {
    x: increasing(runs.map((r) => r.finished)),
    lines: families.map((family) => ({
      label: family,
      values: runs.map((r) => (r.job.split('.')[0] === family ? Math.round(r.seconds * 10) / 10 : null)),
    })),
  };
}

async function movementsPerDay(db: Queryable, now: Date, count: number): Promise<Series> {
  const axis = days(now, count);
  const { rows } = await db.execute<{ day: string; type: string; qty: number }>(sql`
    SELECT occurred_on::text AS day, type, sum(abs(qty))::float8 AS qty
      FROM stock_movements
     WHERE occurred_on >= ${axis[0]}::date
     GROUP BY 1, 2`);
  return {
    x: axis.map(dayStart),
    lines: ['IN', 'OUT', 'ADJUST'].map((type) => ({
      label: type,
      values: axis.map((day) => Number(rows.find((r) => r.day === day && r.type === type)?.qty ?? 0)),
    })),
  };
}

/** Items with the most movements first: the ones worth looking at. */
async function busiestItems(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.execute<{ sku: string }>(sql`
    SELECT i.sku FROM stock_movements m JOIN items i ON i.id = m.item_id
     GROUP BY i.sku ORDER BY count(*) DESC, i.sku LIMIT ${limit}`);
  return rows.map((r) => r.sku);
}

export async function statusCharts(db: Queryable, now = new Date()): Promise<StatusCharts> {
  const runs = await recentRuns(db, 200);
  return {
    runsPerDay: await runsPerDay(db, now, 14),
    recordsPerRun: recordsPerRun(runs),
    durations: durations(runs),
    movementsPerDay: await movementsPerDay(db, now, 30),
    items: await busiestItems(db, 200),
  };
}

/** On-hand at the end of each day the item moved: the running sum of its ledger. */
export async function onHandOverTime(db: Queryable, sku: string): Promise<Series> {
  const { rows } = await db.execute<{ day: string; on_hand: number }>(sql`
    SELECT day, sum(qty) OVER (ORDER BY day)::float8 AS on_hand
      FROM (SELECT m.occurred_on::text AS day, sum(m.qty) AS qty
              FROM stock_movements m JOIN items i ON i.id = m.item_id
             WHERE i.sku = ${sku}
             GROUP BY 1) d
     ORDER BY day`);
  return {
    x: rows.map((r) => dayStart(r.day)),
    lines: [{ label: 'on hand', values: rows.map((r) => Number(r.on_hand)) }],
  };
}
