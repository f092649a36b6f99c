/**
 * Soak: three worker processes share one PostgreSQL for a compressed half hour of work — people editing customers
 * through any worker's API, a person working in ERPNext's desk (whose webhooks go to all three workers), portal
 * documents arriving for the ledger, schedules every few seconds — while workers are killed with SIGKILL at random
 * and started again. At the end the ledger holds exactly what the documents imply, every customer exists once on
 * each side and the two sides agree, and the outbox is empty. PostgreSQL only: PGlite is one process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateToFrappeTimestamp } from '../../src/connectors/erpnext/timestamps.js';
import { upsertPurchaseOrder, upsertSalesInvoice } from '../../src/ledger/index.js';
import { customerOutbox, customers, customerSyncStates, syncRuns } from '../../src/models/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { movementCount, onHandBySku, purchaseOrder, salesInvoice } from '../ledger/helpers.js';
import { startErpNextSimulator, type ErpNextSimulator } from '../sim/erpnext/server.js';
import { seededRandom } from '../sim/seeded-random.js';
import { requestAnyWorker, soakApiKey, WorkerSlot } from './workers.js';

const activityMs = Number(process.env.SOAK_ACTIVITY_MS ?? 75_000);
const webhookSecret = 'soak-webhook-secret';
/** Short enough that a killed worker's jobs are taken over within the test, long enough for every run here. */
const lockLifetimeMs = 8_000;

interface Document {
  posts: boolean;
  lines: { sku: string; qty: number }[];
}

