import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayamgostarClient } from '../../src/connectors/payamgostar/client.js';
import { parseCrmNotification } from '../../src/connectors/payamgostar/webhook-notification.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';
import { settingsFor } from './harness.js';

const guid = '2022fbc6-b822-48a7-9586-091dff902212';

describe('Payamgostar webhook notifications (pure)', () => {
  it('reads an identity notification, the kind from the Persian type name', () => {
    const query = new URLSearchParams({
      event: 'Update',
      id: guid.toUpperCase(),
      type: 'Identity',
      subtype: 'مخاطب حقیقی siagh',
    });
    expect(parseCrmNotification(query)).toEqual({
      ok: true,
      notification: {
        event: 'Update',
        type: 'Identity',
        id: guid,
        subtype: 'مخاطب حقیقی siagh',
        identityKind: 'person',
      },
    });
    const organization = parseCrmNotification({
      event: 'Insert',
      id: guid,
      type: 'Identity',
      subtype: 'مخاطب حقوقی',
    });
    expect(organization).toMatchObject({ ok: true, notification: { identityKind: 'organization' } });
  });

  it('reads a type name typed on an Arabic keyboard (ي, ك) like its Persian spelling', () => {
    const arabicYeh = parseCrmNotification({
      event: 'Insert',
      id: guid,
      type: 'Identity',
      subtype: 'مشتري حقوقي',
    });
    expect(arabicYeh).toMatchObject({ ok: true, notification: { identityKind: 'organization' } });
  });

  it('leaves the kind open when the tenant’s type name says neither, rather than guess', () => {
    const parsed = parseCrmNotification({ event: 'insert', id: guid, type: 'identity', subtype: 'مشتری' });
    expect(parsed).toEqual({
      ok: true,
      notification: {
        event: 'Insert',
        type: 'Identity',
        id: guid,
        subtype: 'مشتری',
        identityKind: undefined,
      },
    });
  });

  it('reads a quote notification', () => {
    const parsed = parseCrmNotification({
      event: 'Insert',
      id: guid,
      type: 'Quote',
      subtype: 'پیش فاکتور فروش',
    });
    expect(parsed).toEqual({
      ok: true,
      notification: { event: 'Insert', type: 'Quote', id: guid, subtype: 'پیش فاکتور فروش' },
    });
  });

  it.each([
    [{ event: 'Insert', type: 'Identity' }, 'id is missing'],
    [{ event: 'Insert', id: 'not-a-guid', type: 'Identity' }, 'id is not a GUID'],
    [{ event: 'Delete', id: guid, type: 'Identity' }, 'event is neither Insert nor Update'],
    [{ event: 'Insert', id: guid, type: 'Invoice' }, 'type is neither Identity nor Quote'],
    [{ event: ['Insert', 'Update'], id: guid, type: 'Identity' }, 'event is given twice'],
    [new URLSearchParams(`event=Insert&id=${guid}&id=${guid}&type=Quote`), 'id is given twice'],
  ])('refuses %j with the reason', (query, reason) => {
    const parsed = parseCrmNotification(query);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});

describe('Payamgostar simulator webhooks', () => {
  let sim: PayamgostarSimulator;
  let receiver: Server;
  let received: { method: string; url: string }[];
  let receiverUrl: string;

  beforeEach(async () => {
    received = [];
    receiver = createServer((req, res) => {
      received.push({ method: req.method ?? '', url: req.url ?? '' });
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/api/webhooks/payamgostar?token=s3cret`;
  });
  afterEach(async () => {
    await sim?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const notifications = () =>
    received.map((r) => {
      const url = new URL(r.url, 'http://receiver');
      return {
        method: r.method,
        token: url.searchParams.get('token'),
        parsed: parseCrmNotification(url.searchParams),
      };
    });

  it('calls the URL with GET and the Persian subtype on every insert and update, by a salesperson or the API', async () => {
    sim = await startPayamgostarSimulator({
      webhookUrl: receiverUrl,
      organizationTypeName: 'مخاطب حقوقی siagh',
    });
    const person = sim.salesperson.createPerson();
    const organization = sim.salesperson.createOrganization();
    sim.salesperson.editIdentity(person.crmId as string, { email: 'changed@example.ir' });
    const quote = sim.salesperson.createQuote({
      identityId: organization.crmId as string,
      saleModel: 5,
      lines: [{ productCode: 'KALA-001', count: 1, unitPrice: 1000 }],
    });
    const client = new PayamgostarClient(settingsFor(sim));
    const created = await client.createPerson({ nickName: 'امیر صادقی' });
    await client.stop();
    await sim.webhooks.idle();

    expect(received.every((r) => r.method === 'GET')).toBe(true);
    // The subtype travels as percent-encoded UTF-8.
    expect(received[0]!.url).toContain('subtype=%D9%85%D8%AE%D8%A7%D8%B7%D8%A8');
    expect(notifications().map((n) => [n.token, n.parsed.ok && n.parsed.notification])).toEqual([
      [
        's3cret',
        {
          event: 'Insert',
          type: 'Identity',
          id: person.crmId,
          subtype: 'مخاطب حقیقی',
          identityKind: 'person',
        },
      ],
      [
        's3cret',
        {
          event: 'Insert',
          type: 'Identity',
          id: organization.crmId,
          subtype: 'مخاطب حقوقی siagh',
          identityKind: 'organization',
        },
      ],
      [
        's3cret',
        {
          event: 'Update',
          type: 'Identity',
          id: person.crmId,
          subtype: 'مخاطب حقیقی',
          identityKind: 'person',
        },
      ],
      ['s3cret', { event: 'Insert', type: 'Quote', id: quote.crmId, subtype: 'پیش فاکتور فروش 5' }],
      [
        's3cret',
        { event: 'Insert', type: 'Identity', id: created, subtype: 'مخاطب حقیقی', identityKind: 'person' },
      ],
    ]);
  });

  it('loses a delivery when told to, and sends nothing when webhooks are off', async () => {
    sim = await startPayamgostarSimulator({ webhookUrl: receiverUrl });
    sim.webhooks.dropNext();
    const lost = sim.salesperson.createPerson();
    const kept = sim.salesperson.createPerson();
    await sim.webhooks.idle();
    expect(notifications().map((n) => n.parsed.ok && n.parsed.notification.id)).toEqual([kept.crmId]);
    expect(sim.webhooks.deliveries.map((d) => [d.id, d.dropped, d.status])).toEqual([
      [lost.crmId, true, undefined],
      [kept.crmId, false, 200],
    ]);

    sim.webhooks.settings.enabled = false;
    sim.salesperson.editIdentity(kept.crmId as string, { email: 'quiet@example.ir' });
    await sim.webhooks.idle();
    expect(received).toHaveLength(1);
  });
});
