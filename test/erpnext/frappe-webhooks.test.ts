/**
 * ERPNext webhooks as Frappe really sends them: only the fields set up under "Webhook Data" or written by a JSON
 * template, no event, no Content-Type unless the webhook has one, Python's json.dumps bytes with non-ASCII escaped,
 * signed over those bytes. The deliveries in the fixture were computed by CPython and Jinja2 the way Frappe's
 * webhook.py computes them; the simulator must write the same bytes, and the worker must act on each.
 */
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { frappeSignature } from '../../src/connectors/erpnext/signature.js';
import { customers, customerSyncStates } from '../../src/models/index.js';
import { databaseKinds } from '../helpers/databases.js';
import type { Doc } from '../sim/erpnext/site.js';
import {
  frappeWebhookRequest,
  type RequestStructure,
  type WebhookConfig,
  type WebhookDataRow,
} from '../sim/erpnext/webhooks.js';
import { startCustomerHarness, webhookSecret, type CustomerHarness } from './harness.js';

interface FixtureDelivery {
  requestStructure: RequestStructure;
  webhookData?: WebhookDataRow[];
  webhookJson?: string;
  formHeaders: Record<string, string>;
  body: string;
  signature: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/erpnext/frappe-webhooks.json', import.meta.url), 'utf8'),
) as { secret: string; doc: Doc; deliveries: FixtureDelivery[] };

const path = '/api/webhooks/erpnext/customers';
const fields = (...names: string[]): WebhookDataRow[] => names.map((n) => ({ key: n, fieldname: n }));

vi.setConfig({ testTimeout: 180_000 });

describe('Frappe webhook deliveries', () => {
  it('are written and signed by the simulator byte for byte as CPython and Jinja2 write them', () => {
    expect(fixture.deliveries.map((d) => d.requestStructure)).toEqual(['Form URL-Encoded', '', 'JSON']);
    for (const delivery of fixture.deliveries) {
      const request = frappeWebhookRequest(
        {
          url: 'http://127.0.0.1:9/hook',
          secret: fixture.secret,
          requestStructure: delivery.requestStructure,
          webhookData: delivery.webhookData,
          webhookJson: delivery.webhookJson,
          headers: delivery.formHeaders,
        },
        'on_update',
        fixture.doc,
      );
      expect(request.body).toBe(delivery.body);
      expect(request.signature).toBe(delivery.signature);
      expect(request.headers).toEqual({
        'X-Frappe-Webhook-Signature': delivery.signature,
        ...delivery.formHeaders,
      });
      expect(delivery.body).not.toContain('"event"');
      expect(delivery.body).toContain('Caf\\u00e9 M\\u00fcller \\u2013 Z\\u00fcrich \\ud83c\\udf70');
    }
  });
});

