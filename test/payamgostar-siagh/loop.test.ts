/**
 * Loop prevention end to end: both simulators with each other's notifications wired to the worker — the CRM's
 * webhook on every insert and update (ours included), Siagh's contact-saved notification on every save (ours
 * included). Every change must be applied once, and nothing may come back.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mappingByCrmId, mappingBySiaghId } from '../../src/sync/payamgostar-siagh/store.js';
import { databaseKinds } from '../helpers/databases.js';
import { contactSaves, until } from './harness.js';
import { startFlowWorker, type FlowWorker } from './worker.js';

const crmWritePaths = [
  '/api/v2/crmobject/person/create',
  '/api/v2/crmobject/organization/create',
  '/api/v2/crmobject/person/update',
  '/api/v2/crmobject/organization/update',
];

describe.each(databaseKinds)('loop prevention with both systems notifying on %s', (kind) => {
  let w: FlowWorker;
  const db = () => w.tw.database.db;
  const crmWrites = () => w.crmSim.requests.filter((r) => crmWritePaths.includes(r.path)).length;
  const siaghSaves = () => contactSaves(w.siaghSim).length;
  const drifts = async () =>
    (
      await db().execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM payamgostar_siagh_log WHERE action = 'drift'`,
      )
    ).rows[0]!.n;
  /** What a step wrote to each system, once everything it set off has settled. */
  const writesOf = async (step: () => unknown) => {
    const before = { crm: crmWrites(), siagh: siaghSaves(), drift: await drifts() };
    await step();
    await w.settled();
    return {
      crm: crmWrites() - before.crm,
      siagh: siaghSaves() - before.siagh,
      drift: (await drifts()) - before.drift,
    };
  };

  beforeAll(async () => {
    w = await startFlowWorker(kind, { siagh: { contactCount: 20, adminCount: 2 }, siaghNotifications: true });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('imports Siagh into the CRM once; the CRM echoes every create, and none comes back to Siagh', async () => {
    const writes = await writesOf(async () => expect((await w.runJob('/initial')).status).toBe('succeeded'));
    expect(writes).toEqual({ crm: 18, siagh: 0, drift: 0 });
    expect(w.crmSim.webhooks.deliveries.filter((d) => d.event === 'Insert')).toHaveLength(18);
  });

  it('a customer created in the CRM is created in Siagh once and numbered in the CRM once; both echoes stop', async () => {
    let id = '';
    const writes = await writesOf(async () => {
      id = w.crmSim.salesperson.createPerson({ nickName: 'مشتری حلقه', nationalCode: '0011223344' })
        .crmId as string;
      await until(
        'created in Siagh',
        async () => (await mappingByCrmId(db(), 'customer', id))?.siaghId ?? undefined,
      );
    });
    // Siagh: the create. CRM: the customer number written back.
    expect(writes).toEqual({ crm: 1, siagh: 1, drift: 0 });
    const code = (await mappingByCrmId(db(), 'customer', id))!.siaghId!;
    expect(w.siaghSim.notifications.deliveries.filter((d) => String(d.code) === code)).toHaveLength(1);
    const log = await db().execute<{ action: string; direction: string }>(
      sql`SELECT action, direction FROM payamgostar_siagh_log WHERE siagh_id = ${code} OR crm_id = ${id} ORDER BY id`,
    );
    expect(log.rows).toEqual([
      { action: 'created', direction: 'crm→siagh' },
      ...log.rows.slice(1).map((r) => ({ action: 'echo', direction: r.direction })),
    ]);
    expect(new Set(log.rows.slice(1).map((r) => r.direction))).toEqual(new Set(['crm→siagh', 'siagh']));
  });

  it("an edit in the CRM reaches Siagh once, and Siagh's notification of it is no drift", async () => {
    const rows = await Promise.all([5, 6, 7, 8, 9].map((code) => mappingBySiaghId(db(), 'customer', code)));
    const writes = await writesOf(async () => {
      for (const [i, row] of rows.entries())
        w.crmSim.salesperson.editIdentity(row!.crmId!, { description: `ویرایش ${i}` });
      await until('Siagh updated', () =>
        [5, 6, 7, 8, 9].every((code, i) => w.siaghSim.contacts.get(code)!.Description === `ویرایش ${i}`)
          ? true
          : undefined,
      );
    });
    expect(writes).toEqual({ crm: 0, siagh: 5, drift: 0 });
  });

  it('rapid edits of one customer end in Siagh as the last one, without bouncing', async () => {
    const row = (await mappingBySiaghId(db(), 'customer', 10))!;
    const writes = await writesOf(async () => {
      for (const n of [1, 2, 3]) w.crmSim.salesperson.editIdentity(row.crmId!, { email: `v${n}@example.ir` });
      await until('the last edit in Siagh', () =>
        w.siaghSim.contacts.get(10)!.Email === 'v3@example.ir' ? true : undefined,
      );
    });
    expect(writes.crm).toBe(0);
    expect(writes.drift).toBe(0);
    expect(writes.siagh).toBeGreaterThanOrEqual(1);
    expect(writes.siagh).toBeLessThanOrEqual(3);
  });

  it('an edit made only in Siagh is reported as drift once and copied nowhere', async () => {
    const writes = await writesOf(() => w.siaghSim.editContact(11, { TelNo: '02199998888' }));
    expect(writes).toEqual({ crm: 0, siagh: 0, drift: 1 });
  });

  it('a quote issued in the CRM becomes one pre-invoice through its webhook; a later edit of it is reported, not sent', async () => {
    const customer = (await mappingBySiaghId(db(), 'customer', 12))!;
    let quoteId = '';
    const issued = await writesOf(async () => {
      quoteId = w.crmSim.salesperson.createQuote({
        identityId: customer.crmId!,
        saleModel: 5,
        lines: [{ productCode: '500102014', unit: 'عدد', count: 4, unitPrice: 1_000_000 }],
      }).crmId as string;
      await until('the pre-invoice', () => (w.siaghSim.preInvoices.length === 1 ? true : undefined));
    });
    expect(issued).toEqual({ crm: 0, siagh: 0, drift: 0 });
    expect(w.siaghSim.preInvoices[0]).toMatchObject({ customerCode: 12, lines: [{ quantity: 4 }] });
    expect(await mappingByCrmId(db(), 'pre-invoice', quoteId)).toMatchObject({
      siaghId: String(w.siaghSim.preInvoices[0]!.number),
    });
    const edited = await writesOf(() => w.crmSim.salesperson.editQuote(quoteId, { subject: 'پس از صدور' }));
    expect(edited).toEqual({ crm: 0, siagh: 0, drift: 1 });
    expect(w.siaghSim.preInvoices).toHaveLength(1);
  });

  it('leaves nothing for the poll or the drift check to do afterwards', async () => {
    const writes = await writesOf(async () => {
      expect(await w.runJob('/poll')).toMatchObject({ status: 'succeeded', created: 0, updated: 0 });
      expect(await w.runJob('/drift-check')).toMatchObject({ status: 'succeeded' });
    });
    expect(writes).toEqual({ crm: 0, siagh: 0, drift: 0 });
    expect(w.crmSim.webhooks.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(w.siaghSim.notifications.deliveries.every((d) => d.status === 200)).toBe(true);
  });
});
