/**
 * OPMS database access over mysql2: reads the current price and cost values of items by code, and writes changed
 * values in transactions, each transaction taking one slot of the OPMS write limit (default 10 per second).
 * Prices and costs are per product, so a change made through one item reaches every sibling item of the product.
 */
import Bottleneck from 'bottleneck';
import mysql from 'mysql2/promise';
import type { Config } from '../../config/index.js';
import { OpmsError, opmsErrorFrom } from './errors.js';
import { ident, opmsSchemaFromConfig, type OpmsSchema } from './schema.js';

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

export interface OpmsDatabaseOptions {
  writesPerSecond: number;
  batchSize: number;
}

export class OpmsDatabase {
  private readonly limiter: Bottleneck;
  /** Write transactions committed: what the OPMS write limit counts. */
  writesCommitted = 0;

  constructor(
    private readonly pool: mysql.Pool,
    readonly schema: OpmsSchema,
    readonly options: OpmsDatabaseOptions,
  ) {
    this.limiter = new Bottleneck({ maxConcurrent: 1, minTime: Math.ceil(1000 / options.writesPerSecond) });
  }

  static fromUrl(url: string, schema: OpmsSchema, options: OpmsDatabaseOptions): OpmsDatabase {
    const pool = mysql.createPool({
      uri: url,
      connectionLimit: 4,
      decimalNumbers: false,
      supportBigNumbers: true,
    });
    return new OpmsDatabase(pool, schema, options);
  }

  /** Current values of `columns` for the items with these codes; codes OPMS does not know are absent from the map. */
  async readItems(codes: string[], columns: OpmsColumn[]): Promise<Map<string, OpmsItem>> {
    if (codes.length === 0) return new Map();
    try {
      const [rows] = await this.pool.query<mysql.RowDataPacket[]>(
        this.selectSql(columns, codes.length, false),
        codes,
      );
      return this.toItems(rows, columns);
    } catch (error) {
      throw opmsErrorFrom(error, `reading ${codes.length} items`);
    }
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
    for (let i = 0; i < codes.length; i += this.options.batchSize) {
      const chunkCodes = new Set(codes.slice(i, i + this.options.batchSize));
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

  private readonly pending: PendingWrite[] = [];
  private draining = false;

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        await this.limiter.schedule(async () => {
          const taken: PendingWrite[] = [];
          const codes = new Set<string>();
          while (this.pending.length > 0) {
            const next = this.pending[0]!;
            const added = [...next.codes].filter((c) => !codes.has(c)).length;
            if (taken.length > 0 && codes.size + added > this.options.batchSize) break;
            taken.push(this.pending.shift()!);
            for (const c of next.codes) codes.add(c);
          }
          try {
            const applied = await this.writeBatch(taken);
            taken.forEach((request, i) => request.resolve(applied[i]!));
          } catch (error) {
            for (const request of taken) request.reject(error);
          }
        });
      }
    } finally {
      this.draining = false;
    }
  }

  /** One transaction for the requests taken together; returns what was applied for each request. */
  private async writeBatch(requests: PendingWrite[]): Promise<AppliedChange[][]> {
    const columnsByKey = new Map<string, OpmsColumn>();
    for (const r of requests) for (const c of r.columns) columnsByKey.set(columnKey(c), c);
    for (const r of requests)
      for (const c of r.changes) columnsByKey.set(columnKey(c), { table: c.table, column: c.column });
    const columns = [...columnsByKey.values()];
    const codes = [...new Set(requests.flatMap((r) => [...r.codes]))];
    const conn = await this.pool.getConnection();
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
        const t = this.schema[table];
        const tableColumns = columns.filter((c) => c.table === table);
        // One statement per table: every mapped column of each changed product, unchanged ones with their current
        // value, so MariaDB rewrites nothing that did not change.
        const rowsSql = [...touched[table]].map(
          () => `(${['?', ...tableColumns.map(() => '?')].join(', ')})`,
        );
        const params = [...touched[table]].flatMap((productId) => [
          productId,
          ...tableColumns.map((c) => products.get(productId)!.get(columnKey(c)) ?? null),
        ]);
        await conn.query(
          `INSERT INTO ${ident(t.table)} (${[t.product, ...tableColumns.map((c) => c.column)].map(ident).join(', ')}) VALUES ${rowsSql.join(', ')} ` +
            `ON DUPLICATE KEY UPDATE ${tableColumns.map((c) => `${ident(c.column)} = VALUES(${ident(c.column)})`).join(', ')}`,
          params,
        );
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

  private selectSql(columns: OpmsColumn[], count: number, forUpdate: boolean): string {
    const s = this.schema;
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
    for (const row of rows) {
      const values = new Map<string, string | null>();
      for (const c of columns) {
        const v = row[columnKey(c)] as string | number | null;
        values.set(columnKey(c), v === null || v === undefined ? null : String(v));
      }
      items.set(String(row.item_code), {
        code: String(row.item_code),
        productId: Number(row.product_id),
        values,
      });
    }
    return items;
  }

  /** One cheap query proving the connection, the grants and the configured tables. */
  async check(): Promise<{ ok: boolean; detail: string }> {
    try {
      const s = this.schema;
      // Zero rows, but every configured table and column name is resolved: a wrong name fails here, not mid-sync.
      await this.pool.query(
        `SELECT COUNT(*) AS n FROM ${ident(s.item.table)} i LEFT JOIN ${ident(s.price.table)} p ON p.${ident(s.price.product)} = i.${ident(s.item.product)} LEFT JOIN ${ident(s.cost.table)} c ON c.${ident(s.cost.product)} = i.${ident(s.item.product)} WHERE 1 = 0`,
      );
      const [items] = await this.pool.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM ${ident(s.item.table)}`,
      );
      return {
        ok: true,
        detail: `OPMS database reachable; ${Number(items[0]?.n ?? 0)} items in ${s.item.table}`,
      };
    } catch (error) {
      return {
        ok: false,
        detail: error instanceof OpmsError ? error.message : opmsErrorFrom(error, 'connection check').message,
      };
    }
  }

  async close(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true });
    await this.pool.end();
  }
}

export type OpmsSettings = { configured: true; opms: OpmsDatabase } | { configured: false; reason: string };

export function opmsFromConfig(config: Config): OpmsSettings {
  if (!config.OPMS_DATABASE_URL)
    return {
      configured: false,
      reason: 'OPMS is not configured: set OPMS_DATABASE_URL (mysql://user:password@host:3306/opms)',
    };
  return {
    configured: true,
    opms: OpmsDatabase.fromUrl(config.OPMS_DATABASE_URL, opmsSchemaFromConfig(config), {
      writesPerSecond: config.OPMS_WRITES_PER_SECOND,
      batchSize: config.OPMS_BATCH_SIZE,
    }),
  };
}
