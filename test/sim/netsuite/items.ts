/** The simulated account's items and their price matrix, seeded deterministically, with edits that move lastmodifieddate. */
import { seededRandom } from '../seeded-random.js';
export interface SimItem {
  id: number;
  itemid: string;
  displayname: string;
  itemtype: 'InvtPart';
  /** Lot-numbered inventory items are InvtPart in SuiteQL and lotNumberedInventoryItem in the record API. */
  lotNumbered: boolean;
  cost?: number;
  custitem_f3_rollprice?: number;
  custitemf3_lisa_item: boolean;
  isinactive: boolean;
  lastModified: number;
  /** price level id → unit price, currency 1, first quantity line. */
  prices: Map<number, number>;
}

export const priceLevelNames: Record<number, string> = { 1: 'Base Price', 2: 'Wholesale', 5: 'Roll Price' };

const money = (r: () => number, min: number, max: number) =>
  Math.round((min + r() * (max - min)) * 100) / 100;

export function seedItems(count: number, seed: number, modifiedBefore: number): SimItem[] {
  const r = seededRandom(seed);
  const items: SimItem[] = [];
  let id = 1000;
  for (let n = 1; n <= count; n++) {
    id += 1 + Math.floor(r() * 3);
    const base = money(r, 5, 300);
    const prices = new Map<number, number>([[1, base]]);
    if (r() < 0.9) prices.set(5, Math.round(base * 1.8 * 100) / 100);
    if (r() < 0.3) prices.set(2, Math.round(base * 0.8 * 100) / 100);
    items.push({
      id,
      itemid: `${4000 + Math.floor(n / 10)}-${String(4500 + n).padStart(4, '0')}`,
      displayname: `Fabric ${n}`,
      itemtype: 'InvtPart',
      lotNumbered: r() < 0.5,
      cost: r() < 0.95 ? money(r, 2, 150) : undefined,
      custitem_f3_rollprice: r() < 0.8 ? money(r, 2, 150) : undefined,
      custitemf3_lisa_item: r() < 0.02,
      isinactive: false,
      lastModified: modifiedBefore - Math.floor(r() * 365 * 24 * 3600) * 1000,
      prices,
    });
  }
  return items;
}
