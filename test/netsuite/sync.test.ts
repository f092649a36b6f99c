import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { beginRun, runEvents } from '../../src/jobs/runs.js';
import type { RunContext, Trigger } from '../../src/jobs/types.js';
import { netsuiteOpmsPriceChanges, netsuiteOpmsQuarantine } from '../../src/models/index.js';
import type { NetSuiteClient } from '../../src/connectors/netsuite/client.js';
import type { OpmsDatabase } from '../../src/connectors/opms/client.js';
import {
  runForceFullSync,
  runIncrementalSync,
  runInitialSync,
  runManualSync,
  runSingleItemSync,
  type PriceSyncDeps,
} from '../../src/sync/netsuite-to-opms/passes.js';
import { initialSyncStatus } from '../../src/sync/netsuite-to-opms/progress.js';
import {
  checkpointNames,
  readCheckpoint,
  type IncrementalCheckpoint,
  type InitialCheckpoint,
} from '../../src/sync/netsuite-to-opms/store.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import type { SimItem } from '../sim/netsuite/items.js';
import { startMariaDb, type MariaDbServer } from '../sim/opms/mariadb.js';
import { opmsValuesOf } from '../sim/opms/schema.js';
import { oauth2Client, opmsDatabase, seedOpms, silentLog, simWithAuth, syncDeps } from './setup.js';

async function run(
  db: TestDatabase,
  job: string,
  work: (ctx: RunContext) => Promise<unknown>,
  options: { trigger?: Trigger; signal?: AbortSignal } = {},
) {
  const recorder = await beginRun(db.db, silentLog, {
    job,
    trigger: options.trigger ?? 'manual',
    signal: options.signal ?? new AbortController().signal,
  });
  let error: unknown;
  try {
    await work(recorder);
  } catch (caught) {
    error = caught;
  }
  const status = await recorder.finish(error);
  return { status, counters: { ...recorder.counters }, runId: recorder.runId, error };
}

const expectOpmsMatches = async (url: string, item: SimItem) => {
  const values = await opmsValuesOf(url, item.itemid);
  const money = (n: number | undefined) => (n ?? 0).toFixed(2);
  expect(values).toEqual({
    p_res_cut: money(item.prices.get(1)),
    p_hosp_roll: money(item.prices.get(5)),
    cost_cut: money(item.cost),
    cost_roll: money(item.custitem_f3_rollprice),
  });
};

