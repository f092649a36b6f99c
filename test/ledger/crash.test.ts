/**
 * Crash test: a real posting process is SIGKILLed at more than twenty distinct statements of its run (before a
 * statement is sent and after it is sent but before its reply, across every batch); a fresh posting run then
 * picks up. After every kill the ledger is consistent, and after the next run it holds exactly what the documents
 * imply: nothing lost, nothing doubled.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStock, upsertPurchaseOrder, upsertSalesInvoice } from '../../src/ledger/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { seededRandom } from '../sim/seeded-random.js';
import { ledgerBySku, onHandBySku, purchaseOrder, salesInvoice, startRun } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface ChildOutcome {
  signal: NodeJS.Signals | null;
  code: number | null;
  report?: { statements: number; movements: number; documents: number };
  stderr: string;
}

function runChild(url: string, kill?: { at: number; mode: 'before' | 'sent' }): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        LEDGER_KILL_AT: kill ? String(kill.at) : '',
        LEDGER_KILL_MODE: kill?.mode ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) =>
      resolve({ code, signal, stderr: err, report: code === 0 && out ? JSON.parse(out) : undefined }),
    );
  });
}

describe.each(databaseKinds)('posting survives being killed on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it(
    'loses and doubles nothing when killed at 22 distinct points and restarted',
    { timeout: 300_000 },
    async () => {
      const db = database.db;
      // Deterministic, so every run of the test makes the same documents.
      const rand = seededRandom(20261121);
      const skus = ['K1', 'K2', 'K3', 'K4', 'K5'];
      const pick = () => skus[Math.floor(rand() * skus.length)]!;
      const qty = () => 1 + Math.floor(rand() * 9);
      const orders = new Map<number, { posts: boolean; lines: { sku: string; qty: number }[] }>();
      const invoices = new Map<number, { posts: boolean; lines: { sku: string; qty: number }[] }>();

      // Every round changes every document, so each restarted process has a full run of work to be killed in.
      const changeEverything = async () => {
        for (let n = 0; n < 9; n++) {
          const lines = [
            { sku: pick(), qty: qty() },
            { sku: pick(), qty: qty() },
            { sku: pick(), qty: qty() },
          ];
          const status = rand() < 0.8 ? 'Complete' : 'Cancelled';
          await upsertPurchaseOrder(db, purchaseOrder(`K${n}`, lines, { status }));
          orders.set(n, { posts: status === 'Complete', lines });
          const sold = [
            { sku: pick(), qty: qty() },
            { sku: pick(), qty: qty() },
          ];
          const closed = rand() < 0.8;
          await upsertSalesInvoice(
            db,
            salesInvoice(
              `KV${n}`,
              sold.map((l) => ({ item: l.sku, qty: l.qty })),
              { status: closed ? 'Closed' : 'Cancelled' },
            ),
          );
          invoices.set(n, { posts: closed, lines: sold });
        }
      };
      const expected = () => {
        const want: Record<string, number> = {};
        for (const o of orders.values())
          if (o.posts) for (const l of o.lines) want[l.sku] = (want[l.sku] ?? 0) + l.qty;
        for (const i of invoices.values())
          if (i.posts) for (const l of i.lines) want[l.sku] = (want[l.sku] ?? 0) - l.qty;
        return Object.fromEntries(Object.entries(want).filter(([, q]) => q !== 0));
      };
      const consistent = async () => {
        for (const [sku, l] of await ledgerBySku(db))
          expect(l.balance, `balance of ${sku}`).toBe(l.movements);
      };

      await changeEverything();
      const probe = await runChild(database.url);
      expect(probe.code, probe.stderr).toBe(0);
      expect(await onHandBySku(db)).toEqual(expected());
      const statements = probe.report!.statements;

      const points = Array.from({ length: 22 }, (_, r) => ({
        at: 1 + Math.floor((r * (statements - 1)) / 21),
        mode: r % 2 === 0 ? ('before' as const) : ('sent' as const),
      }));
      expect(new Set(points.map((p) => `${p.at}/${p.mode}`)).size).toBe(22);

      let kills = 0;
      for (const point of points) {
        await changeEverything();
        const killed = await runChild(database.url, point);
        if (killed.signal === 'SIGKILL') kills += 1;
        else expect(killed.code, killed.stderr).toBe(0);
        await consistent();

        // The restart: a fresh posting run picks up whatever the killed one left.
        await postStock(db, await startRun(db));
        await consistent();
        expect(await onHandBySku(db), `after a kill at statement ${point.at} (${point.mode})`).toEqual(
          expected(),
        );
      }
      expect(kills).toBeGreaterThanOrEqual(20);

      const { rows } = await db.execute<{ n: number }>(sql`
      SELECT count(*) AS n FROM (
        SELECT document_id, line_no, item_id, seq FROM stock_movements GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d`);
      expect(rows[0]!.n).toBe(0);
    },
  );
});
