/**
 * The SuiteQL the simulator understands: the item queries the connector sends (item columns, TO_CHAR of the
 * last-modified date, LEFT JOINs on pricing per price level, WHERE on type / id / itemid / last-modified, ORDER BY id).
 * Anything else is refused the way NetSuite refuses a query it cannot run.
 */
import { accountDate, toCharWallClock, wallClockToUtc, type AccountDateFormat } from './accountTime.js';
import type { SimItem } from './items.js';

export class SuiteQlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const itemColumns = new Set([
  'id',
  'itemid',
  'displayname',
  'itemtype',
  'cost',
  'custitem_f3_rollprice',
  'custitemf3_lisa_item',
  'isinactive',
  'lastmodifieddate',
]);

type Column = (item: SimItem) => string | undefined;

export interface ItemQuery {
  columns: { name: string; value: Column }[];
  where: ((item: SimItem) => boolean)[];
}

function splitTopLevel(text: string, separator: ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === separator) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

function invalid(detail: string): SuiteQlError {
  return new SuiteQlError(
    'INVALID_PARAMETER',
    `Invalid search query. Detailed unprocessed description follows. ${detail}`,
  );
}

function itemValue(
  item: SimItem,
  column: string,
  timeZone: string,
  dateFormat: AccountDateFormat,
): string | undefined {
  switch (column) {
    case 'id':
      return String(item.id);
    case 'itemid':
      return item.itemid;
    case 'displayname':
      return item.displayname;
    case 'itemtype':
      return item.itemtype;
    case 'cost':
      return item.cost === undefined ? undefined : String(item.cost);
    case 'custitem_f3_rollprice':
      return item.custitem_f3_rollprice === undefined ? undefined : String(item.custitem_f3_rollprice);
    case 'custitemf3_lisa_item':
      return item.custitemf3_lisa_item ? 'T' : 'F';
    case 'isinactive':
      return item.isinactive ? 'T' : 'F';
    case 'lastmodifieddate':
      return accountDate(item.lastModified, timeZone, dateFormat);
    default:
      throw new SuiteQlError('INVALID_PARAMETER', `Field '${column}' for record 'item' was not found.`);
  }
}

function stringList(text: string): string[] {
  return splitTopLevel(text, ',').map((s) => {
    const m = /^'((?:[^']|'')*)'$/.exec(s);
    if (!m) throw invalid(`Expected a quoted string, found ${s}`);
    return m[1]!.replace(/''/g, "'");
  });
}

function numberList(text: string): number[] {
  return splitTopLevel(text, ',').map((s) => {
    if (!/^\d+$/.test(s)) throw invalid(`Expected a number, found ${s}`);
    return Number(s);
  });
}

function timestampLiteral(text: string, timeZone: string): number {
  const m = /^TO_TIMESTAMP\('([^']+)',\s*'YYYY-MM-DD HH24:MI:SS'\)$/i.exec(text.trim());
  const ms = m ? wallClockToUtc(m[1]!, timeZone) : undefined;
  if (ms === undefined) throw invalid(`Unparseable date: ${text}`);
  return ms;
}

function condition(text: string, timeZone: string): (item: SimItem) => boolean {
  let m: RegExpExecArray | null;
  if ((m = /^item\.itemtype IN \((.+)\)$/i.exec(text))) {
    const types = new Set(stringList(m[1]!));
    return (item) => types.has(item.itemtype);
  }
  if ((m = /^item\.id > (\d+)$/i.exec(text))) {
    const after = Number(m[1]);
    return (item) => item.id > after;
  }
  if ((m = /^item\.id IN \((.+)\)$/i.exec(text))) {
    const ids = new Set(numberList(m[1]!));
    return (item) => ids.has(item.id);
  }
  if ((m = /^item\.itemid IN \((.+)\)$/i.exec(text))) {
    const codes = new Set(stringList(m[1]!));
    return (item) => codes.has(item.itemid);
  }
  if ((m = /^item\.lastmodifieddate (>=|<) (.+)$/i.exec(text))) {
    const at = timestampLiteral(m[2]!, timeZone);
    // NetSuite compares at second resolution, like the TO_CHAR the client reads back.
    const seconds = (ms: number) => Math.floor(ms / 1000);
    return m[1] === '>='
      ? (item) => seconds(item.lastModified) >= seconds(at)
      : (item) => seconds(item.lastModified) < seconds(at);
  }
  if ((m = /^item\.isinactive = '([TF])'$/i.exec(text))) {
    const inactive = m[1] === 'T';
    return (item) => item.isinactive === inactive;
  }
  throw invalid(`Unsupported condition: ${text}`);
}

export function parseItemQuery(
  q: string,
  timeZone: string,
  dateFormat: AccountDateFormat = 'M/D/YYYY',
): ItemQuery {
  const text = q.replace(/\s+/g, ' ').trim();
  const m =
    /^SELECT (.+?) FROM item((?: LEFT JOIN pricing \w+ ON .+?)*?)(?: WHERE (.+?))? ORDER BY item\.id(?: ASC)?$/i.exec(
      text,
    );
  if (!m)
    throw invalid(
      `Search error occurred: the query must select from item and order by item.id. Query: ${text.slice(0, 200)}`,
    );
  const joins = new Map<string, { level: number; currency: number }>();
  for (const join of m[2]!.split(/ LEFT JOIN pricing /i).slice(1)) {
    const j =
      /^(\w+) ON (\w+)\.item = item\.id AND (\w+)\.pricelevel = (\d+) AND (\w+)\.currency = (\d+)$/i.exec(
        join.trim(),
      );
    if (!j || j[2] !== j[1] || j[3] !== j[1] || j[5] !== j[1]) throw invalid(`Unsupported join: ${join}`);
    joins.set(j[1]!.toLowerCase(), { level: Number(j[4]), currency: Number(j[6]) });
  }
  const columns = splitTopLevel(m[1]!, ',').map((expression): { name: string; value: Column } => {
    let c: RegExpExecArray | null;
    if ((c = /^TO_CHAR\(item\.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS'\) AS (\w+)$/i.exec(expression))) {
      return { name: c[1]!.toLowerCase(), value: (item) => toCharWallClock(item.lastModified, timeZone) };
    }
    if ((c = /^item\.(\w+)(?: AS (\w+))?$/i.exec(expression))) {
      const column = c[1]!.toLowerCase();
      if (!itemColumns.has(column))
        throw new SuiteQlError('INVALID_PARAMETER', `Field '${column}' for record 'item' was not found.`);
      return {
        name: (c[2] ?? column).toLowerCase(),
        value: (item) => itemValue(item, column, timeZone, dateFormat),
      };
    }
    if ((c = /^(\w+)\.unitprice AS (\w+)$/i.exec(expression))) {
      const join = joins.get(c[1]!.toLowerCase());
      if (!join) throw invalid(`Unknown table alias ${c[1]}`);
      return {
        name: c[2]!.toLowerCase(),
        value: (item) => {
          const price = join.currency === 1 ? item.prices.get(join.level) : undefined;
          return price === undefined ? undefined : String(price);
        },
      };
    }
    throw invalid(`Unsupported column expression: ${expression}`);
  });
  const where = m[3] ? m[3].split(/ AND (?![^(]*\))/i).map((part) => condition(part.trim(), timeZone)) : [];
  return { columns, where };
}
