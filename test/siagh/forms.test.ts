import { describe, expect, it } from 'vitest';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { readContacts, type ContactItem } from '../../src/connectors/siagh/contact-stream.js';
import { buildCtrlValues } from '../../src/connectors/siagh/ctrl-values.js';
import { SiaghBusinessError, SiaghError, SiaghInputError } from '../../src/connectors/siagh/errors.js';
import {
  contactCreateForm,
  contactUpdateForm,
  newSuid,
  preInvoiceForm,
  type SiaghPreInvoiceInput,
} from '../../src/connectors/siagh/forms.js';
import {
  fiscalYearAt,
  formatJalaliDate,
  gregorianDayOf,
  instantOfJalali,
  jalaliDateAt,
  parseJalaliDate,
} from '../../src/connectors/siagh/jalali.js';
import { preInvoiceNumberIn, readSaveReply } from '../../src/connectors/siagh/save-reply.js';

const suid = 'BE8892DF92EA4C4986082AFED6F07DCB';
const preInvoice = (overrides: Partial<SiaghPreInvoiceInput> = {}): SiaghPreInvoiceInput => ({
  suid,
  customerCode: 5500014,
  fiscalYear: 1404,
  saleModel: 5,
  description: 'Quote Q-17',
  lines: [{ itemCode: '500102014', unitName: 'عدد', quantity: 2, unitPrice: 1000, discountAmount: 100 }],
  ...overrides,
});

