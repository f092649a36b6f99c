/**
 * The ledger lock: every write to movements and balances runs in a transaction holding one advisory lock, so two
 * posting runs (or a run and a manual adjustment) never compute their differences from the same ledger state.
 * The posting key's unique index is the second line of defence should anything write without it.
 */
import { sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../db/database.js';
import { dayIn } from '../time-zone.js';

// A fixed key in the transaction-level advisory lock space; the number itself carries no meaning.
const ledgerLockKey = 730_041_337;

export async function inLedgerTransaction<T>(
  db: Queryable,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${ledgerLockKey})`);
    return work(tx);
  });
}

/** Today's business day (America/New_York) as YYYY-MM-DD: the date of movements whose document has none. */
export function businessToday(now = new Date()): string {
  return dayIn('America/New_York', now);
}
