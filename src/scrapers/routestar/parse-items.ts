/**
 * Pure parser of RouteStar's item list (/web/items/): grid snapshots in, zod-validated items out. Columns are found by
 * caption, as for the invoice lists; a row that fails validation is quarantined with its HTML and the reason, and a
 * grid without the columns the profile requires raises MarkupChangedError naming them.
 */
import { z } from 'zod';
import type { Quarantined } from '../quarantined.js';
import type { ItemField } from './items-profile.js';
import {
  cellText,
  custom,
  gridSnapshots,
  locateColumns,
  parseMoney,
  zodReason,
  type RowKey,
} from './parse.js';
import type { RouteStarProfile } from './profile.js';

const optionalText = z.string().transform((v) => (v === '' ? null : v));
const money = z.string().transform((v, ctx) => {
  const n = parseMoney(v);
  return Number.isNaN(n) ? custom(ctx, `"${v}" is not an amount`) : n;
});
const quantity = z.string().transform((v, ctx) => {
  const n = parseMoney(v);
  return Number.isNaN(n) ? custom(ctx, `"${v}" is not a quantity`) : n;
});

export const itemRowSchema = z.object({
  name: z.string().min(1, 'the item name is empty'),
  parent: optionalText,
  detailUrl: z.string().nullable(),
  description: optionalText,
  cost: money,
  price: money,
  type: optionalText,
  onOrder: quantity,
  onHand: quantity,
  unit: optionalText,
  category: optionalText,
  /** Every visible cell by caption, as text. */
  cells: z.record(z.string(), z.string()),
});

export type ItemListRow = z.infer<typeof itemRowSchema>;

export interface ItemListPage {
  headers: string[];
  rows: ItemListRow[];
  quarantined: Quarantined<RowKey>[];
}

/** Parses one page of the item list from its grid snapshots (merged by row header, as the grid scrolls). */
export function parseItemList(
  snapshots: string[],
  profile: RouteStarProfile,
  baseUrl?: string,
): ItemListPage {
  const where = 'items grid';
  const glyph = profile.grid.dropdownGlyph;
  const rows: ItemListRow[] = [];
  const quarantined: Quarantined<RowKey>[] = [];
  const read = gridSnapshots(snapshots, profile.grid.table, where);
  for (const { $, grid } of read) {
    const columns = locateColumns<ItemField>(
      grid.headers,
      profile.items.columns,
      profile.items.requiredColumns,
      where,
    );
    for (const row of grid.rows) {
      const cell = (field: ItemField) => {
        const caption = columns[field];
        return caption ? row.cells.get(caption) : undefined;
      };
      const text = (field: ItemField) => cellText($, cell(field), glyph);
      const href = cell('itemName')?.find('a').attr('href') ?? null;
      const values = {
        name: text('itemName'),
        parent: text('parent'),
        detailUrl: href && baseUrl ? new URL(href, baseUrl).toString() : href,
        description: text('description'),
        cost: text('cost'),
        price: text('price'),
        type: text('type'),
        onOrder: text('onOrder'),
        onHand: text('onHand'),
        unit: text('unit'),
        category: text('category'),
        cells: Object.fromEntries(grid.headers.map((h) => [h, cellText($, row.cells.get(h), glyph)])),
      };
      const parsed = itemRowSchema.safeParse(values);
      if (parsed.success) rows.push(parsed.data);
      else
        quarantined.push({
          key: values.name || `row ${row.rowHeader}`,
          reason: zodReason(parsed.error),
          html: row.html(),
        });
    }
  }
  return { headers: read[0]?.grid.headers ?? [], rows, quarantined };
}
