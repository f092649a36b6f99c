/**
 * OPMS database access over mysql2: reads the current price and cost values of items by code, and writes changed
 * values in transactions, each transaction taking one slot of the OPMS write limit (default 10 per second). Reads and
 * writes go through OPMS's resilience policies, so a lost connection or a deadlock is tried again.
 * Prices and costs are per product, so a change made through one item reaches every sibling item of the product.
 */
import mysql from 'mysql2/promise';
import { ResiliencePolicy } from '../../resilience/index.js';
import { classify, opmsErrorFrom } from './errors.js';
import { countRowSchema, itemRowSchema, moneyColumnSchema } from './schemas.js';
import type { OpmsSettings } from './settings.js';

export type OpmsTable = 'price' | 'cost';

/** A value's address in OPMS: which per-product table and which column. */
export interface OpmsColumn {
  table: OpmsTable;
  column: string;
}

export const columnKey = (c: OpmsColumn) => `${c.table}.${c.column}`;

export interface OpmsItem {
  code: string;
  productId: number;
  /** columnKey → current value as a decimal string, null when the product has no row or the column is NULL. */
  values: Map<string, string | null>;
}

export interface OpmsChange extends OpmsColumn {
  code: string;
  productId: number;
  value: string;
}

export interface AppliedChange extends OpmsChange {
  oldValue: string | null;
}

/** Money compared in cents: OPMS DECIMAL scale and NetSuite's string forms differ ("25.5" vs "25.50"). */
export function sameMoney(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a == b;
  return Math.round(Number(a) * 100) === Math.round(Number(b) * 100);
}

interface PendingWrite {
  changes: OpmsChange[];
  codes: Set<string>;
  columns: OpmsColumn[];
  resolve(applied: AppliedChange[]): void;
  reject(error: unknown): void;
}

/** Backticked identifier; names are validated by the config schema, the quoting keeps reserved words working. */
export const ident = (name: string) => `\`${name.replace(/`/g, '')}\``;

/** Connections the pool keeps: reads run this many at once, writes one at a time. */
const poolSize = 4;

export class OpmsDatabase {
  private readonly pool: mysql.Pool;
  private readonly reads: ResiliencePolicy;
  /** One write transaction at a time, spaced by the OPMS write limit; a retry takes a slot like any write. */
  private readonly writes: ResiliencePolicy;
  private readonly pending: PendingWrite[] = [];
  private draining = false;
  /** Write transactions committed: what the OPMS write limit counts. */
  writesCommitted = 0;

  constructor(readonly settings: OpmsSettings) {
    this.pool = mysql.createPool({
      uri: settings.url,
      connectionLimit: poolSize,
      decimalNumbers: false,
      supportBigNumbers: true,
    });
    const retry = { system: 'OPMS', retries: settings.retries, retryBaseMs: settings.retryBaseMs, classify };
    this.reads = new ResiliencePolicy({ ...retry, concurrency: poolSize });
    this.writes = new ResiliencePolicy({
      ...retry,
      concurrency: 1,
      requestsPerSecond: settings.writesPerSecond,
    });
  }

  /** Current values of `columns` for the items with these codes; codes OPMS does not know are absent from the map. */
  async readItems(codes: string[], columns: OpmsColumn[]): Promise<Map<string, OpmsItem>> {
    if (codes.length === 0) return new Map();
    const rows = await this.read(`reading ${codes.length} items`, async () => {
      const [rows] = await this.pool.query<mysql.RowDataPacket[]>(
        this.selectSql(columns, codes.length, false),
        codes,
      );
      return rows;
    });
    return this.toItems(rows, columns);
  }

