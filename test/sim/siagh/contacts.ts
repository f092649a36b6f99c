/**
 * The Siagh simulator's contacts (Gn_Web_Users): tens of thousands generated on demand from a seed, one at a time
 * (contact n is the same for a seed on every machine and is only built when read), plus the ones created, edited or
 * removed since, kept apart. Fields and shapes follow research §3.1: numeric `Code`, Jalali `RegDate`, `tmpid`
 * sometimes missing, a few admin users among the customers, `TowardType` false for a person.
 */
import { toJalaali } from 'jalaali-js';
import { seededRandom } from '../seeded-random.js';

export type SimContact = Record<string, unknown> & { Code: number; RecordId: string };

export interface ContactGeneration {
  count: number;
  seed: number;
  /** The first this many contacts are admin users (IsAdminUser true). */
  adminCount: number;
  /** Share of contacts without `tmpid` (the key left out, or null). */
  tmpidMissingRate: number;
  /** Every n-th contact comes malformed (`Code` not a number), to prove bad rows are reported, not dropped. */
  malformedEvery?: number;
}

const firstNames = [
  'علی',
  'مریم',
  'رضا',
  'زهرا',
  'حسین',
  'فاطمه',
  'محمد',
  'سارا',
  'مهدی',
  'نرگس',
  'امیر',
  'لیلا',
];
const lastNames = ['احمدی', 'محمدی', 'حسینی', 'رضایی', 'کریمی', 'موسوی', 'جعفری', 'صادقی', 'هاشمی', 'نوری'];
const companies = ['گاز نوین', 'پارس ابزار', 'صنایع نوین', 'تجارت سپهر', 'فولاد البرز', 'آریا پخش'];
const cities = ['تهران', 'اصفهان', 'شیراز', 'مشهد', 'تبریز'];

/** Registration dates are drawn from about 3000 days: each day's Jalali form is worked out once. */
const jalaliDays = new Map<number, string>();

function registrationDate(day: number): string {
  let text = jalaliDays.get(day);
  if (text === undefined) {
    const date = new Date(Date.UTC(2016, 0, 1) + day * 86_400_000);
    const { jy, jm, jd } = toJalaali(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
    text = `${jy}/${String(jm).padStart(2, '0')}/${String(jd).padStart(2, '0')}`;
    jalaliDays.set(day, text);
  }
  return text;
}

/** Contact number `index` (1-based) of the seeded company. */
export function generateContact(index: number, generation: ContactGeneration): SimContact {
  const random = seededRandom((generation.seed * 1_000_003 + index) >>> 0);
  const organization = index > generation.adminCount && random() < 0.2;
  const name = organization
    ? `شرکت ${companies[index % companies.length]} ${index}`
    : `${firstNames[index % firstNames.length]} ${lastNames[Math.floor(index / 7) % lastNames.length]} ${index}`;
  const contact: SimContact = {
    RecordId: `${generation.seed.toString(16).padStart(8, '0')}-5a9e-4000-8000-${index.toString(16).padStart(12, '0')}`,
    Code: index,
    Name: name,
    NickName: organization ? null : name.split(' ')[0],
    NationalCode: String(1_000_000_000 + index * 7).padStart(10, '0'),
    MobileNo: `0912${String(index).padStart(7, '0')}`,
    MobileNo2: null,
    TelNo: random() < 0.5 ? `021${String(Math.floor(random() * 1e8)).padStart(8, '0')}` : null,
    TelNo2: null,
    Email: random() < 0.4 ? `c${index}@example.ir` : null,
    Email2: null,
    Address: `${cities[index % cities.length]}، خیابان ${index % 90} پلاک ${index % 200}`,
    PostalCode: String(1_000_000_000 + Math.floor(random() * 8_999_999_999)).slice(0, 10),
    CityCode: null,
    CountryCode: null,
    Gender: null,
    BirthDate: null,
    FatherName: null,
    Description: null,
    WebSiteAddress: null,
    IsActive: random() < 0.92,
    IsAdminUser: index <= generation.adminCount,
    TowardType: organization,
    tarafType: organization ? 1 : 0,
    RegDate: registrationDate(Math.floor(random() * 3000)),
    ExpireDate: null,
    ParentCode: null,
    Password: null,
  };
  const missing = random();
  if (missing < generation.tmpidMissingRate / 2) delete contact.tmpid;
  else if (missing < generation.tmpidMissingRate) contact.tmpid = null;
  else contact.tmpid = String(50_000 + index);
  if (generation.malformedEvery && index % generation.malformedEvery === 0)
    (contact as Record<string, unknown>).Code = `C-${index}`;
  return contact;
}

/** The generated contacts with the changes made since on top; codes of new contacts follow the generated ones. */
export class ContactBook {
  private readonly changed = new Map<number, SimContact | null>();
  private nextCode: number;
  private indexes?: { nationalCode: Map<string, number>; mobile: Map<string, number> };

  constructor(private readonly generation: ContactGeneration) {
    this.nextCode = generation.count + 1;
  }

  get(code: number): SimContact | undefined {
    if (this.changed.has(code)) return this.changed.get(code) ?? undefined;
    return code >= 1 && code <= this.generation.count ? generateContact(code, this.generation) : undefined;
  }

  /** Every contact in code order, built one at a time. */
  *all(): Generator<SimContact> {
    for (let code = 1; code < this.nextCode; code++) {
      const contact = this.get(code);
      if (contact) yield contact;
    }
  }

  /** The contacts whose fields equal the filter's values (compared as text, as a query string would). */
  *matching(filter: Record<string, unknown>): Generator<SimContact> {
    for (const contact of this.all())
      if (Object.entries(filter).every(([key, value]) => String(contact[key] ?? '') === String(value ?? '')))
        yield contact;
  }

  get size(): number {
    let removed = 0;
    for (const value of this.changed.values()) if (value === null) removed++;
    return this.nextCode - 1 - removed;
  }

  /** Adds a contact under the next free code. */
  add(fields: Record<string, unknown>): SimContact {
    const code = this.nextCode++;
    const contact: SimContact = {
      ...fields,
      Code: code,
      RecordId: `sim-${code.toString(16).padStart(12, '0')}`,
    };
    this.put(contact);
    return contact;
  }

  /** Stores a contact as it now is (a Siagh-side edit, or a form's update). */
  put(contact: SimContact): void {
    const before = this.get(contact.Code);
    this.changed.set(contact.Code, contact);
    this.reindex(before, contact);
  }

  remove(code: number): void {
    const before = this.get(code);
    this.changed.set(code, null);
    this.reindex(before, undefined);
  }

  /** The code of the contact with this national code / mobile number, other than `except`. */
  holderOf(field: 'nationalCode' | 'mobile', value: string, except?: number): number | undefined {
    const holder = this.lookup()[field].get(value);
    return holder === except ? undefined : holder;
  }

  private lookup() {
    if (!this.indexes) {
      this.indexes = { nationalCode: new Map(), mobile: new Map() };
      for (const contact of this.all()) this.reindex(undefined, contact);
    }
    return this.indexes;
  }

  private reindex(before: SimContact | undefined, after: SimContact | undefined): void {
    if (!this.indexes) return;
    for (const [key, field] of [
      ['nationalCode', 'NationalCode'],
      ['mobile', 'MobileNo'],
    ] as const) {
      const old = before?.[field];
      if (typeof old === 'string' && old !== '' && this.indexes[key].get(old) === before?.Code)
        this.indexes[key].delete(old);
      const now = after?.[field];
      if (typeof now === 'string' && now !== '' && typeof after?.Code === 'number')
        this.indexes[key].set(now, after.Code);
    }
  }
}
