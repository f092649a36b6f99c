/**
 * Pure mapping of SuiteQL rows to the records we keep: a customer per row, a transaction from all its line rows, a
 * deletion from the deleted-record log. Every value NetSuite sends is a string (NULLs left out); a value that cannot
 * be read makes the whole record a quarantine entry with the reason, never half a record or a guessed value.
 */
import { createHash } from 'node:crypto';
import type { AccountDateFormat, LineFilter } from '../../config/netsuite-records.js';
import { parseAccountTimestamp } from '../../connectors/netsuite/dates.js';
import type { SuiteQlRow } from '../../connectors/netsuite/schemas.js';
import { firstUnstorable } from '../../storable-text.js';

export type TransactionType = 'invoice' | 'credit_note';
export type RecordType = 'customer' | TransactionType;

export interface MappingRules {
  /** Account date format, for date columns not asked for as ISO. */
  dateFormat: AccountDateFormat;
  /** How the period columns come back: ISO through TO_CHAR, or text in the account format. */
  periodDates: 'iso' | 'account';
  subscriptionCategories: string[];
  lineFilters: LineFilter[];
  statusMap: Record<string, string>;
  /** NetSuite user time zone: TO_CHAR timestamps are wall-clock times in it. */
  timeZone: string;
  customerFields: string[];
  transactionFields: string[];
}

export interface MappedCustomer {
  id: string;
  entityId: string;
  companyName: string | null;
  email: string | null;
  currency: string | null;
  subsidiary: string | null;
  inactive: boolean;
  extra: Record<string, string>;
  sourceModifiedAt: Date | null;
  checksum: string;
}

export interface MappedLine {
  lineId: number;
  item: string | null;
  memo: string | null;
  amount: string | null;
  netAmount: string | null;
  revenueCategory: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  classification: 'subscription' | 'one_off';
  excludedReason: string | null;
}

export interface MappedTransaction {
  id: string;
  type: TransactionType;
  number: string;
  customerId: string;
  tranDate: string;
  status: string;
  statusCode: string;
  /** False when the status code is not in the configured map and is kept as NetSuite gave it. */
  statusMapped: boolean;
  currency: string;
  total: string;
  appliesToId: string | null;
  extra: Record<string, string>;
  sourceModifiedAt: Date | null;
  checksum: string;
  lines: MappedLine[];
}

export type Mapped<T> = { ok: true; record: T } | { ok: false; id: string; reason: string };

/** Tokens of the account date formats; M and D are NetSuite's unpadded month and day. */
const dateTokens: Record<string, string> = {
  YYYY: '(\\d{4})',
  MM: '(0[1-9]|1[0-2])',
  DD: '(0[1-9]|[12]\\d|3[01])',
  M: '([1-9]|1[0-2])',
  D: '([1-9]|[12]\\d|3[01])',
};
const datePatterns = new Map<string, { regex: RegExp; order: string[] }>();

/** A date in exactly `format` as `YYYY-MM-DD`; undefined when it does not fit or is not a calendar day. */
export function parseDateIn(text: string, format: AccountDateFormat): string | undefined {
  let pattern = datePatterns.get(format);
  if (!pattern) {
    const order: string[] = [];
    const source = format.replace(/YYYY|MM|DD|M|D|[.\\/-]/g, (token) => {
      if (dateTokens[token] === undefined) return `\\${token}`;
      order.push(token[0]!);
      return dateTokens[token];
    });
    pattern = { regex: new RegExp(`^${source}$`), order };
    datePatterns.set(format, pattern);
  }
  const m = pattern.regex.exec(text.trim());
  if (!m) return undefined;
  const part = (letter: string) => Number(m[pattern.order.indexOf(letter) + 1]);
  const [year, month, day] = [part('Y'), part('M'), part('D')];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A SuiteQL number as a plain decimal string (Oracle may leave out the leading zero: ".5"). */
export function parseDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && m[3] === undefined)) return undefined;
  const whole = m[2]!.replace(/^0+(?=\d)/, '') || '0';
  const digits = m[3] === undefined ? whole : `${whole}.${m[3]}`;
  return m[1] === '-' && /[1-9]/.test(digits) ? `-${digits}` : digits;
}

/**
 * NetSuite's accounting sign → ours. Income lines of an invoice are credits (negative in transactionline) and those
 * of a credit memo debits (positive); we keep revenue as a person reads it: positive on an invoice, negative on a
 * credit note. Done on the digits, so no amount passes through a float.
 */
export function revenueFromAccounting(amount: string): string {
  if (amount.startsWith('-')) return amount.slice(1);
  return /[1-9]/.test(amount) ? `-${amount}` : amount;
}

