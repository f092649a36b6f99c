/**
 * The Siagh simulator's SaveFormData: the contact form 2BFDA (create, update with Param1/CodeMain) and the sales
 * pre-invoice form 43D81, checked as Siagh checks them and answered as Siagh answers (research §3.1): HTTP 200
 * either way, refusals as `ErrError` entries (or bare entries with ReturnValue false, as the research's examples
 * show), the pre-invoice number only in the Persian success text. Refusal texts marked [I] are inferred.
 */
import { randomBytes } from 'node:crypto';
import { jalaliNow } from './clock.js';
import type { ContactBook, SimContact } from './contacts.js';
import {
  FormError,
  parseDataRows,
  parsePairs,
  readSaveFormBody,
  runtimeError,
  type SaveFormBody,
} from './forms.js';

export interface SimItem {
  code: string;
  name: string;
  unit: string;
}

export interface SimPreInvoiceLine {
  itemCode: string;
  unitName: unknown;
  quantity: number;
  price: number;
  discount: number;
  row: string;
}

export interface SimPreInvoice {
  recordId: string;
  internalId: number;
  number: number;
  suid: string;
  customerCode: number;
  fiscalYear: number;
  header: Record<string, string>;
  lines: SimPreInvoiceLine[];
  net: number;
  date: string;
}

const contactColumns: Record<string, string> = {
  fullname: 'Name',
  mobileno: 'MobileNo',
  telno: 'TelNo',
  email: 'Email',
  passno: 'NationalCode',
  tmpid: 'tmpid',
  address: 'Address',
  pocode: 'PostalCode',
  websiteaddress: 'WebSiteAddress',
  tozihat: 'Description',
  codeshahr: 'CityCode',
  codeostan: 'ProvinceCode',
  countrycode: 'CountryCode',
  gender: 'Gender',
  isactive: 'IsActive',
  taraftype: 'TowardType',
};
const preInvoiceFields = new Set(
  [
    'hssanadstate',
    'codenoeesanad',
    'codesalemodel',
    'salmali',
    'codenoeepardakht',
    'codemarkazforush',
    'codecontact',
    'codemoshtari',
    'codenoeeforush',
    'codevaseteh',
    'tozihat',
    'namenoesanad',
  ].map((f) => `sl_sanad.${f}`),
);

function entry(type: string, description: string, column = '', code = 0) {
  return {
    ColName: column,
    Group: '',
    ErrorType: type,
    Description: description,
    ErrorCode: code,
    MessageText: '',
    Solution: '',
    HelpIndex: '',
  };
}

function refusal(error: FormError) {
  return {
    // The research's "duplicate mobile" and "invalid price" examples have neither ErrorType nor ColName filled.
    Errors: [
      error.bare
        ? { ColName: error.column, Description: error.persian, ErrorCode: -1 }
        : entry('ErrError', error.persian, error.column, -1),
    ],
    FinalMessages: [],
    ReturnValue: false,
    ReturnCode: '',
    ReturnParams: '',
  };
}

/** Items pre-invoice lines may use, unless a test gives its own. */
export function defaultItems(): SimItem[] {
  return [
    { code: '500102014', name: 'شیر گاز', unit: 'عدد' },
    { code: 'Product-1', name: 'محصول اول', unit: 'قطعه' },
    ...Array.from({ length: 50 }, (_, i) => ({
      code: `5001${String(i).padStart(5, '0')}`,
      name: `کالا ${i}`,
      unit: 'عدد',
    })),
  ];
}

/** Fields the [I] pre-invoice lookup can be filtered by. */
export const preInvoiceFilterFields = new Set(['Suid', 'ShomareSanad', 'CodeMoshtari', 'SalMali', 'Code']);

/** What the forms read and change. */
export interface FormWorld {
  contacts: ContactBook;
  /** The fields a contact has in GetAll. */
  contactFields: Set<string>;
  items: Map<string, SimItem>;
  knobs: { fiscalYear: number; contactSuccessEntry: boolean; rejectDuplicateMobile: boolean };
  timeZone: string;
}

export class FormDesk {
  readonly preInvoices: SimPreInvoice[] = [];
  private nextNumber: number;
  private nextInternalId = 15459;

  constructor(
    private readonly world: FormWorld,
    firstPreInvoiceNumber = 2488,
  ) {
    this.nextNumber = firstPreInvoiceNumber;
  }