describe.each(databaseKinds)('Frappe webhooks without an event on %s', (kind) => {
  let h: CustomerHarness;
  afterEach(async () => h?.stop());

  async function localByErpNextName(erpnextName: string) {
    const [row] = await h.tw.database.db
      .select({ customer: customers })
      .from(customerSyncStates)
      .innerJoin(customers, eq(customers.id, customerSyncStates.customerId))
      .where(eq(customerSyncStates.erpnextName, erpnextName));
    return row?.customer;
  }

  it('applies the CPython deliveries of every Request Structure and deactivates a customer ERPNext no longer has', async () => {
    h = await startCustomerHarness(kind, { webhooks: false, sim: { customerNaming: 'customer_name' } });
    const name = String(fixture.doc.name);
    h.sim.desk.insert('Customer', {
      customer_name: fixture.doc.customer_name,
      customer_group: fixture.doc.customer_group,
      territory: fixture.doc.territory,
    });
    const deliver = (delivery: FixtureDelivery, headers: Record<string, string>) =>
      h.tw.api(path, {
        method: 'POST',
        auth: false,
        // Bytes, so fetch adds no Content-Type of its own.
        body: Buffer.from(delivery.body, 'utf8'),
        headers: { 'X-Frappe-Webhook-Signature': delivery.signature, ...headers },
      });
    const outcomes: unknown[] = [];
    for (const delivery of fixture.deliveries)
      for (const headers of [{}, delivery.formHeaders]) {
        const res = await deliver(delivery, headers);
        expect(res.status).toBe(200);
        outcomes.push(((await res.json()) as { outcome: string }).outcome);
      }
    expect(outcomes).toEqual(['created', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await h.customerCount()).toBe(1);
    expect(await localByErpNextName(name)).toMatchObject({
      name,
      customerGroup: 'Commercial',
      territory: 'Rest Of The World',
      active: true,
    });

    // on_trash sends the same fields, built from the document being deleted: ERPNext no longer has it.
    h.sim.desk.delete('Customer', name);
    const gone = await deliver(fixture.deliveries[1]!, {});
    expect(gone.status).toBe(200);
    expect(await gone.json()).toMatchObject({ event: null, name, outcome: 'deactivated' });
    expect(await localByErpNextName(name)).toMatchObject({ name, active: false });
    expect(await h.customerCount()).toBe(1);

    // Webhook Data without the document's name: refused with what to add, nothing written.
    const nameless = '{"customer_name": "Nameless", "modified": "2026-03-02 09:00:01.250000"}';
    const refused = await h.tw.api(path, {
      method: 'POST',
      auth: false,
      body: Buffer.from(nameless, 'utf8'),
      headers: { 'X-Frappe-Webhook-Signature': frappeSignature(webhookSecret, nameless) },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: unknown[] }).errors).toEqual([
      { field: 'name', message: expect.stringContaining('Name (Doc Name)') },
    ]);
    expect(await h.customerCount()).toBe(1);
  });

  it('follows a site whose webhooks use each Request Structure, and an Address webhook that says its doctype in the URL', async () => {
    // Customers named by their name, so every body carries a non-ASCII name.
    h = await startCustomerHarness(kind, { webhooks: false, sim: { customerNaming: 'customer_name' } });
    const url = `${h.tw.url}${path}`;
    const setUps: WebhookConfig[] = [
      {
        url,
        secret: webhookSecret,
        requestStructure: 'Form URL-Encoded',
        webhookData: fields('name', 'customer_name', 'modified', 'disabled'),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      },
      { url, secret: webhookSecret, requestStructure: '', webhookData: fields('name', 'modified') },
      {
        url,
        secret: webhookSecret,
        requestStructure: 'JSON',
        webhookJson: '{"name": "{{ doc.name }}", "customer_name": "{{ doc.customer_name }}"}',
      },
      {
        url,
        secret: webhookSecret,
        requestStructure: 'JSON',
        webhookJson: '{"doctype": "{{ doc.doctype }}", "name": "{{ doc.name }}"}',
        headers: { 'Content-Type': 'application/json' },
      },
    ];
    for (const [i, hook] of setUps.entries()) {
      h.sim.webhooks.clear();
      h.sim.webhooks.add(hook);
      const customerName = `Ünïcode Trading ${i} – ☕ 🍰`;
      const doc = h.sim.desk.insert('Customer', { customer_name: customerName });
      await h.settle();
      expect(await localByErpNextName(doc.name)).toMatchObject({ name: customerName, active: true });
      h.sim.desk.update('Customer', doc.name, { territory: 'Canada' });
      await h.settle();
      expect(await localByErpNextName(doc.name)).toMatchObject({ territory: 'Canada', active: true });
      h.sim.desk.delete('Customer', doc.name);
      await h.settle();
      expect(await localByErpNextName(doc.name)).toMatchObject({ active: false });
      const sent = h.sim.webhooks.log.filter((a) => a.name === doc.name);
      expect(sent.map((a) => [a.event, a.status])).toEqual([
        ['after_insert', 200],
        ['on_update', 200],
        ['on_trash', 200],
      ]);
      for (const attempt of sent) {
        expect(attempt.body).not.toContain('"event"');
        expect(attempt.body).toContain('\\u00dcn\\u00efcode');
        expect(Object.keys(attempt.headers).filter((k) => k.toLowerCase() === 'content-type')).toEqual(
          Object.keys(hook.headers ?? {}),
        );
      }
    }
    expect(await h.customerCount()).toBe(setUps.length);

    // "Webhook Data" offers no doctype field: an Address webhook says what it is in its Request URL.
    h.sim.webhooks.clear();
    const doc = h.sim.desk.insert('Customer', {
      customer_name: 'Straße & Söhne',
      address_line1: 'Hauptstraße 1',
      city: 'Köln',
      country: 'Germany',
    });
    await h.tw.worker.runner.runNow('erpnext.pull-customers', {}, 'cli');
    expect(await localByErpNextName(doc.name)).toMatchObject({ city: 'Köln' });
    h.sim.webhooks.add({ ...setUps[1]!, url: `${url}?doctype=Address`, doctype: 'Address' });
    h.sim.desk.update('Address', String(h.sim.site.get('Customer', doc.name).customer_primary_address), {
      city: 'Düsseldorf',
    });
    await h.settle();
    expect(await localByErpNextName(doc.name)).toMatchObject({ city: 'Düsseldorf' });
    expect(h.sim.webhooks.log.at(-1)).toMatchObject({ event: 'on_update', status: 200 });
  });
});
