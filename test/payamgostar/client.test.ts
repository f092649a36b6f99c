import { afterEach, describe, expect, it } from 'vitest';
import {
  identityListPath,
  PayamgostarClient,
  quoteGetPath,
} from '../../src/connectors/payamgostar/client.js';
import { PayamgostarError } from '../../src/connectors/payamgostar/errors.js';
import { AttemptTimeoutError } from '../../src/resilience/index.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';
import { requestsTo, settingsFor } from './harness.js';

describe('Payamgostar client', () => {
  let sim: PayamgostarSimulator;
  let client: PayamgostarClient | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await sim?.close();
  });

  it('pages through every identity, 0-based, until a short page — an exact multiple ends on an empty one', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 7, organizations: 6 } });
    client = new PayamgostarClient(settingsFor(sim, { pageSize: 3 }));
    const seen = [];
    for await (const row of client.identities()) seen.push(row);

    expect(seen).toHaveLength(13);
    expect(new Set(seen.map((r) => r.identityId)).size).toBe(13);
    expect(seen.filter((r) => r.kind === 'person').map((r) => r.identityId)).toEqual(
      sim.crm.listIdentities({ kind: 'person' }).map((r) => r.crmId),
    );
    expect(seen.filter((r) => r.kind === 'organization')).toHaveLength(6);
    expect(seen[0]!.nickName).toMatch(/^[\u0600-\u06ff ]+$/);
    // Persons: 3 + 3 + 1. Organizations: 3 + 3 + an empty page, the only way to know 6 was all.
    const pages = requestsTo(sim, identityListPath).map((r) => r.body as Record<string, unknown>);
    expect(pages.map((b) => [b.identityType, b.pageNumber, b.pageSize])).toEqual([
      [1, 0, 3],
      [1, 1, 3],
      [1, 2, 3],
      [2, 0, 3],
      [2, 1, 3],
      [2, 2, 3],
    ]);
  });

  it('lists one kind, and finds nothing in an empty CRM with one request', async () => {
    sim = await startPayamgostarSimulator({ generate: { organizations: 2 } });
    client = new PayamgostarClient(settingsFor(sim));
    const people = [];
    for await (const row of client.identities({ kind: 'person' })) people.push(row);
    expect(people).toEqual([]);
    expect(requestsTo(sim, identityListPath)).toHaveLength(1);
    const pages = [];
    for await (const page of client.identityPages({ kind: 'organization' })) pages.push(page);
    expect(pages).toMatchObject([{ kind: 'organization', pageNumber: 0, rows: [{}, {}] }]);
  });

  it.each(['crmId', 'id', 'both'] as const)(
    'creates a person and an organization when the reply names the record by %s',
    async (createReply) => {
      sim = await startPayamgostarSimulator({ createReply });
      client = new PayamgostarClient(settingsFor(sim));
      const personId = await client.createPerson({
        nickName: 'مریم کریمی',
        firstName: 'مریم',
        lastName: 'کریمی',
        customerNumber: '100-1001',
        refId: '5521',
        phoneContacts: [{ phoneType: 'Mobile', phoneNumber: '09121234567', default: true }],
      });
      const organizationId = await client.createOrganization({
        nickName: 'شرکت بازرگانی پارس',
        customerNumber: '100-1002',
        registerNumber: '123456',
        addressContacts: [{ country: 'ایران', city: 'تهران', address: 'خیابان ولیعصر', default: true }],
      });

      expect(sim.crm.identity(personId)?.kind).toBe('person');
      expect(sim.crm.identity(organizationId)?.kind).toBe('organization');
      const person = await client.getPerson(personId);
      expect(person).toMatchObject({
        crmId: personId,
        nickName: 'مریم کریمی',
        customerNumber: '100-1001',
        refId: '5521',
        phoneContacts: [{ phoneType: 'Mobile', phoneNumber: '09121234567', default: true }],
      });
      expect(person.email).toBeUndefined();
      const organization = await client.getOrganization(organizationId);
      expect(organization.addressContacts[0]).toMatchObject({ city: 'تهران', address: 'خیابان ولیعصر' });
      expect(organization.crmObjectTypeName).toBe('مخاطب حقوقی');
    },
  );

  it('updates a person and reads an identity whose kind is not known', async () => {
    sim = await startPayamgostarSimulator();
    const person = sim.salesperson.createPerson({ email: 'old@example.ir' });
    const organization = sim.salesperson.createOrganization();
    client = new PayamgostarClient(settingsFor(sim));
    const id = person.crmId as string;
    await client.updatePerson(id, { nickName: person.nickName as string, email: 'new@example.ir' });
    expect(sim.crm.identity(id)?.record).toMatchObject({
      email: 'new@example.ir',
      nationalCode: person.nationalCode,
    });

    await expect(client.getIdentity(id)).resolves.toMatchObject({ kind: 'person', record: { crmId: id } });
    const found = await client.getIdentity(organization.crmId as string);
    expect(found).toMatchObject({ kind: 'organization', record: { crmId: organization.crmId } });
    await expect(client.getIdentity(organization.crmId as string, 'person')).rejects.toMatchObject({
      kind: 'not-found',
      status: 404,
    });
    await expect(client.getIdentity('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it('reads a sales quote with its type code and lines', async () => {
    sim = await startPayamgostarSimulator();
    const customer = sim.salesperson.createOrganization();
    const quote = sim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 5,
      subject: 'پیش فاکتور تجهیزات',
      lines: [
        {
          productCode: 'KALA-001',
          productName: 'پمپ آب',
          unit: 'عدد',
          count: 2,
          unitPrice: 1_500_000,
          discount: 100_000,
        },
        { productCode: 'KALA-002', productName: 'لوله', unit: 'متر', count: 12.5, unitPrice: 80_000 },
      ],
    });
    client = new PayamgostarClient(settingsFor(sim));
    const read = await client.getQuote(quote.crmId as string);

    expect(read).toMatchObject({
      crmId: quote.crmId,
      identityId: customer.crmId,
      crmObjectTypeCode: 'PI_5',
      subject: 'پیش فاکتور تجهیزات',
      totalValue: 4_000_000,
      discount: 100_000,
      vat: 390_000,
      finalValue: 4_290_000,
    });
    expect(read.details).toHaveLength(2);
    expect(read.details[0]).toMatchObject({
      productCode: 'KALA-001',
      productUnitTypeName: 'عدد',
      count: 2,
      baseUnitPrice: 1_500_000,
      totalDiscount: 100_000,
    });
    expect(read.details[1]).toMatchObject({ count: 12.5, productUnitTypeName: 'متر' });
    expect(read.creatDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    expect(requestsTo(sim, quoteGetPath)).toHaveLength(1);
  });

  it('waits as long as a 429 Retry-After says, then succeeds', async () => {
    sim = await startPayamgostarSimulator({
      generate: { persons: 1 },
      rateLimitPerSecond: 2,
      retryAfterSeconds: 1,
    });
    // Backoff alone (1 ms doubling) would spend its five retries in a few milliseconds, inside the same second.
    client = new PayamgostarClient(settingsFor(sim, { retries: 5, retryBaseMs: 1 }));
    const id = sim.crm.listIdentities()[0]!.crmId as string;
    const started = Date.now();
    const people = await Promise.all(Array.from({ length: 5 }, () => client!.getPerson(id)));

    expect(people).toHaveLength(5);
    const refused = sim.requests.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    // Retrying on the 1 ms backoff instead would have met dozens of refusals and given up.
    expect(refused.length).toBeLessThan(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries a read after a server error but never resends a create that may have reached the CRM', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 } });
    client = new PayamgostarClient(settingsFor(sim));
    const id = sim.crm.listIdentities()[0]!.crmId as string;
    sim.failNext(503);
    await expect(client.getPerson(id)).resolves.toMatchObject({ crmId: id });
    expect(requestsTo(sim, '/api/v2/crmobject/person/get').map((r) => r.status)).toEqual([503, 200]);

    sim.failNext(500);
    const error = await client.createPerson({ nickName: 'رضا احمدی' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayamgostarError);
    expect(error).toMatchObject({ kind: 'unavailable', status: 500 });
    expect(requestsTo(sim, '/api/v2/crmobject/person/create')).toHaveLength(1);

    // A create refused by the rate limit was not acted on, so it is sent again.
    sim.knobs.rateLimitPerSecond = 1;
    sim.knobs.retryAfterSeconds = 1;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [first, second] = await Promise.all([
      client.createPerson({ nickName: 'سارا نوری' }),
      client.createPerson({ nickName: 'کاوه رحیمی' }),
    ]);
    expect(sim.crm.identity(first)?.record.nickName).toBe('سارا نوری');
    expect(sim.crm.identity(second)?.record.nickName).toBe('کاوه رحیمی');
  });

  it('does not resend a create that ran out of time (the CRM may have made it), but tries a slow read again', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 } });
    client = new PayamgostarClient(settingsFor(sim, { timeoutMs: 300 }));
    const id = sim.crm.listIdentities()[0]!.crmId as string;
    await client.login();
    sim.slowNext(600);
    const error = await client.createPerson({ nickName: 'لیلا طاهری' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttemptTimeoutError);
    expect(requestsTo(sim, '/api/v2/crmobject/person/create')).toHaveLength(1);
    // The CRM did make the person: a second send would have made two.
    expect(sim.crm.listIdentities({ searchTerm: 'لیلا طاهری' })).toHaveLength(1);

    sim.slowNext(600);
    await expect(client.getPerson(id)).resolves.toMatchObject({ crmId: id });
    expect(requestsTo(sim, '/api/v2/crmobject/person/get')).toHaveLength(2);
  });

  it('refuses a reply that is not what the CRM documents, and keeps the CRM’s own words in errors', async () => {
    sim = await startPayamgostarSimulator();
    client = new PayamgostarClient(settingsFor(sim));
    const refused = await client.createPerson({ nickName: '' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'validation', status: 400, remoteMessage: 'NickName is required' });
    expect((refused as Error).message).toContain(
      'POST /api/v2/crmobject/person/create (400): NickName is required',
    );
  });
});