  /**
   * Resolves every configured table and key column, so a wrong name fails here and not mid-sync, and counts the
   * items: the connection check's one cheap call.
   */
  async countItems(): Promise<number> {
    const { item, price, cost } = this.settings.tables;
    const rows = await this.read('connection check', async () => {
      await this.pool.query(
        `SELECT COUNT(*) AS n FROM ${ident(item.table)} i LEFT JOIN ${ident(price.table)} p ON p.${ident(price.product)} = i.${ident(item.product)} LEFT JOIN ${ident(cost.table)} c ON c.${ident(cost.product)} = i.${ident(item.product)} WHERE 1 = 0`,
      );
      const [rows] = await this.pool.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM ${ident(item.table)}`,
      );
      return rows;
    });
    return countRowSchema.parse(rows[0]).n;
  }

  /**
   * Writes the changes in transactions of at most `batchSize` items, each taking one slot of the write limit.
   * Requests arriving while a slot is awaited share the next transaction (webhooks in a burst cost one write, not
   * one each). Inside each transaction the rows are read again under lock, so the old values returned are what was
   * really replaced and changes already present are dropped.
   */
  async applyChanges(changes: OpmsChange[], columns: OpmsColumn[]): Promise<AppliedChange[]> {
    const codes = [...new Set(changes.map((c) => c.code))];
    const chunks: Promise<AppliedChange[]>[] = [];
    for (let i = 0; i < codes.length; i += this.settings.batchSize) {
      const chunkCodes = new Set(codes.slice(i, i + this.settings.batchSize));
      const chunk = changes.filter((c) => chunkCodes.has(c.code));
      chunks.push(
        new Promise((resolve, reject) => {
          this.pending.push({ changes: chunk, codes: chunkCodes, columns, resolve, reject });
        }),
      );
    }
    void this.drain();
    return (await Promise.all(chunks)).flat();
  }

  async close(): Promise<void> {
    await Promise.all([this.reads.stop(), this.writes.stop()]);
    await this.pool.end();
  }

  /** One read under the read policy, its failure told in OPMS's words. */
  private read<T>(doing: string, query: () => Promise<T>): Promise<T> {
    return this.reads.execute(
      async () => {
        try {
          return await query();
        } catch (error) {
          throw opmsErrorFrom(error, doing);
        }
      },
      { what: doing },
    );
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) await this.writeNextBatch();
    } finally {
      this.draining = false;
    }
  }

  /**
   * The requests are taken when the first attempt gets its write slot, so those that arrived while it waited share
   * the transaction. A retry writes the same requests again: safe, because the transaction re-reads the rows under
   * lock and writes only what still differs (also after a commit whose answer was lost).
   */
  private async writeNextBatch(): Promise<void> {
    const batch: { requests?: PendingWrite[] } = {};
    try {
      const applied = await this.writes.execute(
        async () => this.writeBatch((batch.requests ??= this.takePending())),
        { what: 'a price write transaction' },
      );
      batch.requests?.forEach((request, i) => request.resolve(applied[i]!));
    } catch (error) {
      // Refused before any attempt (circuit open, client closed): every waiting request meets the same refusal.
      for (const request of batch.requests ?? this.pending.splice(0)) request.reject(error);
    }
  }

  /** Waiting requests, in order, up to `batchSize` distinct items (at least one request). */
  private takePending(): PendingWrite[] {
    const taken: PendingWrite[] = [];
    const codes = new Set<string>();
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      const added = [...next.codes].filter((c) => !codes.has(c)).length;
      if (taken.length > 0 && codes.size + added > this.settings.batchSize) break;
      taken.push(this.pending.shift()!);
      for (const c of next.codes) codes.add(c);
    }
    return taken;
  }

  /** One transaction for the requests taken together; returns what was applied for each request. */
  private async writeBatch(requests: PendingWrite[]): Promise<AppliedChange[][]> {
    const columnsByKey = new Map<string, OpmsColumn>();
    for (const r of requests) for (const c of r.columns) columnsByKey.set(columnKey(c), c);
    for (const r of requests)
      for (const c of r.changes) columnsByKey.set(columnKey(c), { table: c.table, column: c.column });
    const columns = [...columnsByKey.values()];
    const codes = [...new Set(requests.flatMap((r) => [...r.codes]))];
    const conn = await this.pool.getConnection().catch((error: unknown) => {
      throw opmsErrorFrom(error, `connecting to write prices of ${codes.length} items`);
    });
    try {
      await conn.beginTransaction();
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        this.selectSql(columns, codes.length, true),
        codes,
      );
      const current = this.toItems(rows, columns);
      const products = new Map<number, Map<string, string | null>>();
      for (const item of current.values()) products.set(item.productId, item.values);
      const touched = { price: new Set<number>(), cost: new Set<number>() };
      const applied = requests.map((request) =>
        request.changes.flatMap((change): AppliedChange[] => {
          const item = current.get(change.code);
          if (!item) return [];
          // Siblings share the product's values: the first item's change is seen by the second in this batch.
          const values = products.get(item.productId)!;
          const key = columnKey(change);
          const old = values.get(key) ?? null;
          if (sameMoney(old, change.value)) return [];
          values.set(key, change.value);
          touched[change.table].add(item.productId);
          return [{ ...change, productId: item.productId, oldValue: old }];
        }),
      );
      for (const table of ['price', 'cost'] as const) {
        if (touched[table].size === 0) continue;
        const tableColumns = columns.filter((c) => c.table === table);
        const params = [...touched[table]].flatMap((productId) => [
          productId,
          ...tableColumns.map((c) => products.get(productId)!.get(columnKey(c)) ?? null),
        ]);
        await conn.query(this.upsertSql(table, tableColumns, touched[table].size), params);
      }
      await conn.commit();
      this.writesCommitted++;
      return applied;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw opmsErrorFrom(
        error,
        `writing prices of ${codes.length} items (${codes.slice(0, 3).join(', ')}${codes.length > 3 ? ', …' : ''})`,
      );
    } finally {
      conn.release();
    }
  }

  /**
   * One statement per table: every mapped column of each changed product, unchanged ones with their current value,
   * so MariaDB rewrites nothing that did not change.
   */
  private upsertSql(table: OpmsTable, columns: OpmsColumn[], products: number): string {
    const t = this.settings.tables[table];
    const row = `(${['?', ...columns.map(() => '?')].join(', ')})`;
    return (
      `INSERT INTO ${ident(t.table)} (${[t.product, ...columns.map((c) => c.column)].map(ident).join(', ')}) ` +
      `VALUES ${Array.from({ length: products }, () => row).join(', ')} ` +
      `ON DUPLICATE KEY UPDATE ${columns.map((c) => `${ident(c.column)} = VALUES(${ident(c.column)})`).join(', ')}`
    );
  }

  private selectSql(columns: OpmsColumn[], count: number, forUpdate: boolean): string {
    const s = this.settings.tables;
    const cols = columns.map(
      (c) => `${c.table === 'price' ? 'p' : 'c'}.${ident(c.column)} AS ${ident(columnKey(c))}`,
    );
    return (
      `SELECT i.${ident(s.item.code)} AS item_code, i.${ident(s.item.product)} AS product_id${cols.map((c) => `, ${c}`).join('')} ` +
      `FROM ${ident(s.item.table)} i ` +
      `LEFT JOIN ${ident(s.price.table)} p ON p.${ident(s.price.product)} = i.${ident(s.item.product)} ` +
      `LEFT JOIN ${ident(s.cost.table)} c ON c.${ident(s.cost.product)} = i.${ident(s.item.product)} ` +
      `WHERE i.${ident(s.item.code)} IN (${Array.from({ length: count }, () => '?').join(', ')})` +
      (forUpdate ? ' FOR UPDATE' : '')
    );
  }

  private toItems(rows: mysql.RowDataPacket[], columns: OpmsColumn[]): Map<string, OpmsItem> {
    const items = new Map<string, OpmsItem>();
    for (const raw of rows) {
      const row = itemRowSchema.parse(raw);
      const values = new Map<string, string | null>();
      for (const c of columns) values.set(columnKey(c), moneyColumnSchema.parse(raw[columnKey(c)]));
      items.set(row.item_code, { code: row.item_code, productId: row.product_id, values });
    }
    return items;
  }
}
