import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachQueueSlot,
  claimQueueSlot,
  mappingByCrmId,
  mappingBySiaghId,
  releaseQueueSlot,
} from '../../src/sync/payamgostar-siagh/store.js';
import { databaseKinds } from '../helpers/databases.js';
import { contactSaves, until, webhookToken } from './harness.js';
import { base, startFlowWorker, type FlowWorker } from './worker.js';

describe.each(databaseKinds)('CRM → Siagh customers in a running worker on %s', (kind) => {
  let w: FlowWorker;
  const db = () => w.tw.database.db;
  const flowRuns = async () =>
    (
      await db().execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM sync_runs WHERE job LIKE 'payamgostar-siagh.%'`,
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    w = await startFlowWorker(kind, { env: { PAYAMGOSTAR_SIAGH_POLL_RECHECK: '1000' } });
    const run = await w.runJob('/initial');
    expect(run.status).toBe('succeeded');
    await w.settled();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('imported customers echo back from the CRM without anything sent to Siagh', () => {
    const inserts = w.crmSim.webhooks.deliveries.filter((d) => d.event === 'Insert');
    expect(inserts).toHaveLength(28);
    expect(inserts.every((d) => d.status === 200)).toBe(true);
    expect(contactSaves(w.siaghSim)).toHaveLength(0);
  });

  it('refuses a webhook without the right token with 401 and does nothing', async () => {
    const runs = await flowRuns();
    const person = w.crmSim.crm.listIdentities()[0]!;
    const query = `event=Update&id=${person.crmId as string}&type=Identity&subtype=x`;
    for (const token of ['wrong-token-0123456789', ''])
      expect((await fetch(`${w.tw.url}${base}/webhook?token=${token}&${query}`)).status).toBe(401);
    expect((await fetch(`${w.tw.url}${base}/webhook?${query}`)).status).toBe(401);
    const bad = await fetch(
      `${w.tw.url}${base}/webhook?token=${webhookToken}&event=Delete&id=1&type=Identity`,
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/event is neither Insert nor Update; id is not a GUID/);
    expect(await flowRuns()).toBe(runs);
  });

  it('answers a notification for a record whose run is queued but not started "already queued", without a run', async () => {
    const person = w.crmSim.crm.listIdentities()[1]!;
    const key = `identity:${person.crmId as string}`;
    expect(await claimQueueSlot(db(), key)).toBeUndefined();
    // Claimed, its run not known yet: a notification a moment later is the same one.
    expect(await claimQueueSlot(db(), key)).toEqual({ runId: null });
    const runId = '00000000-0000-4000-8000-000000000001';
    await attachQueueSlot(db(), key, runId);
    const runs = await flowRuns();
    const query = `event=Update&id=${person.crmId as string}&type=Identity&subtype=${encodeURIComponent('مخاطب حقیقی')}`;
    const res = await fetch(`${w.tw.url}${base}/webhook?token=${webhookToken}&${query}`);
    expect(await res.json()).toEqual({ accepted: true, runId, duplicate: true });
    expect(await flowRuns()).toBe(runs);
    // The run starting frees the slot, counting what it answered; the next notification queues a run of its own.
    expect(await releaseQueueSlot(db(), key)).toBe(3);
    const fresh = await (await fetch(`${w.tw.url}${base}/webhook?token=${webhookToken}&${query}`)).json();
    expect(fresh).toMatchObject({ accepted: true, duplicate: false, runId: expect.any(String) });
    await w.settled();
  });

  it('creates a new CRM customer in Siagh within one webhook and gives it its customer number', async () => {
    const savesBefore = contactSaves(w.siaghSim).length;
    const person = w.crmSim.salesperson.createPerson({
      nickName: 'کاوه فرهادی',
      nationalCode: '0012345679',
      phoneContacts: [{ phoneType: 'Mobile', phoneNumber: '09350000001', default: true }],
    });
    const id = person.crmId as string;
    const mapping = await until('the customer mapped', async () => {
      const m = await mappingByCrmId(db(), 'customer', id);
      return m?.siaghId ? m : undefined;
    });
    const code = Number(mapping.siaghId);
    expect(code).toBeGreaterThan(30);
    expect(w.siaghSim.contacts.get(code)).toMatchObject({
      Name: 'کاوه فرهادی',
      NationalCode: '0012345679',
      MobileNo: '09350000001',
      TowardType: false,
    });
    await w.settled();
    expect(w.crmSim.crm.identity(id)!.record.customerNumber).toBe(`100-${code + 1000}`);
    // One create in Siagh; the CRM's update webhook for the customer number sent nothing more.
    expect(contactSaves(w.siaghSim).length - savesBefore).toBe(1);
    const echo = await db().execute<{ action: string }>(
      sql`SELECT action FROM payamgostar_siagh_log WHERE crm_id = ${id} ORDER BY id`,
    );
    expect(echo.rows.map((r) => r.action)).toEqual(['created', 'echo']);
  });

  it('updates Siagh within one webhook when the customer is edited in the CRM', async () => {
    const row = (await mappingBySiaghId(db(), 'customer', 10))!;
    const savesBefore = contactSaves(w.siaghSim).length;
    w.crmSim.salesperson.editIdentity(row.crmId!, {
      email: 'new-address@example.ir',
      website: 'https://x.example.ir',
    });
    await until('Siagh updated', () =>
      w.siaghSim.contacts.get(10)!.Email === 'new-address@example.ir' ? true : undefined,
    );
    expect(w.siaghSim.contacts.get(10)!.WebSiteAddress).toBe('https://x.example.ir');
    await w.settled();
    expect(contactSaves(w.siaghSim).length - savesBefore).toBe(1);
  });

  it('links an unmapped CRM customer whose customer number Siagh has, then writes the CRM state over it', async () => {
    const contact = w.siaghSim.contacts.add({
      Name: 'مشتری قدیمی',
      NationalCode: '0098765432',
      MobileNo: '09390000002',
      Email: 'old@example.ir',
      IsActive: true,
      IsAdminUser: false,
      TowardType: false,
    });
    const number = `100-${contact.Code + 1000}`;
    const person = w.crmSim.salesperson.createPerson({
      nickName: 'مشتری قدیمی',
      customerNumber: number,
      email: 'crm@example.ir',
      nationalCode: '0098765432',
      phoneContacts: [{ phoneType: 'Mobile', phoneNumber: '09390000002', default: true }],
    });
    await until('linked and updated', () =>
      w.siaghSim.contacts.get(contact.Code)!.Email === 'crm@example.ir' ? true : undefined,
    );
    await w.settled();
    expect(await mappingByCrmId(db(), 'customer', person.crmId as string)).toMatchObject({
      siaghId: String(contact.Code),
      state: 'synced',
    });
    const log = await db().execute<{ action: string }>(
      sql`SELECT action FROM payamgostar_siagh_log WHERE crm_id = ${person.crmId as string} ORDER BY id`,
    );
    expect(log.rows.map((r) => r.action)).toEqual(['linked', 'updated']);

    const stray = w.crmSim.salesperson.createPerson({
      nickName: 'شماره اشتباه',
      customerNumber: '100-99999',
    });
    const held = await until('quarantined', async () => {
      const m = await mappingByCrmId(db(), 'customer', stray.crmId as string);
      return m?.state === 'quarantined' ? m : undefined;
    });
    expect(held.reason).toMatch(
      /customer number 100-99999 names Siagh contact 98999, which Siagh does not have/,
    );
    await w.settled();
  });

  it('catches with the poll the changes whose webhooks were lost', async () => {
    const renamed = (await mappingBySiaghId(db(), 'customer', 11))!;
    const edited = (await mappingBySiaghId(db(), 'customer', 12))!;
    w.crmSim.webhooks.dropNext(3);
    w.crmSim.salesperson.editIdentity(renamed.crmId!, { nickName: 'نام تازه' });
    w.crmSim.salesperson.editIdentity(edited.crmId!, { description: 'تغییر بدون وبهوک' });
    const fresh = w.crmSim.salesperson.createOrganization({
      nickName: 'شرکت تازه',
      nationalCode: '14000000001',
    });
    await w.settled();
    expect(w.siaghSim.contacts.get(11)!.Name).not.toBe('نام تازه');
    expect(await mappingByCrmId(db(), 'customer', fresh.crmId as string)).toBeUndefined();

    const poll = await w.runJob('/poll');
    expect(poll.status).toBe('succeeded');
    expect(poll).toMatchObject({ created: 1, updated: 2 });
    expect(w.siaghSim.contacts.get(11)!.Name).toBe('نام تازه');
    expect(w.siaghSim.contacts.get(12)!.Description).toBe('تغییر بدون وبهوک');
    const made = (await mappingByCrmId(db(), 'customer', fresh.crmId as string))!;
    expect(w.siaghSim.contacts.get(Number(made.siaghId))).toMatchObject({
      Name: 'شرکت تازه',
      TowardType: true,
    });
    await w.settled();
    const again = await w.runJob('/poll');
    expect(again).toMatchObject({ status: 'succeeded', created: 0, updated: 0 });
  });

  it('reports a change made only in Siagh as drift, once, and does not copy it to the CRM', async () => {
    const row = (await mappingBySiaghId(db(), 'customer', 14))!;
    const crmBefore = w.crmSim.crm.identity(row.crmId!)!.record;
    w.siaghSim.editContact(14, { Email: 'accountant@example.ir', Address: 'آدرس حسابداری' });
    const check = await w.runJob('/drift-check');
    expect(check.status).toBe('succeeded');
    const drift = (await w.events(check.id as string)).filter((e) => e.level === 'warn');
    expect(drift).toEqual([
      expect.objectContaining({
        entity: `crm-identity:${row.crmId}`,
        message: expect.stringMatching(
          /^Siagh contact 14 was changed in Siagh only \(address, email\); not copied/,
        ),
      }),
    ]);
    expect(w.crmSim.crm.identity(row.crmId!)!.record).toEqual(crmBefore);
    const again = await w.runJob('/drift-check');
    expect((await w.events(again.id as string)).filter((e) => e.level === 'warn')).toEqual([]);

    // The CRM wins at its next change of this customer: Siagh's edit is written over, and said so.
    w.crmSim.salesperson.editIdentity(row.crmId!, { description: 'ویرایش در CRM' });
    await until('Siagh overwritten', () =>
      w.siaghSim.contacts.get(14)!.Description === 'ویرایش در CRM' ? true : undefined,
    );
    expect(w.siaghSim.contacts.get(14)!.Email).toBe(crmBefore.email ?? null);
    await w.settled();
    const log = await db().execute<{ action: string; message: string }>(
      sql`SELECT action, message FROM payamgostar_siagh_log WHERE siagh_id = '14' AND action IN ('drift', 'updated') ORDER BY id`,
    );
    expect(log.rows.map((r) => r.action)).toEqual(['drift', 'drift', 'updated']);
    expect(log.rows[1]!.message).toMatch(/the CRM wins, its state is written over it/);
  });

  it('quarantines a value with "|" with its reason and never sends it; the corrected value goes through', async () => {
    const row = (await mappingBySiaghId(db(), 'customer', 15))!;
    const savesBefore = contactSaves(w.siaghSim).length;
    w.crmSim.salesperson.editIdentity(row.crmId!, { nickName: 'بازرگانی | آریا' });
    const held = await until('quarantined', async () => {
      const m = await mappingBySiaghId(db(), 'customer', 15);
      return m?.state === 'quarantined' ? m : undefined;
    });
    expect(held.reason).toMatch(/gn_web_users\.fullname contains a "\|"/);
    await w.settled();
    expect(contactSaves(w.siaghSim).length).toBe(savesBefore);
    expect(JSON.stringify(w.siaghSim.requests.map((r) => r.body ?? null))).not.toContain('بازرگانی | آریا');

    w.crmSim.salesperson.editIdentity(row.crmId!, { nickName: 'بازرگانی آریا' });
    await until('released', async () =>
      (await mappingBySiaghId(db(), 'customer', 15))?.state === 'synced' ? true : undefined,
    );
    expect(w.siaghSim.contacts.get(15)!.Name).toBe('بازرگانی آریا');
  });

  it('syncs one customer by hand, and answers status, mappings, logs and health', async () => {
    const row = (await mappingBySiaghId(db(), 'customer', 16))!;
    const manual = await w.tw.api(`${base}/customers/${row.crmId}/sync`, { method: 'POST' });
    expect(manual.status).toBe(202);
    const run = await w.runJob(`/customers/${row.crmId}/sync`);
    expect(run.status).toBe('succeeded');
    expect((await w.tw.api(`${base}/customers/not-a-guid/sync`, { method: 'POST' })).status).toBe(400);

    const status = await (await w.tw.api(`${base}/status`)).json();
    expect(status).toMatchObject({
      configured: true,
      initialImport: { state: 'finished', total: 30, counts: { created: 28, adminUsers: 2 } },
      mappings: { customer: { synced: expect.any(Number) } },
    });
    const name = w.siaghSim.contacts.get(16)!.Name as string;
    const found = await (await w.tw.api(`${base}/mappings?q=${encodeURIComponent(name)}`)).json();
    expect(found.items).toEqual([expect.objectContaining({ crmId: row.crmId, siaghId: '16' })]);
    const page = await (await w.tw.api(`${base}/mappings?entityType=customer&limit=5`)).json();
    expect(page.items).toHaveLength(5);
    const next = await (
      await w.tw.api(`${base}/mappings?entityType=customer&limit=5&cursor=${page.nextCursor}`)
    ).json();
    expect(next.items[0].id).toBeGreaterThan(page.items[4].id);
    const logs = await (await w.tw.api(`${base}/logs?crmId=${row.crmId}`)).json();
    expect(logs.items.length).toBeGreaterThan(0);
    expect(logs.items.every((l: { crmId: string }) => l.crmId === row.crmId)).toBe(true);

    const health = await w.tw.api(`${base}/health`);
    expect(health.status).toBe(200);
    expect(
      (await health.json()).checks.map((c: { system: string; ok: boolean }) => [c.system, c.ok]),
    ).toEqual([
      ['payamgostar', true],
      ['siagh', true],
    ]);
    for (const system of ['payamgostar', 'siagh'])
      expect((await (await w.tw.api(`/api/connections/${system}`)).json()).ok).toBe(true);
  });
});
