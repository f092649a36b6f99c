/**
 * Generated CRM contacts in Persian, from a seed: persons with first and last names, organizations with a company
 * name, Iranian mobile and office numbers, national codes with a valid check digit, and addresses in real cities.
 */
import type { IdentityFields } from './crm.js';

const firstNames = [
  'علی',
  'محمد',
  'حسین',
  'رضا',
  'مهدی',
  'امیر',
  'سعید',
  'مجید',
  'فاطمه',
  'زهرا',
  'مریم',
  'سارا',
  'نرگس',
  'لیلا',
  'الهام',
  'شیرین',
  'پریسا',
  'کاوه',
  'بهرام',
  'یاسمن',
];
const lastNames = [
  'محمدی',
  'حسینی',
  'احمدی',
  'رضایی',
  'کریمی',
  'موسوی',
  'جعفری',
  'صادقی',
  'رحیمی',
  'کاظمی',
  'قاسمی',
  'نوری',
  'طاهری',
  'شریفی',
  'اکبری',
  'یزدانی',
  'فرهادی',
  'تهرانی',
  'شیرازی',
  'اصفهانی',
];
const companyWords = ['پارس', 'آریا', 'نوین', 'سپهر', 'البرز', 'کیان', 'آسیا', 'مهر', 'راهبرد', 'پیشگام'];
const companyKinds = ['بازرگانی', 'صنایع', 'فناوری', 'تجهیزات', 'پخش', 'مهندسی'];
const cities: { city: string; state: string; phone: string }[] = [
  { city: 'تهران', state: 'تهران', phone: '021' },
  { city: 'اصفهان', state: 'اصفهان', phone: '031' },
  { city: 'شیراز', state: 'فارس', phone: '071' },
  { city: 'مشهد', state: 'خراسان رضوی', phone: '051' },
  { city: 'تبریز', state: 'آذربایجان شرقی', phone: '041' },
];
const streets = ['خیابان ولیعصر', 'خیابان انقلاب', 'بلوار کشاورز', 'خیابان آزادی', 'خیابان فردوسی'];

export class ContactGenerator {
  private serial = 0;

  constructor(private readonly random: () => number) {}

  person(): IdentityFields {
    const firstName = this.pick(firstNames);
    const lastName = this.pick(lastNames);
    const place = this.pick(cities);
    this.serial += 1;
    return {
      nickName: `${firstName} ${lastName}`,
      firstName,
      lastName,
      nationalCode: this.nationalCode(),
      email: `customer${this.serial}@example.ir`,
      phoneContacts: [{ default: true, phoneType: 'Mobile', phoneNumber: `09${this.digits(9)}` }],
      addressContacts: [this.address(place)],
    };
  }

  organization(): IdentityFields {
    const place = this.pick(cities);
    this.serial += 1;
    return {
      nickName: `شرکت ${this.pick(companyKinds)} ${this.pick(companyWords)} ${this.pick(companyWords)}`,
      nationalCode: this.digits(11),
      economicCode: this.digits(12),
      registerNumber: String(10_000 + Math.floor(this.random() * 890_000)),
      email: `info${this.serial}@example.ir`,
      phoneContacts: [{ default: true, phoneType: 'Office', phoneNumber: `${place.phone}${this.digits(8)}` }],
      addressContacts: [this.address(place)],
    };
  }

  private address(place: { city: string; state: string }): Record<string, unknown> {
    return {
      default: true,
      country: 'ایران',
      state: place.state,
      city: place.city,
      address: `${this.pick(streets)}، پلاک ${1 + Math.floor(this.random() * 400)}`,
      zipCode: this.digits(10),
    };
  }

  /** Ten digits whose last is the check digit of Iran's national code. */
  private nationalCode(): string {
    const body = this.digits(9);
    const sum = Array.from(body).reduce((total, d, i) => total + Number(d) * (10 - i), 0);
    const rest = sum % 11;
    return body + String(rest < 2 ? rest : 11 - rest);
  }

  private digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(Math.floor(this.random() * 10));
    return out;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
}