describe.each(databaseKinds)('NetSuite → OPMS price sync on %s', (kind) => {
  let maria: MariaDbServer;
  let db: TestDatabase;
  let sim: NetSuiteSim;
  let client: NetSuiteClient;
  let opms: OpmsDatabase;
  let deps: PriceSyncDeps;
  let opmsUrl: string;
  let nextDb = 0;

  beforeAll(async () => {
    // Creating a database is the slow part here: one per suite, the sync's tables emptied between tests.
    [maria, db] = await Promise.all([startMariaDb({ database: 'unused' }), createTestDatabase(kind)]);
  });
  afterAll(async () => {
    await Promise.all([maria.close(), db.close()]);
  });

  beforeEach(async () => {
    // One OPMS database per test on the shared server: fresh rows, no server start-up per test.
    const name = `opms_${kind}_${nextDb++}`;
    const admin = await mysql.createConnection({ host: maria.host, port: maria.port, user: 'root' });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    opmsUrl = `mysql://root@${maria.host}:${maria.port}/${name}`;
    sim = await simWithAuth({ itemCount: 60, seed: 7 });
    await seedOpms(opmsUrl, sim.items);
    await db.db.execute(
      sql`TRUNCATE netsuite_opms_checkpoints, netsuite_opms_price_changes, netsuite_opms_webhook_receipts, netsuite_opms_quarantine, netsuite_opms_item_states`,
    );
    client = oauth2Client(sim);
    opms = opmsDatabase(opmsUrl);
    deps = syncDeps(db.db, client, opms);
  });
  afterEach(async () => {
    await Promise.all([client.stop(), opms.close(), sim.close()]);
  });

  it('initial sync writes every price, skips flagged items, quarantines a bad value and writes the rest', async () => {
    const flagged = sim.items[3]!;
    sim.editItem(flagged.id, { skip: true });
    const bad = sim.items[10]!;
    sim.editItem(bad.id, { cost: -4 });
    const result = await run(db, 'netsuite-to-opms.initial', (ctx) => runInitialSync(deps, ctx));
    expect(result.status).toBe('partial');
    expect(result.counters).toMatchObject({ updated: 58, skipped: 1, failed: 1 });

    for (const item of sim.items)
      if (item !== flagged && item !== bad) await expectOpmsMatches(opmsUrl, item);
    expect(await opmsValuesOf(opmsUrl, flagged.itemid)).toEqual({
      p_res_cut: '1.00',
      p_hosp_roll: '2.00',
      cost_cut: '3.00',
      cost_roll: '4.00',
    });
    expect(await opmsValuesOf(opmsUrl, bad.itemid)).toEqual({
      p_res_cut: '1.00',
      p_hosp_roll: '2.00',
      cost_cut: '3.00',
      cost_roll: '4.00',
    });

    const [quarantined] = await db.db.select().from(netsuiteOpmsQuarantine);
    expect(quarantined).toMatchObject({ itemId: String(bad.id), itemCode: bad.itemid });
    expect(quarantined!.reason).toMatch(/cost is negative \(-4\)/);
    const events = await runEvents(db.db, result.runId);
    expect(events.some((e) => e.level === 'warn' && e.entity === `item:${bad.itemid}`)).toBe(true);

    // Audit: one row per value changed, old and new, run and trigger.
    const audit = await db.db
      .select()
      .from(netsuiteOpmsPriceChanges)
      .where(eq(netsuiteOpmsPriceChanges.itemCode, sim.items[0]!.itemid));
    expect(audit.map((a) => a.target).sort()).toEqual([
      'cost.cost_cut',
      'cost.cost_roll',
      'price.p_hosp_roll',
      'price.p_res_cut',
    ]);
    expect(audit.find((a) => a.target === 'price.p_res_cut')).toMatchObject({
      field: 'price_1_',
      oldValue: '1.00',
      runId: result.runId,
      trigger: 'manual',
    });

    const status = await initialSyncStatus(db.db);
    expect(status).toMatchObject({ state: 'finished', processed: 60, total: 60, percent: 100, pages: 3 });
    expect(status.itemsPerSecond).toBeGreaterThan(0);

    // Fixed in NetSuite: the next pass writes it and ends the quarantine; nothing else is written again.
    sim.editItem(bad.id, { cost: 12.5 });
    const writesBefore = opms.writesCommitted;
    const again = await run(db, 'netsuite-to-opms.force-full', (ctx) => runForceFullSync(deps, ctx));
    expect(again.counters).toMatchObject({ updated: 1, unchanged: 58, skipped: 1, failed: 0 });
    expect(opms.writesCommitted - writesBefore).toBe(1);
    await expectOpmsMatches(opmsUrl, sim.items[10]!);
    expect(await db.db.select().from(netsuiteOpmsQuarantine)).toEqual([]);
  });

  it('resumes an interrupted initial sync after the last committed page without re-reading finished pages', async () => {
    // A NetSuite failure the client does not retry stops the pass at page 3 (its request is the third).
    const failing = oauth2Client(sim, { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    const failingDeps = { ...deps, netsuite: failing, pageSize: 10 };
    sim.refuseNext(1, 429, 2);
    const first = await run(db, 'netsuite-to-opms.initial', (ctx) => runInitialSync(failingDeps, ctx));
    expect(first.status).toBe('failed');
    const saved = await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial);
    expect(saved).toMatchObject({
      status: 'running',
      processed: 20,
      pages: 2,
      lastItemId: sim.items[19]!.id,
    });
    expect((await initialSyncStatus(db.db)).state).toBe('interrupted');
    for (const item of sim.items.slice(0, 20)) await expectOpmsMatches(opmsUrl, item);
    expect(await opmsValuesOf(opmsUrl, sim.items[20]!.itemid)).toMatchObject({ p_res_cut: '1.00' });

    const requestsBefore = sim.stats.suiteqlRequests;
    const second = await run(db, 'netsuite-to-opms.initial', (ctx) =>
      runInitialSync({ ...deps, pageSize: 10 }, ctx),
    );
    expect(second.status).toBe('succeeded');
    expect(second.counters.updated + second.counters.skipped).toBe(40);
    expect(sim.stats.suiteqlRequests - requestsBefore).toBe(4);
    for (const item of sim.items.filter((i) => !i.custitemf3_lisa_item))
      await expectOpmsMatches(opmsUrl, item);
    // No item changed twice: finished pages were not rewritten.
    const perItem = await db.db.execute<{ item_id: string; n: number }>(
      sql`SELECT item_id, count(*)::int AS n FROM netsuite_opms_price_changes WHERE target = 'price.p_res_cut' GROUP BY item_id HAVING count(*) > 1`,
    );
    expect(perItem.rows).toEqual([]);
    expect(await initialSyncStatus(db.db)).toMatchObject({ state: 'finished', processed: 60, total: 60 });
    await failing.stop();
  });

  it.runIf(kind === 'postgres')('resumes after the worker process is killed mid-pass (SIGKILL)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./initial-sync-process.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          CRASH_DATABASE_URL: db.url,
          CRASH_NETSUITE_URL: sim.url,
          CRASH_ACCOUNT_ID: sim.accountId,
          CRASH_OPMS_URL: opmsUrl,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    // Killed as soon as two pages are committed, while it works on the next.
    for (;;) {
      const cp = await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial);
      if (cp && cp.pages >= 2) break;
      if (child.exitCode !== null) throw new Error('the sync process ended before it could be killed');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const crashed = (await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial))!;
    expect(crashed.status).toBe('running');
    expect(crashed.processed).toBeLessThan(60);

    const resumed = await run(db, 'netsuite-to-opms.initial', (ctx) =>
      runInitialSync({ ...deps, pageSize: 10 }, ctx),
    );
    expect(resumed.status).toBe('succeeded');
    expect(client.requestsSent).toBe(Math.ceil((60 - crashed.processed) / 10));
    for (const item of sim.items.filter((i) => !i.custitemf3_lisa_item))
      await expectOpmsMatches(opmsUrl, item);
    // Items of committed pages were not written again by the resumed run.
    const rewritten = await db.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM netsuite_opms_price_changes WHERE run_id = ${resumed.runId} AND item_id::int <= ${crashed.lastItemId}`,
    );
    expect(rewritten.rows[0]!.n).toBe(0);
    expect(await initialSyncStatus(db.db)).toMatchObject({ state: 'finished', processed: 60 });
  });

  it('stops at a page boundary when the worker shuts down, and continues from there', async () => {
    const controller = new AbortController();
    let pages = 0;
    const first = await run(
      db,
      'netsuite-to-opms.initial',
      async (ctx) => {
        const progress = ctx.progress.bind(ctx);
        ctx.progress = async (p) => {
          await progress(p);
          if (++pages === 1) controller.abort(new Error('shutting down'));
        };
        await runInitialSync(deps, ctx);
      },
      { signal: controller.signal },
    );
    expect(first.status).toBe('failed');
    expect(String((first.error as Error).message)).toMatch(/safe point/);
    expect(await readCheckpoint<InitialCheckpoint>(db.db, checkpointNames.initial)).toMatchObject({
      processed: 25,
      pages: 1,
    });
    const second = await run(db, 'netsuite-to-opms.initial', (ctx) => runInitialSync(deps, ctx));
    expect(second.counters.updated + second.counters.skipped + second.counters.unchanged).toBe(35);
  });

  it('scheduled incremental pass picks up an edit made inside the overlap window and leaves the rest alone', async () => {
    await run(db, 'netsuite-to-opms.initial', (ctx) => runInitialSync(deps, ctx));
    const cursor = (await readCheckpoint<IncrementalCheckpoint>(db.db, checkpointNames.incremental))!;
    const cursorAt = new Date(cursor.modifiedThrough).getTime();
    // Committed late: its last-modified time is before the cursor, but within the 10-minute overlap.
    const late = sim.editItem(sim.items[5]!.id, { prices: { 1: 77.7 } }, cursorAt - 2 * 60_000);
    const recent = sim.editItem(sim.items[6]!.id, { cost: 9.99 }, cursorAt + 60_000);
    const writesBefore = opms.writesCommitted;
    const result = await run(db, 'netsuite-to-opms.incremental', (ctx) => runIncrementalSync(deps, ctx), {
      trigger: 'schedule',
    });
    expect(result.counters).toMatchObject({ updated: 2, failed: 0 });
    expect(opms.writesCommitted - writesBefore).toBe(1);
    await expectOpmsMatches(opmsUrl, late);
    await expectOpmsMatches(opmsUrl, recent);
    const next = (await readCheckpoint<IncrementalCheckpoint>(db.db, checkpointNames.incremental))!;
    expect(new Date(next.modifiedThrough).getTime()).toBe(Math.floor(recent.lastModified / 1000) * 1000);

    // The next pass re-reads the overlap but those items were already applied: nothing is written.
    const again = await run(db, 'netsuite-to-opms.incremental', (ctx) => runIncrementalSync(deps, ctx), {
      trigger: 'schedule',
    });
    expect(again.counters).toMatchObject({ updated: 0, unchanged: 2 });
    expect(opms.writesCommitted - writesBefore).toBe(1);
  });

  it('manual sync of listed ids and of a date range; unknown ids are reported', async () => {
    const [a, b] = [sim.items[1]!, sim.items[2]!];
    const named = await run(db, 'netsuite-to-opms.manual', (ctx) =>
      runManualSync(deps, ctx, { itemIds: [String(a.id), String(b.id), '99'] }),
    );
    expect(named.counters).toMatchObject({ updated: 2, failed: 1 });
    expect(
      (await runEvents(db.db, named.runId)).some(
        (e) => e.level === 'error' && /internal id 99/.test(e.message),
      ),
    ).toBe(true);
    await expectOpmsMatches(opmsUrl, a);

    const at = Date.now() - 5 * 60_000;
    const edited = sim.editItem(sim.items[30]!.id, { prices: { 5: 300 } }, at);
    const ranged = await run(db, 'netsuite-to-opms.manual', (ctx) =>
      runManualSync(deps, ctx, {
        from: new Date(at - 1000).toISOString(),
        to: new Date(at + 1000).toISOString(),
      }),
    );
    expect(ranged.counters).toMatchObject({ updated: 1 });
    await expectOpmsMatches(opmsUrl, edited);
  });

  it('single item: webhook values applied, an older delivery after a newer one is not', async () => {
    const item = sim.items[8]!;
    const newer = {
      itemId: String(item.id),
      itemCode: item.itemid,
      modifiedAt: new Date('2026-05-01T10:00:00Z'),
      skip: false,
      values: { price_1_: 50, price_1_5: 90, cost: 20, custitem_f3_rollprice: 25 },
    };
    const first = await run(
      db,
      'netsuite-to-opms.item',
      (ctx) => runSingleItemSync(deps, ctx, { itemId: newer.itemId, snapshot: newer }),
      { trigger: 'webhook' },
    );
    expect(first.counters.updated).toBe(1);
    const older = {
      ...newer,
      modifiedAt: new Date('2026-05-01T09:00:00Z'),
      values: { ...newer.values, price_1_: 10 },
    };
    const second = await run(
      db,
      'netsuite-to-opms.item',
      (ctx) => runSingleItemSync(deps, ctx, { itemId: older.itemId, snapshot: older }),
      { trigger: 'webhook' },
    );
    expect(second.counters).toMatchObject({ updated: 0, unchanged: 1 });
    expect(await opmsValuesOf(opmsUrl, item.itemid)).toEqual({
      p_res_cut: '50.00',
      p_hosp_roll: '90.00',
      cost_cut: '20.00',
      cost_roll: '25.00',
    });

    // Without values the item is read from NetSuite.
    const fetched = await run(db, 'netsuite-to-opms.item', (ctx) =>
      runSingleItemSync(deps, ctx, { itemId: String(item.id) }),
    );
    expect(fetched.counters.updated).toBe(1);
    await expectOpmsMatches(opmsUrl, item);
  });
});