describe('ctrlValues', () => {
  it('joins name=value pairs in order, writing nothing for empty values and 1/0 for flags', () => {
    expect(
      buildCtrlValues([
        ['a.b', 'x y'],
        ['c', null],
        ['d', 12.5],
        ['e', true],
        ['f', undefined],
      ]),
    ).toBe('a.b=x y|c=|d=12.5|e=1|f=');
  });

  it.each([
    ['Acme | Sons', '"|"'],
    ['a=b', '"="'],
    ['line\nbreak', 'line break'],
    ['cr\rhere', 'line break'],
    ['nul\u0000here', 'NUL character'],
    ['half \ud83d', 'unpaired UTF-16 surrogate'],
  ])('refuses %j naming the field instead of sending it corrupted', (value, what) => {
    const error = (() => {
      try {
        buildCtrlValues([
          ['gn_web_users.fullname', 'ok'],
          ['gn_web_users.address', value],
        ]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SiaghInputError);
    expect((error as SiaghInputError).field).toBe('gn_web_users.address');
    expect((error as SiaghInputError).message).toContain(what);
    expect((error as SiaghInputError).message).toContain('gn_web_users.address');
  });

  it('refuses numbers that are not finite and names that are not field names', () => {
    expect(() => buildCtrlValues([['qty', Number.NaN]])).toThrow(SiaghInputError);
    expect(() => buildCtrlValues([['bad name', 'x']])).toThrow(/not a valid form field name/);
  });
});

describe('form builders', () => {
  it('builds the contact create form as the research shows it', () => {
    const form = contactCreateForm({
      fullName: ' Acme ',
      kind: 'organization',
      mobile: '09120000001',
      nationalCode: '0012345678',
      tmpId: 1234,
    });
    expect(form).toEqual({
      formId: '2BFDA',
      ctrlValues:
        'NickName=dbgrid1.#nickname#|gn_web_users.isactive=1|gn_web_users.fullname=Acme|' +
        'gn_web_users.mobileno=09120000001|gn_web_users.telno=|gn_web_users.email=|gn_web_users.passno=0012345678|' +
        'gn_web_users.tmpid=1234|gn_web_users.address=|gn_web_users.pocode=|gn_web_users.websiteaddress=|' +
        'gn_web_users.tozihat=|gn_web_users.taraftype=1',
      parameters: 'CodeMain=',
      dataRows: '[]',
      attachments: '[]',
      postCode: '1110',
      flowId: '',
    });
  });

  it('puts Param1 first and CodeMain in the parameters of an update, leaving undefined fields out', () => {
    const form = contactUpdateForm(234, { fullName: 'Ali', kind: 'person', email: '', active: false });
    expect(form.ctrlValues).toBe(
      'Param1=234|NickName=dbgrid1.#nickname#|gn_web_users.isactive=0|gn_web_users.fullname=Ali|' +
        'gn_web_users.email=|gn_web_users.taraftype=0',
    );
    expect(form.parameters).toBe('CodeMain=234');
    expect(() => contactUpdateForm(0, { fullName: 'x', kind: 'person' })).toThrow(SiaghInputError);
    expect(() => contactCreateForm({ fullName: '  ', kind: 'person' })).toThrow(/fullname is empty/);
  });

  it('builds the pre-invoice form with the suid parameter and dataRows as a JSON string of cells', () => {
    const form = preInvoiceForm(preInvoice());
    expect(form.formId).toBe('43D81');
    expect(form.ctrlValues).toBe(
      'sl_sanad.hssanadstate=8|sl_sanad.codenoeesanad=2|sl_sanad.codesalemodel=5|sl_sanad.salmali=1404|' +
        'sl_sanad.codenoeepardakht=2|sl_sanad.codemarkazforush=|sl_sanad.codecontact=|sl_sanad.codemoshtari=5500014|' +
        'sl_sanad.codenoeeforush=1|sl_sanad.codevaseteh=31|sl_sanad.tozihat=Quote Q-17|' +
        'sl_sanad.namenoesanad=پیش فاکتور فروش',
    );
    expect(form.parameters).toBe(`_In_EditKeys=|_In_Suid=${suid}|nocheck=`);
    expect(typeof form.dataRows).toBe('string');
    const grids = JSON.parse(form.dataRows) as {
      data: Record<string, { oldValue: unknown; newValue: unknown }>[];
    }[];
    expect(grids).toMatchObject([{ name: 'dbgrid1', entity: 'sl_rizsanad', keyField: 'coderiz' }]);
    const row = grids[0]!.data[0]!;
    expect(row._status).toEqual({ oldValue: 'inserted', newValue: 'inserted' });
    expect(row.__uid!.newValue).toMatch(/^[0-9a-f]{8}$/);
    expect(row.codekala).toEqual({ oldValue: null, newValue: '500102014' });
    expect(row.qty).toEqual({ oldValue: null, newValue: 2 });
    expect(row.finalqty).toEqual({ oldValue: null, newValue: 2 });
    expect(row.price).toEqual({ oldValue: null, newValue: 1000 });
    expect(row.mabtakhfif).toEqual({ oldValue: null, newValue: 100 });
    expect(row.radif).toEqual({ oldValue: null, newValue: '1' });
    expect(row.vazn).toEqual({ oldValue: null, newValue: '0' });
    expect(row.takhfif).toEqual({ oldValue: null, newValue: null });
    // Pure: the same input gives the same body, so a resend is byte-identical.
    expect(preInvoiceForm(preInvoice())).toEqual(form);
  });

  it('keeps | inside grid cells (JSON escapes them) but refuses it in the header', () => {
    const lines = [{ itemCode: 'A|B', unitName: 'ع|دد', quantity: 1, unitPrice: 1 }];
    expect(JSON.parse(preInvoiceForm(preInvoice({ lines })).dataRows)[0].data[0].codekala.newValue).toBe(
      'A|B',
    );
    expect(() => preInvoiceForm(preInvoice({ description: 'a | b' }))).toThrow(/sl_sanad\.tozihat/);
  });

  it('refuses what Siagh could not take: bad suid, no lines, zero quantity, negative price', () => {
    expect(() => preInvoiceForm(preInvoice({ suid: suid.toLowerCase() }))).toThrow(/_In_Suid/);
    expect(() => preInvoiceForm(preInvoice({ lines: [] }))).toThrow(/no lines/);
    const line = { itemCode: 'X', unitName: 'عدد', quantity: 1, unitPrice: 1 };
    expect(() => preInvoiceForm(preInvoice({ lines: [{ ...line, quantity: 0 }] }))).toThrow(/row 1 qty/);
    expect(() => preInvoiceForm(preInvoice({ lines: [{ ...line, unitPrice: -1 }] }))).toThrow(/row 1 price/);
    expect(newSuid()).toMatch(/^[0-9A-F]{32}$/);
  });
});

describe('SaveFormData replies', () => {
  const success = {
    Errors: [
      {
        ColName: '',
        Group: '',
        ErrorType: 'ErrSuccs',
        Description: 'پیش فاکتور فروش با موفقیت به شماره 2488 ثبت گردید خالص سند: 5,720,000',
        ErrorCode: 0,
        MessageText: '',
        Solution: '',
        HelpIndex: '',
      },
    ],
    FinalMessages: ['پیش فاکتور فروش با موفقیت به شماره 2488 ثبت گردید'],
    ReturnValue: true,
    ReturnCode: '15459',
    ReturnParams: '458640',
  };

  it('reads the pre-invoice number from the Persian success text, not ReturnCode', () => {
    const saved = readSaveReply('save', success);
    expect(saved.returnCode).toBe('15459');
    expect(preInvoiceNumberIn(saved)).toBe(2488);
    const persianDigits = { ...success, Errors: [], FinalMessages: ['ثبت شد به شماره ۲۴۹۰ ثبت گردید'] };
    expect(preInvoiceNumberIn(readSaveReply('save', persianDigits))).toBe(2490);
    expect(
      preInvoiceNumberIn(readSaveReply('save', { Errors: [], ReturnValue: true, ReturnCode: '22' })),
    ).toBe(undefined);
  });

  it('turns ErrError entries into a business error keeping the Persian text, though HTTP said 200', () => {
    const reply = {
      Errors: [
        {
          ErrorType: 'ErrError',
          Description: 'کد ملی وارد شده تکراری است',
          ErrorCode: -1,
          ColName: 'passno',
        },
      ],
      ReturnValue: false,
    };
    const error = (() => {
      try {
        readSaveReply('POST /BpmsApi/SaveFormData (create contact "X")', reply);
      } catch (e) {
        return e as SiaghBusinessError;
      }
    })();
    expect(error).toBeInstanceOf(SiaghBusinessError);
    expect(error!.entries).toEqual([
      { type: 'ErrError', description: 'کد ملی وارد شده تکراری است', code: -1, column: 'passno' },
    ]);
    expect(error!.message).toContain('کد ملی وارد شده تکراری است');
    expect(error!.reply).toBe(reply);
  });

  it('treats ReturnValue false without an ErrorType as refused too (the research shows both)', () => {
    const bare = {
      Errors: [{ Description: 'شماره تلفن نمی تواند تکراری باشد.', ErrorCode: -1 }],
      ReturnValue: false,
    };
    expect(() => readSaveReply('save', bare)).toThrow(/شماره تلفن نمی تواند تکراری باشد/);
    expect(() => readSaveReply('save', { Errors: [], ReturnValue: false })).toThrow(SiaghBusinessError);
    expect(() => readSaveReply('save', { Errors: [], ReturnValue: null })).toThrow(/neither success/);
    expect(() => readSaveReply('save', 'ok')).toThrow(SiaghError);
  });
});

describe('Jalali dates', () => {
  it('reads and writes Siagh dates with the calendar library', () => {
    expect(parseJalaliDate('1404/09/04')).toEqual({ year: 1404, month: 9, day: 4 });
    expect(gregorianDayOf(parseJalaliDate('1404/09/04'))).toBe('2025-11-25');
    expect(formatJalaliDate({ year: 1404, month: 1, day: 1 })).toBe('1404/01/01');
    expect(() => parseJalaliDate('1404/12/31')).toThrow(RangeError); // 1404 is not a leap year
    expect(parseJalaliDate('1403/12/30')).toEqual({ year: 1403, month: 12, day: 30 }); // 1403 is
    expect(() => parseJalaliDate('2025-11-25')).toThrow(/YYYY\/MM\/DD/);
  });

  it('reads SystemDate and SystemTime on the Tehran wall clock', () => {
    expect(instantOfJalali('1404/09/04', '17:33', 'Asia/Tehran').toISOString()).toBe(
      '2025-11-25T14:03:00.000Z',
    );
    expect(() => instantOfJalali('1404/09/04', '25:00', 'Asia/Tehran')).toThrow(/HH:MM/);
  });

  it('changes fiscal year at Nowruz midnight in Tehran, not in UTC', () => {
    // 1404/01/01 is 21 March 2025; Tehran is UTC+03:30.
    expect(fiscalYearAt(new Date('2025-03-20T20:29:00Z'), 'Asia/Tehran')).toBe(1403);
    expect(fiscalYearAt(new Date('2025-03-20T20:31:00Z'), 'Asia/Tehran')).toBe(1404);
    expect(fiscalYearAt(new Date('2025-03-20T20:31:00Z'), 'UTC')).toBe(1403);
    expect(jalaliDateAt(new Date('2025-03-20T20:31:00Z'), 'Asia/Tehran')).toEqual({
      year: 1404,
      month: 1,
      day: 1,
    });
  });
});

describe('contact stream', () => {
  const contact = (code: number, name: string) => ({
    RecordId: `r${code}`,
    Code: code,
    Name: name,
    IsActive: true,
    IsAdminUser: false,
    TowardType: false,
    RegDate: '1402/05/12',
  });

  async function collect(chunks: (string | Uint8Array)[]): Promise<ContactItem[]> {
    const items: ContactItem[] = [];
    async function* source() {
      yield* chunks;
    }
    for await (const item of readContacts(source())) items.push(item);
    return items;
  }

  it('validates each contact, across chunk boundaries that split a Persian character', async () => {
    const bytes = Buffer.from(
      JSON.stringify([contact(1, 'علی رضایی'), { ...contact(2, 'مریم'), tmpid: '77' }]),
    );
    const cut = bytes.indexOf(Buffer.from('ی')) + 1; // inside a two-byte character
    const items = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(items.map((i) => i.ok && i.contact.Name)).toEqual(['علی رضایی', 'مریم']);
    expect(items[1]).toMatchObject({ ok: true, contact: { tmpid: '77' } });
  });

  it('hands over a bad contact with its reason instead of dropping it', async () => {
    const items = await collect([
      JSON.stringify([
        contact(1, 'a'),
        { ...contact(2, 'b'), Code: 'C-2', RegDate: '2024-01-01' },
        contact(3, 'c'),
      ]),
    ]);
    expect(items.map((i) => i.ok)).toEqual([true, false, true]);
    expect(items[1]).toMatchObject({ ok: false, index: 1, code: 'C-2', name: 'b' });
    expect(items[1]!.ok === false && items[1]!.reason).toMatch(/Code: .*number.*RegDate: not a Jalali date/);
  });

  it('fails loudly on a reply that is not an array or breaks off', async () => {
    await expect(collect(['{"Message":"denied"}'])).rejects.toThrow(/after 0 contacts/);
    await expect(collect([`[${JSON.stringify(contact(1, 'a'))},{"Code":`])).rejects.toThrow(
      /could not be read after \d contacts: Parser has expected a value/,
    );
  });
});

describe('password hash', () => {
  it('is the MD5 of the UTF-8 password in upper-case hex', () => {
    expect(siaghPasswordHash('secret')).toBe('5EBE2294ECD0E0F08EAB7690D2A6EE69');
    expect(siaghPasswordHash('رمز')).toMatch(/^[0-9A-F]{32}$/);
  });
});
