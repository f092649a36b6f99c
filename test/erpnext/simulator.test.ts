import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startErpNextSimulator, type ErpNextSimulator } from '../sim/erpnext/server.js';

const auth = { authorization: 'token sim-api-key:sim-api-secret', accept: 'application/json' };

describe('ERPNext simulator', () => {
  let sim: ErpNextSimulator;
  afterEach(async () => sim?.close());

  it('authenticates token and Basic, and answers 401 with AuthenticationError otherwise', async () => {
    sim = await startErpNextSimulator();
    expect((await fetch(`${sim.url}/api/method/frappe.auth.get_logged_user`, { headers: auth })).status).toBe(
      200,
    );
    const basic = `Basic ${Buffer.from('sim-api-key:sim-api-secret').toString('base64')}`;
    expect(
      (await fetch(`${sim.url}/api/resource/Customer`, { headers: { authorization: basic } })).status,
    ).toBe(200);
    const res = await fetch(`${sim.url}/api/resource/Customer`, {
      headers: { authorization: 'token sim-api-key:wrong' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ exc_type: 'AuthenticationError' });
  });

  it('lists 20 names, newest first, when a client forgets fields and paging', async () => {
    sim = await startErpNextSimulator();
    for (let i = 1; i <= 25; i++) sim.desk.insert('Customer', { customer_name: `Customer ${i}` });
    const body = (await (await fetch(`${sim.url}/api/resource/Customer`, { headers: auth })).json()) as {
      data: Record<string, unknown>[];
    };
    expect(body.data).toHaveLength(20);
    expect(Object.keys(body.data[0]!)).toEqual(['name']);
    expect(body.data[0]!.name).toBe('CUST-2026-00025');
    const all = new URLSearchParams({
      fields: '["name","modified"]',
      order_by: 'modified asc',
      limit_page_length: '0',
    });
    const rows = (
      (await (await fetch(`${sim.url}/api/resource/Customer?${all}`, { headers: auth })).json()) as {
        data: { modified: string }[];
      }
    ).data;
    expect(rows).toHaveLength(25);
    // Python's str(datetime): no fraction when the microseconds are 0, six digits otherwise; both occur.
    expect(rows.some((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(r.modified))).toBe(true);
    expect(rows.some((r) => /\.\d{6}$/.test(r.modified))).toBe(true);
  });

  it('answers 417 with a doubly encoded message for a bad link, and runs insert side effects', async () => {
    sim = await startErpNextSimulator();
    const post = (body: unknown) =>
      fetch(`${sim.url}/api/resource/Customer`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post({ customer_name: 'X', customer_group: 'Foo' });
    expect(bad.status).toBe(417);
    const envelope = (await bad.json()) as { exc_type: string; _server_messages: string };
    expect(envelope.exc_type).toBe('LinkValidationError');
    expect(JSON.parse(JSON.parse(envelope._server_messages)[0]).message).toBe(
      'Could not find Customer Group: Foo',
    );
    expect((await post({ customer_name: 'Y', address_line1: '1 Main St' })).status).toBe(417);
    const ok = (await (
      await post({
        customer_name: 'Z',
        email_id: 'z@example.com',
        address_line1: '1 Main St',
        city: 'Austin',
        country: 'United States',
        city_typo: 1,
      })
    ).json()) as { data: Record<string, unknown> };
    expect(ok.data.customer_primary_contact).toBeTruthy();
    expect(ok.data.customer_primary_address).toBeTruthy();
    expect(ok.data).not.toHaveProperty('city');
    const del = await fetch(`${sim.url}/api/resource/Customer/${String(ok.data.name)}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(del.status).toBe(202);
    expect(await del.json()).toEqual({ data: 'ok' });
    expect(sim.site.all('Address')).toHaveLength(0);
  });

  it('sends webhooks signed over Python json.dumps bytes, without Content-Type, retried 3 times', async () => {
    const received: { body: string; headers: Record<string, unknown> }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => {
          received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers });
          res.writeHead(500).end();
        });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;
    sim = await startErpNextSimulator({
      webhookRetryDelaysMs: [5, 5],
      webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: 's3cret-s3cret' }],
    });
    sim.desk.insert('Customer', { customer_name: 'Hook' });
    await sim.webhooks.idle();
    receiver.close();
    expect(received).toHaveLength(3);
    expect(received[0]!.body).toMatch(
      /^\{"event": "after_insert", "doctype": "Customer", "name": "CUST-2026-00001", "modified": "/,
    );
    expect(received[0]!.headers['content-type']).toBeUndefined();
    expect(received[0]!.headers['x-frappe-webhook-signature']).toBe(sim.webhooks.log[0]!.signature);
  });

  it.each([false, true])(
    'with webhooksBeforeReply %s, answers a REST insert before or only after its webhook was answered',
    async (webhooksBeforeReply) => {
      let answered = 0;
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      const receiver = createServer((req, res) => {
        req.resume().on('end', () => {
          // Without the knob the receiver holds its answer until the insert's reply is in: the reply cannot wait for it.
          void (webhooksBeforeReply ? Promise.resolve() : released).then(() => {
            answered += 1;
            res.writeHead(200).end();
          });
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const port = (receiver.address() as { port: number }).port;
      sim = await startErpNextSimulator({
        webhooksBeforeReply,
        webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: 's3cret-s3cret' }],
      });
      const res = await fetch(`${sim.url}/api/resource/Customer`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ customer_name: 'Early Bird' }),
      });
      expect(res.status).toBe(200);
      expect(answered).toBe(webhooksBeforeReply ? 1 : 0);
      release();
      await sim.webhooks.idle();
      receiver.close();
      expect(answered).toBe(1);
    },
  );

  it('sends nothing when a JSON template does not render to JSON, and logs why, as Frappe does', async () => {
    sim = await startErpNextSimulator({
      webhooks: [
        {
          url: 'http://127.0.0.1:9/hook',
          requestStructure: 'JSON',
          webhookJson: '{"name": "{{ doc.name }}", "customer_name": "{{ doc.customer_name }}"}',
        },
      ],
    });
    sim.desk.insert('Customer', { customer_name: 'The "Best" Bakery' });
    await sim.webhooks.idle();
    // Nothing was sent: the one log entry is the failure to build the body.
    expect(sim.webhooks.log).toHaveLength(1);
    expect(sim.webhooks.log[0]).toMatchObject({ event: 'after_insert', attempt: 0, error: /JSON/ });
    expect(sim.webhooks.log[0]!.status).toBeUndefined();
  });
});
