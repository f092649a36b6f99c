import { afterEach, describe, expect, it } from 'vitest';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { SiaghClient } from '../../src/connectors/siagh/client.js';
import type { ContactItem } from '../../src/connectors/siagh/contact-stream.js';
import {
  SiaghBusinessError,
  SiaghError,
  SiaghInputError,
  classify,
  mayHaveBeenApplied,
} from '../../src/connectors/siagh/errors.js';
import { newSuid, type SiaghPreInvoiceInput } from '../../src/connectors/siagh/forms.js';
import type { SiaghSettings } from '../../src/connectors/siagh/settings.js';
import { AttemptTimeoutError } from '../../src/resilience/index.js';
import { startSiaghSim, type SiaghSim, type SiaghSimOptions } from '../sim/siagh/server.js';

const lookupPath = '/api/Sgh/SL/Sl_Sanad/GetAll';

function settingsFor(sim: SiaghSim, overrides: Partial<SiaghSettings> = {}): SiaghSettings {
  return {
    baseUrl: sim.url,
    userName: sim.users[0]!.userName,
    passwordHash: siaghPasswordHash(sim.users[0]!.password),
    timeZone: 'Asia/Tehran',
    requestsPerSecond: 1000,
    concurrency: 4,
    timeoutMs: 5000,
    retries: 3,
    retryBaseMs: 10,
    preInvoiceLookupPath: lookupPath,
    ...overrides,
  };
}