/** The configured status for a code, or the code itself when it is not mapped (counted by the caller). */
export function mapStatus(code: string, map: Record<string, string>): { status: string; mapped: boolean } {
  const status = map[code];
  return status === undefined ? { status: code, mapped: false } : { status, mapped: true };
}

/** Subscription only when the category says so and the period is real (ends after it starts); else one-off. */
export function classifyLine(
  category: string | null,
  periodStart: string | null,
  periodEnd: string | null,
  subscriptionCategories: string[],
): 'subscription' | 'one_off' {
  const subscription =
    category !== null &&
    subscriptionCategories.some((c) => c.toLowerCase() === category.trim().toLowerCase());
  return subscription && periodStart !== null && periodEnd !== null && periodEnd > periodStart
    ? 'subscription'
    : 'one_off';
}

/** Why the configured filters leave a line out of revenue; null when it counts. */
export function lineExclusion(
  line: { revenueCategory: string | null; netAmount: string | null },
  filters: LineFilter[],
): string | null {
  const reasons: string[] = [];
  if (filters.includes('category') && line.revenueCategory === null) reasons.push('no revenue category');
  if (filters.includes('net_amount') && line.netAmount === null) reasons.push('no net amount');
  return reasons.length > 0 ? reasons.join(', ') : null;
}

export function checksumOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/** Collects what is wrong with a record's values, so one quarantine reason names every problem at once. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly rules: MappingRules) {}

  /** Text PostgreSQL cannot store makes the record unreadable, wherever it is (an extra column included). */
  storable(row: SuiteQlRow): void {
    const found = firstUnstorable(row);
    if (found) this.problems.push(`${found.path} ${found.reason}`);
  }

  required(row: SuiteQlRow, column: string, what: string): string {
    const value = row[column]?.trim();
    if (!value) this.problems.push(`${what} (${column}) is missing`);
    return value ?? '';
  }

  optional(row: SuiteQlRow, column: string): string | null {
    const value = row[column]?.trim();
    return value ? value : null;
  }

  id(row: SuiteQlRow, column: string, what: string): string {
    const value = this.required(row, column, what);
    if (value && !/^\d+$/.test(value))
      this.problems.push(`${what} (${column}) is "${value}", not an internal id`);
    return value;
  }

  amount(row: SuiteQlRow, column: string, what: string): string | null {
    const text = this.optional(row, column);
    if (text === null) return null;
    const value = parseDecimal(text);
    if (value === undefined) this.problems.push(`${what} (${column}) is "${text}", not a number`);
    return value ?? null;
  }

  /** A date asked for with TO_CHAR(…, 'YYYY-MM-DD'), or kept in the account format when `account`. */
  date(row: SuiteQlRow, column: string, what: string, account = false): string | null {
    const text = this.optional(row, column);
    if (text === null) return null;
    const format = account ? this.rules.dateFormat : 'YYYY-MM-DD';
    const value = parseDateIn(text, format);
    if (value === undefined)
      this.problems.push(
        account
          ? `${what} (${column}) is "${text}", not a date in the account format ${format} (NETSUITE_DATE_FORMAT); if the account shows dates otherwise, set NETSUITE_DATE_FORMAT to match`
          : `${what} (${column}) is "${text}", not a YYYY-MM-DD date`,
      );
    return value ?? null;
  }

  modifiedAt(row: SuiteQlRow): Date | null {
    const text = this.optional(row, 'lastmodified');
    if (text === null) return null;
    const at = parseAccountTimestamp(text, this.rules.timeZone);
    if (!at) this.problems.push(`last modified (lastmodified) is "${text}", not YYYY-MM-DD HH24:MI:SS`);
    return at ?? null;
  }

  extra(row: SuiteQlRow, fields: string[]): Record<string, string> {
    const extra: Record<string, string> = {};
    for (const field of fields) {
      const value = row[field];
      if (value !== undefined) extra[field] = value;
    }
    return extra;
  }
}

export function mapCustomerRow(row: SuiteQlRow, rules: MappingRules): Mapped<MappedCustomer> {
  const read = new Reader(rules);
  read.storable(row);
  const id = read.id(row, 'id', 'internal id');
  const inactive = row.isinactive;
  if (inactive !== undefined && inactive !== 'T' && inactive !== 'F')
    read.problems.push(`inactive (isinactive) is "${inactive}", not T or F`);
  const values = {
    id,
    entityId: read.required(row, 'entityid', 'name'),
    companyName: read.optional(row, 'companyname'),
    email: read.optional(row, 'email'),
    currency: read.optional(row, 'currency'),
    subsidiary: read.optional(row, 'subsidiary'),
    inactive: inactive === 'T',
    extra: read.extra(row, rules.customerFields),
  };
  const sourceModifiedAt = read.modifiedAt(row);
  if (read.problems.length > 0) return { ok: false, id, reason: `${read.problems.join('; ')}.` };
  return { ok: true, record: { ...values, sourceModifiedAt, checksum: checksumOf(values) } };
}

