import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { frappeSignature } from '../../src/connectors/erpnext/signature.js';
import {
  customerConflicts,
  customerOutbox,
  customers,
  customerSyncStates,
  erpnextPullCursors,
  syncRuns,
} from '../../src/models/index.js';
import { runEvents } from '../../src/jobs/runs.js';
import { databaseKinds } from '../helpers/databases.js';
import { startCustomerHarness, webhookSecret, type CustomerHarness } from './harness.js';

interface CustomerJson {
  id: string;
  name: string;
  erpnextName: string | null;
  [field: string]: unknown;
}

const northwind = {
  name: 'Northwind Traders',
  companyName: 'Northwind Traders LLC',
  contactPerson: 'Ana Trujillo',
  email: 'ap@northwind.example',
  phone: '+1 555 0100',
  address: '12 Harbour Rd',
  city: 'Portland',
  state: 'OR',
  postalCode: '97201',
  website: 'https://northwind.example',
  taxNumber: 'TX-1',
  vatNumber: 'US-VAT-9',
  creditLimit: 2500,
};

// A whole worker per scenario, and two cores shared with other suites: generous time, never a timed assertion.
vi.setConfig({ testTimeout: 120_000 });

describe.each(databaseKinds)('ERPNext customer sync on %s', (kind) => {
  let h: CustomerHarness;
  afterEach(async () => h?.stop());

  async function createLocal(body: Record<string, unknown>): Promise<CustomerJson> {
    const res = await h.tw.api('/api/customers', { method: 'POST', json: body });
    expect(res.status).toBe(201);
    return (await res.json()) as CustomerJson;
  }

  async function getLocal(id: string): Promise<CustomerJson> {
    return (await (await h.tw.api(`/api/customers/${id}`)).json()) as CustomerJson;
  }

  async function runJob(name: string, data: unknown = {}) {
    const run = await h.tw.worker.runner.runNow(name, data, 'cli');
    return run;
  }

  it('creates and updates a local customer in ERPNext as Customer, Address and Contact, and its echo writes nothing', async () => {
    h = await startCustomerHarness(kind);
    const created = await createLocal(northwind);
    await h.settle();
    const local = await getLocal(created.id);
    expect(local.erpnextName).toMatch(/^CUST-\d{4}-\d{5}$/);
    const remote = h.sim.site.get('Customer', local.erpnextName!);
    expect(remote).toMatchObject({
      customer_name: 'Northwind Traders',
      tax_id: 'TX-1',
      custom_vat_number: 'US-VAT-9',
      customer_group: 'Individual',
      customer_type: 'Company',
      territory: 'All Territories',
    });
    expect((remote.credit_limits as { company: string; credit_limit: number }[])[0]).toMatchObject({
      company: 'Acme Supplies',
      credit_limit: 2500,
    });
    for (const foreign of ['city', 'pincode', 'phone', 'company_name', 'vat_number'])
      expect(remote).not.toHaveProperty(foreign);
    const address = h.sim.site.get('Address', String(remote.customer_primary_address));
    expect(address).toMatchObject({
      address_line1: '12 Harbour Rd',
      city: 'Portland',
      pincode: '97201',
      country: 'United States',
    });
    expect(address.links).toEqual([
      expect.objectContaining({ link_doctype: 'Customer', link_name: local.erpnextName }),
    ]);
    const contact = h.sim.site.get('Contact', String(remote.customer_primary_contact));
    expect(contact).toMatchObject({
      first_name: 'Ana Trujillo',
      company_name: 'Northwind Traders LLC',
      email_id: 'ap@northwind.example',
      phone: '+1 555 0100',
    });

    // The push came back as webhooks (after_insert, on_update…): recognised, nothing written.
    expect(h.sim.webhooks.log.length).toBeGreaterThan(0);
    const after = await getLocal(created.id);
    expect(after.updatedAt).toBe(local.updatedAt);
    expect(await h.tw.database.db.select().from(customerConflicts)).toEqual([]);

    const patched = await h.tw.api(`/api/customers/${created.id}`, {
      method: 'PATCH',
      json: { city: 'Salem', phone: '+1 555 0199' },
    });
    expect(patched.status).toBe(200);
    await h.settle();
    expect(h.sim.site.get('Address', String(remote.customer_primary_address)).city).toBe('Salem');
    expect(h.sim.site.get('Contact', String(remote.customer_primary_contact)).phone).toBe('+1 555 0199');
    expect(h.sim.site.all('Customer')).toHaveLength(1);

    // …and as modified rows in the next pull: read, recognised, nothing written.
    const pull = await runJob('erpnext.pull-customers', { full: true });
    expect(pull).toMatchObject({ status: 'succeeded', created: 0, updated: 0 });
    expect(pull.unchanged).toBeGreaterThanOrEqual(1);
    expect((await getLocal(created.id)).updatedAt).toBe(((await patched.json()) as CustomerJson).updatedAt);
  });

  it('creates and updates a customer made in ERPNext through its webhooks, and deactivates one deleted there', async () => {
    h = await startCustomerHarness(kind);
    const doc = h.sim.desk.insert('Customer', {
      customer_name: 'Blauer See Delikatessen',
      customer_group: 'Commercial',
      territory: 'Rest Of The World',
      language: 'de',
    });
    h.sim.desk.insert('Address', {
      address_title: 'Blauer See',
      address_line1: 'Forsterstr. 57',
      city: 'Mannheim',
      country: 'Germany',
      links: [{ link_doctype: 'Customer', link_name: doc.name }],
    });
    h.sim.desk.update('Customer', doc.name, { website: 'https://blauer-see.example' });
    await h.settle();
    const [row] = await h.tw.database.db.select().from(customers);
    expect(row).toMatchObject({
      name: 'Blauer See Delikatessen',
      customerGroup: 'Commercial',
      language: 'de',
      website: 'https://blauer-see.example',
      address: 'Forsterstr. 57',
      city: 'Mannheim',
      country: 'Germany',
      active: true,
    });

    h.sim.desk.delete('Customer', doc.name);
    await h.settle();
    const [gone] = await h.tw.database.db.select().from(customers);
    expect(gone).toMatchObject({ id: row!.id, active: false });
    expect(await h.customerCount()).toBe(1);
  });

  it('brings an Address edited in ERPNext to the local customer, by the pull and by an Address webhook', async () => {
    h = await startCustomerHarness(kind);
    const created = await createLocal({ name: 'Island Trading', address: 'Garden House', city: 'Cowes' });
    await h.settle();
    const erpnextName = (await getLocal(created.id)).erpnextName!;
    const addressName = String(h.sim.site.get('Customer', erpnextName).customer_primary_address);
    // Editing the Address changes neither the Customer's `modified` nor fires a Customer webhook.
    h.sim.desk.update('Address', addressName, { city: 'Newport' });
    const pull = await runJob('erpnext.pull-customers');
    expect(pull).toMatchObject({ status: 'succeeded', updated: 1 });
    expect((await getLocal(created.id)).city).toBe('Newport');

    h.sim.webhooks.add({
      url: `${h.tw.url}/api/webhooks/erpnext/customers`,
      secret: webhookSecret,
      doctype: 'Address',
    });
    h.sim.desk.update('Address', addressName, { city: 'Ryde' });
    await h.settle();
    expect((await getLocal(created.id)).city).toBe('Ryde');
  });

  it('keeps a local create while ERPNext is down and delivers it once ERPNext is back', async () => {
    h = await startCustomerHarness(kind);
    await h.sim.goDown();
    const created = await createLocal({ name: 'Alfreds Futterkiste', email: 'alfred@example.com' });
    // The push ran and failed: the entry waits with its error and next attempt.
    await waitFor(async () => {
      const [entry] = await h.tw.database.db
        .select()
        .from(customerOutbox)
        .where(eq(customerOutbox.customerId, created.id));
      return entry!.attempts >= 1 ? entry : undefined;
    }).then((entry) => {
      expect(entry.status).toBe('pending');
      expect(entry.lastError).toMatch(/ECONNREFUSED|could not connect/);
      expect(JSON.stringify(entry.lastRequest)).not.toContain('sim-api-secret');
    });
    expect((await getLocal(created.id)).erpnextName).toBeNull();
    await h.sim.comeBack();
    await h.settle();
    const local = await getLocal(created.id);
    expect(local.erpnextName).toBeTruthy();
    expect(h.sim.site.all('Customer')).toHaveLength(1);
    const [entry] = await h.tw.database.db
      .select()
      .from(customerOutbox)
      .where(eq(customerOutbox.customerId, created.id));
    expect(entry!.status).toBe('delivered');
  });

  it('leaves a refused push failed with request and reply, retriable from the API', async () => {
    h = await startCustomerHarness(kind);
    const created = await createLocal({ name: 'Ernst Handel', customerGroup: 'Wholesale' });
    await h.settle();
    const [entry] = await h.tw.database.db
      .select()
      .from(customerOutbox)
      .where(eq(customerOutbox.customerId, created.id));
    expect(entry).toMatchObject({ status: 'failed', attempts: 1 });
    expect(entry!.lastError).toContain('Could not find Customer Group: Wholesale');
    expect(entry!.lastRequest).toMatchObject({ method: 'POST', path: '/api/resource/Customer' });
    expect(entry!.lastResponse).toMatchObject({ status: 417 });
    const failedList = (await (await h.tw.api('/api/customers/outbox?status=failed')).json()) as {
      items: { id: number }[];
    };
    expect(failedList.items.map((i) => i.id)).toEqual([entry!.id]);

    await h.tw.api(`/api/customers/${created.id}`, {
      method: 'PATCH',
      json: { customerGroup: 'Commercial' },
    });
    await h.settle();
    const entries = await h.tw.database.db
      .select()
      .from(customerOutbox)
      .where(eq(customerOutbox.customerId, created.id));
    // The later success resolved the earlier failure.
    expect(entries.map((e) => e.status).sort()).toEqual(['delivered', 'superseded']);
    const retryDelivered = await h.tw.api(`/api/customers/outbox/${entry!.id}/retry`, { method: 'POST' });
    expect(retryDelivered.status).toBe(409);
  });

  it('refuses a forged or unsigned webhook with 401 and writes nothing', async () => {
    h = await startCustomerHarness(kind, { webhooks: false });
    const doc = h.sim.desk.insert('Customer', { customer_name: 'Forged Ltd' });
    const body = `{"event": "after_insert", "doctype": "Customer", "name": "${doc.name}", "modified": "${doc.modified}"}`;
    const url = '/api/webhooks/erpnext/customers';
    const forged = await h.tw.api(url, {
      method: 'POST',
      auth: false,
      body,
      headers: { 'x-frappe-webhook-signature': frappeSignature('not-the-secret', body) },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    const unsigned = await h.tw.api(url, {
      method: 'POST',
      auth: false,
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.status).toBe(401);
    const tampered = await h.tw.api(url, {
      method: 'POST',
      auth: false,
      body: body.replace(doc.name, 'CUST-2026-99999'),
      headers: { 'x-frappe-webhook-signature': frappeSignature(webhookSecret, body) },
    });
    expect(tampered.status).toBe(401);
    expect(await h.customerCount()).toBe(0);
    const genuine = await h.tw.api(url, {
      method: 'POST',
      auth: false,
      body,
      headers: { 'x-frappe-webhook-signature': frappeSignature(webhookSecret, body) },
    });
    expect(genuine.status).toBe(200);
    expect(await h.customerCount()).toBe(1);
  });

  it('applies a duplicate webhook delivery only once', async () => {
    h = await startCustomerHarness(kind);
    const doc = h.sim.desk.insert('Customer', { customer_name: 'Folies gourmandes' });
    await h.settle();
    h.sim.desk.update('Customer', doc.name, { territory: 'Canada' });
    await h.settle();
    const [before] = await h.tw.database.db.select().from(customers);
    expect(before!.territory).toBe('Canada');
    const events: string[] = [];
    const stream = await fetch(`${h.tw.url}/api/events`, {
      headers: { authorization: 'Bearer test-key-0123456789' },
    });
    const reader = stream.body!.getReader();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        events.push(new TextDecoder().decode(value));
      }
    })();
    const lastUpdate = h.sim.webhooks.log.findLastIndex((a) => a.event === 'on_update');
    h.sim.webhooks.replay(lastUpdate);
    h.sim.webhooks.replay(lastUpdate);
    await h.settle();
    const [after] = await h.tw.database.db.select().from(customers);
    expect(after!.updatedAt).toEqual(before!.updatedAt);
    expect(h.sim.webhooks.log.slice(-2).every((a) => a.status === 200)).toBe(true);
    // A real change is announced on the live stream; the duplicates were not.
    h.sim.desk.update('Customer', doc.name, { website: 'https://folies.example' });
    await h.settle();
    await waitFor(async () => (events.join('').includes('customer.updated') ? true : undefined));
    expect(events.join('').match(/event: customer\.updated/g)).toHaveLength(1);
    await reader.cancel();
  });

  it('merges a customer changed on both sides, records the conflict and sends the merge back', async () => {
    h = await startCustomerHarness(kind);
    const created = await createLocal({
      name: 'Wartian Herkku',
      website: 'https://w0.example',
      phone: '+358 1',
      address: 'Torikatu 38',
      city: 'Oulu',
      country: 'Germany',
    });
    await h.settle();
    const erpnextName = (await getLocal(created.id)).erpnextName!;
    // ERPNext unreachable for us: our push waits, its webhooks cannot be read back.
    await h.sim.goDown();
    await h.tw.api(`/api/customers/${created.id}`, {
      method: 'PATCH',
      json: { website: 'https://local.example', phone: '+358 2' },
    });
    await new Promise((r) => setTimeout(r, 20));
    h.sim.desk.update('Customer', erpnextName, {
      website: 'https://remote.example',
      territory: 'Rest Of The World',
    });
    await h.sim.webhooks.idle();
    await h.sim.comeBack();
    const pull = await runJob('erpnext.pull-customers');
    expect(pull.status).toBe('succeeded');
    const merged = await getLocal(created.id);
    expect(merged).toMatchObject({
      website: 'https://remote.example',
      territory: 'Rest Of The World',
      phone: '+358 2',
    });
    const conflicts = (await (await h.tw.api('/api/customers/conflicts')).json()) as {
      items: Record<string, unknown>[];
    };
    expect(conflicts.items).toEqual([
      expect.objectContaining({
        customerId: created.id,
        field: 'website',
        localValue: 'https://local.example',
        remoteValue: 'https://remote.example',
        baseValue: 'https://w0.example',
        kept: 'remote',
        policy: 'newer-wins',
      }),
    ]);
    await h.settle();
    const remote = h.sim.site.get('Customer', erpnextName);
    expect(remote).toMatchObject({ website: 'https://remote.example', territory: 'Rest Of The World' });
    expect(h.sim.site.get('Contact', String(remote.customer_primary_contact)).phone).toBe('+358 2');
    expect(await h.tw.database.db.select().from(customerConflicts)).toHaveLength(1);
  });

  it('pulls across more than one page and across a timestamp tie without losing or repeating a customer', async () => {
    h = await startCustomerHarness(kind, { webhooks: false });
    h.sim.desk.insert('Customer', { customer_name: 'First' });
    h.sim.clock.freeze(true);
    for (const name of ['Tie A', 'Tie B', 'Tie C']) h.sim.desk.insert('Customer', { customer_name: name });
    h.sim.clock.freeze(false);
    h.sim.desk.insert('Customer', { customer_name: 'Last', email_id: 'last@example.com' });
    const first = await runJob('erpnext.pull-customers');
    expect(first).toMatchObject({ status: 'succeeded', created: 5, updated: 0 });
    const names = (await h.tw.database.db.select({ name: customers.name }).from(customers))
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(['First', 'Last', 'Tie A', 'Tie B', 'Tie C']);
    const [last] = await h.tw.database.db.select().from(customers).where(eq(customers.name, 'Last'));
    expect(last!.email).toBe('last@example.com');
    // Page size 2 with a tie of three: the pages asked for prove the boundary was crossed inside the tie.
    const listCalls = h.sim.requests.filter(
      (r) => r.path === '/api/resource/Customer' && r.query.order_by === 'modified asc, name asc',
    );
    expect(listCalls.length).toBeGreaterThanOrEqual(3);
    expect(listCalls.every((c) => c.query.limit_page_length === '2')).toBe(true);

    h.sim.clock.freeze(true);
    h.sim.desk.insert('Customer', { customer_name: 'Tie D' });
    h.sim.clock.freeze(false);
    const second = await runJob('erpnext.pull-customers');
    expect(second).toMatchObject({ status: 'succeeded', created: 1, updated: 0 });
    const third = await runJob('erpnext.pull-customers');
    expect(third).toMatchObject({ status: 'succeeded', created: 0, updated: 0 });
    const [cursor] = await h.tw.database.db.select().from(erpnextPullCursors);
    expect(cursor!.modified).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(await h.customerCount()).toBe(6);
    const states = await h.tw.database.db.select().from(customerSyncStates);
    expect(new Set(states.map((s) => s.erpnextName)).size).toBe(6);
  });

  it('keeps a customer holding text PostgreSQL cannot store out, says why, and takes it once corrected', async () => {
    h = await startCustomerHarness(kind, { webhooks: false });
    h.sim.desk.insert('Customer', { customer_name: 'Clean Co' });
    const bad = h.sim.desk.insert('Customer', {
      customer_name: 'Broken Co',
      email_id: 'x\u0000@example.com',
    });
    const first = await runJob('erpnext.pull-customers');
    // Read twice, through the Customer stream and through its Contact's, refused both times, counted once.
    expect(first).toMatchObject({ status: 'partial', created: 1, failed: 1 });
    const events = await runEvents(h.tw.database.db, first.id);
    expect(events.map((e) => e.message).join('\n')).toMatch(
      /contact\.email_id contains a NUL character.*nothing of it was stored/,
    );
    expect(await h.customerCount()).toBe(1);

    h.sim.desk.update('Contact', bad.customer_primary_contact as string, {
      email_ids: [{ email_id: 'x@example.com', is_primary: 1 }],
    });
    const second = await runJob('erpnext.pull-customers');
    expect(second).toMatchObject({ status: 'succeeded', created: 1, failed: 0 });
    expect(await h.customerCount()).toBe(2);
  });

  it('runs the manual full sync as a job and answers 202 with its run id', async () => {
    h = await startCustomerHarness(kind, { webhooks: false });
    h.sim.desk.insert('Customer', { customer_name: 'Manual One' });
    const res = await h.tw.api('/api/customers/sync', { method: 'POST' });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    await h.settle();
    const [run] = await h.tw.database.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
    expect(run).toMatchObject({ job: 'erpnext.pull-customers', status: 'succeeded', created: 1 });
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
