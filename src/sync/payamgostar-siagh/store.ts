/** The flow's bookkeeping in the worker's database: the entity mapping, its log, checkpoints and queued notifications. */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/database.js';
import {
  payamgostarSiaghCheckpoints,
  payamgostarSiaghLog,
  payamgostarSiaghMappings,
  payamgostarSiaghQueuedNotifications,
} from '../../models/index.js';

export type Mapping = typeof payamgostarSiaghMappings.$inferSelect;
export type MappingValues = Partial<Omit<typeof payamgostarSiaghMappings.$inferInsert, 'id'>>;
export type EntityType = 'customer' | 'pre-invoice';
export type MappingState = 'synced' | 'creating' | 'waiting' | 'quarantined' | 'failed';

const m = payamgostarSiaghMappings;

/** Checkpoint names are part of the stored state: never rename them. */
export const checkpointNames = {
  initialImport: 'payamgostar-siagh.initial-import',
  poll: 'payamgostar-siagh.poll',
} as const;

/** A write stamp cleared: no write of ours is in flight. */
export const noPendingWrite = {
  pendingTransactionId: null,
  pendingTarget: null,
  pendingChecksum: null,
  pendingSince: null,
} as const;

export async function mappingByCrmId(
  db: Queryable,
  entityType: EntityType,
  crmId: string,
): Promise<Mapping | undefined> {
  const [row] = await db
    .select()
    .from(m)
    .where(and(eq(m.entityType, entityType), eq(m.crmId, crmId.toLowerCase())));
  return row;
}

export async function mappingBySiaghId(
  db: Queryable,
  entityType: EntityType,
  siaghId: string | number,
): Promise<Mapping | undefined> {
  const [row] = await db
    .select()
    .from(m)
    .where(and(eq(m.entityType, entityType), eq(m.siaghId, String(siaghId))));
  return row;
}

export async function insertMapping(
  db: Queryable,
  values: MappingValues & { entityType: EntityType; state: MappingState },
): Promise<Mapping> {
  const [row] = await db
    .insert(m)
    .values({ ...values, crmId: values.crmId?.toLowerCase() ?? null })
    .returning();
  return row!;
}

export async function updateMapping(db: Queryable, id: number, values: MappingValues): Promise<Mapping> {
  const [row] = await db
    .update(m)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(m.id, id))
    .returning();
  return row!;
}

export async function deleteMapping(db: Queryable, id: number): Promise<void> {
  await db.delete(m).where(eq(m.id, id));
}

/** Siagh codes of the customers the CRM already has (a CRM id is recorded). */
export async function linkedSiaghCodes(db: Queryable): Promise<Set<string>> {
  const rows = await db
    .select({ siaghId: m.siaghId })
    .from(m)
    .where(and(eq(m.entityType, 'customer'), isNotNull(m.crmId), isNotNull(m.siaghId)));
  return new Set(rows.map((r) => r.siaghId!));
}

/**
 * Customers known by CRM id, least recently compared with the CRM first (never compared before all others): the
 * poll's rotating re-check, which also retries the quarantined and failed ones whose record changed since.
 */
export async function leastRecentlyChecked(db: Queryable, limit: number): Promise<Mapping[]> {
  if (limit <= 0) return [];
  return db
    .select()
    .from(m)
    .where(
      and(
        eq(m.entityType, 'customer'),
        isNotNull(m.crmId),
        inArray(m.state, ['synced', 'quarantined', 'failed', 'creating']),
      ),
    )
    .orderBy(sql`${m.checkedAt} ASC NULLS FIRST`, asc(m.id))
    .limit(limit);
}

export async function mappingsInState(
  db: Queryable,
  entityType: EntityType,
  states: MappingState[],
  limit: number,
): Promise<Mapping[]> {
  return db
    .select()
    .from(m)
    .where(and(eq(m.entityType, entityType), inArray(m.state, states), isNotNull(m.crmId)))
    .orderBy(asc(m.updatedAt))
    .limit(limit);
}

/** The CRM list's view of the mapped customers (display name and customer number), for the poll's comparison. */
export async function customerListView(
  db: Queryable,
): Promise<Map<string, { nickName: string | null; customerNumber: string | null; state: string }>> {
  const rows = await db
    .select({
      crmId: m.crmId,
      state: m.state,
      nickName: sql<string | null>`${m.crmState}->>'nickName'`,
      customerNumber: sql<string | null>`${m.crmState}->>'customerNumber'`,
    })
    .from(m)
    .where(and(eq(m.entityType, 'customer'), isNotNull(m.crmId)));
  return new Map(
    rows.map((r) => [r.crmId!, { nickName: r.nickName, customerNumber: r.customerNumber, state: r.state }]),
  );
}

export async function mappingCounts(db: Queryable): Promise<Record<string, Record<string, number>>> {
  const rows = await db
    .select({ entityType: m.entityType, state: m.state, n: sql<number>`count(*)::int` })
    .from(m)
    .groupBy(m.entityType, m.state);
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.entityType] ??= {})[r.state] = r.n;
  return out;
}

export interface MappingSearch {
  entityType?: EntityType;
  state?: MappingState;
  /** Part of a CRM id, a Siagh code or number, a name or a customer number. */
  q?: string;
  afterId?: number;
  limit: number;
}