  private saveContact(form: SaveFormBody) {
    const pairs = parsePairs(form.ctrlValues, 'ctrlValues');
    const parameters = new Map(parsePairs(form.parameters, 'parameters'));
    const codeMain = parameters.get('CodeMain') ?? '';
    const values = new Map<string, string>();
    let param1: string | undefined;
    for (const [name, value] of pairs) {
      if (name === 'Param1') param1 = value;
      else if (name === 'NickName') continue;
      else if (name.startsWith('gn_web_users.') && contactColumns[name.slice(13)])
        values.set(name.slice(13), value);
      else throw runtimeError(`Field '${name}' not found`);
    }
    let existing: SimContact | undefined;
    if (codeMain !== '') {
      if (param1 !== codeMain)
        throw runtimeError(`Param1 (${param1 ?? 'missing'}) differs from CodeMain (${codeMain})`);
      existing = this.world.contacts.get(Number(codeMain));
      if (!existing) throw new FormError(`مخاطبی با کد ${codeMain} وجود ندارد`); // [I]
    }
    const name = values.get('fullname') ?? (existing?.Name as string | undefined) ?? '';
    if (name.trim() === '') throw new FormError('نام مخاطب نمی تواند خالی باشد', 'fullname'); // [I]
    for (const flag of ['isactive', 'taraftype'])
      if (values.has(flag) && !['0', '1'].includes(values.get(flag)!))
        throw runtimeError(`${flag} must be 0 or 1, got "${values.get(flag)}"`);
    const nationalCode = values.get('passno');
    if (
      nationalCode &&
      this.world.contacts.holderOf('nationalCode', nationalCode, existing?.Code) !== undefined
    )
      throw new FormError('کد ملی وارد شده تکراری است', 'passno'); // [I]
    const mobile = values.get('mobileno');
    if (
      this.world.knobs.rejectDuplicateMobile &&
      mobile &&
      this.world.contacts.holderOf('mobile', mobile, existing?.Code) !== undefined
    )
      throw new FormError('شماره تلفن نمی تواند تکراری باشد.', '', true);
    const record: Record<string, unknown> = existing
      ? { ...existing }
      : {
          ...Object.fromEntries([...this.world.contactFields].map((f) => [f, null])),
          IsActive: true,
          IsAdminUser: false,
          TowardType: false,
          tarafType: 0,
          RegDate: jalaliNow(this.world.timeZone).date,
        };
    for (const [field, value] of values) {
      const column = contactColumns[field]!;
      if (field === 'isactive') record.IsActive = value === '1';
      else if (field === 'taraftype')
        Object.assign(record, { TowardType: value === '1', tarafType: Number(value) });
      else record[column] = value === '' ? null : value;
    }
    const saved = existing
      ? { ...record, Code: existing.Code, RecordId: existing.RecordId }
      : this.world.contacts.add(record);
    if (existing) this.world.contacts.put(saved);
    return {
      Errors: this.world.knobs.contactSuccessEntry ? [entry('ErrSuccs', 'اطلاعات با موفقیت ذخیره شد')] : [], // [I]
      FinalMessages: [],
      ReturnValue: true,
      ReturnCode: String(saved.Code),
      ReturnParams: String(saved.Code),
    };
  }

  private number(text: string | undefined, field: string): number {
    if (text === undefined || !/^-?\d+$/.test(text))
      throw runtimeError(`${field} is not a number: "${text ?? ''}"`);
    return Number(text);
  }

  private preInvoiceLines(form: SaveFormBody): SimPreInvoiceLine[] {
    const rows = parseDataRows(form.dataRows).get('dbgrid1:sl_rizsanad');
    if (!rows || rows.length === 0) throw new FormError('پیش فاکتور بدون ردیف کالا قابل ثبت نیست'); // [I]
    return rows.map(({ values }, index) => {
      const itemCode = values.codekala;
      if (typeof itemCode !== 'string' || !this.world.items.has(itemCode))
        throw new FormError(`کالا با کد ${String(itemCode)} تعریف نشده است`, 'codekala'); // [I]
      const quantity = values.qty;
      if (typeof quantity !== 'number' || !(quantity > 0))
        throw new FormError(`مقدار ردیف ${index + 1} درست وارد نشده است`, 'Qty', true); // [I]
      const price = values.price;
      if (typeof price !== 'number' || !(price >= 0))
        throw new FormError(`قیمت ردیف ${index + 1} درست وارد نشده است`, 'Price', true);
      const discount = values.mabtakhfif ?? 0;
      if (typeof discount !== 'number' || discount < 0) throw runtimeError(`mabtakhfif of row ${index + 1}`);
      if (typeof values.radif !== 'string') throw runtimeError(`radif of row ${index + 1} is not text`);
      return { itemCode, unitName: values.nameunit, quantity, price, discount, row: values.radif };
    });
  }

