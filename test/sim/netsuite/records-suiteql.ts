/**
 * SuiteQL over the simulated account's customer, transaction, transactionline, currency and deletedrecord tables: a
 * small relational subset (SELECT columns or TO_CHAR of dates, FROM a table with INNER/LEFT JOINs on one column
 * equality each, WHERE comparisons joined by AND, ORDER BY), with NetSuite's value rules: every value a string,
 * booleans 'T'/'F', NULL columns left out, dates in the account's date format unless TO_CHAR asks otherwise. What it
 * does not understand it refuses the way NetSuite refuses a query it cannot run.
 */
import { accountDateIn, toCharWallClock, wallClockToUtc, type AccountDateFormat } from './accountTime.js';
import type { SimCustomer, SimDeletedRecord, SimLine, SimRecords, SimTransaction } from './records.js';
import { SuiteQlError } from './suiteql.js';

type Kind = 'integer' | 'text' | 'boolean' | 'date' | 'datetime' | 'amount';
/** A date value: `YYYY-MM-DD`, or free text kept as typed (returned verbatim). */
type DateValue = string | { text: string };

interface ColumnDef {
  kind: Kind;
  get(row: never): unknown;
}

interface TableDef {
  rows(records: SimRecords): unknown[];
  columns: Record<string, ColumnDef>;
}

const column = <T>(kind: Kind, get: (row: T) => unknown): ColumnDef => ({
  kind,
  get: get,
});

interface LineRow {
  transaction: SimTransaction;
  line: SimLine;
}

const cents = (value: number | undefined) => (value === undefined ? undefined : value / 100);
const dateOf = (iso: string | undefined, text: string | undefined): DateValue | undefined =>
  text !== undefined ? { text } : iso;

const tables: Record<string, TableDef> = {
  customer: {
    rows: (r) => r.customers,
    columns: {
      id: column<SimCustomer>('integer', (c) => c.id),
      entityid: column<SimCustomer>('text', (c) => c.entityid),
      companyname: column<SimCustomer>('text', (c) => c.companyname),
      email: column<SimCustomer>('text', (c) => c.email),
      currency: column<SimCustomer>('integer', (c) => c.currency),
      subsidiary: column<SimCustomer>('integer', (c) => c.subsidiary),
      isinactive: column<SimCustomer>('boolean', (c) => c.isinactive),
      lastmodifieddate: column<SimCustomer>('datetime', (c) => c.lastModified),
    },
  },
  transaction: {
    rows: (r) => r.transactions,
    columns: {
      id: column<SimTransaction>('integer', (t) => t.id),
      type: column<SimTransaction>('text', (t) => t.type),
      tranid: column<SimTransaction>('text', (t) => t.tranid),
      entity: column<SimTransaction>('integer', (t) => t.entity),
      trandate: column<SimTransaction>('date', (t) => t.trandate),
      status: column<SimTransaction>('text', (t) => t.status),
      currency: column<SimTransaction>('integer', (t) => t.currency),
      createdfrom: column<SimTransaction>('integer', (t) => t.createdfrom),
      foreigntotal: column<SimTransaction>('amount', (t) =>
        cents(t.lines.find((l) => l.mainline)?.foreignCents),
      ),
      lastmodifieddate: column<SimTransaction>('datetime', (t) => t.lastModified),
    },
  },
  transactionline: {
    rows: (r) =>
      r.transactions.flatMap((transaction) => transaction.lines.map((line) => ({ transaction, line }))),
    columns: {
      id: column<LineRow>('integer', (l) => l.line.id),
      transaction: column<LineRow>('integer', (l) => l.transaction.id),
      mainline: column<LineRow>('boolean', (l) => l.line.mainline),
      taxline: column<LineRow>('boolean', (l) => l.line.taxline),
      item: column<LineRow>('integer', (l) => l.line.item),
      memo: column<LineRow>('text', (l) => l.line.memo),
      netamount: column<LineRow>('amount', (l) => cents(l.line.netCents)),
      foreignamount: column<LineRow>('amount', (l) => cents(l.line.foreignCents)),
      custcol_revenue_category: column<LineRow>('text', (l) => l.line.category),
      custcol_rev_period_start: column<LineRow>('date', (l) =>
        dateOf(l.line.periodStart, l.line.periodStartText),
      ),
      custcol_rev_period_end: column<LineRow>('date', (l) => dateOf(l.line.periodEnd, l.line.periodEndText)),
    },
  },
  currency: {
    rows: (r) => r.currencies,
    columns: {
      id: column<{ id: number }>('integer', (c) => c.id),
      symbol: column<{ symbol: string }>('text', (c) => c.symbol),
      name: column<{ name: string }>('text', (c) => c.name),
    },
  },
  deletedrecord: {
    rows: (r) => r.deleted,
    columns: {
      type: column<SimDeletedRecord>('text', (d) => d.type),
      recordid: column<SimDeletedRecord>('integer', (d) => d.recordid),
      deleteddate: column<SimDeletedRecord>('datetime', (d) => d.deletedDate),
      deletedby: column<SimDeletedRecord>('integer', (d) => d.deletedby),
      context: column<SimDeletedRecord>('text', (d) => d.context),
    },
  },
};

