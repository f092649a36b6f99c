/**
 * The RouteStar simulator's data: sales invoices (pending and closed), customers and items, generated from a seed so
 * every run of a test sees the same portal, plus the edits a real dispatcher makes between two syncs (complete,
 * close, cancel, change a quantity, add an invoice, delete a pending one).
 */
import { seededRandom } from '../seeded-random.js';

export interface SimLine {
  item: string;
  description: string;
  qty: number;
  rate: number;
  /** The truck/route code, as RouteStar keeps it in the line's Class. */
  truck: string;
  warehouse: string;
  taxCode: string;
  location: string;
}

export type SimStatus = 'Pending' | 'Complete' | 'Closed' | 'Cancelled';

export interface SimInvoice {
  number: string;
  /** YYYY-MM-DD, America/New_York. */
  invoiceDate: string;
  enteredBy: string;
  assignedTo: string;
  stop: number;
  customerId: number;
  customer: string;
  type: string;
  serviceNotes: string;
  status: SimStatus;
  complete: boolean;
  posted: boolean;
  /** Closed invoices leave the pending list and appear in the closed one. */
  closed: boolean;
  dateCompleted: string | null;
  /** YYYY-MM-DD HH:mm, America/New_York. */
  lastModified: string;
  arrival: string;
  departure: string;
  customerGrouping: string;
  postedBy: string;
  paymentMethod: string;
  payment: string;
  taxRate: number;
  signedBy: string;
  memo: string;
  lines: SimLine[];
}

export interface SimItem {
  parent: string;
  name: string;
  description: string;
  cost: number;
  price: number;
  type: string;
  qtyOnHand: number;
  uom: string;
  category: string;
}

const itemNames = [
  'Hand Soap Foam 1000ml',
  'Paper Towel Roll 8in',
  'Toilet Tissue 2-Ply',
  'Urinal Screen Mango',
  'Air Freshener Refill Citrus',
  'Trash Liner 40x48',
  'Floor Cleaner Neutral Gal',
  'Glass Cleaner Qt',
  'Sanitizer Gel 1L',
  'Mop Head Large',
  'Seat Cover Dispenser Pack',
  'Bowl Cleaner Qt',
  'Degreaser Concentrate Gal',
  'Microfiber Cloth Blue',
  'Feminine Hygiene Bags',
  'Drain Maintainer Gal',
];
const customers = [
  'Riverside Diner',
  'Blue Ridge Dental',
  'Old Dominion Fitness',
  'Shenandoah Motors',
  'Capitol Coffee Co',
  'Harbor View Apartments',
  'Fairfax Family Clinic',
  'Potomac Brewing',
  'Chesapeake Auto Spa',
  'Lynchburg Library',
];
const drivers = ['Mike Torres', 'Dana Whitfield', 'Sam Okafor', 'Lee Carter'];
const clerks = ['office', 'dispatch', 'admin'];
const trucks = ['TRK-01', 'TRK-02', 'TRK-03', 'TRK-07'];
const types = ['Manual Invoice', 'Recurring Invoice', 'One-Time Service', 'Trip Charge'];

/** Today's date in America/New_York, the business's calendar, as YYYY-MM-DD. */
export function newYorkToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(now);
}

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function invoiceTotals(invoice: SimInvoice): { subtotal: number; tax: number; total: number } {
  const subtotal = round2(invoice.lines.reduce((sum, l) => sum + round2(l.qty * l.rate), 0));
  const tax = round2(subtotal * invoice.taxRate);
  return { subtotal, tax, total: round2(subtotal + tax) };
}

export interface DatasetOptions {
  seed: number;
  pendingInvoices: number;
  closedInvoices: number;
  items: number;
  /** YYYY-MM-DD in America/New_York. */
  today: string;
  /** Closed invoices were completed within this many days before today. */
  closedWithinDays: number;
}

export class RouteStarDataset {
  readonly invoices = new Map<string, SimInvoice>();
  readonly items: SimItem[] = [];
  private nextNumber = 5001;
  private readonly random: () => number;
  private clock = 0;

