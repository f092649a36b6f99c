/**
 * The simulated portal's item list (/web/items/), as the research describes it: a Handsontable of 16 columns filled
 * from JSON and paged with bootpag (20 items a page by default). Qty On Hand is the portal's own count: the item's
 * opening stock less what the posted invoices took out, so completing and posting an invoice moves it as on the
 * real portal.
 */
import type { Express } from 'express';
import type { RouteStarDataset, SimItem } from './data.js';
import { escapeHtml } from './pages.js';

export interface ItemListOptions {
  data: RouteStarDataset;
  /** Delay before the item data answers, as for every grid. */
  gridDelayMs: number;
  /** Items per page. */
  perPage: number;
  /** Counts the data requests with the other grids'. */
  onDataRequest(): void;
  money(n: number): string;
}

type Column = [header: string, key: string, kind: 'text' | 'html'];

const columns: Column[] = [
  ['Parent', 'parent', 'text'],
  ['Item', 'name', 'html'],
  ['Description', 'description', 'text'],
  ['Purchase Cost', 'cost', 'text'],
  ['Sales Price', 'price', 'text'],
  ['Type', 'type', 'text'],
  ['Qty On Order', 'onOrder', 'text'],
  ['Qty On Hand', 'onHand', 'text'],
  ['Qty On Warehouse', 'onWarehouse', 'html'],
  ['Mfg Part #', 'mfg', 'text'],
  ['UOM', 'uom', 'text'],
  ['Category', 'category', 'text'],
  ['Department', 'department', 'text'],
  ['Allocated', 'allocated', 'text'],
  ['Grouping', 'grouping', 'text'],
  ['Tax Code', 'taxCode', 'text'],
];

/** What the portal shows on hand: opening stock less the lines of every posted invoice. */
export function portalOnHand(data: RouteStarDataset, item: SimItem): number {
  let onHand = item.qtyOnHand;
  for (const invoice of data.invoices.values()) {
    if (!invoice.posted) continue;
    for (const line of invoice.lines) if (line.item === item.name) onHand -= line.qty;
  }
  return onHand;
}

export function addItemList(app: Express, o: ItemListOptions): void {
  app.get('/web/api/items', async (req, res) => {
    o.onDataRequest();
    if (o.gridDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, o.gridDelayMs));
    const page = Math.max(1, Number(req.query.page) || 1);
    const first = (page - 1) * o.perPage;
    const rows = o.data.items.slice(first, first + o.perPage).map((item, index) => {
      const onHand = portalOnHand(o.data, item);
      return {
        parent: item.parent,
        name: `<a href="/web/itemdetail/${first + index + 1}">${escapeHtml(item.name)}</a>`,
        description: item.description,
        cost: o.money(item.cost),
        price: o.money(item.price),
        type: item.type,
        onOrder: '0',
        onHand: String(onHand),
        onWarehouse: `<a href="/web/warehousedetail/1">${onHand}</a>`,
        mfg: '',
        uom: item.uom,
        category: item.category,
        department: '',
        allocated: '0',
        grouping: '',
        taxCode: 'Tax',
      };
    });
    res.json({
      page,
      pages: Math.ceil(o.data.items.length / o.perPage),
      total: o.data.items.length,
      columns: columns.map(([header, key, kind]) => ({ header, key, kind })),
      hidden: [],
      rows,
    });
  });
}