  private savePreInvoice(form: SaveFormBody) {
    const header = new Map(parsePairs(form.ctrlValues, 'ctrlValues'));
    for (const name of header.keys())
      if (!preInvoiceFields.has(name)) throw runtimeError(`Field '${name}' not found`);
    const parameters = new Map(parsePairs(form.parameters, 'parameters'));
    const suid = (parameters.get('_In_Suid') ?? '').replaceAll('-', '');
    if (!/^[0-9A-F]{32}$/.test(suid))
      throw runtimeError(`_In_Suid "${parameters.get('_In_Suid') ?? ''}" is not a UUID`);
    if (this.number(header.get('sl_sanad.codenoeesanad'), 'codenoeesanad') !== 2)
      throw runtimeError('form 43D81 saves sales pre-invoices only (codenoeesanad 2)');
    this.number(header.get('sl_sanad.codesalemodel'), 'codesalemodel');
    const customerCode = this.number(header.get('sl_sanad.codemoshtari'), 'codemoshtari');
    if (!this.world.contacts.get(customerCode))
      throw new FormError(`طرف حساب با کد ${customerCode} تعریف نشده است`, 'codemoshtari'); // [I]
    const fiscalYear = this.number(header.get('sl_sanad.salmali'), 'salmali');
    if (fiscalYear !== this.world.knobs.fiscalYear)
      throw new FormError(`سال مالی ${fiscalYear} باز نیست`, 'salmali'); // [I]
    const lines = this.preInvoiceLines(form);
    const net = lines.reduce((sum, l) => sum + l.quantity * l.price - l.discount, 0);
    const saved: SimPreInvoice = {
      recordId: randomBytes(16).toString('hex'),
      internalId: this.nextInternalId++,
      number: this.nextNumber++,
      suid,
      customerCode,
      fiscalYear,
      header: Object.fromEntries(header),
      lines,
      net,
      date: jalaliNow(this.world.timeZone).date,
    };
    this.preInvoices.push(saved);
    const text = `پیش فاکتور فروش با موفقیت به شماره ${saved.number} ثبت گردید`;
    return {
      Errors: [entry('ErrSuccs', `${text} خالص سند: ${net.toLocaleString('en-US')}`)],
      FinalMessages: [text],
      ReturnValue: true,
      ReturnCode: String(saved.internalId),
      ReturnParams: String(458640 + saved.internalId),
    };
  }

  /** The reply to one SaveFormData body: saved, or refused with Siagh's words. */
  save(body: unknown) {
    try {
      const form = readSaveFormBody(body);
      if (form.formId === '2BFDA') return this.saveContact(form);
      if (form.formId === '43D81') return this.savePreInvoice(form);
      throw runtimeError(`form ${form.formId} not found`);
    } catch (error) {
      if (error instanceof FormError) return refusal(error);
      throw error;
    }
  }

  /** The [I] pre-invoice lookup: rows whose fields equal the filter's; a suid matches with or without dashes. */
  lookup(filter: Record<string, unknown>) {
    const suid = typeof filter.Suid === 'string' ? filter.Suid.replaceAll('-', '').toUpperCase() : undefined;
    const wanted = { ...filter, ...(suid ? { Suid: suid } : {}) };
    return this.preInvoices
      .map((p) => this.lookupRow(p))
      .filter((row) =>
        Object.entries(wanted).every(
          ([key, value]) => String(row[key as keyof typeof row] ?? '') === String(value ?? ''),
        ),
      );
  }

  private lookupRow(p: SimPreInvoice) {
    return {
      RecordId: p.recordId,
      Code: String(p.internalId),
      ShomareSanad: p.number,
      Suid: p.suid,
      CodeMoshtari: p.customerCode,
      SalMali: p.fiscalYear,
      CodeNoeeSanad: 2,
      TarikhSanad: p.date,
      Tozihat: p.header['sl_sanad.tozihat'] ?? null,
      NameNoeSanad: p.header['sl_sanad.namenoesanad'] ?? null,
      MablaghKhales: p.net,
    };
  }
}