export interface SuiteQlSettings {
  timeZone: string;
  dateFormat: AccountDateFormat;
}

type Tuple = Record<string, unknown>;

interface Reference {
  alias: string;
  name: string;
  def: ColumnDef;
}

interface RecordsQuery {
  columns: { name: string; value: (tuple: Tuple) => string | undefined }[];
  run(records: SimRecords): Tuple[];
}

function invalid(detail: string): SuiteQlError {
  return new SuiteQlError(
    'INVALID_PARAMETER',
    `Invalid search query. Detailed unprocessed description follows. ${detail}`,
  );
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

const amountText = (value: number) => String(Math.round(value * 100) / 100);

/** A column's value as SuiteQL returns it without TO_CHAR. */
function plain(def: ColumnDef, raw: unknown, settings: SuiteQlSettings): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  switch (def.kind) {
    case 'boolean':
      return raw ? 'T' : 'F';
    case 'amount':
      return amountText(raw as number);
    case 'date':
      return typeof raw === 'object'
        ? (raw as { text: string }).text
        : accountDateIn(raw as string, settings.dateFormat);
    case 'datetime':
      return accountDateIn(
        toCharWallClock(raw as number, settings.timeZone).slice(0, 10),
        settings.dateFormat,
      );
    default:
      return String(raw);
  }
}

function toChar(def: ColumnDef, raw: unknown, format: string, settings: SuiteQlSettings): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object') return (raw as { text: string }).text;
  const wall =
    def.kind === 'datetime' ? toCharWallClock(raw as number, settings.timeZone) : `${raw as string} 00:00:00`;
  return format === 'YYYY-MM-DD' ? wall.slice(0, 10) : wall;
}

/** The comparable value of a column or literal: numbers for numbers and instants (seconds), text otherwise. */
function comparable(def: ColumnDef, raw: unknown): number | string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (def.kind === 'integer' || def.kind === 'amount') return raw as number;
  if (def.kind === 'datetime') return Math.floor((raw as number) / 1000);
  if (def.kind === 'boolean') return raw ? 'T' : 'F';
  if (def.kind === 'date') return typeof raw === 'object' ? (raw as { text: string }).text : (raw as string);
  return String(raw);
}

function literal(text: string, def: ColumnDef, settings: SuiteQlSettings): number | string {
  let m: RegExpExecArray | null;
  if ((m = /^TO_TIMESTAMP\('([^']+)',\s*'YYYY-MM-DD HH24:MI:SS'\)$/i.exec(text))) {
    const ms = wallClockToUtc(m[1]!, settings.timeZone);
    if (ms === undefined) throw invalid(`Unparseable date: ${text}`);
    return def.kind === 'date' ? toCharWallClock(ms, settings.timeZone).slice(0, 10) : Math.floor(ms / 1000);
  }
  if ((m = /^TO_DATE\('(\d{4}-\d{2}-\d{2})',\s*'YYYY-MM-DD'\)$/i.exec(text))) {
    const ms = wallClockToUtc(`${m[1]} 00:00:00`, settings.timeZone)!;
    return def.kind === 'datetime' ? Math.floor(ms / 1000) : m[1]!;
  }
  if ((m = /^'((?:[^']|'')*)'$/.exec(text))) return m[1]!.replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  throw invalid(`Unsupported value: ${text}`);
}

