/**
 * Siagh (finance) simulator: a real HTTP server on 127.0.0.1 behaving as research apis.md §3.1 and §5 describe:
 * login with the MD5 upper-case hex password, the SessionId carried raw in `Authorization`, sessions that expire
 * (401, a knob), Jalali SystemDate and fiscal year, the unpaged `Gn_Web_Users/GetAll` bare array streamed from a
 * seeded generator, and `SaveFormData` for the contact (2BFDA) and pre-invoice (43D81) forms, answering HTTP 200
 * with `ErrError` entries for business errors and the Persian success text carrying the pre-invoice number.
 *
 * Marked [I] where the research shows nothing and the behaviour is inferred: the texts of most refusals, the
 * 401 body of an expired session, 429 with Retry-After, and the pre-invoice lookup by `_In_Suid`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toJalaali } from 'jalaali-js';
import { ContactBook, generateContact, type SimContact } from './contacts.js';
import {
  FormError,
  parseDataRows,
  parsePairs,
  readSaveFormBody,
  runtimeError,
  type SaveFormBody,
} from './forms.js';

export interface SiaghSimOptions {
  seed?: number;
  /** Contacts generated on demand (50 by default; tens of thousands are cheap). */
  contactCount?: number;
  adminCount?: number;
  tmpidMissingRate?: number;
  malformedEvery?: number;
  users?: { userName: string; password: string }[];
  /** Fiscal year Siagh has open; default the Jalali year of today in Tehran. */
  fiscalYear?: number;
  timeZone?: string;
  /** A session unused this long is gone (sliding, like an ASP.NET session) [I]. */
  sessionLifetimeMs?: number;
  /** Requests answered per second before 429 with Retry-After [I]. */
  rateLimitPerSecond?: number;
  latencyMs?: number;
  /** Item codes pre-invoice lines may use. */
  items?: SimItem[];
  firstPreInvoiceNumber?: number;
  /** Contact saves answer an ErrSuccs entry too (the research's example has `Errors: []`). */
  contactSuccessEntry?: boolean;
  /** Refuse a contact whose mobile number another contact has (as the research's error example shows). */
  rejectDuplicateMobile?: boolean;
  /** Where the [I] pre-invoice lookup answers; null: this Siagh has none (404). */
  preInvoiceLookupPath?: string | null;
}

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

export interface SimRequest {
  at: number;
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
  status?: number;
}

export interface SaveDelay {
  ms: number;
  /** before-delay: the form is saved at once and the reply is late; after-delay: Siagh is slow to save. */
  commit: 'before-delay' | 'after-delay';
  /** How many saves are delayed (all when omitted). */
  count?: number;
}

export interface SiaghSim {
  url: string;
  users: { userName: string; password: string }[];
  contacts: ContactBook;
  preInvoices: SimPreInvoice[];
  items: Map<string, SimItem>;
  requests: SimRequest[];
  stats: { logins: number; refusedLogins: number; refusedSessions: number; throttled: number; saves: number };
  /** Knobs that tests may change while the server runs. */
  knobs: {
    fiscalYear: number;
    sessionLifetimeMs: number;
    rateLimitPerSecond?: number;
    latencyMs: number;
    contactSuccessEntry: boolean;
    rejectDuplicateMobile: boolean;
  };
  /** Every open session ends now: the next request with one gets 401. */
  expireSessions(): void;
  /** The next `count` requests are refused with `status` (429 with Retry-After, or 503). */
  refuseNext(count: number, status?: 429 | 503, retryAfterSeconds?: number): void;
  delaySaves(delay: SaveDelay): void;
  /** GetAll stops after `after` contacts until the returned function is called (the reply stays open). */
  holdContactsAfter(after: number): () => void;
  /** GetAll replies break off (socket destroyed) after `after` contacts. */
  breakContactsAfter(after: number | undefined): void;
  /** A change made in Siagh by a person (not through the API). */
  editContact(code: number, change: Record<string, unknown>): SimContact;
  close(): Promise<void>;
}

