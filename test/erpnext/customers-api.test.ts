import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customersFeature } from '../../src/sync/erpnext-customers/feature.js';
import { customerOutbox, customers } from '../../src/models/index.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';

describe.each(databaseKinds)('customer API without ERPNext configured on %s', (kind) => {
  let tw: TestWorker;
  beforeAll(async () => {
    tw = await startTestWorker(kind, { features: [customersFeature] });
  });
  afterAll(async () => tw?.stop());

  it('refuses bad input with problem+json naming every field, and writes nothing', async () => {
    const res = await tw.api('/api/customers', {
      method: 'POST',
      json: {
        name: '  ',
        email: 'not-an-email',
        creditLimit: -5,
        customerType: 'Robot',
        city: 'Portland',
        shoeSize: 44,
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field).sort()).toEqual(
      expect.arrayContaining(['name', 'email', 'creditLimit', 'customerType']),
    );
    const crossField = await tw.api('/api/customers', {
      method: 'POST',
      json: { name: 'Half Address', city: 'Portland' },
    });
    expect(crossField.status).toBe(400);
    expect(((await crossField.json()) as { errors: { field: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'address' }),
    ]);
    expect(await tw.database.db.select().from(customers)).toEqual([]);
    expect(await tw.database.db.select().from(customerOutbox)).toEqual([]);
  });

  it('creates with the house defaults, keeps the change in the outbox, and deactivates instead of deleting', async () => {
    const res = await tw.api('/api/customers', {
      method: 'POST',
      json: { name: 'Around the Horn', address: '120 Hanover Sq', city: 'London', creditLimit: '1500.5' },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown> & { id: string };
    expect(created).toMatchObject({
      customerGroup: 'Individual',
      customerType: 'Company',
      territory: 'All Territories',
      language: 'en',
      country: 'United States',
      creditLimit: '1500.50',
      active: true,
      erpnextName: null,
    });
    const deactivated = await tw.api(`/api/customers/${created.id}/deactivate`, { method: 'POST' });
    expect(((await deactivated.json()) as { active: boolean }).active).toBe(false);
    const shown = (await (await tw.api(`/api/customers/${created.id}`)).json()) as {
      pendingPush: boolean;
      active: boolean;
    };
    expect(shown).toMatchObject({ pendingPush: true, active: false });
    const outbox = await tw.database.db.select().from(customerOutbox);
    expect(outbox.map((e) => [e.reason, e.status])).toEqual([
      ['create', 'pending'],
      ['deactivate', 'pending'],
    ]);
    expect((await tw.api(`/api/customers/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const unchanged = await tw.api(`/api/customers/${created.id}`, {
      method: 'PATCH',
      json: { name: 'Around the Horn' },
    });
    expect(unchanged.status).toBe(200);
    expect(await tw.database.db.select().from(customerOutbox)).toHaveLength(2);
  });

  it('searches and pages with a cursor, each customer exactly once', async () => {
    for (const name of [
      'Berglunds snabbköp',
      'Bólido Comidas',
      'Bon app',
      'Bottom-Dollar Markets',
      "B's Beverages",
    ])
      expect(
        (
          await tw.api('/api/customers', {
            method: 'POST',
            json: { name, email: `${name.length}@b.example` },
          })
        ).status,
      ).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await tw.api(`/api/customers?search=b&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as { items: { name: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((n) => n.toLowerCase().startsWith('b'))).toHaveLength(5);
    expect((await tw.api('/api/customers?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('says what to set instead of syncing', async () => {
    const check = (await (await tw.api('/api/connections/erpnext')).json()) as {
      ok: boolean;
      detail: string;
    };
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('ERPNEXT_URL');
    const sync = await tw.api('/api/customers/sync', { method: 'POST' });
    expect(sync.status).toBe(503);
    const hook = await tw.api('/api/webhooks/erpnext/customers', {
      method: 'POST',
      auth: false,
      body: '{"name": "CUST-1"}',
    });
    expect(hook.status).toBe(503);
  });
});
