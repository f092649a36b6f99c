/**
 * The simulated CustomerConnect account's purchase orders: generated deterministically from a seed, then changed by
 * tests between runs (status changes, quantity edits, cancellations, new orders) the way the real vendor changes them.
 */
import { seededRandom } from '../seeded-random.js';

export interface SimProduct {
  name: string;
  /** Empty on the odd line that exercises the "no Model" fallback. */
  model: string;
  quantity: number;
  price: number;
}

export interface SimHistoryEntry {
  date: string;
  status: string;
  comment: string;
}

export interface SimOrder {
  orderId: number;
  status: string;
  /** MM/DD/YYYY, as the portal prints it. */
  dateAdded: string;
  vendors: string[];
  poNumbers: string[];
  /** The detail page's own PO format, e.g. "PO-2025-0072660". */
  detailPo: string;
  products: SimProduct[];
  taxRate: number;
  shipping: number;
  /** When set, the list shows this instead of the computed total (the "bad total" odd row). */
  listTotalText?: string;
  history: SimHistoryEntry[];
}

const catalog: { name: string; model: string; price: number }[] = [
  { name: 'Sani-Pod Feminine Hygiene Unit', model: 'SP-100W', price: 38.5 },
  { name: 'Sani-Pod Liner Refill (50)', model: 'SP-LNR50', price: 21.75 },
  { name: 'Foaming Hand Soap 1000ml', model: 'FHS-1000', price: 12.4 },
  { name: 'Hand Sanitizer Gel 1200ml', model: 'HSG-1200', price: 15.95 },
  { name: 'Air Freshener Refill - Citrus', model: 'AFR-CIT', price: 6.25 },
  { name: 'Air Freshener Refill - Linen', model: 'AFR-LIN', price: 6.25 },
  { name: 'Metered Aerosol Dispenser', model: 'MAD-200', price: 29 },
  { name: 'Urinal Screen Enzyme', model: 'USE-10', price: 2.85 },
  { name: 'Toilet Seat Cleaner 400ml', model: 'TSC-400', price: 9.6 },
  { name: 'Jumbo Roll Tissue 2-ply (12)', model: 'JRT-12', price: 44.1 },
  { name: 'Multifold Towel White (4000)', model: 'MFT-4000', price: 33.3 },
  { name: 'Roll Towel Brown 800ft (6)', model: 'RTB-800', price: 41 },
  { name: 'Drain Maintainer Gallon', model: 'DRM-128', price: 18.2 },
  { name: 'Odor Control Gel Cup', model: 'OCG-4', price: 3.15 },
  { name: 'Disinfectant Spray Quart', model: 'DSQ-32', price: 7.8 },
  { name: 'Floor Cleaner Concentrate 5gal', model: 'FCC-5G', price: 64.9 },
  { name: 'Nitrile Gloves Large (100)', model: 'NGL-L', price: 11.5 },
  { name: 'Trash Liner 40x46 (250)', model: 'TL-4046', price: 36.45 },
];

const vendors = [
  'Sani-Pod Inc',
  'Enviro Chem Supply',
  'Georgia-Pacific Pro',
  'Rubbermaid Commercial',
  'Kimberly-Clark',
];
const statusWeights: [string, number][] = [
  ['Complete', 50],
  ['Processing', 20],
  ['Shipped', 15],
  ['Pending', 10],
  ['Canceled', 5],
];

export interface GenerateOptions {
  seed: number;
  orders: number;
  /** Order ID of the newest generated order. */
  newestOrderId: number;
  /** Date of the newest order, YYYY-MM-DD. */
  newestDate: string;
  /** Adds one order of each odd kind (unknown status, line without Model, unreadable total). */
  oddRows: boolean;
}

export function formatUsDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${m}/${d}/${y}`;
}

function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function pickStatus(random: () => number): string {
  const total = statusWeights.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [status, weight] of statusWeights) {
    r -= weight;
    if (r < 0) return status;
  }
  return 'Complete';
}

export function roundCents(n: number): number {
  return Math.round(n * 100) / 100;
}

export function subtotalOf(order: SimOrder): number {
  return roundCents(order.products.reduce((s, p) => s + roundCents(p.quantity * p.price), 0));
}

export function taxOf(order: SimOrder): number {
  return roundCents(subtotalOf(order) * order.taxRate);
}

export function totalOf(order: SimOrder): number {
  return roundCents(subtotalOf(order) + taxOf(order) + order.shipping);
}

function makeOrder(random: () => number, orderId: number, isoDate: string): SimOrder {
  const lineCount = 1 + Math.floor(random() * 4);
  const chosen = new Set<number>();
  while (chosen.size < lineCount) chosen.add(Math.floor(random() * catalog.length));
  const products = [...chosen].map((i) => {
    const p = catalog[i]!;
    return { name: p.name, model: p.model, price: p.price, quantity: 1 + Math.floor(random() * 24) };
  });
  const po = String(10000 + Math.floor(random() * 89999));
  const status = pickStatus(random);
  const vendor = pick(random, vendors);
  const usDate = formatUsDate(isoDate);
  const history: SimHistoryEntry[] = [{ date: usDate, status: 'Pending', comment: '' }];
  if (status !== 'Pending')
    history.push({ date: usDate, status, comment: status === 'Shipped' ? 'Tracking to follow.' : '' });
  return {
    orderId,
    status,
    dateAdded: usDate,
    vendors:
      random() < 0.15
        ? [
            vendor,
            pick(
              random,
              vendors.filter((v) => v !== vendor),
            ),
          ]
        : [vendor],
    poNumbers: [po],
    detailPo: `PO-${isoDate.slice(0, 4)}-${po.padStart(7, '0')}`,
    products,
    taxRate: random() < 0.3 ? 0.053 : 0,
    shipping: random() < 0.25 ? roundCents(15 + random() * 25) : 0,
    history,
  };
}

export function generateOrders(options: GenerateOptions): { orders: SimOrder[]; random: () => number } {
  const random = seededRandom(options.seed);
  const orders: SimOrder[] = [];
  let orderId = options.newestOrderId;
  let date = options.newestDate;
  for (let i = 0; i < options.orders; i++) {
    orders.push(makeOrder(random, orderId, date));
    orderId -= 1 + Math.floor(random() * 3);
    if (random() < 0.6) date = addDays(date, -1 - Math.floor(random() * 2));
  }
  if (options.oddRows && orders.length >= 8) {
    // Spread over the first pages so a short run meets them; positions are fixed so golden files stay stable.
    orders[3]!.status = 'Awaiting Vendor';
    orders[3]!.history.push({ date: orders[3]!.dateAdded, status: 'Awaiting Vendor', comment: '' });
    orders[5]!.products[0]!.model = '';
    orders[7]!.listTotalText = 'TBD';
  }
  return { orders, random };
}

/** A new order as the vendor would add it: newer ID, dated the given day. */
export function newOrder(random: () => number, orderId: number, isoDate: string): SimOrder {
  return makeOrder(random, orderId, isoDate);
}