const contactsPath = '/api/Sgh/GEN/Gn_Web_Users/GetAll';
const defaultLookupPath = '/api/Sgh/SL/Sl_Sanad/GetAll';
/** Form field (gn_web_users.*) → GetAll field. */
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

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('invalid json');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Today in `timeZone` as a Jalali date and wall time. */
function jalaliNow(timeZone: string): { date: string; time: string; year: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(new Date())
      .map((p) => [p.type, p.value]),
  );
  const { jy, jm, jd } = toJalaali(Number(parts.year), Number(parts.month), Number(parts.day));
  return {
    date: `${jy}/${String(jm).padStart(2, '0')}/${String(jd).padStart(2, '0')}`,
    time: `${parts.hour}:${parts.minute}`,
    year: jy,
  };
}

function filterOf(body: unknown, allowed: Set<string>): Record<string, unknown> | string {
  if (body === undefined) return {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'The filter must be a JSON object.';
  for (const key of Object.keys(body))
    if (!allowed.has(key)) return `The filter field '${key}' does not exist.`;
  return body as Record<string, unknown>;
}

function matches(record: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, value]) => String(record[key] ?? '') === String(value ?? ''));
}

export async function startSiaghSim(options: SiaghSimOptions = {}): Promise<SiaghSim> {
  const timeZone = options.timeZone ?? 'Asia/Tehran';
  const generation = {
    count: options.contactCount ?? 50,
    seed: options.seed ?? 7,
    adminCount: options.adminCount ?? 3,
    tmpidMissingRate: options.tmpidMissingRate ?? 0.3,
    malformedEvery: options.malformedEvery,
  };
  const contacts = new ContactBook(generation);
  const contactFields = new Set([...Object.keys(generateContact(1, { ...generation, tmpidMissingRate: 0 }))]);
  const users = options.users ?? [{ userName: 'مدیر سیستم', password: 'siagh-sim-password' }];
  const items = new Map(
    (
      options.items ?? [
        { code: '500102014', name: 'شیر گاز', unit: 'عدد' },
        { code: 'Product-1', name: 'محصول اول', unit: 'قطعه' },
        ...Array.from({ length: 50 }, (_, i) => ({
          code: `5001${String(i).padStart(5, '0')}`,
          name: `کالا ${i}`,
          unit: 'عدد',
        })),
      ]
    ).map((item) => [item.code, item]),
  );
  const knobs: SiaghSim['knobs'] = {
    fiscalYear: options.fiscalYear ?? jalaliNow(timeZone).year,
    sessionLifetimeMs: options.sessionLifetimeMs ?? 20 * 60 * 1000,
    rateLimitPerSecond: options.rateLimitPerSecond,
    latencyMs: options.latencyMs ?? 0,
    contactSuccessEntry: options.contactSuccessEntry ?? false,
    rejectDuplicateMobile: options.rejectDuplicateMobile ?? true,
  };
  const lookupPath =
    options.preInvoiceLookupPath === undefined ? defaultLookupPath : options.preInvoiceLookupPath;
  const sessions = new Map<string, { user: string; expiresAt: number }>();
  const preInvoices: SimPreInvoice[] = [];
  const requests: SimRequest[] = [];
  const stats = { logins: 0, refusedLogins: 0, refusedSessions: 0, throttled: 0, saves: 0 };
  const refusals: { status: 429 | 503; retryAfter: number }[] = [];
  const window = { second: 0, count: 0 };
  let saveDelay: SaveDelay | undefined;
  let hold: { after: number; released: Promise<void> } | undefined;
  let breakAfter: number | undefined;
  let nextNumber = options.firstPreInvoiceNumber ?? 2488;
  let nextInternalId = 15459;

  function throttled(res: ServerResponse): boolean {
    const refusal = refusals.shift();
    if (refusal) {
      stats.throttled++;
      send(
        res,
        refusal.status,
        { Message: 'The server is busy. Please try again later.' },
        {
          'retry-after': String(refusal.retryAfter),
        },
      );
      return true;
    }
    if (!knobs.rateLimitPerSecond) return false;
    const second = Math.floor(Date.now() / 1000);
    if (window.second !== second) Object.assign(window, { second, count: 0 });
    window.count += 1;
    if (window.count <= knobs.rateLimitPerSecond) return false;
    stats.throttled++;
    send(res, 429, { Message: 'Too many requests.' }, { 'retry-after': '1' });
    return true;
  }

  function authenticated(req: IncomingMessage, res: ServerResponse): boolean {
    const id = req.headers.authorization ?? '';
    const session = sessions.get(id);
    const now = Date.now();
    if (session && now <= session.expiresAt) {
      session.expiresAt = now + knobs.sessionLifetimeMs;
      return true;
    }
    sessions.delete(id);
    stats.refusedSessions++;
    send(res, 401, { Message: 'Authorization has been denied for this request.' });
    return false;
  }

  function login(body: unknown, res: ServerResponse): void {
    const { UserName, Password } = (body ?? {}) as { UserName?: unknown; Password?: unknown };
    const user = users.find(
      (u) =>
        u.userName === UserName &&
        createHash('md5').update(u.password, 'utf8').digest('hex').toUpperCase() === Password,
    );
    if (!user) {
      stats.refusedLogins++;
      return send(res, 401, { Message: 'Invalid username or password' });
    }
    stats.logins++;
    const id = randomBytes(16).toString('hex');
    sessions.set(id, { user: user.userName, expiresAt: Date.now() + knobs.sessionLifetimeMs });
    const now = jalaliNow(timeZone);
    send(res, 200, {
      ContactCode: 2,
      ContactName: 'کاربر سیستم',
      UserCode: 1,
      UserName: user.userName,
      SessionId: id,
      Token: `${id}:0`,
      BranchCode: 1,
      BranchName: 'دفتر مرکزی',
      IsAdminUser: true,
      FiscalYear: knobs.fiscalYear,
      MobileNo: '9123456789',
      SystemDate: now.date,
      SystemTime: now.time,
    });
  }

  async function streamContacts(res: ServerResponse, filter: Record<string, unknown>): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    let batch = '';
    let sent = 0;
    const flush = async () => {
      if (batch === '') return;
      const full = !res.write(batch);
      batch = '';
      if (full) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
    };
    for (const contact of contacts.all()) {
      if (res.destroyed) return;
      if (!matches(contact, filter)) continue;
      batch += (sent === 0 ? '[' : ',') + JSON.stringify(contact);
      sent++;
      if (sent === breakAfter) {
        await flush();
        res.destroy();
        return;
      }
      if (hold && sent === hold.after) {
        await flush();
        await Promise.race([hold.released, closed]);
      }
      if (batch.length >= 64 * 1024) await flush();
    }
    res.end(`${sent === 0 ? '[' : batch}]`);
  }

  function saveContact(form: SaveFormBody) {
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
      existing = contacts.get(Number(codeMain));
      if (!existing) throw new FormError(`مخاطبی با کد ${codeMain} وجود ندارد`); // [I]
    }
    const name = values.get('fullname') ?? (existing?.Name as string | undefined) ?? '';
    if (name.trim() === '') throw new FormError('نام مخاطب نمی تواند خالی باشد', 'fullname'); // [I]
    for (const flag of ['isactive', 'taraftype'])
      if (values.has(flag) && !['0', '1'].includes(values.get(flag)!))
        throw runtimeError(`${flag} must be 0 or 1, got "${values.get(flag)}"`);
    const nationalCode = values.get('passno');
    if (nationalCode && contacts.holderOf('nationalCode', nationalCode, existing?.Code) !== undefined)
      throw new FormError('کد ملی وارد شده تکراری است', 'passno'); // [I]
    const mobile = values.get('mobileno');
    if (
      knobs.rejectDuplicateMobile &&
      mobile &&
      contacts.holderOf('mobile', mobile, existing?.Code) !== undefined
    )
      throw new FormError('شماره تلفن نمی تواند تکراری باشد.', '', true);
    const record: Record<string, unknown> = existing
      ? { ...existing }
      : {
          ...Object.fromEntries([...contactFields].map((f) => [f, null])),
          IsActive: true,
          IsAdminUser: false,
          TowardType: false,
          tarafType: 0,
          RegDate: jalaliNow(timeZone).date,
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
      : contacts.add(record);
    if (existing) contacts.put(saved as SimContact);
    return {
      Errors: knobs.contactSuccessEntry ? [entry('ErrSuccs', 'اطلاعات با موفقیت ذخیره شد')] : [], // [I]
      FinalMessages: [],
      ReturnValue: true,
      ReturnCode: String(saved.Code),
      ReturnParams: String(saved.Code),
    };
  }

  function number(text: string | undefined, field: string): number {
    if (text === undefined || !/^-?\d+$/.test(text))
      throw runtimeError(`${field} is not a number: "${text ?? ''}"`);
    return Number(text);
  }

  function preInvoiceLines(form: SaveFormBody): SimPreInvoiceLine[] {
    const rows = parseDataRows(form.dataRows).get('dbgrid1:sl_rizsanad');
    if (!rows || rows.length === 0) throw new FormError('پیش فاکتور بدون ردیف کالا قابل ثبت نیست'); // [I]
    return rows.map(({ values }, index) => {
      const itemCode = values.codekala;
      if (typeof itemCode !== 'string' || !items.has(itemCode))
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

  function savePreInvoice(form: SaveFormBody) {
    const header = new Map(parsePairs(form.ctrlValues, 'ctrlValues'));
    for (const name of header.keys())
      if (!preInvoiceFields.has(name)) throw runtimeError(`Field '${name}' not found`);
    const parameters = new Map(parsePairs(form.parameters, 'parameters'));
    const suid = (parameters.get('_In_Suid') ?? '').replaceAll('-', '');
    if (!/^[0-9A-F]{32}$/.test(suid))
      throw runtimeError(`_In_Suid "${parameters.get('_In_Suid') ?? ''}" is not a UUID`);
    if (number(header.get('sl_sanad.codenoeesanad'), 'codenoeesanad') !== 2)
      throw runtimeError('form 43D81 saves sales pre-invoices only (codenoeesanad 2)');
    number(header.get('sl_sanad.codesalemodel'), 'codesalemodel');
    const customerCode = number(header.get('sl_sanad.codemoshtari'), 'codemoshtari');
    if (!contacts.get(customerCode))
      throw new FormError(`طرف حساب با کد ${customerCode} تعریف نشده است`, 'codemoshtari'); // [I]
    const fiscalYear = number(header.get('sl_sanad.salmali'), 'salmali');
    if (fiscalYear !== knobs.fiscalYear) throw new FormError(`سال مالی ${fiscalYear} باز نیست`, 'salmali'); // [I]
    const lines = preInvoiceLines(form);
    const net = lines.reduce((sum, l) => sum + l.quantity * l.price - l.discount, 0);
    const saved: SimPreInvoice = {
      recordId: randomBytes(16).toString('hex'),
      internalId: nextInternalId++,
      number: nextNumber++,
      suid,
      customerCode,
      fiscalYear,
      header: Object.fromEntries(header),
      lines,
      net,
      date: jalaliNow(timeZone).date,
    };
    preInvoices.push(saved);
    const text = `پیش فاکتور فروش با موفقیت به شماره ${saved.number} ثبت گردید`;
    return {
      Errors: [entry('ErrSuccs', `${text} خالص سند: ${net.toLocaleString('en-US')}`)],
      FinalMessages: [text],
      ReturnValue: true,
      ReturnCode: String(saved.internalId),
      ReturnParams: String(458640 + saved.internalId),
    };
  }

  function saveForm(body: unknown) {
    try {
      const form = readSaveFormBody(body);
      if (form.formId === '2BFDA') return saveContact(form);
      if (form.formId === '43D81') return savePreInvoice(form);
      throw runtimeError(`form ${form.formId} not found`);
    } catch (error) {
      if (error instanceof FormError) return refusal(error);
      throw error;
    }
  }

  async function save(body: unknown, res: ServerResponse): Promise<void> {
    stats.saves++;
    const delay = saveDelay;
    if (delay?.count !== undefined && --delay.count <= 0) saveDelay = undefined;
    if (delay?.commit === 'after-delay') await sleep(delay.ms);
    const reply = saveForm(body);
    if (delay?.commit === 'before-delay') await sleep(delay.ms);
    send(res, 200, reply);
  }

  function lookupRow(p: SimPreInvoice) {
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

  async function route(req: IncomingMessage, res: ServerResponse, record: SimRequest): Promise<void> {
    const path = record.path;
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (typeof body === 'symbol') return send(res, 400, { Message: 'The request is invalid.' });
    if (path !== contactsPath) record.body = body;
    if (throttled(res)) return;
    if (knobs.latencyMs > 0) await sleep(knobs.latencyMs);
    if (path === '/GeneralApi/LoginUser' && req.method === 'POST') return login(body, res);
    const known =
      path === contactsPath ||
      path === '/BpmsApi/SaveFormData' ||
      (lookupPath !== null && path === lookupPath);
    if (!known)
      return send(res, 404, {
        Message: `No HTTP resource was found that matches the request URI '${path}'.`,
      });
    if (!authenticated(req, res)) return;
    if (path === '/BpmsApi/SaveFormData' && req.method === 'POST') return save(body, res);
    if (path === contactsPath) {
      const filter = filterOf(body, contactFields);
      if (typeof filter === 'string') return send(res, 400, { Message: filter }); // [I]
      return streamContacts(res, filter);
    }
    const filter = filterOf(body, new Set(['Suid', 'ShomareSanad', 'CodeMoshtari', 'SalMali', 'Code']));
    if (typeof filter === 'string') return send(res, 400, { Message: filter });
    const suid = typeof filter.Suid === 'string' ? filter.Suid.replaceAll('-', '').toUpperCase() : undefined;
    const rows = preInvoices
      .map(lookupRow)
      .filter((row) => matches(row, { ...filter, ...(suid ? { Suid: suid } : {}) }));
    return send(res, 200, rows);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://siagh.sim');
    const record: SimRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    };
    requests.push(record);
    res.once('finish', () => (record.status = res.statusCode));
    route(req, res, record).catch((error: Error) => {
      send(res, 500, { Message: 'An error has occurred.', ExceptionMessage: error.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    users,
    contacts,
    preInvoices,
    items,
    requests,
    stats,
    knobs,
    expireSessions: () => sessions.clear(),
    refuseNext(count, status = 429, retryAfterSeconds = 1) {
      for (let i = 0; i < count; i++) refusals.push({ status, retryAfter: retryAfterSeconds });
    },
    delaySaves(delay) {
      saveDelay = { ...delay };
    },
    holdContactsAfter(after) {
      let release = () => undefined as void;
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { after, released };
      return () => {
        hold = undefined;
        release();
      };
    },
    breakContactsAfter(after) {
      breakAfter = after;
    },
    editContact(code, change) {
      const contact = contacts.get(code);
      if (!contact) throw new Error(`no contact ${code} in the Siagh simulator`);
      const edited = { ...contact, ...change, Code: code, RecordId: contact.RecordId };
      contacts.put(edited);
      return edited;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