export async function searchMappings(db: Queryable, search: MappingSearch): Promise<Mapping[]> {
  const where: (SQL | undefined)[] = [
    search.entityType ? eq(m.entityType, search.entityType) : undefined,
    search.state ? eq(m.state, search.state) : undefined,
    search.afterId !== undefined ? sql`${m.id} > ${search.afterId}` : undefined,
  ];
  if (search.q) {
    const like = `%${search.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(
      or(
        sql`${m.crmId} ILIKE ${like}`,
        sql`${m.siaghId} ILIKE ${like}`,
        sql`${m.crmState}->>'nickName' ILIKE ${like}`,
        sql`${m.crmState}->>'customerNumber' ILIKE ${like}`,
        sql`${m.siaghState}->>'name' ILIKE ${like}`,
      ),
    );
  }
  const conditions = where.filter((w): w is SQL => w !== undefined);
  return db
    .select()
    .from(m)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(m.id))
    .limit(search.limit);
}

export type LogAction =
  | 'created'
  | 'updated'
  | 'linked'
  | 'unchanged'
  | 'echo'
  | 'drift'
  | 'quarantined'
  | 'failed'
  | 'waiting'
  | 'busy';

export interface LogEntry {
  runId?: string;
  transactionId?: string;
  entityType: EntityType;
  crmId?: string | null;
  siaghId?: string | null;
  direction: 'crm→siagh' | 'siagh→crm' | 'siagh';
  action: LogAction;
  message: string;
  details?: unknown;
}

export async function writeLog(db: Queryable, entry: LogEntry): Promise<void> {
  await db.insert(payamgostarSiaghLog).values({
    ...entry,
    details: entry.details ?? null,
  });
}

export interface LogFilter {
  crmId?: string;
  siaghId?: string;
  runId?: string;
  action?: LogAction;
  beforeId?: number;
  limit: number;
}

/** The flow's log, newest first, keyset-paged by id. */
export async function readLog(db: Queryable, filter: LogFilter) {
  const l = payamgostarSiaghLog;
  const where = [
    filter.crmId ? eq(l.crmId, filter.crmId.toLowerCase()) : undefined,
    filter.siaghId ? eq(l.siaghId, filter.siaghId) : undefined,
    filter.runId ? eq(l.runId, filter.runId) : undefined,
    filter.action ? eq(l.action, filter.action) : undefined,
    filter.beforeId !== undefined ? lt(l.id, filter.beforeId) : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select()
    .from(l)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(l.id))
    .limit(filter.limit);
}

export async function readCheckpoint<T>(db: Queryable, name: string): Promise<T | undefined> {
  const [row] = await db
    .select()
    .from(payamgostarSiaghCheckpoints)
    .where(eq(payamgostarSiaghCheckpoints.name, name));
  return row?.state as T | undefined;
}

export async function writeCheckpoint(db: Queryable, name: string, state: object): Promise<void> {
  await db
    .insert(payamgostarSiaghCheckpoints)
    .values({ name, state, updatedAt: new Date() })
    .onConflictDoUpdate({
      target: payamgostarSiaghCheckpoints.name,
      set: { state, updatedAt: new Date() },
    });
}

const q = payamgostarSiaghQueuedNotifications;

/**
 * Takes the queue slot of a record: undefined when it was free (queue a run now), else the run already queued for
 * it, whose count of notifications goes up by one.
 */
export async function claimQueueSlot(
  db: Queryable,
  recordKey: string,
): Promise<{ runId: string | null } | undefined> {
  const inserted = await db
    .insert(q)
    .values({ recordKey })
    .onConflictDoNothing()
    .returning({ key: q.recordKey });
  if (inserted.length > 0) return undefined;
  const [row] = await db
    .update(q)
    .set({ notifications: sql`${q.notifications} + 1` })
    .where(eq(q.recordKey, recordKey))
    .returning({ runId: q.runId });
  // Released between the two statements: the run started; a new one is needed after all.
  return row ? { runId: row.runId } : undefined;
}

export async function attachQueueSlot(db: Queryable, recordKey: string, runId: string): Promise<void> {
  await db.update(q).set({ runId }).where(eq(q.recordKey, recordKey));
}

/** Frees a record's slot: its run starts now (it reads the record after this), or the queueing failed. */
export async function releaseQueueSlot(db: Queryable, recordKey: string): Promise<number> {
  const rows = await db
    .delete(q)
    .where(eq(q.recordKey, recordKey))
    .returning({ notifications: q.notifications });
  return rows[0]?.notifications ?? 0;
}

/** A write in flight to `target` that will leave a record with this checksum there (a create whose id is not known yet). */
export async function pendingWriteLeaving(
  db: Queryable,
  target: 'crm' | 'siagh',
  checksum: string,
): Promise<Mapping | undefined> {
  const [row] = await db
    .select()
    .from(m)
    .where(and(eq(m.entityType, 'customer'), eq(m.pendingTarget, target), eq(m.pendingChecksum, checksum)))
    .limit(1);
  return row;
}

/** Import rows whose CRM create was sent but not recorded (a crash, a lost reply). */
export async function unfinishedImportCreates(db: Queryable): Promise<Mapping[]> {
  return db
    .select()
    .from(m)
    .where(and(eq(m.entityType, 'customer'), isNull(m.crmId), isNotNull(m.siaghId)));
}
