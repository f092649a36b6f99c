import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDeps } from '../../src/sync/payamgostar-siagh/context.js';
import { syncCustomer } from '../../src/sync/payamgostar-siagh/customer-sync.js';
import { syncQuote } from '../../src/sync/payamgostar-siagh/quote-sync.js';
import { mappingByCrmId } from '../../src/sync/payamgostar-siagh/store.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';
import { startSiaghSim, type SiaghSim } from '../sim/siagh/server.js';
import { flowDeps, lookupPath, recordedRun, stopDeps } from './harness.js';

describe.each(databaseKinds)('CRM quotes → Siagh pre-invoices on %s', (kind) => {
  let db: TestDatabase;
  let crmSim: PayamgostarSimulator;
  let siaghSim: SiaghSim;
  let deps: FlowDeps | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.db.execute(sql`TRUNCATE payamgostar_siagh_mappings, payamgostar_siagh_log`);
    [crmSim, siaghSim] = await Promise.all([
      startPayamgostarSimulator({ seed: 8 }),
      startSiaghSim({ seed: 9, contactCount: 10, adminCount: 1 }),
    ]);
  });
  afterEach(async () => {
    await stopDeps(deps);
    deps = undefined;
    await Promise.all([crmSim.close(), siaghSim.close()]);
  });

  const lines = [
    { productCode: '500102014', unit: 'عدد', count: 2, unitPrice: 2_500_000, discount: 100_000 },
    { productCode: 'Product-1', unit: 'قطعه', count: 3, unitPrice: 720_000 },
  ];
  const run = (quoteId: string) =>
    recordedRun(db.db, 'payamgostar-siagh.quote', (ctx) => syncQuote(deps!, ctx, quoteId));
  const messages = async (runId: string) =>
    (
      await db.db.execute<{ level: string; message: string }>(
        sql`SELECT level, message FROM sync_run_events WHERE run_id = ${runId} ORDER BY id`,
      )
    ).rows;

  it('syncs the customer first, then makes one pre-invoice whose number is read from the Persian text', async () => {
    deps = flowDeps(db.db, crmSim, siaghSim);
    const customer = crmSim.salesperson.createPerson({ nickName: 'مشتری پنج', customerNumber: '100-1005' });
    const quote = crmSim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 5,
      subject: 'شیر گاز',
      lines,
    });
    const first = await run(quote.crmId as string);
    expect(first).toMatchObject({ status: 'succeeded', counters: { created: 1 } });
    expect(siaghSim.preInvoices).toHaveLength(1);
    const made = siaghSim.preInvoices[0]!;
    expect(made).toMatchObject({ number: 2488, customerCode: 5, fiscalYear: siaghSim.knobs.fiscalYear });
    expect(made.header).toMatchObject({
      'sl_sanad.codesalemodel': '5',
      'sl_sanad.codemoshtari': '5',
      'sl_sanad.tozihat': `CRM quote ${quote.number as string} — شیر گاز`,
    });
    expect(made.lines).toEqual([
      { itemCode: '500102014', unitName: 'عدد', quantity: 2, price: 2_500_000, discount: 100_000, row: '1' },
      { itemCode: 'Product-1', unitName: 'قطعه', quantity: 3, price: 720_000, discount: 0, row: '2' },
    ]);
    const mapping = (await mappingByCrmId(db.db, 'pre-invoice', quote.crmId as string))!;
    // 2488 comes from "… با موفقیت به شماره 2488 ثبت گردید"; Siagh's ReturnCode is an internal id.
    expect(mapping).toMatchObject({ siaghId: '2488', state: 'synced', suid: made.suid });
    expect(mapping.siaghState).toMatchObject({ number: 2488, internalId: String(made.internalId) });
    expect(await mappingByCrmId(db.db, 'customer', customer.crmId as string)).toMatchObject({ siaghId: '5' });

    const again = await run(quote.crmId as string);
    expect(again.counters).toMatchObject({ created: 0, unchanged: 1 });
    crmSim.salesperson.editQuote(quote.crmId as string, { subject: 'تغییر بعد از صدور' });
    const edited = await run(quote.crmId as string);
    expect((await messages(edited.runId)).filter((m) => m.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(/changed in the CRM after pre-invoice 2488 was made from it/),
      },
    ]);
    expect(siaghSim.preInvoices).toHaveLength(1);
  });

  it('finds the pre-invoice a timed-out attempt made instead of making a second, in the same run or a later one', async () => {
    const customer = crmSim.salesperson.createPerson({ nickName: 'مشتری سه', customerNumber: '100-1003' });
    deps = flowDeps(db.db, crmSim, siaghSim, { siagh: { timeoutMs: 600 } });
    await recordedRun(db.db, 'payamgostar-siagh.customer', (ctx) =>
      syncCustomer(deps!, ctx, customer.crmId as string),
    );
    // Siagh saves at once but answers after the time limit: the attempt times out, the pre-invoice exists.
    siaghSim.delaySaves({ ms: 1_500, commit: 'before-delay', count: 1 });
    const retried = crmSim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 2,
      lines,
    });
    const inRun = await run(retried.crmId as string);
    expect(inRun).toMatchObject({ status: 'succeeded', counters: { created: 1 } });
    expect(siaghSim.preInvoices).toHaveLength(1);
    expect((await messages(inRun.runId)).map((m) => m.message)).toContainEqual(
      expect.stringMatching(/was already made from quote .* by an earlier attempt \(found by its suid/),
    );
    await stopDeps(deps);

    // Without retries the run fails, and the suid kept in the mapping lets the next run find what was made.
    siaghSim.delaySaves({ ms: 1_500, commit: 'before-delay', count: 1 });
    deps = flowDeps(db.db, crmSim, siaghSim, { siagh: { timeoutMs: 600, retries: 0 } });
    const later = crmSim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 2,
      lines,
    });
    const failed = await run(later.crmId as string);
    expect(failed.status).toBe('partial');
    expect(await mappingByCrmId(db.db, 'pre-invoice', later.crmId as string)).toMatchObject({
      state: 'creating',
      siaghId: null,
      suid: siaghSim.preInvoices[1]!.suid,
    });
    const lookupsBefore = siaghSim.requests.filter((r) => r.path === lookupPath).length;
    const next = await run(later.crmId as string);
    expect(next.status).toBe('succeeded');
    expect(siaghSim.preInvoices).toHaveLength(2);
    expect(siaghSim.requests.filter((r) => r.path === lookupPath).length).toBe(lookupsBefore + 1);
    expect(await mappingByCrmId(db.db, 'pre-invoice', later.crmId as string)).toMatchObject({
      state: 'synced',
      siaghId: String(siaghSim.preInvoices[1]!.number),
    });
  });

  it("lets a quote wait for a customer that cannot be synced, and keeps Siagh's refusal in its words", async () => {
    deps = flowDeps(db.db, crmSim, siaghSim);
    const customer = crmSim.salesperson.createPerson({ nickName: 'نام | نادرست' });
    const quote = crmSim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 5,
      lines,
    });
    const waiting = await run(quote.crmId as string);
    expect(waiting.status).toBe('partial');
    expect(await mappingByCrmId(db.db, 'pre-invoice', quote.crmId as string)).toMatchObject({
      state: 'waiting',
      reason: expect.stringMatching(/its customer .* is not in Siagh yet: .*contains a "\|"/),
    });
    expect(siaghSim.preInvoices).toHaveLength(0);

    crmSim.salesperson.editIdentity(customer.crmId as string, { nickName: 'نام درست' });
    const made = await run(quote.crmId as string);
    expect(made.counters.created).toBe(2);
    expect(siaghSim.preInvoices).toHaveLength(1);

    const unknownItem = crmSim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 5,
      lines: [{ productCode: 'NO-SUCH-ITEM', count: 1, unitPrice: 10 }],
    });
    const refused = await run(unknownItem.crmId as string);
    expect(refused.status).toBe('partial');
    expect(await mappingByCrmId(db.db, 'pre-invoice', unknownItem.crmId as string)).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('کالا با کد NO-SUCH-ITEM تعریف نشده است'),
    });
    const unchanged = await run(unknownItem.crmId as string);
    expect(unchanged.counters).toMatchObject({ failed: 0, skipped: 1 });
    expect(siaghSim.preInvoices).toHaveLength(1);
  });
});
