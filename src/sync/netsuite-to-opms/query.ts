/** The SuiteQL the price sync sends: item body fields and price levels in one query, paged by item id. */
import type { PriceFieldMapping } from '../../config/netsuite.js';
import { formatAccountTimestamp } from '../../connectors/netsuite/dates.js';

export interface ItemFilter {
  afterId?: number;
  ids?: number[];
  codes?: string[];
  modifiedFrom?: Date;
  modifiedBefore?: Date;
}

export interface QuerySettings {
  fields: PriceFieldMapping[];
  skipField: string;
  itemTypes: string[];
  timeZone: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const timestamp = (at: Date, timeZone: string) =>
  `TO_TIMESTAMP(${quote(formatAccountTimestamp(at, timeZone))}, 'YYYY-MM-DD HH24:MI:SS')`;

export function itemPriceQuery(settings: QuerySettings, filter: ItemFilter): string {
  const columns = [
    'item.id',
    'item.itemid',
    // Account-format dates have no time; TO_CHAR keeps the seconds the cursor needs.
    "TO_CHAR(item.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodified",
    `item.${settings.skipField}`,
  ];
  const joins: string[] = [];
  const joinAlias = new Map<string, string>();
  for (const f of settings.fields) {
    if ('itemColumn' in f.source) {
      columns.push(`item.${f.source.itemColumn} AS ${f.from}`);
      continue;
    }
    const key = `${f.source.priceLevel}_${f.source.currency}`;
    let alias = joinAlias.get(key);
    if (!alias) {
      alias = `pl${joinAlias.size + 1}`;
      joinAlias.set(key, alias);
      joins.push(
        `LEFT JOIN pricing ${alias} ON ${alias}.item = item.id AND ${alias}.pricelevel = ${f.source.priceLevel} AND ${alias}.currency = ${f.source.currency}`,
      );
    }
    columns.push(`${alias}.unitprice AS ${f.from}`);
  }
  const where = [`item.itemtype IN (${settings.itemTypes.map(quote).join(', ')})`];
  if (filter.afterId !== undefined) where.push(`item.id > ${Math.trunc(filter.afterId)}`);
  if (filter.ids) where.push(`item.id IN (${filter.ids.map((id) => Math.trunc(id)).join(', ')})`);
  if (filter.codes) where.push(`item.itemid IN (${filter.codes.map(quote).join(', ')})`);
  if (filter.modifiedFrom)
    where.push(`item.lastmodifieddate >= ${timestamp(filter.modifiedFrom, settings.timeZone)}`);
  if (filter.modifiedBefore)
    where.push(`item.lastmodifieddate < ${timestamp(filter.modifiedBefore, settings.timeZone)}`);
  return `SELECT ${columns.join(', ')} FROM item ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY item.id`;
}
