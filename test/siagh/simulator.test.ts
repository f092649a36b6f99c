/**
 * The Siagh simulator itself, spoken to with plain fetch: what it refuses is what makes the client's care
 * (raw session header, unescaped ctrlValues, dataRows as a string) worth something.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { startSiaghSim, type SiaghSim } from '../sim/siagh/server.js';

describe('Siagh simulator', () => {
  let sim: SiaghSim;
  afterEach(async () => sim?.close());

  async function post(path: string, body: unknown, authorization?: string) {
    const response = await fetch(sim.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function login(): Promise<string> {
    const { body } = await post('/GeneralApi/LoginUser', {
      UserName: sim.users[0]!.userName,
      Password: siaghPasswordHash(sim.users[0]!.password),
    });
    return body.SessionId as string;
  }

  const contactForm = (ctrlValues: string, parameters = 'CodeMain=') => ({
    formId: '2BFDA',
    ctrlValues,
    parameters,
    dataRows: '[]',
    attachments: '[]',
    postCode: '1110',
    flowId: '',
  });

  it('answers login with a Jalali date and the open fiscal year, and refuses a lower-case or plain password', async () => {
    sim = await startSiaghSim({ fiscalYear: 1404 });
    const { status, body } = await post('/GeneralApi/LoginUser', {
      UserName: sim.users[0]!.userName,
      Password: siaghPasswordHash(sim.users[0]!.password),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ FiscalYear: 1404, Token: `${body.SessionId as string}:0` });
    expect(body.SystemDate).toMatch(/^14\d\d\/\d\d\/\d\d$/);
    expect(body.SystemTime).toMatch(/^\d\d:\d\d$/);
    for (const Password of [siaghPasswordHash(sim.users[0]!.password).toLowerCase(), sim.users[0]!.password])
      expect(await post('/GeneralApi/LoginUser', { UserName: sim.users[0]!.userName, Password })).toEqual({
        status: 401,
        body: { Message: 'Invalid username or password' },
      });
  });

  it('takes the session id only raw in Authorization', async () => {
    sim = await startSiaghSim();
    const session = await login();
    expect((await post('/api/Sgh/GEN/Gn_Web_Users/GetAll', { Code: 1 }, session)).status).toBe(200);
    expect((await post('/api/Sgh/GEN/Gn_Web_Users/GetAll', { Code: 1 }, `Bearer ${session}`)).status).toBe(
      401,
    );
    expect((await post('/api/Sgh/GEN/Gn_Web_Users/GetAll', { Code: 1 })).status).toBe(401);
    expect((await post('/api/Sgh/GEN/Gn_Web_Users/GetAll', { NoSuchField: 1 }, session)).status).toBe(400);
  });

  it('breaks a ctrlValues value holding | or = the way an unescaped split does: a refusal, nothing saved', async () => {
    sim = await startSiaghSim({ contactCount: 5 });
    const session = await login();
    for (const ctrlValues of [
      'gn_web_users.fullname=Acme | Sons|gn_web_users.taraftype=1',
      'gn_web_users.fullname=a=b|gn_web_users.taraftype=1',
    ]) {
      const { status, body } = await post('/BpmsApi/SaveFormData', contactForm(ctrlValues), session);
      expect(status).toBe(200);
      expect(body.ReturnValue).toBe(false);
      expect(body.Errors).toMatchObject([{ ErrorType: 'ErrError' }]);
      expect((body.Errors as { Description: string }[])[0]!.Description).toContain('RUNTIME ERROR');
    }
    expect(sim.contacts.size).toBe(5);
  });

  it('wants dataRows as a JSON string of {oldValue, newValue} cells', async () => {
    sim = await startSiaghSim({ contactCount: 5, fiscalYear: 1404 });
    const session = await login();
    const header =
      'sl_sanad.hssanadstate=8|sl_sanad.codenoeesanad=2|sl_sanad.codesalemodel=1|sl_sanad.salmali=1404|' +
      'sl_sanad.codemoshtari=4';
    const row = {
      __uid: { oldValue: 'a1', newValue: 'a1' },
      _status: { oldValue: 'inserted', newValue: 'inserted' },
      codekala: { oldValue: null, newValue: 'Product-1' },
      qty: { oldValue: null, newValue: 1 },
      price: { oldValue: null, newValue: 10 },
      radif: { oldValue: null, newValue: '1' },
    };
    const grid = (data: unknown[]) => [{ name: 'dbgrid1', entity: 'sl_rizsanad', keyField: 'coderiz', data }];
    const form = (dataRows: unknown) => ({
      ...contactForm(header, `_In_EditKeys=|_In_Suid=${'AB'.repeat(16)}|nocheck=`),
      formId: '43D81',
      dataRows,
    });
    const refusals = [
      form(grid([row])), // an array, not a string
      form(JSON.stringify(grid([{ ...row, qty: 1 }]))), // a bare value, not a cell
      form(JSON.stringify(grid([{ ...row, _status: { oldValue: null, newValue: 'modified' } }]))),
    ];
    for (const body of refusals) {
      const reply = await post('/BpmsApi/SaveFormData', body, session);
      expect(reply.body.ReturnValue).toBe(false);
    }
    const saved = await post('/BpmsApi/SaveFormData', form(JSON.stringify(grid([row]))), session);
    expect(saved.body).toMatchObject({
      ReturnValue: true,
      FinalMessages: ['پیش فاکتور فروش با موفقیت به شماره 2488 ثبت گردید'],
    });
    const price = await post(
      '/BpmsApi/SaveFormData',
      form(JSON.stringify(grid([{ ...row, price: { oldValue: null, newValue: 'x' } }]))),
      session,
    );
    expect(price.body).toMatchObject({
      ReturnValue: false,
      Errors: [{ ColName: 'Price', Description: 'قیمت ردیف 1 درست وارد نشده است', ErrorCode: -1 }],
    });
    expect(sim.preInvoices).toHaveLength(1);
  });

  it('streams GetAll as a bare array and generates the same contacts for the same seed', async () => {
    sim = await startSiaghSim({ contactCount: 3000, seed: 11 });
    const session = await login();
    const response = await fetch(`${sim.url}/api/Sgh/GEN/Gn_Web_Users/GetAll`, {
      headers: { authorization: session },
    });
    expect(response.headers.get('content-length')).toBeNull();
    const all = (await response.json()) as { Code: number; RegDate: string }[];
    expect(all).toHaveLength(3000);
    expect(all[2999]!.Code).toBe(3000);
    expect(all.every((c) => /^1[34]\d\d\/\d\d\/\d\d$/.test(c.RegDate))).toBe(true);
    const other = await startSiaghSim({ contactCount: 3000, seed: 11 });
    expect(other.contacts.get(1234)).toEqual(sim.contacts.get(1234));
    await other.close();
  });
});