function mapLine(row: SuiteQlRow, read: Reader, rules: MappingRules): MappedLine {
  const lineText = row.lineid ?? '';
  if (!/^\d+$/.test(lineText)) read.problems.push(`a line id (lineid) is "${lineText}", not a number`);
  const what = (name: string) => `line ${lineText} ${name}`;
  const foreign = read.amount(row, 'foreignamount', what('amount'));
  const net = read.amount(row, 'netamount', what('net amount'));
  const account = rules.periodDates === 'account';
  const revenueCategory = read.optional(row, 'revenuecategory');
  const periodStart = read.date(row, 'periodstart', what('period start'), account);
  const periodEnd = read.date(row, 'periodend', what('period end'), account);
  const netAmount = net === null ? null : revenueFromAccounting(net);
  return {
    lineId: Number(lineText),
    item: read.optional(row, 'item'),
    memo: read.optional(row, 'memo'),
    amount: foreign === null ? null : revenueFromAccounting(foreign),
    netAmount,
    revenueCategory,
    periodStart,
    periodEnd,
    classification: classifyLine(revenueCategory, periodStart, periodEnd, rules.subscriptionCategories),
    excludedReason: lineExclusion({ revenueCategory, netAmount }, rules.lineFilters),
  };
}

/** One transaction from all its line rows (each row repeats the header columns), in line order. */
export function mapTransactionRows(
  rows: SuiteQlRow[],
  type: TransactionType,
  rules: MappingRules,
): Mapped<MappedTransaction> {
  const read = new Reader(rules);
  for (const row of rows) read.storable(row);
  const head = rows[0]!;
  const id = read.id(head, 'id', 'internal id');
  const statusCode = read.required(head, 'status', 'status');
  const status = mapStatus(statusCode, rules.statusMap);
  const total = read.amount(head, 'total', 'total');
  if (total === null) read.problems.push('total (total) is missing');
  const appliesTo = read.optional(head, 'appliesto');
  if (appliesTo !== null && !/^\d+$/.test(appliesTo))
    read.problems.push(`applied-to invoice (appliesto) is "${appliesTo}", not an internal id`);
  const values = {
    id,
    type,
    number: read.required(head, 'tranid', 'number'),
    customerId: read.id(head, 'entity', 'customer'),
    tranDate: read.date(head, 'trandate', 'date') ?? '',
    status: status.status,
    statusCode,
    currency: read.required(head, 'currency', 'currency'),
    total: total ?? '',
    appliesToId: appliesTo,
    extra: read.extra(head, rules.transactionFields),
    lines: rows.map((row) => mapLine(row, read, rules)),
  };
  if (!values.tranDate && !read.problems.some((p) => p.includes('trandate')))
    read.problems.push('date (trandate) is missing');
  const lineIds = new Set(values.lines.map((l) => l.lineId));
  if (lineIds.size !== values.lines.length) read.problems.push('a line id appears twice');
  const sourceModifiedAt = read.modifiedAt(head);
  if (read.problems.length > 0)
    return {
      ok: false,
      id,
      reason: `${read.problems.join('; ')}. Correct the ${type === 'invoice' ? 'invoice' : 'credit memo'} in NetSuite (or the setting named); the next sync picks it up.`,
    };
  return {
    ok: true,
    record: { ...values, statusMapped: status.mapped, sourceModifiedAt, checksum: checksumOf(values) },
  };
}

const deletedTypes: Record<string, RecordType> = {
  customer: 'customer',
  invoice: 'invoice',
  creditmemo: 'credit_note',
};

export interface Deletion {
  recordType: RecordType;
  id: string;
  deletedAt: Date;
}

/**
 * A row of the deleted-record log: the record type as the log names it (invoice, creditmemo, customer, in any case
 * or spacing), or undefined for the other types the log holds; a row that cannot be read is a problem.
 */
export function mapDeletedRow(
  row: SuiteQlRow,
  timeZone: string,
): { deletion?: Deletion; otherType?: string; problem?: string } {
  const type = (row.type ?? '').replace(/\s+/g, '').toLowerCase();
  const recordType = deletedTypes[type];
  if (!recordType) return { otherType: row.type ?? '(none)' };
  const id = row.recordid ?? '';
  const deletedAt = row.deleteddate ? parseAccountTimestamp(row.deleteddate, timeZone) : undefined;
  if (!/^\d+$/.test(id) || !deletedAt)
    return {
      problem: `deleted-record log row ${JSON.stringify(row)} has no usable record id or deleted date`,
    };
  return { deletion: { recordType, id, deletedAt } };
}