const operators: Record<string, (a: number | string, b: number | string) => boolean> = {
  '=': (a, b) => a === b,
  '<>': (a, b) => a !== b,
  '!=': (a, b) => a !== b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

interface Condition {
  alias: string;
  test(tuple: Tuple): boolean;
}

export function parseRecordsQuery(q: string, settings: SuiteQlSettings): RecordsQuery {
  const text = q.replace(/\s+/g, ' ').trim();
  const m =
    /^SELECT (.+?) FROM (\w+) (\w+)((?: (?:INNER |LEFT )?JOIN \w+ \w+ ON \w+\.\w+ = \w+\.\w+)*)(?: WHERE (.+?))? ORDER BY (.+)$/i.exec(
      text,
    );
  if (!m) throw invalid(`Search error occurred: unsupported query. Query: ${text.slice(0, 200)}`);
  const aliases = new Map<string, TableDef & { table: string }>();
  const addTable = (table: string, alias: string) => {
    const def = tables[table.toLowerCase()];
    if (!def) throw new SuiteQlError('INVALID_PARAMETER', `Record '${table}' was not found.`);
    aliases.set(alias.toLowerCase(), { ...def, table: table.toLowerCase() });
  };
  addTable(m[2]!, m[3]!);
  const reference = (expression: string): Reference => {
    const r = /^(\w+)\.(\w+)$/.exec(expression.trim());
    if (!r) throw invalid(`Unsupported expression: ${expression}`);
    const alias = r[1]!.toLowerCase();
    const table = aliases.get(alias);
    if (!table) throw invalid(`Unknown table alias ${r[1]}`);
    const def = table.columns[r[2]!.toLowerCase()];
    if (!def)
      throw new SuiteQlError(
        'INVALID_PARAMETER',
        `Field '${r[2]}' for record '${table.table}' was not found.`,
      );
    return { alias, name: r[2]!.toLowerCase(), def };
  };
  const valueOf = (ref: Reference, tuple: Tuple) => {
    const row = tuple[ref.alias];
    return row === undefined ? undefined : ref.def.get(row as never);
  };

  const joins = [...m[4]!.matchAll(/ (INNER |LEFT )?JOIN (\w+) (\w+) ON (\w+\.\w+) = (\w+\.\w+)/gi)].map(
    (j) => {
      addTable(j[2]!, j[3]!);
      const alias = j[3]!.toLowerCase();
      const [a, b] = [reference(j[4]!), reference(j[5]!)];
      const own = a.alias === alias ? a : b;
      const other = a.alias === alias ? b : a;
      if (own.alias !== alias || other.alias === alias) throw invalid(`Unsupported join condition: ${j[0]}`);
      return { alias, left: j[1]?.trim().toUpperCase() === 'LEFT', own, other, table: aliases.get(alias)! };
    },
  );

  const columns = splitTopLevel(m[1]!).map((expression) => {
    let c: RegExpExecArray | null;
    if ((c = /^TO_CHAR\((\w+\.\w+), '(YYYY-MM-DD|YYYY-MM-DD HH24:MI:SS)'\) AS (\w+)$/i.exec(expression))) {
      const ref = reference(c[1]!);
      if (ref.def.kind !== 'date' && ref.def.kind !== 'datetime')
        throw invalid(`TO_CHAR of a non-date field ${c[1]}`);
      const format = c[2]!;
      return {
        name: c[3]!.toLowerCase(),
        value: (t: Tuple) => toChar(ref.def, valueOf(ref, t), format, settings),
      };
    }
    if ((c = /^(\w+\.\w+)(?: AS (\w+))?$/i.exec(expression))) {
      const ref = reference(c[1]!);
      return {
        name: (c[2] ?? ref.name).toLowerCase(),
        value: (t: Tuple) => plain(ref.def, valueOf(ref, t), settings),
      };
    }
    throw invalid(`Unsupported column expression: ${expression}`);
  });

  const conditions: Condition[] = (m[5] ? m[5].split(/ AND (?![^(]*\))/i) : []).map((part) => {
    const c = /^(\w+\.\w+) (IS NOT NULL|IS NULL|IN \((.+)\)|(=|<>|!=|>=|<=|>|<) (.+))$/i.exec(part.trim());
    if (!c) throw invalid(`Unsupported condition: ${part}`);
    const ref = reference(c[1]!);
    const value = (t: Tuple) => comparable(ref.def, valueOf(ref, t));
    const clause = c[2]!.toUpperCase();
    if (clause === 'IS NULL') return { alias: ref.alias, test: (t) => value(t) === undefined };
    if (clause === 'IS NOT NULL') return { alias: ref.alias, test: (t) => value(t) !== undefined };
    if (c[3] !== undefined) {
      const set = new Set(splitTopLevel(c[3]).map((v) => literal(v, ref.def, settings)));
      return { alias: ref.alias, test: (t) => set.has(value(t)!) };
    }
    const compare = operators[c[4]!]!;
    const right = literal(c[5]!.trim(), ref.def, settings);
    return {
      alias: ref.alias,
      test: (t) => {
        const left = value(t);
        return left !== undefined && compare(left, right);
      },
    };
  });

  const order = splitTopLevel(m[6]!).map((part) => {
    const o = /^(\w+\.\w+)(?: (ASC|DESC))?$/i.exec(part);
    if (!o) throw invalid(`Unsupported ORDER BY: ${part}`);
    return { ref: reference(o[1]!), descending: o[2]?.toUpperCase() === 'DESC' };
  });

  const driving = m[3]!.toLowerCase();
  return {
    columns,
    run(records) {
      const bound = (alias: string) => conditions.filter((c) => c.alias === alias);
      const first = bound(driving);
      let tuples: Tuple[] = [];
      for (const row of aliases.get(driving)!.rows(records)) {
        const tuple = { [driving]: row };
        if (first.every((c) => c.test(tuple))) tuples.push(tuple);
      }
      for (const join of joins) {
        const index = indexOf(records, join.table, join.own);
        const tests = bound(join.alias);
        const next: Tuple[] = [];
        for (const tuple of tuples) {
          const key = valueOf(join.other, tuple);
          const matches = key === undefined ? undefined : index.get(String(key));
          if (!matches || matches.length === 0) {
            if (join.left && tests.every((c) => c.test(tuple))) next.push(tuple);
            continue;
          }
          for (const row of matches) {
            const joined = { ...tuple, [join.alias]: row };
            if (tests.every((c) => c.test(joined))) next.push(joined);
          }
        }
        tuples = next;
      }
      return tuples.sort((a, b) => {
        for (const { ref, descending } of order) {
          const x = comparable(ref.def, valueOf(ref, a));
          const y = comparable(ref.def, valueOf(ref, b));
          if (x === y) continue;
          // NULLs last, as Oracle orders them ascending.
          const less = y === undefined || (x !== undefined && x < y);
          return (less ? -1 : 1) * (descending ? -1 : 1);
        }
        return 0;
      });
    },
  };
}

const indexes = new WeakMap<SimRecords, Map<string, { version: number; rows: Map<string, unknown[]> }>>();

/** Rows of a table by one column's value, rebuilt only after the data changed. */
function indexOf(
  records: SimRecords,
  table: TableDef & { table: string },
  ref: Reference,
): Map<string, unknown[]> {
  let byTable = indexes.get(records);
  if (!byTable) indexes.set(records, (byTable = new Map()));
  const key = `${table.table}.${ref.name}`;
  const cached = byTable.get(key);
  if (cached && cached.version === records.version) return cached.rows;
  const rows = new Map<string, unknown[]>();
  for (const row of table.rows(records)) {
    const value = ref.def.get(row as never);
    if (value === undefined) continue;
    const list = rows.get(String(value));
    if (list) list.push(row);
    else rows.set(String(value), [row]);
  }
  byTable.set(key, { version: records.version, rows });
  return rows;
}
