import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInitialImport } from '../../src/sync/payamgostar-siagh/initial-import.js';
import { importStatus } from '../../src/sync/payamgostar-siagh/progress.js';
import { insertMapping, mappingBySiaghId } from '../../src/sync/payamgostar-siagh/store.js';
import type { FlowDeps } from '../../src/sync/payamgostar-siagh/context.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';
import { startSiaghSim, type SiaghSim } from '../sim/siagh/server.js';
import { flowDeps, recordedRun, stopDeps, until } from './harness.js';

const createPaths = ['/api/v2/crmobject/person/create', '/api/v2/crmobject/organization/create'];

describe.each(databaseKinds)('initial import Siagh → CRM on %s', (kind) => {
  let db: TestDatabase;
  let crmSim: PayamgostarSimulator;
  let siaghSim: SiaghSim;
  let deps: FlowDeps | undefined;

  beforeEach(async () => {
    [db, crmSim, siaghSim] = await Promise.all([
      createTestDatabase(kind),
      startPayamgostarSimulator({ seed: 5 }),
      startSiaghSim({ seed: 11, contactCount: 40, adminCount: 3 }),
    ]);
  });
  afterEach(async () => {
    await stopDeps(deps);
    deps = undefined;
    await Promise.all([db?.close(), crmSim?.close(), siaghSim?.close()]);
  });

  const crmCustomers = () => crmSim.crm.listIdentities().filter((r) => r.customerNumber);
  const numbersOf = (rows: Record<string, unknown>[]) => rows.map((r) => r.customerNumber as string).sort();

  it('skips admin users and what is mapped, links existing CRM customers by number, creates the rest', async () => {
    const linkedA = crmSim.salesperson.createPerson({ customerNumber: '100-1010' });
    const linkedB = crmSim.salesperson.createOrganization({ customerNumber: '100-1011' });
    const mapped = crmSim.salesperson.createPerson({ customerNumber: '100-1012' });
    const crmOnly = crmSim.salesperson.createPerson({ nickName: 'فقط در CRM' });
    await insertMapping(db.db, {
      entityType: 'customer',
      crmId: mapped.crmId as string,
      siaghId: '12',
      state: 'synced',
    });
    deps = flowDeps(db.db, crmSim, siaghSim);

    const run = await recordedRun(db.db, 'payamgostar-siagh.initial-import', (ctx) =>
      runInitialImport(deps!, ctx),
    );
    expect(run.status).toBe('succeeded');
    expect(run.counters).toMatchObject({ created: 34, unchanged: 3, skipped: 3, failed: 0 });

    const expected = Array.from({ length: 37 }, (_, i) => `100-${1004 + i}`);
    expect(numbersOf(crmCustomers())).toEqual(expected.sort());
    const created = crmCustomers().filter(
      (r) => ![linkedA, linkedB, mapped].some((x) => x.crmId === r.crmId),
    );
    expect(created).toHaveLength(34);
    // Admin users (codes 1–3) stay out; the CRM-only customer is left alone.
    expect(crmSim.crm.identity(crmOnly.crmId as string)!.record.customerNumber).toBeNull();
    for (const code of [10, 11])
      expect(await mappingBySiaghId(db.db, 'customer', code)).toMatchObject({
        crmId: (code === 10 ? linkedA : linkedB).crmId,
        state: 'synced',
      });
    // A created customer carries Siagh's fields, its type, and Siagh's tmpid as refId when Siagh gave one.
    const contact = siaghSim.contacts.get(20)!;
    const row = (await mappingBySiaghId(db.db, 'customer', 20))!;
    const record = crmSim.crm.identity(row.crmId!)!;
    expect(record.kind).toBe(contact.TowardType ? 'organization' : 'person');
    expect(record.record).toMatchObject({
      nickName: contact.Name,
      customerNumber: '100-1020',
      nationalCode: contact.NationalCode,
      refId: contact.tmpid ?? null,
    });
    expect(await importStatus(db.db)).toMatchObject({
      state: 'finished',
      processed: 40,
      total: 40,
      percent: 100,
      counts: { created: 34, linked: 2, alreadyMapped: 1, adminUsers: 3, failed: 0 },
    });

    const again = await recordedRun(db.db, 'payamgostar-siagh.initial-import', (ctx) =>
      runInitialImport(deps!, ctx),
    );
    expect(again.counters.created).toBe(0);
    const restarted = await recordedRun(db.db, 'payamgostar-siagh.initial-import', (ctx) =>
      runInitialImport(deps!, ctx, { restart: true }),
    );
    expect(restarted.counters).toMatchObject({ created: 0, unchanged: 37, skipped: 3 });
    expect(crmCustomers()).toHaveLength(37);
  });

  it('reports a contact that does not read, and one the CRM refuses, without stopping the rest', async () => {
    await siaghSim.close();
    siaghSim = await startSiaghSim({ seed: 11, contactCount: 12, adminCount: 1, malformedEvery: 5 });
    crmSim.salesperson.createPerson({ customerNumber: '100-1007' });
    crmSim.salesperson.createPerson({ customerNumber: '100-1007' });
    deps = flowDeps(db.db, crmSim, siaghSim);
    const run = await recordedRun(db.db, 'payamgostar-siagh.initial-import', (ctx) =>
      runInitialImport(deps!, ctx),
    );
    expect(run.status).toBe('partial');
    // Contacts 5 and 10 come with a Code that is not a number; 7's customer number is on two CRM customers.
    expect(run.counters).toMatchObject({ created: 8, skipped: 1, failed: 3 });
    const events = await db.db.execute<{ message: string }>(
      sql`SELECT message FROM sync_run_events WHERE run_id = ${run.runId} AND level = 'error' ORDER BY id`,
    );
    expect(events.rows.map((e) => e.message)).toEqual([
      expect.stringMatching(/C-5.*does not read as a contact/),
      expect.stringMatching(/Siagh contact 7 .*the CRM has 2 customers with customer number 100-1007/),
      expect.stringMatching(/C-10.*does not read as a contact/),
    ]);
  });

  it('resumes after the import process is killed mid-way, finding what it had created instead of creating it twice', async () => {
    await siaghSim.close();
    siaghSim = await startSiaghSim({ seed: 11, contactCount: 120, adminCount: 2 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./import-process.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          CRASH_DATABASE_URL: db.url,
          CRASH_CRM_URL: crmSim.url,
          CRASH_CRM_USERNAME: crmSim.username,
          CRASH_CRM_PASSWORD: crmSim.password,
          CRASH_SIAGH_URL: siaghSim.url,
          CRASH_SIAGH_USERNAME: siaghSim.users[0]!.userName,
          CRASH_SIAGH_PASSWORD: siaghSim.users[0]!.password,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const creates = () => crmSim.requests.filter((r) => createPaths.includes(r.path)).length;
    await until(
      '20 creates',
      () => {
        if (child.exitCode !== null) throw new Error('the import ended before it could be killed');
        return creates() >= 20 ? true : undefined;
      },
      60_000,
    );
    // The next creates are carried out by the CRM but answered late: the process dies before it hears of them.
    crmSim.slowNext(5_000, 4);
    const before = creates();
    await until('4 more creates sent', () => (creates() >= before + 4 ? true : undefined));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const unfinished = await db.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM payamgostar_siagh_mappings WHERE crm_id IS NULL`,
    );
    expect(unfinished.rows[0]!.n).toBeGreaterThanOrEqual(4);
    expect((await importStatus(db.db)).processed).toBeLessThan(118);

    deps = flowDeps(db.db, crmSim, siaghSim);
    const run = await recordedRun(db.db, 'payamgostar-siagh.initial-import', (ctx) =>
      runInitialImport(deps!, ctx),
    );
    expect(run.status).toBe('succeeded');
    const status = await importStatus(db.db);
    expect(status.counts!.linked).toBeGreaterThanOrEqual(4);
    expect(status.counts!.created + status.counts!.linked + status.counts!.alreadyMapped).toBe(118);

    const numbers = numbersOf(crmCustomers());
    expect(numbers).toHaveLength(118);
    expect(new Set(numbers).size).toBe(118);
    const rows = await db.db.execute<{ n: number; linked: number }>(
      sql`SELECT count(*)::int AS n, count(crm_id)::int AS linked FROM payamgostar_siagh_mappings WHERE state = 'synced'`,
    );
    expect(rows.rows[0]).toEqual({ n: 118, linked: 118 });
  });
});