describe('three workers on one PostgreSQL, killed at random', () => {
  let database: TestDatabase;
  let sim: ErpNextSimulator;
  let dataDir = '';
  const slots: WorkerSlot[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    dataDir = mkdtempSync(join(tmpdir(), 'syncworker-soak-'));
    sim = await startErpNextSimulator({
      seed: 15,
      startTime: dateToFrappeTimestamp(new Date(), 'UTC'),
      followRealTime: true,
      customFields: ['custom_vat_number'],
      webhookRetryDelaysMs: [200, 1_000],
      // Every Customer our push creates is told of to all three workers before the pusher has its name.
      webhooksBeforeReply: true,
    });
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      // One data folder for all three, as the compose file's shared volume gives them.
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      API_KEYS: soakApiKey,
      LOG_PRETTY: 'false',
      JOB_PROCESS_EVERY: '300',
      JOB_LOCK_LIFETIME_MS: String(lockLifetimeMs),
      JOB_BACKOFF_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '2000',
      SCHEDULES_ENABLED: 'true',
      LEDGER_POST_SCHEDULE: '2 seconds',
      LEDGER_POST_BATCH_SIZE: '4',
      ERPNEXT_URL: sim.url,
      ERPNEXT_API_KEY: 'sim-api-key',
      ERPNEXT_API_SECRET: 'sim-api-secret',
      ERPNEXT_WEBHOOK_SECRET: webhookSecret,
      ERPNEXT_COMPANY: 'Acme Supplies',
      ERPNEXT_VAT_FIELD: 'custom_vat_number',
      ERPNEXT_PUSH_SCHEDULE: '2 seconds',
      ERPNEXT_PULL_SCHEDULE: '5 seconds',
      ERPNEXT_PUSH_BACKOFF_MS: '300',
      ERPNEXT_PUSH_MAX_ATTEMPTS: '20',
      ERPNEXT_RETRIES: '1',
      ERPNEXT_RETRY_BASE_MS: '10',
      ERPNEXT_TIMEOUT_MS: '3000',
      ERPNEXT_PAGE_SIZE: '5',
      ERPNEXT_PULL_OVERLAP_MS: '2000',
      ERPNEXT_REQUESTS_PER_SECOND: '500',
    };
    for (let i = 0; i < 3; i++) slots.push(await WorkerSlot.create(i, env));
    // The first applies the migrations alone; the others start together, as `docker compose up --scale` starts them.
    await slots[0]!.start();
    await Promise.all(slots.slice(1).map((s) => s.start()));
    for (const slot of slots)
      sim.webhooks.add({ url: `${slot.url}/api/webhooks/erpnext/customers`, secret: webhookSecret });
  }, 120_000);

  afterAll(async () => {
    for (const slot of slots) await slot.kill();
    await sim?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses and doubles nothing: ledger, outbox, mappings', { timeout: 600_000 }, async () => {
    const db = database.db;
    const rand = seededRandom(20261201);
    const pickOf = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;
    const request = (path: string, init: { method?: string; json?: unknown }) =>
      requestAnyWorker(slots, pickOf, path, init);

    const skus = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6'];
    const orders = new Map<string, Document>();
    const invoices = new Map<string, Document>();
    const someLines = () =>
      Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
        sku: pickOf(skus),
        qty: 1 + Math.floor(rand() * 9),
      }));
    const localIds = new Map<string, string>();
    const answeredCreates = new Set<string>();
    const remoteNames: string[] = [];
    let n = 0;

    const actions: [number, () => Promise<void>][] = [
      [
        3,
        async () => {
          const name = `Soak Local ${++n}`;
          const res = await request('/api/customers', {
            method: 'POST',
            json: { name, email: `local${n}@example.com`, contactPerson: `Pat ${n}` },
          });
          if (!res) return;
          expect(res.status, await res.clone().text()).toBe(201);
          localIds.set(name, ((await res.json()) as { id: string }).id);
          answeredCreates.add(name);
        },
      ],
      [
        3,
        async () => {
          if (localIds.size === 0) return;
          const id = pickOf([...localIds.values()]);
          const res = await request(`/api/customers/${id}`, {
            method: 'PATCH',
            json: { website: `https://shop${++n}.example` },
          });
          if (res) expect(res.status, await res.clone().text()).toBe(200);
        },
      ],
      [
        2,
        async () => {
          const doc = sim.desk.insert('Customer', {
            customer_name: `Soak Remote ${++n}`,
            customer_group: 'Commercial',
            territory: 'All Territories',
          });
          remoteNames.push(doc.name);
        },
      ],
      [
        2,
        async () => {
          if (remoteNames.length === 0) return;
          sim.desk.update('Customer', pickOf(remoteNames), { website: `https://desk${++n}.example` });
        },
      ],
      [
        4,
        async () => {
          const number = `SO${Math.floor(rand() * 40)}`;
          const status = rand() < 0.8 ? 'Complete' : 'Cancelled';
          const lines = someLines();
          await upsertPurchaseOrder(db, purchaseOrder(number, lines, { status }));
          orders.set(number, { posts: status === 'Complete', lines });
        },
      ],
      [
        3,
        async () => {
          const number = `SV${Math.floor(rand() * 40)}`;
          const closed = rand() < 0.8;
          const lines = someLines();
          await upsertSalesInvoice(
            db,
            salesInvoice(
              number,
              lines.map((l) => ({ item: l.sku, qty: l.qty })),
              { status: closed ? 'Closed' : 'Cancelled' },
            ),
          );
          invoices.set(number, { posts: closed, lines });
        },
      ],
      [
        1,
        async () => {
          const res = await request('/api/inventory/post', { method: 'POST', json: {} });
          if (res) expect(res.status).toBe(202);
        },
      ],
    ];
    const totalWeight = actions.reduce((sum, [w]) => sum + w, 0);
    const act = async () => {
      let r = rand() * totalWeight;
      for (const [weight, action] of actions) {
        r -= weight;
        if (r < 0) return action();
      }
    };

    // Kills and restarts run beside the activity: every few seconds a live worker is killed, mid-run or not (even
    // the last one up while the others still start: then requests and webhooks wait or fail, as they would), and
    // comes back a little later.
    const end = Date.now() + activityMs;
    const chaos = (async () => {
      const restarts: Promise<void>[] = [];
      while (Date.now() < end) {
        await sleep(1_000 + rand() * 3_000);
        const live = slots.filter((s) => s.alive);
        if (live.length === 0) continue;
        const victim = pickOf(live);
        await victim.kill();
        restarts.push(sleep(500 + rand() * 2_500).then(() => victim.start()));
      }
      await Promise.all(restarts);
      for (const slot of slots) if (!slot.alive) await slot.start();
    })();
    try {
      while (Date.now() < end) {
        await act();
        await sleep(50 + rand() * 200);
      }
    } finally {
      await chaos;
    }
    const kills = slots.reduce((sum, s) => sum + s.kills, 0);
    expect(kills).toBeGreaterThanOrEqual(4);

    // Settle: every worker is up, the schedules keep running; wait until the outbox is empty, webhooks delivered,
    // and the ledger caught up with the documents (doubled movements never catch up, so a timeout shows them).
    const expectedOnHand = () => {
      const want: Record<string, number> = {};
      for (const o of orders.values())
        if (o.posts) for (const l of o.lines) want[l.sku] = (want[l.sku] ?? 0) + l.qty;
      for (const i of invoices.values())
        if (i.posts) for (const l of i.lines) want[l.sku] = (want[l.sku] ?? 0) - l.qty;
      return Object.fromEntries(Object.entries(want).filter(([, q]) => q !== 0));
    };
    const settleBy = Date.now() + 120_000;
    for (;;) {
      await sim.webhooks.idle();
      const [waiting] = await db
        .select({ n: count() })
        .from(customerOutbox)
        .where(inArray(customerOutbox.status, ['pending']));
      const ledgerDone = JSON.stringify(await onHandBySku(db)) === JSON.stringify(sortKeys(expectedOnHand()));
      const agreed = await customersAgree(db, sim);
      if (waiting!.n === 0 && ledgerDone && agreed.length === 0) break;
      if (Date.now() > settleBy) break;
      await sleep(1_000);
    }

    // The ledger: exactly what the documents imply, each movement once, balances equal to movements.
    expect(await onHandBySku(db)).toEqual(sortKeys(expectedOnHand()));
    const doubled = await db.execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM (
        SELECT document_id, line_no, item_id, seq FROM stock_movements GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d`);
    expect(doubled.rows[0]!.n).toBe(0);
    const drift = await db.execute<{ sku: string }>(sql`
      SELECT i.sku FROM items i LEFT JOIN stock_balances b ON b.item_id = i.id
       WHERE coalesce(b.on_hand, 0) <> coalesce((SELECT sum(qty) FROM stock_movements m WHERE m.item_id = i.id), 0)`);
    expect(drift.rows).toEqual([]);
    expect(await movementCount(db)).toBeGreaterThan(0);

    // The outbox: nothing waiting, nothing given up.
    const left = await db
      .select()
      .from(customerOutbox)
      .where(inArray(customerOutbox.status, ['pending', 'failed']));
    expect(left).toEqual([]);

    // The mappings: each local customer once in ERPNext and each ERPNext customer once here, agreeing.
    const local = await db.select().from(customers);
    const localByName = groupBy(local, (c) => c.name);
    for (const name of answeredCreates) expect(localByName.get(name)?.length, name).toBe(1);
    for (const [name, rows] of localByName) expect(rows.length, `local customers named ${name}`).toBe(1);
    const remote = sim.site.all('Customer');
    for (const [name, docs] of groupBy(remote, (d) => String(d.customer_name)))
      expect(docs.length, `ERPNext customers named ${name}`).toBe(1);
    expect(remote.length).toBe(local.length);
    const states = await db.select().from(customerSyncStates);
    expect(states.filter((s) => !s.erpnextName)).toEqual([]);
    const mapped = groupBy(states, (s) => s.erpnextName!);
    for (const name of remoteNames) expect(mapped.get(name)?.length, `customers mapped to ${name}`).toBe(1);
    expect(new Set(states.map((s) => s.erpnextName)).size).toBe(remote.length);
    for (const doctype of ['Address', 'Contact']) {
      const linked = sim.site
        .all(doctype)
        .flatMap((d) => ((d.links as { link_name: string }[] | undefined) ?? []).map((l) => l.link_name));
      for (const [customer, docs] of groupBy(linked, (l) => l))
        expect(docs.length, `${doctype} documents of ${customer}`).toBe(1);
    }
    expect(await customersAgree(db, sim)).toEqual([]);

    // Every webhook was answered by a live worker without a server error (a dead one refuses the connection).
    expect(sim.webhooks.log.filter((a) => (a.status ?? 0) >= 500)).toEqual([]);

    // Runs: none failed for a reason other than a worker going away.
    const failed = await db
      .select({ job: syncRuns.job, error: syncRuns.error })
      .from(syncRuns)
      .where(eq(syncRuns.status, 'failed'));
    expect(failed.filter((r) => !/^Interrupted/.test(r.error ?? ''))).toEqual([]);
    process.stdout.write(
      `soak: ${kills} kills, ${local.length} customers, ${orders.size + invoices.size} documents, ` +
        `${await movementCount(db)} movements, ${failed.length} interrupted runs\n`,
    );
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Customers whose name or website differ between the two sides (or that one side lacks). */
async function customersAgree(db: TestDatabase['db'], sim: ErpNextSimulator): Promise<string[]> {
  const rows = await db
    .select({ name: customers.name, website: customers.website, erpnextName: customerSyncStates.erpnextName })
    .from(customers)
    .leftJoin(customerSyncStates, eq(customerSyncStates.customerId, customers.id));
  const remote = new Map(sim.site.all('Customer').map((d) => [d.name, d]));
  const differ: string[] = [];
  for (const row of rows) {
    const doc = row.erpnextName ? remote.get(row.erpnextName) : undefined;
    if (!doc || doc.customer_name !== row.name || (doc.website ?? null) !== row.website)
      differ.push(row.name);
  }
  return differ;
}
