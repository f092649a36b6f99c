/**
 * `frappe.client.get_list` as the REST list route runs it: `fields` and `filters` as JSON in the query string, only
 * `name` without `fields`, filters as [field, op, value], [doctype, field, op, value] or a dict, `order_by` text,
 * `limit_start` and `limit_page_length` (alias `limit`) with the silent default of 20 rows and 0 meaning all.
 * Datetime fields compare as datetimes, so "2024-06-17 03:24:59" equals "2024-06-17 03:24:59.000000".
 */
import { parseSiteTime } from './clock.js';
import { validationError } from './site.js';

export interface ListParams {
  fields: string[];
  filters: [string, string, unknown][];
  orderBy: [string, 'asc' | 'desc'][];
  start: number;
  pageLength: number;
}

const datetimeFields = new Set(['modified', 'creation']);

function parseJsonParam(raw: string | null, what: string): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw validationError('ValidationError', `${what} is not valid JSON: ${raw}`);
  }
}

export function parseListParams(query: URLSearchParams, defaultOrder: string): ListParams {
  const fields = (parseJsonParam(query.get('fields'), 'fields') as string[] | undefined) ?? ['name'];
  const rawFilters = parseJsonParam(query.get('filters'), 'filters') ?? [];
  const filters: [string, string, unknown][] = [];
  if (Array.isArray(rawFilters)) {
    for (const f of rawFilters as unknown[][]) {
      // The 4-element form names the doctype (possibly a child table, for which the field is checked on the child).
      const [field, op, value] = f.length === 4 ? [f[1], f[2], f[3]] : [f[0], f[1], f[2]];
      filters.push([String(field), String(op).toLowerCase(), value]);
    }
  } else if (rawFilters && typeof rawFilters === 'object') {
    for (const [field, v] of Object.entries(rawFilters)) {
      if (Array.isArray(v)) filters.push([field, String(v[0]).toLowerCase(), v[1]]);
      else filters.push([field, '=', v]);
    }
  }
  const orderText = query.get('order_by') ?? defaultOrder;
  const orderBy = orderText.split(',').map((part) => {
    const [field, dir] = part.trim().split(/\s+/);
    return [
      field!.replace(/`/g, '').replace(/^tab\w+\./, ''),
      dir?.toLowerCase() === 'desc' ? 'desc' : 'asc',
    ] as [string, 'asc' | 'desc'];
  });
  const limitText = query.get('limit_page_length') ?? query.get('limit');
  return {
    fields,
    filters,
    orderBy,
    start: Number(query.get('limit_start') ?? 0) || 0,
    pageLength: limitText === null ? 20 : Number(limitText) || 0,
  };
}

function comparable(field: string, value: unknown): string | number | bigint | null {
  if (value === null || value === undefined) return null;
  if (datetimeFields.has(field)) return parseSiteTime(String(value));
  return typeof value === 'number' ? value : String(value);
}

function compare(a: string | number | bigint | null, b: string | number | bigint | null): number {
  if (a === null && b === null) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function matches(row: Record<string, unknown>, [field, op, value]: [string, string, unknown]): boolean {
  const have = comparable(field, row[field]);
  switch (op) {
    case '=':
      return compare(have, comparable(field, value)) === 0;
    case '!=':
      return compare(have, comparable(field, value)) !== 0;
    case '>':
      return have !== null && compare(have, comparable(field, value)) > 0;
    case '>=':
      return have !== null && compare(have, comparable(field, value)) >= 0;
    case '<':
      return have !== null && compare(have, comparable(field, value)) < 0;
    case '<=':
      return have !== null && compare(have, comparable(field, value)) <= 0;
    case 'in':
    case 'not in': {
      const found = have !== null && inSet(field, value).has(have);
      return op === 'in' ? found : !found;
    }
    case 'like': {
      const pattern = new RegExp(
        `^${String(value)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'i',
      );
      return pattern.test(String(row[field] ?? ''));
    }
    case 'is':
      return value === 'set' ? have !== null && have !== '' : have === null || have === '';
    default:
      throw validationError(
        'ValidationError',
        `Operator must be one of =, !=, >, <, >=, <=, like, in, not in, is: ${op}`,
      );
  }
}

const inSets = new WeakMap<object, Set<unknown>>();

/** The values of an `in` filter as a set, built once per query rather than scanned for every row. */
function inSet(field: string, value: unknown): Set<unknown> {
  const list = Array.isArray(value) ? value : String(value).split(',');
  let set = inSets.get(list);
  if (!set) {
    set = new Set(list.map((v) => comparable(field, v)));
    inSets.set(list, set);
  }
  return set;
}

export function runList(rows: Record<string, unknown>[], params: ListParams): Record<string, unknown>[] {
  const filtered = rows.filter((row) => params.filters.every((f) => matches(row, f)));
  // Sort keys computed once per row: parsing a datetime on every comparison made large lists slow.
  const keyed = filtered.map((row) => ({
    row,
    keys: params.orderBy.map(([field]) => comparable(field, row[field])),
  }));
  keyed.sort((a, b) => {
    for (const [i, [, dir]] of params.orderBy.entries()) {
      const c = compare(a.keys[i]!, b.keys[i]!);
      if (c !== 0) return dir === 'desc' ? -c : c;
    }
    return 0;
  });
  const sorted = keyed.map((k) => k.row);
  const page =
    params.pageLength > 0
      ? sorted.slice(params.start, params.start + params.pageLength)
      : sorted.slice(params.start);
  const all = params.fields.includes('*');
  return page.map((row) => {
    if (all)
      return structuredClone(Object.fromEntries(Object.entries(row).filter(([, v]) => !Array.isArray(v))));
    const out: Record<string, unknown> = {};
    for (const field of params.fields) {
      const [source, alias] = field.split(/\s+as\s+/i);
      const key = source!.replace(/`/g, '').replace(/^tab[\w ]+\./, '');
      out[alias ?? key] = row[key] ?? null;
    }
    return out;
  });
}
