import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

// PGlite has a single backend; the socket server multiplexes our connections onto it. These tests prove that two
// writers on separate connections cannot see or break each other's open transaction.
describe('embedded database under concurrent transactions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pglite', { migrate: false });
    await db.pool.query('CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)');
    await db.pool.query('CREATE TABLE entries (txn int NOT NULL, n int NOT NULL)');
    await db.pool.query('INSERT INTO counter VALUES (1, 0)');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps each transaction whole: no lost update, no mixed statements, rollbacks leave nothing', async () => {
    const writers = 16;
    await Promise.all(
      Array.from({ length: writers }, async (_, txn) => {
        const client = await db.pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ value: number }>('SELECT value FROM counter WHERE id = 1');
          await new Promise((r) => setTimeout(r, 5));
          for (let n = 0; n < 5; n++) await client.query('INSERT INTO entries VALUES ($1, $2)', [txn, n]);
          await client.query('UPDATE counter SET value = $1 WHERE id = 1', [rows[0]!.value + 1]);
          await client.query(txn % 4 === 3 ? 'ROLLBACK' : 'COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    const committed = writers - writers / 4;
    const counter = await db.pool.query<{ value: number }>('SELECT value FROM counter');
    expect(counter.rows[0]!.value).toBe(committed);
    const entries = await db.pool.query<{ txn: number; n: number }>(
      'SELECT txn, count(*)::int AS n FROM entries GROUP BY txn',
    );
    expect(entries.rows).toHaveLength(committed);
    for (const row of entries.rows) {
      expect(row.n).toBe(5);
      expect(row.txn % 4).not.toBe(3);
    }
  });

  it('does not let a failed transaction poison the next user of the backend', async () => {
    const a = await db.pool.connect();
    await a.query('BEGIN');
    await expect(a.query('INSERT INTO counter VALUES (1, 0)')).rejects.toThrow(/duplicate key/);
    const other = db.pool.query('SELECT count(*)::int AS n FROM counter');
    await a.query('ROLLBACK');
    a.release();
    expect((await other).rows[0]).toEqual({ n: 1 });
  });
});

describe('embedded database under concurrent extended-protocol queries', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pglite', { migrate: false });
  });
  afterAll(async () => {
    await db?.close();
  });

  // node-postgres sends a parameterised query as Parse, Bind, Describe, Execute, Sync. After an error the backend
  // skips every message until that Sync; had another connection's messages run in between, they would be skipped or
  // bound to the wrong statement, and that connection would fail or get another's result.
  const failures: [string, unknown, RegExp][] = [
    ['SELECT 1 / $1::int AS v', 0, /^division by zero$/],
    ['SELECT $1::int AS v', 'one', /invalid input syntax for type integer/],
    ['SELEKT $1::int AS v', 1, /syntax error/],
  ];

  it('answers every connection with its own result, also while others fail mid-exchange', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => db.pool.connect()));
    try {
      const mismatches: string[] = [];
      await Promise.all(
        clients.map(async (client, c) => {
          for (let i = 0; i < 150; i++) {
            if (c % 3 === 2) {
              // Failing at Execute, at Bind and at Parse: the backend gets a connection's exchange in one piece,
              // and must skip the rest of it after each, and only it.
              const [text, value, message] = failures[i % failures.length]!;
              const error = await client.query(text, [value]).then(
                () => undefined,
                (e: Error) => e.message,
              );
              if (!message.test(error ?? '')) mismatches.push(`${c}:${i} expected ${message}, got ${error}`);
              continue;
            }
            const odd = c % 3 === 1;
            const expected = `${c}:${i}${odd ? ':odd' : ''}`;
            const result = await client
              .query<{ v: string }>(odd ? "SELECT $1::text || ':odd' AS v" : 'SELECT $1::text AS v', [
                `${c}:${i}`,
              ])
              .then(
                (r) => r.rows[0]?.v,
                (e: Error) => `error ${e.message}`,
              );
            if (result !== expected) mismatches.push(`${expected} got ${result}`);
          }
        }),
      );
      expect(mismatches).toEqual([]);
    } finally {
      for (const client of clients) client.release();
    }
  });
});

describe('embedded database when a client dies mid-transaction', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('pglite', { migrate: false });
    await db.pool.query('CREATE TABLE t (n int)');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('rolls back what the dead client left open and serves the others', async () => {
    const { default: pg } = await import('pg');
    const doomed = new pg.Client({ connectionString: db.url });
    doomed.on('error', () => undefined);
    await doomed.connect();
    await doomed.query('BEGIN');
    await doomed.query('INSERT INTO t VALUES ($1)', [1]);
    const waiting = db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
    (doomed as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0]!.n).toBe(0);
    await db.pool.query('INSERT INTO t VALUES (2)');
    expect((await db.pool.query('SELECT n FROM t')).rows).toEqual([{ n: 2 }]);
  });
});
