/**
 * What every part of the Payamgostar → Siagh flow works with: the database, both clients, the flow's settings, a
 * per-record lock so two runs in this process never write one record at once, and `report`, which records one
 * record's outcome in the run (counter and event) and in the flow's log together.
 */
import type { Logger } from 'pino';
import type { PayamgostarClient } from '../../connectors/payamgostar/client.js';
import type { CustomerNumberFormat } from '../../connectors/payamgostar/customer-number.js';
import type { SiaghClient } from '../../connectors/siagh/client.js';
import type { Database } from '../../db/database.js';
import type { CounterName, EventLevel, RunContext } from '../../jobs/types.js';
import { writeLog, type LogEntry } from './store.js';

export const flowJobs = {
  initialImport: 'payamgostar-siagh.initial-import',
  crmChange: 'payamgostar-siagh.crm-change',
  siaghChange: 'payamgostar-siagh.siagh-change',
  poll: 'payamgostar-siagh.poll',
  driftCheck: 'payamgostar-siagh.drift-check',
  customer: 'payamgostar-siagh.customer',
  quote: 'payamgostar-siagh.quote',
} as const;

export interface FlowSettings {
  customerNumbers: CustomerNumberFormat;
  echoWindowMs: number;
  importParallelism: number;
  pollRecheck: number;
  salesCenter?: number;
  /** A write stamp older than this was left by a process that died mid-write: the record is recovered. */
  pendingStaleMs: number;
}

export interface FlowDeps {
  db: Database;
  crm: PayamgostarClient;
  siagh: SiaghClient;
  settings: FlowSettings;
  log: Logger;
  locks: RecordLocks;
  created: CreatedRecords;
}

/**
 * The CRM records this process created, by id, with the transaction that created each: the CRM's insert webhook
 * for one of them is that create's echo, known the moment the create's reply arrives — before the import records
 * it in the database, which it does in batches. The database holds the same answer for other processes and later.
 */
export class CreatedRecords {
  private readonly byId = new Map<string, { transactionId: string; at: number }>();

  constructor(private readonly keepMs = 10 * 60_000) {}

  remember(crmId: string, transactionId: string): void {
    const now = Date.now();
    this.byId.set(crmId.toLowerCase(), { transactionId, at: now });
    // Entries go oldest first (a Map keeps insertion order): stop at the first one still young enough.
    for (const [id, entry] of this.byId) {
      if (now - entry.at <= this.keepMs) break;
      this.byId.delete(id);
    }
  }

  transactionOf(crmId: string): string | undefined {
    return this.byId.get(crmId.toLowerCase())?.transactionId;
  }
}

/** One record at a time in this process: runs touching the same record (webhook, poll, manual) take turns. */
export class RecordLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async with<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(work, work);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export interface Outcome extends Omit<LogEntry, 'runId'> {
  counter?: CounterName;
  level: EventLevel;
  /** Also written as a run event (the flow's log always gets it). Default: all but debug. */
  event?: boolean;
}

/** One record's outcome: the run's counter and event, and a line of the flow's log. */
export async function report(deps: FlowDeps, ctx: RunContext, outcome: Outcome): Promise<void> {
  const { counter, level, event, ...entry } = outcome;
  if (counter) ctx.count(counter);
  await writeLog(deps.db, { ...entry, runId: ctx.runId });
  if (event ?? level !== 'debug')
    await ctx.event({
      level,
      entity: entityOf(entry),
      message: entry.message,
      ...(entry.details === undefined ? {} : { details: entry.details }),
    });
}

function entityOf(entry: Omit<LogEntry, 'runId'>): string {
  if (entry.entityType === 'pre-invoice') return `crm-quote:${entry.crmId ?? '?'}`;
  return entry.crmId ? `crm-identity:${entry.crmId}` : `siagh-contact:${entry.siaghId ?? '?'}`;
}

/** The remote's words and the exchange, for a record's failure (never a token or password). */
export function failureDetails(error: unknown): { message: string; request?: string; reply?: unknown } {
  const e = error as { message?: string; request?: string; reply?: unknown; remoteMessage?: string };
  return {
    message: e.message ?? String(error),
    ...(e.request ? { request: e.request } : {}),
    ...(e.reply !== undefined ? { reply: e.reply } : {}),
    ...(e.remoteMessage ? { remoteMessage: e.remoteMessage } : {}),
  };
}
