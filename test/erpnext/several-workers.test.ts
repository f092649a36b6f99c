/**
 * Two workers on one database, ERPNext's webhooks going to the one that did not push: the webhook for a Customer our
 * push just created arrives before the pushing worker has recorded its name (the simulator holds the insert's reply
 * until the webhook was answered), and must be recognised as ours, never become a second customer.
 */
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCustomer } from '../../src/customers/store.js';
import { customerOutbox, customers, customerSyncStates } from '../../src/models/index.js';
import type { TestWorker } from '../helpers/worker.js';
import { databaseKinds } from '../helpers/databases.js';
import { startCustomerHarness, webhookSecret, type CustomerHarness } from './harness.js';

vi.setConfig({ testTimeout: 120_000 });

const northwind = {
  name: 'Northwind Traders',
  contactPerson: 'Ana Trujillo',
  email: 'ap@northwind.example',
  address: '12 Harbour Rd',
  city: 'Portland',
  website: 'https://northwind.example',
};

describe.each(databaseKinds)('ERPNext customers with two workers on %s', (kind) => {
  let h: CustomerHarness;
  let other: TestWorker;
  afterEach(async () => h?.stop());

  /** The pushing worker hears no webhooks; the other hears them all, before the pusher's insert returns. */
  async function start(): Promise<void> {
    h = await startCustomerHarness(kind, { webhooks: false, sim: { webhooksBeforeReply: true } });
    other = await h.startAnotherWorker();
    h.sim.webhooks.add({ url: `${other.url}/api/webhooks/erpnext/customers`, secret: webhookSecret });
  }

  async function createLocal(): Promise<string> {
    const res = await h.tw.api('/api/customers', { method: 'POST', json: northwind });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function expectOneCustomerEachSide(id: string): Promise<void> {
    const db = h.tw.database.db;
    expect(await db.select({ id: customers.id, name: customers.name }).from(customers)).toEqual([
      { id, name: 'Northwind Traders' },
    ]);
    const remote = h.sim.site.all('Customer');
    expect(remote.map((d) => d.customer_name)).toEqual(['Northwind Traders']);
    const [state] = await db.select().from(customerSyncStates).where(eq(customerSyncStates.customerId, id));
    expect(state?.erpnextName).toBe(remote[0]!.name);
    expect(h.sim.site.all('Address')).toHaveLength(1);
    expect(h.sim.site.all('Contact')).toHaveLength(1);
    const open = await db.select().from(customerOutbox).where(eq(customerOutbox.status, 'failed'));
    expect(open).toEqual([]);
  }

  it('links the webhook of our own new Customer, heard by the other worker before the insert returned', async () => {
    await start();
    const id = await createLocal();
    const run = await h.tw.worker.runner.runNow('erpnext.push-customers', {}, 'cli');
    expect(run.status).toBe('succeeded');
    await h.settle();
    await expectOneCustomerEachSide(id);
    const answers = h.sim.webhooks.log.filter((a) => a.event === 'after_insert');
    expect(answers.map((a) => a.status)).toEqual([200]);
  });

  /** A local customer whose push has not run: only the test starts it. */
  async function createQuietly(): Promise<string> {
    return (await createCustomer(h.tw.database.db, northwind, 'United States')).id;
  }

  /** The create claim a push took and never finished (it crashed): live, or run out `agoMs` ago. */
  async function leaveClaim(id: string, state: 'live' | 'expired'): Promise<void> {
    await h.tw.database.db
      .update(customerSyncStates)
      .set({
        createClaimName: northwind.name,
        createClaimedAt: sql`now() - interval '5 seconds'`,
        createClaimUntil:
          state === 'live' ? sql`now() + interval '1 hour'` : sql`now() - interval '1 second'`,
      })
      .where(eq(customerSyncStates.customerId, id));
  }

  async function push() {
    return h.tw.worker.runner.runNow('erpnext.push-customers', {}, 'cli');
  }

  it('holds a push back while another claim on the create lives, and takes it over once it ran out', async () => {
    h = await startCustomerHarness(kind);
    const id = await createQuietly();
    await leaveClaim(id, 'live');
    expect((await push()).status).toBe('succeeded');
    expect(h.sim.site.all('Customer')).toEqual([]);
    const [waiting] = await h.tw.database.db.select().from(customerOutbox);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
    expect(waiting!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

    // The pusher crashed before its insert: nothing in ERPNext to find, so the claim's lease is all that held it.
    await leaveClaim(id, 'expired');
    await h.tw.database.db.update(customerOutbox).set({ nextAttemptAt: new Date() });
    expect((await push()).status).toBe('succeeded');
    await h.settle();
    await expectOneCustomerEachSide(id);
    const [state] = await h.tw.database.db.select().from(customerSyncStates);
    expect(state).toMatchObject({ createClaimName: null, createClaimUntil: null });
  });

  it('updates, never creates again, the Customer a crashed push created but did not record', async () => {
    h = await startCustomerHarness(kind, { webhooks: false });
    const id = await createQuietly();
    await leaveClaim(id, 'expired');
    // What the crashed attempt's insert left in ERPNext, without its Address and Contact.
    const left = h.sim.desk.insert('Customer', { customer_name: northwind.name });
    expect((await push()).status).toBe('succeeded');
    await h.settle();
    await expectOneCustomerEachSide(id);
    expect(h.sim.site.all('Customer')[0]!.name).toBe(left.name);
    expect(h.sim.site.all('Customer')[0]!.website).toBe(northwind.website);
  });

  it.each(['live', 'expired'] as const)(
    'links, in the pull, the Customer of a create whose claim is %s instead of bringing it in as new',
    async (lease) => {
      h = await startCustomerHarness(kind, { webhooks: false });
      const id = await createQuietly();
      // Expired: its push crashed after the insert, and ERPNext's news of it comes only now.
      await leaveClaim(id, lease);
      const ours = h.sim.desk.insert('Customer', { customer_name: northwind.name });
      const pulled = await h.tw.worker.runner.runNow('erpnext.pull-customers', {}, 'cli');
      expect(pulled.status).toBe('succeeded');
      expect(await h.customerCount()).toBe(1);
      const [state] = await h.tw.database.db.select().from(customerSyncStates);
      expect(state).toMatchObject({ customerId: id, erpnextName: ours.name, syncedChecksum: null });

      // Once the claim runs out the push finishes the customer: the same Customer, with its Address and Contact.
      await h.tw.database.db.update(customerSyncStates).set({ createClaimUntil: sql`now()` });
      await h.tw.database.db.update(customerOutbox).set({ nextAttemptAt: new Date() });
      expect((await push()).status).toBe('succeeded');
      await h.settle();
      await expectOneCustomerEachSide(id);
    },
  );

  it('gives the Customer of two namesakes under way to the one whose push created it', async () => {
    await start();
    const first = await createQuietly();
    // The first one's push is held back by its claim (its pusher is slow, or crashed): the second goes first, and the
    // webhook for its Customer is linked by the older claim of the same name, the first's.
    await leaveClaim(first, 'live');
    const second = await createQuietly();
    expect((await push()).status).toBe('succeeded');
    const named = async () =>
      new Map(
        (await h.tw.database.db.select().from(customerSyncStates)).map((s) => [s.customerId, s.erpnextName]),
      );
    const [created] = h.sim.site.all('Customer');
    expect(await named()).toEqual(
      new Map([
        [first, null],
        [second, created!.name],
      ]),
    );

    await leaveClaim(first, 'expired');
    await h.tw.database.db.update(customerOutbox).set({ nextAttemptAt: new Date() });
    expect((await push()).status).toBe('succeeded');
    await h.settle();
    const remote = h.sim.site.all('Customer');
    expect(remote.map((d) => d.customer_name)).toEqual([northwind.name, northwind.name]);
    expect(await named()).toEqual(
      new Map([
        [first, remote[1]!.name],
        [second, remote[0]!.name],
      ]),
    );
    expect(await h.customerCount()).toBe(2);
    expect(
      await h.tw.database.db.select().from(customerOutbox).where(eq(customerOutbox.status, 'failed')),
    ).toEqual([]);
  });
});
