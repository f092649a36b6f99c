import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { parseStatusMap } from '../../src/config/netsuite-records.js';
import {
  classifyLine,
  lineExclusion,
  mapCustomerRow,
  mapDeletedRow,
  mapStatus,
  mapTransactionRows,
  parseDateIn,
  parseDecimal,
  revenueFromAccounting,
} from '../../src/sync/netsuite-records/mapping.js';
import { customerQuery, transactionQuery } from '../../src/sync/netsuite-records/query.js';
import { parseRecordsQuery } from '../sim/netsuite/records-suiteql.js';
import { querySettings, rules } from './setup.js';

const line = (id: number, values: Record<string, string>) => ({
  id: '501',
  tranid: 'INV0001',
  entity: '77',
  trandate: '2026-02-03',
  status: 'A',
  currency: 'EUR',
  total: '150.5',
  lastmodified: '2026-02-04 09:15:00',
  lineid: String(id),
  ...values,
});

describe('NetSuite records mapping', () => {
  it('reads dates only in the configured format, never guessing', () => {
    expect(parseDateIn('03/04/2026', 'DD/MM/YYYY')).toBe('2026-04-03');
    expect(parseDateIn('3/4/2026', 'M/D/YYYY')).toBe('2026-03-04');
    expect(parseDateIn('12/31/2026', 'M/D/YYYY')).toBe('2026-12-31');
    expect(parseDateIn('31.12.2026', 'DD.MM.YYYY')).toBe('2026-12-31');
    expect(parseDateIn('2026-02-28', 'YYYY-MM-DD')).toBe('2026-02-28');
    // Each fits only its own format: padding, order and calendar are checked.
    expect(parseDateIn('3/4/2026', 'DD/MM/YYYY')).toBeUndefined();
    expect(parseDateIn('03/04/2026', 'M/D/YYYY')).toBeUndefined();
    expect(parseDateIn('31/12/2026', 'M/D/YYYY')).toBeUndefined();
    expect(parseDateIn('29/02/2026', 'DD/MM/YYYY')).toBeUndefined();
    expect(parseDateIn('2026-02-28 10:00:00', 'YYYY-MM-DD')).toBeUndefined();
    expect(parseDateIn('1/15/2024', 'MM/DD/YYYY')).toBeUndefined();
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01'), max: new Date('2090-12-31'), noInvalidDate: true }),
        (d) => {
          const [y, m, day] = d.toISOString().slice(0, 10).split('-');
          expect(parseDateIn(`${day}/${m}/${y}`, 'DD/MM/YYYY')).toBe(`${y}-${m}-${day}`);
          expect(parseDateIn(`${Number(m)}/${Number(day)}/${y}`, 'M/D/YYYY')).toBe(`${y}-${m}-${day}`);
        },
      ),
    );
  });

  it("turns NetSuite's accounting signs into revenue signs on the digits", () => {
    expect(parseDecimal('-1225.7')).toBe('-1225.7');
    expect(parseDecimal('.5')).toBe('0.5');
    expect(parseDecimal('-.05')).toBe('-0.05');
    expect(parseDecimal('007')).toBe('7');
    expect(parseDecimal('-0')).toBe('0');
    expect(parseDecimal('1,5')).toBeUndefined();
    expect(parseDecimal('1e3')).toBeUndefined();
    expect(revenueFromAccounting('-308.08')).toBe('308.08');
    expect(revenueFromAccounting('308.08')).toBe('-308.08');
    expect(revenueFromAccounting('0.00')).toBe('0.00');
  });

  it('maps statuses A, B and D, keeps any other code and says it is unmapped', () => {
    const map = rules.statusMap;
    expect([mapStatus('A', map), mapStatus('B', map), mapStatus('D', map)]).toEqual([
      { status: 'open', mapped: true },
      { status: 'paid', mapped: true },
      { status: 'pending', mapped: true },
    ]);
    expect(mapStatus('V', map)).toEqual({ status: 'V', mapped: false });
  });

  it('classifies a line as subscription only with the category and a real period', () => {
    const cats = ['Subscription', 'SaaS'];
    expect(classifyLine('subscription', '2026-01-01', '2026-12-31', cats)).toBe('subscription');
    expect(classifyLine('SaaS', '2026-01-01', '2026-01-02', cats)).toBe('subscription');
    expect(classifyLine('Subscription', '2026-01-01', '2026-01-01', cats)).toBe('one_off');
    expect(classifyLine('Subscription', '2026-02-01', '2026-01-01', cats)).toBe('one_off');
    expect(classifyLine('Subscription', null, '2026-01-01', cats)).toBe('one_off');
    expect(classifyLine('Services', '2026-01-01', '2026-12-31', cats)).toBe('one_off');
    expect(lineExclusion({ revenueCategory: null, netAmount: null }, ['category', 'net_amount'])).toBe(
      'no revenue category, no net amount',
    );
    expect(lineExclusion({ revenueCategory: null, netAmount: '5' }, ['net_amount'])).toBeNull();
  });

  it('maps a transaction from its line rows: revenue signs, periods, lines that add up to the total', () => {
    const mapped = mapTransactionRows(
      [
        line(1, {
          foreignamount: '-100.5',
          netamount: '-110.55',
          revenuecategory: 'Subscription',
          periodstart: '2026-02-01',
          periodend: '2027-01-31',
          memo: 'Plan',
        }),
        line(2, { foreignamount: '-50', netamount: '-55', revenuecategory: 'Services', item: '42' }),
        line(3, { memo: 'Thank you' }),
      ],
      'invoice',
      rules,
    );
    if (!mapped.ok) throw new Error(mapped.reason);
    expect(mapped.record).toMatchObject({
      id: '501',
      type: 'invoice',
      number: 'INV0001',
      customerId: '77',
      tranDate: '2026-02-03',
      status: 'open',
      statusCode: 'A',
      currency: 'EUR',
      total: '150.5',
      sourceModifiedAt: new Date('2026-02-04T17:15:00Z'),
    });
    expect(mapped.record.lines).toEqual([
      expect.objectContaining({
        lineId: 1,
        amount: '100.5',
        netAmount: '110.55',
        classification: 'subscription',
      }),
      expect.objectContaining({
        lineId: 2,
        amount: '50',
        item: '42',
        classification: 'one_off',
        excludedReason: null,
      }),
      expect.objectContaining({
        lineId: 3,
        amount: null,
        excludedReason: 'no revenue category, no net amount',
      }),
    ]);
    const sum = mapped.record.lines.reduce((s, l) => s + Number(l.amount ?? 0), 0);
    expect(sum).toBe(Number(mapped.record.total));
    // The checksum covers what is stored, not when NetSuite last touched it.
    const touched = mapTransactionRows(
      [line(1, { foreignamount: '-100.5', lastmodified: '2026-03-01 00:00:00' })],
      'invoice',
      rules,
    );
    const same = mapTransactionRows([line(1, { foreignamount: '-100.5' })], 'invoice', rules);
    expect(touched.ok && same.ok && touched.record.checksum === same.record.checksum).toBe(true);
  });

  it('quarantines a transaction with every problem named, instead of writing part of it', () => {
    const mapped = mapTransactionRows(
      [line(1, { foreignamount: '12,50', trandate: '03/02/2026' }), line(2, { periodstart: '31/01/2026' })],
      'credit_note',
      { ...rules, periodDates: 'account', dateFormat: 'M/D/YYYY' },
    );
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(mapped.id).toBe('501');
    expect(mapped.reason).toContain('date (trandate) is "03/02/2026", not a YYYY-MM-DD date');
    expect(mapped.reason).toContain('line 1 amount (foreignamount) is "12,50", not a number');
    expect(mapped.reason).toContain(
      'line 2 period start (periodstart) is "31/01/2026", not a date in the account format M/D/YYYY (NETSUITE_DATE_FORMAT)',
    );
    expect(mapped.reason).toMatch(/Correct the credit memo in NetSuite/);
  });

  it('maps customers and the deleted-record log', () => {
    const customer = mapCustomerRow(
      { id: '9', entityid: 'CUST-9', isinactive: 'T', currency: 'USD', lastmodified: '2026-01-01 00:00:00' },
      rules,
    );
    expect(customer).toMatchObject({
      ok: true,
      record: { id: '9', entityId: 'CUST-9', inactive: true, email: null, currency: 'USD' },
    });
    expect(mapCustomerRow({ id: 'x', isinactive: 'maybe' }, rules)).toMatchObject({ ok: false });
    const row = (type: string) => ({ type, recordid: '12', deleteddate: '2026-01-02 03:04:05' });
    expect(mapDeletedRow(row('Credit Memo'), 'UTC')).toEqual({
      deletion: { recordType: 'credit_note', id: '12', deletedAt: new Date('2026-01-02T03:04:05Z') },
    });
    expect(mapDeletedRow(row('invoice'), 'UTC').deletion?.recordType).toBe('invoice');
    expect(mapDeletedRow(row('inventoryitem'), 'UTC')).toEqual({ otherType: 'inventoryitem' });
    expect(mapDeletedRow({ type: 'customer', recordid: '12' }, 'UTC').problem).toMatch(/no usable/);
  });

  it('sends queries the simulator parses, with the columns configured', () => {
    const settings = {
      ...querySettings,
      customerFields: ['custentity_region'],
      transactionFields: ['custbody_po'],
    };
    const sim = { timeZone: 'UTC', dateFormat: 'M/D/YYYY' as const };
    expect(() => parseRecordsQuery(customerQuery(querySettings, { afterId: 0 }), sim)).not.toThrow();
    expect(() =>
      parseRecordsQuery(transactionQuery(querySettings, 'credit_note', { afterId: 5 }), sim),
    ).not.toThrow();
    const q = transactionQuery(settings, 'invoice', {
      afterId: 5,
      modifiedFrom: new Date('2026-01-01T00:00:00Z'),
    });
    expect(q).toContain("t.type = 'CustInvc' AND tl.mainline = 'F' AND t.id > 5 AND t.lastmodifieddate >= ");
    expect(q).toContain('t.custbody_po');
    expect(customerQuery(settings, { afterId: 0 })).toContain('c.custentity_region');
  });

  it('has configuration defaults from the seed and refuses a bad status map or column', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NETSUITE_RECORDS_SCHEDULE: '15 minutes',
      NETSUITE_RECORDS_OVERLAP_MS: 600_000,
      NETSUITE_DATE_FORMAT: 'DD/MM/YYYY',
      NETSUITE_RECORDS_STATUS_MAP: 'A=open,B=paid,D=pending',
      NETSUITE_RECORDS_LINE_FILTERS: ['category', 'net_amount'],
    });
    expect(
      parseStatusMap(
        loadConfig({ NETSUITE_RECORDS_STATUS_MAP: 'A=open, E=rejected' }).NETSUITE_RECORDS_STATUS_MAP,
      ),
    ).toEqual({ A: 'open', E: 'rejected' });
    expect(() => loadConfig({ NETSUITE_RECORDS_STATUS_MAP: 'A:open' })).toThrow(
      /NETSUITE_RECORDS_STATUS_MAP/,
    );
    expect(() => loadConfig({ NETSUITE_RECORDS_CUSTOMER_FIELDS: 'email' })).toThrow(/already uses/);
    expect(() => loadConfig({ NETSUITE_DATE_FORMAT: 'YYYY/DD/MM' })).toThrow(/NETSUITE_DATE_FORMAT/);
  });
});