  constructor(readonly options: DatasetOptions) {
    this.random = seededRandom(options.seed);
    for (let i = 0; i < Math.max(options.items, 4); i++) {
      const base = itemNames[i % itemNames.length] ?? 'Item';
      this.items.push({
        parent: i % 3 === 0 ? 'Chemicals' : i % 3 === 1 ? 'Paper' : '',
        name: i < itemNames.length ? base : `${base} #${Math.floor(i / itemNames.length) + 1}`,
        description: `${base} (case)`,
        cost: round2(3 + this.random() * 40),
        price: round2(6 + this.random() * 60),
        type: 'Inventory',
        qtyOnHand: Math.floor(this.random() * 200),
        uom: 'ea',
        category: i % 2 === 0 ? 'Restroom' : 'Janitorial',
      });
    }
    // Oldest first so invoice numbers grow with time, as RouteStar's do.
    const closedAges = Array.from(
      { length: options.closedInvoices },
      () => 1 + Math.floor(this.random() * (options.closedWithinDays - 1)),
    ).sort((a, b) => b - a);
    for (const age of closedAges) {
      const invoice = this.makeInvoice(addDays(options.today, -age - 1));
      this.close(invoice, addDays(options.today, -age));
    }
    for (let i = 0; i < options.pendingInvoices; i++) {
      const age = Math.max(0, 2 - Math.floor((i * 3) / Math.max(options.pendingInvoices, 1)));
      this.makeInvoice(addDays(options.today, -age));
    }
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)] as T;
  }

  private stamp(date: string): string {
    this.clock += 7;
    const minutes = (8 * 60 + this.clock) % (10 * 60);
    const hh = String(8 + Math.floor(minutes / 60)).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    return `${date} ${hh}:${mm}`;
  }

  private makeInvoice(invoiceDate: string): SimInvoice {
    const customerIndex = Math.floor(this.random() * customers.length);
    const lineCount = 1 + Math.floor(this.random() * 4);
    const truck = this.pick(trucks);
    const lines: SimLine[] = [];
    const used = new Set<number>();
    for (let i = 0; i < lineCount; i++) {
      let itemIndex = Math.floor(this.random() * this.items.length);
      while (used.has(itemIndex)) itemIndex = (itemIndex + 1) % this.items.length;
      used.add(itemIndex);
      const item = this.items[itemIndex] as SimItem;
      lines.push({
        item: item.name,
        description: item.description,
        qty: 1 + Math.floor(this.random() * 12),
        rate: item.price,
        truck,
        warehouse: 'Main',
        taxCode: this.random() < 0.8 ? 'Tax' : 'Non',
        location: `Bay ${1 + Math.floor(this.random() * 9)}`,
      });
    }
    const arrivalMinutes = 8 * 60 + Math.floor(this.random() * 8 * 60);
    const stay = 10 + Math.floor(this.random() * 50);
    const invoice: SimInvoice = {
      number: `NRV${this.nextNumber++}`,
      invoiceDate,
      enteredBy: this.pick(clerks),
      assignedTo: this.pick(drivers),
      stop: 1 + Math.floor(this.random() * 20),
      customerId: 100 + customerIndex,
      customer: customers[customerIndex] as string,
      type: this.pick(types),
      serviceNotes: this.random() < 0.3 ? 'Leave at back door' : '',
      status: 'Pending',
      complete: false,
      posted: false,
      closed: false,
      dateCompleted: null,
      lastModified: this.stamp(invoiceDate),
      arrival: clockTime(arrivalMinutes),
      departure: clockTime(arrivalMinutes + stay),
      customerGrouping: customerIndex % 2 === 0 ? 'Route A' : 'Route B',
      postedBy: '',
      paymentMethod: '',
      payment: '',
      taxRate: 0.053,
      signedBy: '',
      memo: '',
      lines,
    };
    this.invoices.set(invoice.number, invoice);
    return invoice;
  }

  private close(invoice: SimInvoice, dateCompleted: string): void {
    invoice.status = 'Closed';
    invoice.complete = true;
    invoice.posted = true;
    invoice.closed = true;
    invoice.dateCompleted = dateCompleted;
    invoice.postedBy = 'admin';
    invoice.paymentMethod = this.random() < 0.5 ? 'Check' : 'On Account';
    invoice.signedBy = invoice.customer.split(' ')[0] ?? '';
    invoice.lastModified = this.stamp(dateCompleted);
  }

  get(number: string): SimInvoice {
    const invoice = this.invoices.get(number);
    if (!invoice) throw new Error(`The simulator has no invoice ${number}`);
    return invoice;
  }

  /** Newest first, as the portal lists them. */
  pending(): SimInvoice[] {
    return [...this.invoices.values()].filter((i) => !i.closed).sort(byNumberDescending);
  }

  closedBetween(from: string, to: string): SimInvoice[] {
    return [...this.invoices.values()]
      .filter((i) => i.closed && i.dateCompleted !== null && i.dateCompleted >= from && i.dateCompleted <= to)
      .sort(byNumberDescending);
  }

  complete(number: string): void {
    const invoice = this.get(number);
    invoice.status = 'Complete';
    invoice.complete = true;
    invoice.lastModified = this.stamp(this.options.today);
  }

  closeInvoice(number: string, dateCompleted = this.options.today): void {
    this.close(this.get(number), dateCompleted);
  }

  cancel(number: string): void {
    const invoice = this.get(number);
    invoice.status = 'Cancelled';
    invoice.lastModified = this.stamp(this.options.today);
  }

  editQty(number: string, lineIndex: number, qty: number): void {
    const line = this.get(number).lines[lineIndex];
    if (!line) throw new Error(`Invoice ${number} has no line ${lineIndex}`);
    line.qty = qty;
    this.get(number).lastModified = this.stamp(this.options.today);
  }

  add(): string {
    return this.makeInvoice(this.options.today).number;
  }

  /** The invoice was entered with an earlier date (a ticket written on the road, keyed in later). */
  backdate(number: string, invoiceDate: string): void {
    const invoice = this.get(number);
    invoice.invoiceDate = invoiceDate;
    invoice.lastModified = this.stamp(invoiceDate);
  }

  /** A pending invoice deleted upstream: it vanishes without ever being closed. Returns it, for `restore`. */
  remove(number: string): SimInvoice {
    const invoice = this.get(number);
    this.invoices.delete(number);
    return invoice;
  }

  /** A removed invoice shows up again exactly as it was (the portal hid it for a while). */
  restore(invoice: SimInvoice): void {
    this.invoices.set(invoice.number, invoice);
  }
}

function byNumberDescending(a: SimInvoice, b: SimInvoice): number {
  return Number(b.number.slice(3)) - Number(a.number.slice(3));
}

function clockTime(minutesOfDay: number): string {
  const h24 = Math.floor(minutesOfDay / 60) % 24;
  const m = minutesOfDay % 60;
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${h12}:${String(m).padStart(2, '0')} ${h24 < 12 ? 'AM' : 'PM'}`;
}
