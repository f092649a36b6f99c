/**
 * The SuiteQL the records flow sends: one query per object (customers, invoices, credit memos), each ordered by
 * internal id so it can be read in keyset slices past the 100,000-row cap, and the deleted-record log by date.
 * Dates are asked for as ISO with TO_CHAR wherever the column is a real date; column aliases are fixed so the mapping
 * never depends on which custom fields an account uses.
 */
import { formatAccountTimestamp } from '../../connectors/netsuite/dates.js';
import type { TransactionType } from './mapping.js';

export interface QuerySettings {
  revenueCategoryField: string;
  periodStartField: string;
  periodEndField: string;
  periodDates: 'iso' | 'account';
  appliesToField: string;
  customerFields: string[];
  transactionFields: string[];
  timeZone: string;
}

export interface SliceFilter {
  /** Keyset: records with a larger internal id. */
  afterId: number;
  /** Incremental: modified at or after this instant. */
  modifiedFrom?: Date;
}

export const netsuiteTypeCodes: Record<TransactionType, string> = {
  invoice: 'CustInvc',
  credit_note: 'CustCred',
};

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const timestamp = (at: Date, timeZone: string) =>
  `TO_TIMESTAMP(${quote(formatAccountTimestamp(at, timeZone))}, 'YYYY-MM-DD HH24:MI:SS')`;
const isoTimestamp = (column: string, alias: string) =>
  `TO_CHAR(${column}, 'YYYY-MM-DD HH24:MI:SS') AS ${alias}`;

function where(alias: string, filter: SliceFilter, timeZone: string, more: string[] = []): string {
  const conditions = [...more, `${alias}.id > ${Math.trunc(filter.afterId)}`];
  if (filter.modifiedFrom)
    conditions.push(`${alias}.lastmodifieddate >= ${timestamp(filter.modifiedFrom, timeZone)}`);
  return conditions.join(' AND ');
}

export function customerQuery(settings: QuerySettings, filter: SliceFilter): string {
  const columns = [
    'c.id',
    'c.entityid',
    'c.companyname',
    'c.email',
    'cur.symbol AS currency',
    'c.subsidiary',
    'c.isinactive',
    isoTimestamp('c.lastmodifieddate', 'lastmodified'),
    ...settings.customerFields.map((f) => `c.${f}`),
  ];
  return `SELECT ${columns.join(', ')} FROM customer c LEFT JOIN currency cur ON cur.id = c.currency WHERE ${where('c', filter, settings.timeZone)} ORDER BY c.id`;
}

/** One row per line (main line left out), each repeating its transaction's header columns, in (id, line) order. */
export function transactionQuery(
  settings: QuerySettings,
  type: TransactionType,
  filter: SliceFilter,
): string {
  const period = (field: string, alias: string) =>
    settings.periodDates === 'iso'
      ? `TO_CHAR(tl.${field}, 'YYYY-MM-DD') AS ${alias}`
      : `tl.${field} AS ${alias}`;
  const columns = [
    't.id',
    't.tranid',
    't.entity',
    "TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate",
    't.status',
    'cur.symbol AS currency',
    't.foreigntotal AS total',
    ...(type === 'credit_note' ? [`t.${settings.appliesToField} AS appliesto`] : []),
    isoTimestamp('t.lastmodifieddate', 'lastmodified'),
    ...settings.transactionFields.map((f) => `t.${f}`),
    'tl.id AS lineid',
    'tl.item',
    'tl.memo',
    'tl.netamount',
    'tl.foreignamount',
    `tl.${settings.revenueCategoryField} AS revenuecategory`,
    period(settings.periodStartField, 'periodstart'),
    period(settings.periodEndField, 'periodend'),
  ];
  const conditions = [`t.type = ${quote(netsuiteTypeCodes[type])}`, "tl.mainline = 'F'"];
  return `SELECT ${columns.join(', ')} FROM transaction t JOIN transactionline tl ON tl.transaction = t.id LEFT JOIN currency cur ON cur.id = t.currency WHERE ${where('t', filter, settings.timeZone, conditions)} ORDER BY t.id, tl.id`;
}

/** The deleted-record log from an instant on, every record type (the flow picks its own, and counts the rest). */
export function deletedRecordQuery(settings: Pick<QuerySettings, 'timeZone'>, from: Date): string {
  return `SELECT d.type, d.recordid, ${isoTimestamp('d.deleteddate', 'deleteddate')} FROM deletedrecord d WHERE d.deleteddate >= ${timestamp(from, settings.timeZone)} ORDER BY d.deleteddate, d.recordid`;
}
