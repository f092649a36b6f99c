/**
 * Applies one page of complete NetSuite records: map, compare with what is stored by checksum, then write the new and
 * changed records, the quarantine and (for the initial load) the page's checkpoint in ONE transaction. A re-read of
 * an unchanged record writes nothing and counts as unchanged; a record that cannot be read is quarantined whole and
 * counted as failed, and its stored version (if any) stays as it was.
 */
import type { Database, Transaction } from '../../db/database.js';
import type { RunContext } from '../../jobs/types.js';
import type { SuiteQlRow } from '../../connectors/netsuite/schemas.js';
import { storableCopy } from '../../storable-text.js';
import {
  mapCustomerRow,
  mapTransactionRows,
  type Mapped,
  type MappingRules,
  type RecordType,
  type TransactionType,
} from './mapping.js';
import {
  quarantineRecords,
  releaseFromQuarantine,
  replaceTransactions,
  storedChecksums,
  upsertCustomers,
  type QuarantineEntry,
} from './store.js';

export interface ApplyDeps {
  db: Database;
  rules: MappingRules;
}

/** What a run tells at its end rather than per record: statuses kept unmapped, lines left out of revenue. */
export class RunTally {
  readonly unmappedStatuses = new Map<string, number>();
  readonly excludedLines = new Map<string, number>();

  add(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  async report(ctx: RunContext): Promise<void> {
    const list = (map: Map<string, number>) => [...map].map(([k, n]) => `${n} ${k}`).join(', ');
    if (this.unmappedStatuses.size > 0)
      await ctx.event({
        level: 'warn',
        message: `Transactions with a status not in NETSUITE_RECORDS_STATUS_MAP were kept with NetSuite's code: ${list(this.unmappedStatuses)}`,
        details: Object.fromEntries(this.unmappedStatuses),
      });
    if (this.excludedLines.size > 0)
      await ctx.event({
        level: 'info',
        message: `Lines kept but left out of revenue by NETSUITE_RECORDS_LINE_FILTERS (counted as skipped): ${list(this.excludedLines)}`,
        details: Object.fromEntries(this.excludedLines),
      });
  }
}

export interface ApplyOptions {
  tally: RunTally;
  /** Written in the same transaction as the page: the cursor of a resumable pass. */
  checkpoint?: (tx: Transaction) => Promise<void>;
}

export interface PageResult {
  /** Newest NetSuite last-modified time among the records read and mapped. */
  newestModifiedAt?: Date;
}

type WithChecksum = { id: string; checksum: string; sourceModifiedAt: Date | null };

/** Splits mapped records into new, changed and unchanged against the stored checksums; counts them. */
async function compare<T extends WithChecksum>(
  deps: ApplyDeps,
  ctx: RunContext,
  kind: 'customer' | 'transaction',
  records: T[],
): Promise<T[]> {
  const stored = await storedChecksums(
    deps.db,
    kind,
    records.map((r) => r.id),
  );
  const changed = records.filter((r) => stored.get(r.id) !== r.checksum);
  const created = changed.filter((r) => !stored.has(r.id)).length;
  ctx.count('created', created);
  ctx.count('updated', changed.length - created);
  ctx.count('unchanged', records.length - changed.length);
  return changed;
}

async function quarantine(
  ctx: RunContext,
  recordType: RecordType,
  failures: { mapped: Extract<Mapped<unknown>, { ok: false }>; rows: SuiteQlRow[] }[],
): Promise<QuarantineEntry[]> {
  ctx.count('failed', failures.length);
  const entity = recordType === 'credit_note' ? 'credit-note' : recordType;
  for (const f of failures)
    await ctx.event({
      level: 'warn',
      entity: `netsuite-${entity}:${f.mapped.id}`,
      message: `NetSuite ${recordType.replace('_', ' ')} ${f.mapped.id} quarantined: ${f.mapped.reason}`,
    });
  return failures.map((f) => ({
    recordType,
    recordId: f.mapped.id,
    reason: f.mapped.reason,
    values: f.rows.map(({ links: _links, ...row }) => storableCopy(row)),
  }));
}

const newest = (dates: (Date | null)[]) =>
  dates.reduce<Date | undefined>((max, d) => (d && (!max || d > max) ? d : max), undefined);

export async function applyCustomerPage(
  deps: ApplyDeps,
  ctx: RunContext,
  records: SuiteQlRow[][],
  options: ApplyOptions,
): Promise<PageResult> {
  const mapped = records.map((rows) => ({ rows, mapped: mapCustomerRow(rows[0]!, deps.rules) }));
  const good = mapped.flatMap((m) => (m.mapped.ok ? [m.mapped.record] : []));
  const failures = mapped.flatMap((m) => (m.mapped.ok ? [] : [{ mapped: m.mapped, rows: m.rows }]));
  const changed = await compare(deps, ctx, 'customer', good);
  const entries = await quarantine(ctx, 'customer', failures);
  await deps.db.transaction(async (tx) => {
    await upsertCustomers(tx, changed, ctx.runId);
    await quarantineRecords(tx, entries, ctx.runId);
    await releaseFromQuarantine(
      tx,
      'customer',
      good.map((c) => c.id),
    );
    await options.checkpoint?.(tx);
  });
  return { newestModifiedAt: newest(good.map((c) => c.sourceModifiedAt)) };
}

export async function applyTransactionPage(
  deps: ApplyDeps,
  ctx: RunContext,
  type: TransactionType,
  records: SuiteQlRow[][],
  options: ApplyOptions,
): Promise<PageResult> {
  const mapped = records.map((rows) => ({ rows, mapped: mapTransactionRows(rows, type, deps.rules) }));
  const good = mapped.flatMap((m) => (m.mapped.ok ? [m.mapped.record] : []));
  const failures = mapped.flatMap((m) => (m.mapped.ok ? [] : [{ mapped: m.mapped, rows: m.rows }]));
  for (const t of good) {
    if (!t.statusMapped) options.tally.add(options.tally.unmappedStatuses, `${type} status ${t.statusCode}`);
    for (const line of t.lines)
      if (line.excludedReason) {
        ctx.count('skipped');
        options.tally.add(options.tally.excludedLines, line.excludedReason);
      }
  }
  const changed = await compare(deps, ctx, 'transaction', good);
  const entries = await quarantine(ctx, type, failures);
  await deps.db.transaction(async (tx) => {
    await replaceTransactions(tx, changed, ctx.runId);
    await quarantineRecords(tx, entries, ctx.runId);
    await releaseFromQuarantine(
      tx,
      type,
      good.map((t) => t.id),
    );
    await options.checkpoint?.(tx);
  });
  return { newestModifiedAt: newest(good.map((t) => t.sourceModifiedAt)) };
}