describe('Siagh client against the simulator', () => {
  let sim: SiaghSim | undefined;
  let client: SiaghClient | undefined;
  afterEach(async () => {
    await client?.stop();
    await sim?.close();
    client = undefined;
    sim = undefined;
  });

  async function start(options: SiaghSimOptions = {}, overrides: Partial<SiaghSettings> = {}) {
    sim = await startSiaghSim(options);
    client = new SiaghClient(settingsFor(sim, overrides));
    return { sim, client };
  }

  const saves = (s: SiaghSim) => s.requests.filter((r) => r.path === '/BpmsApi/SaveFormData');
  const lookups = (s: SiaghSim) => s.requests.filter((r) => r.path === lookupPath);

  const quote = async (
    c: SiaghClient,
    overrides: Partial<SiaghPreInvoiceInput> = {},
  ): Promise<SiaghPreInvoiceInput> => ({
    suid: newSuid(),
    customerCode: 10,
    fiscalYear: await c.fiscalYear(),
    saleModel: 5,
    description: 'CRM quote Q-1001',
    lines: [
      { itemCode: '500102014', unitName: 'عدد', quantity: 2, unitPrice: 2_500_000, discountAmount: 0 },
      { itemCode: 'Product-1', unitName: 'قطعه', quantity: 1, unitPrice: 720_000, discountAmount: 0 },
    ],
    ...overrides,
  });

  describe('login and session', () => {
    it('logs in with the MD5 upper-case hex password and sends the SessionId raw in Authorization', async () => {
      const { sim, client } = await start({ contactCount: 10 });
      const session = await client.connect();
      expect(session.fiscalYear).toBe(sim.knobs.fiscalYear);
      expect(session.systemDate).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
      expect(Math.abs(session.systemInstant.getTime() - Date.now())).toBeLessThan(2 * 60_000);
      const found = await client.findContacts({ Code: 3 });
      expect(found).toMatchObject([{ ok: true, contact: { Code: 3, IsAdminUser: true } }]);
      const [login, read] = sim.requests;
      expect(login!.body).toEqual({
        UserName: 'مدیر سیستم',
        Password: siaghPasswordHash(sim.users[0]!.password),
      });
      expect(read!.authorization).toMatch(/^[0-9a-f]{32}$/);
      expect(read!.status).toBe(200);
    });

    it('says so once, without retrying, when the password is wrong', async () => {
      const { sim } = await start();
      const wrong = new SiaghClient(settingsFor(sim, { passwordHash: siaghPasswordHash('not-it') }));
      const error = await wrong.connect().catch((e: unknown) => e);
      await wrong.stop();
      expect(error).toBeInstanceOf(SiaghError);
      expect(error).toMatchObject({ kind: 'login-refused', status: 401 });
      expect((error as Error).message).toContain('Invalid username or password');
      expect((error as Error).message).toContain('siagh-hash');
      expect(sim.stats.refusedLogins).toBe(1);
    });

    it('logs in again once when Siagh ends the session (401), shared by concurrent requests', async () => {
      const { sim, client } = await start({ contactCount: 10 });
      await client.findContacts({ Code: 1 });
      sim.expireSessions();
      const results = await Promise.all([1, 2, 3].map((code) => client.findContacts({ Code: code })));
      expect(results.map((r) => r.length)).toEqual([1, 1, 1]);
      expect(sim.stats.logins).toBe(2);
      expect(sim.stats.refusedSessions).toBeGreaterThanOrEqual(1);
    });

    it('follows the session lifetime knob: an idle session expires and is replaced', async () => {
      const { sim, client } = await start({ contactCount: 10, sessionLifetimeMs: 100 });
      await client.findContacts({ Code: 1 });
      await new Promise((resolve) => setTimeout(resolve, 250));
      // The open session keeps its end; the next one lives long enough for this test on a slow machine.
      sim.knobs.sessionLifetimeMs = 60_000;
      await client.findContacts({ Code: 2 });
      expect(sim.requests.map((r) => r.status)).toEqual([200, 200, 401, 200, 200]);
      expect(sim.stats.logins).toBe(2);
    });

    it('gives up after one re-login when the new session is refused too', async () => {
      const { sim, client } = await start({ contactCount: 10 });
      await client.connect();
      sim.expireSessions();
      sim.knobs.sessionLifetimeMs = -1;
      await expect(client.findContacts({ Code: 1 })).rejects.toMatchObject({
        kind: 'session-expired',
        status: 401,
      });
      expect(sim.stats.logins).toBe(2);
    });
  });

  describe('contact list', () => {
    it('streams tens of thousands of contacts: the first arrives while Siagh is still sending', async () => {
      const { sim, client } = await start({ contactCount: 20_000, tmpidMissingRate: 0.3 });
      const release = sim.holdContactsAfter(300);
      let count = 0;
      let admins = 0;
      let withoutTmpid = 0;
      let openWhenFirstArrived: boolean | undefined;
      for await (const item of client.contacts()) {
        if (count === 0) {
          const getAll = sim.requests.find((r) => r.path === '/api/Sgh/GEN/Gn_Web_Users/GetAll');
          // The reply is held open after 300 contacts: the client has one before Siagh finished the array.
          openWhenFirstArrived = getAll !== undefined && getAll.status === undefined;
          release();
        }
        count++;
        if (item.ok && item.contact.IsAdminUser) admins++;
        if (item.ok && (item.contact.tmpid === undefined || item.contact.tmpid === null)) withoutTmpid++;
      }
      expect(openWhenFirstArrived).toBe(true);
      expect(count).toBe(20_000);
      expect(admins).toBe(3);
      expect(withoutTmpid).toBeGreaterThan(4000);
      expect(withoutTmpid).toBeLessThan(8000);
    });

    it('reports malformed contacts with their reason and still reads the rest', async () => {
      const { client } = await start({ contactCount: 100, malformedEvery: 25 });
      const items: ContactItem[] = [];
      for await (const item of client.contacts()) items.push(item);
      expect(items).toHaveLength(100);
      const bad = items.filter((i) => !i.ok);
      expect(bad.map((i) => !i.ok && i.code)).toEqual(['C-25', 'C-50', 'C-75', 'C-100']);
      expect(bad[0]).toMatchObject({ ok: false, index: 24 });
      expect(!bad[0]!.ok && bad[0]!.reason).toMatch(/^Code: /);
    });

    it('fails, instead of returning a short list, when the reply breaks off', async () => {
      const { sim, client } = await start({ contactCount: 5000 });
      sim.breakContactsAfter(1200);
      let count = 0;
      const error = await (async () => {
        for await (const item of client.contacts()) if (item.ok) count++;
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(count).toBeLessThan(5000);
      expect((error as Error).message).toMatch(/broke off|could not be read/);
    });

    it('stops reading when the caller stops early', async () => {
      const { client } = await start({ contactCount: 5000 });
      let count = 0;
      for await (const item of client.contacts()) {
        if (item.ok) count++;
        if (count === 10) break;
      }
      expect(count).toBe(10);
      expect(await client.findContacts({ Code: 4999 })).toHaveLength(1);
    });
  });

  describe('contact forms', () => {
    it('creates a contact with the code from ReturnCode and updates it with Param1/CodeMain', async () => {
      const { sim, client } = await start({ contactCount: 50 });
      const created = await client.createContact({
        fullName: 'شرکت نمونه',
        kind: 'organization',
        mobile: '09350000001',
        nationalCode: '14000000001',
        tmpId: 'crm-77',
        email: 'info@example.ir',
      });
      expect(created.code).toBe(51);
      expect(sim.contacts.get(51)).toMatchObject({
        Name: 'شرکت نمونه',
        TowardType: true,
        NationalCode: '14000000001',
        tmpid: 'crm-77',
        IsActive: true,
      });
      const updated = await client.updateContact(51, {
        fullName: 'شرکت نمونه نو',
        kind: 'organization',
        email: '',
      });
      expect(updated.code).toBe(51);
      expect(sim.contacts.get(51)).toMatchObject({
        Name: 'شرکت نمونه نو',
        Email: null,
        MobileNo: '09350000001',
      });
      const [found] = await client.findContacts({ Code: 51 });
      expect(found).toMatchObject({ ok: true, contact: { Name: 'شرکت نمونه نو' } });
    });

    it('accepts a success answered with an ErrSuccs entry as well as with an empty Errors list', async () => {
      const { sim, client } = await start({ contactCount: 5, contactSuccessEntry: true });
      const saved = await client.createContact({ fullName: 'الف', kind: 'person' });
      expect(saved.messages).toEqual(['اطلاعات با موفقیت ذخیره شد']);
      sim.knobs.contactSuccessEntry = false;
      expect((await client.createContact({ fullName: 'ب', kind: 'person' })).messages).toEqual([]);
    });

    it("keeps Siagh's Persian text of a refusal answered with HTTP 200, and does not retry it", async () => {
      const { sim, client } = await start({ contactCount: 50 });
      const taken = sim.contacts.get(5)!;
      const error = await client
        .createContact({ fullName: 'تکراری', kind: 'person', nationalCode: taken.NationalCode as string })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SiaghBusinessError);
      expect((error as SiaghBusinessError).entries[0]).toMatchObject({
        type: 'ErrError',
        description: 'کد ملی وارد شده تکراری است',
      });
      expect((error as Error).message).toContain('کد ملی وارد شده تکراری است');
      expect(classify(error).class).toBe('permanent');
      expect(saves(sim)).toHaveLength(1);
      expect(sim.contacts.size).toBe(50);
    });

    it('reads a refusal without ErrorType (duplicate mobile) as refused; the knob turns the rule off', async () => {
      const { sim, client } = await start({ contactCount: 50 });
      const mobile = sim.contacts.get(7)!.MobileNo as string;
      await expect(client.createContact({ fullName: 'x', kind: 'person', mobile })).rejects.toThrow(
        'شماره تلفن نمی تواند تکراری باشد.',
      );
      sim.knobs.rejectDuplicateMobile = false;
      await expect(client.createContact({ fullName: 'x', kind: 'person', mobile })).resolves.toMatchObject({
        code: 51,
      });
    });

    it('refuses a value holding | before anything is sent, naming the field', async () => {
      const { sim, client } = await start({ contactCount: 5 });
      const error = await client
        .createContact({ fullName: 'Acme', kind: 'organization', address: 'Tehran | Unit 4' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SiaghInputError);
      expect(error).toMatchObject({ field: 'gn_web_users.address' });
      expect(classify(error).class).toBe('permanent');
      expect(saves(sim)).toHaveLength(0);
      expect(sim.contacts.size).toBe(5);
    });

    it('does not resend a contact create whose reply was lost: it may exist already', async () => {
      const { sim, client } = await start({ contactCount: 5 }, { timeoutMs: 200, retryBaseMs: 10 });
      sim.delaySaves({ ms: 500, commit: 'before-delay', count: 1 });
      const error = await client.createContact({ fullName: 'کند', kind: 'person' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AttemptTimeoutError);
      expect(mayHaveBeenApplied(error)).toBe(true);
      expect(saves(sim)).toHaveLength(1);
      expect(sim.contacts.size).toBe(6);
    });
  });

  describe('pre-invoices', () => {
    it('creates a pre-invoice and reads its number from the Persian success text', async () => {
      const { sim, client } = await start({ contactCount: 20 });
      const input = await quote(client);
      const saved = await client.createPreInvoice(input);
      expect(saved).toMatchObject({
        number: 2488,
        internalId: '15459',
        suid: input.suid,
        alreadyExisted: false,
      });
      expect(saved.messages[0]).toContain('با موفقیت به شماره 2488 ثبت گردید');
      expect(sim.preInvoices).toHaveLength(1);
      expect(sim.preInvoices[0]).toMatchObject({ customerCode: 10, suid: input.suid, net: 5_720_000 });
      expect(sim.preInvoices[0]!.lines.map((l) => [l.itemCode, l.quantity, l.row])).toEqual([
        ['500102014', 2, '1'],
        ['Product-1', 1, '2'],
      ]);
      expect((await client.createPreInvoice(await quote(client))).number).toBe(2489);
    });

    it('keeps the Persian refusal of an unknown item code', async () => {
      const { sim, client } = await start({ contactCount: 20 });
      const input = await quote(client, {
        lines: [{ itemCode: 'NO-SUCH', unitName: 'عدد', quantity: 1, unitPrice: 10 }],
      });
      const error = await client.createPreInvoice(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SiaghBusinessError);
      expect((error as SiaghBusinessError).entries[0]!.description).toBe('کالا با کد NO-SUCH تعریف نشده است');
      expect(sim.preInvoices).toHaveLength(0);
    });

    it.each(['before-delay', 'after-delay'] as const)(
      'retried after a timeout (Siagh saving %s) creates nothing twice: it looks the suid up first',
      async (commit) => {
        const { sim, client } = await start({ contactCount: 20 }, { timeoutMs: 250, retryBaseMs: 1000 });
        const input = await quote(client);
        sim.delaySaves({ ms: 500, commit, count: 1 });
        const saved = await client.createPreInvoice(input, { lookFirst: false });
        expect(saved).toMatchObject({ number: 2488, alreadyExisted: true, suid: input.suid });
        expect(sim.preInvoices).toHaveLength(1);
        expect(saves(sim)).toHaveLength(1);
        expect(lookups(sim)).toHaveLength(1);
      },
    );

    it('a later run with the same suid finds the pre-invoice instead of creating another', async () => {
      const { sim, client } = await start({ contactCount: 20 });
      const input = await quote(client);
      const first = await client.createPreInvoice(input);
      const again = await client.createPreInvoice(input);
      expect(again).toMatchObject({ number: first.number, alreadyExisted: true });
      expect(sim.preInvoices).toHaveLength(1);
      expect(await client.findPreInvoiceBySuid(input.suid)).toMatchObject({ ShomareSanad: first.number });
      expect(await client.findPreInvoiceBySuid(newSuid())).toBeUndefined();
    });

    it('without a lookup on this Siagh, it stops with a clear error rather than risk a duplicate', async () => {
      const { sim, client } = await start(
        { contactCount: 20, preInvoiceLookupPath: null },
        { timeoutMs: 250, retryBaseMs: 600 },
      );
      const input = await quote(client);
      await expect(client.createPreInvoice(input)).rejects.toThrow(/SIAGH_PREINVOICE_LOOKUP_PATH/);
      expect(saves(sim)).toHaveLength(0);
      sim.delaySaves({ ms: 400, commit: 'before-delay', count: 1 });
      await expect(client.createPreInvoice(input, { lookFirst: false })).rejects.toThrow(
        /SIAGH_PREINVOICE_LOOKUP_PATH/,
      );
      expect(sim.preInvoices).toHaveLength(1);
      expect(saves(sim)).toHaveLength(1);
    });
  });

  describe('rate limits', () => {
    it("waits as Siagh's Retry-After says, then succeeds", async () => {
      const { sim, client } = await start({ contactCount: 5 });
      await client.connect();
      sim.refuseNext(1, 429, 1);
      const started = Date.now();
      expect(await client.findContacts({ Code: 2 })).toHaveLength(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(sim.stats.throttled).toBe(1);
    });

    it.each([undefined, 3])(
      'with the simulator limited to %s requests a second every call succeeds',
      async (limit) => {
        const { sim, client } = await start({ contactCount: 10, rateLimitPerSecond: limit });
        await client.connect();
        const found = await Promise.all(
          [1, 2, 3, 4, 5, 6, 7, 8].map((code) => client.findContacts({ Code: code })),
        );
        expect(found.every((f) => f.length === 1)).toBe(true);
        if (limit) expect(sim.stats.throttled).toBeGreaterThan(0);
        else expect(sim.stats.throttled).toBe(0);
      },
    );
  });
});
