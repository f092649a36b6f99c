import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPriceFieldMappings } from '../../src/config/netsuite.js';
import { mapPriceSnapshot, parsePrice, type PriceSnapshot } from '../../src/sync/netsuite-to-opms/mapping.js';
import { itemPriceQuery } from '../../src/sync/netsuite-to-opms/query.js';
import { webhookDedupKey } from '../../src/sync/netsuite-to-opms/webhook.js';
import { parseItemQuery } from '../sim/netsuite/suiteql.js';

const rules = { fields: defaultPriceFieldMappings, maxValue: 1000 };
const snapshot = (values: Record<string, unknown>, skip = false): PriceSnapshot => ({
  itemId: '43992',
  itemCode: '6148-4501',
  skip,
  values,
});

describe('price mapping', () => {
  it('reads NetSuite strings and numbers as cents, blanks as 0', () => {
    expect(parsePrice('25.5', 1000)).toEqual({ value: '25.50' });
    expect(parsePrice(75, 1000)).toEqual({ value: '75.00' });
    expect(parsePrice('10.005', 1000)).toEqual({ value: '10.01' });
    expect(parsePrice('1.0049', 1000)).toEqual({ value: '1.00' });
    expect(parsePrice('0.995', 1000)).toEqual({ value: '1.00' });
    expect(parsePrice(1e-7, 1000)).toEqual({ value: '0.00' });
    expect(parsePrice(undefined, 1000)).toEqual({ value: '0.00' });
    expect(parsePrice('', 1000)).toEqual({ value: '0.00' });
    expect(parsePrice(null, 1000)).toEqual({ value: '0.00' });
  });

  it('refuses negative, non-numeric and too large values with a reason', () => {
    expect(parsePrice('-1', 1000)).toEqual({ problem: 'is negative (-1)' });
    expect(parsePrice('12,50', 1000)).toEqual({ problem: 'is "12,50", not a decimal number' });
    expect(parsePrice(Number.NaN, 1000)).toMatchObject({ problem: expect.stringMatching(/not a decimal/) });
    expect(parsePrice(true, 1000)).toMatchObject({ problem: expect.stringMatching(/not a number/) });
    expect(parsePrice('1000.01', 1000)).toMatchObject({
      problem: expect.stringMatching(/above the allowed maximum 1000/),
    });
  });

  it('any cents amount within the maximum maps to itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (cents) => {
        const text = (cents / 100).toFixed(2);
        expect(parsePrice(text, 1000)).toEqual({ value: text });
        expect(parsePrice(cents / 100, 1000)).toEqual({ value: text });
      }),
    );
  });

  it('maps the default fields, skips flagged items and quarantines with every problem named', () => {
    const good = mapPriceSnapshot(
      snapshot({ price_1_: '75', price_1_5: 150, cost: '40', custitem_f3_rollprice: 50 }),
      rules,
    );
    expect(good).toMatchObject({ kind: 'write' });
    expect(
      good.kind === 'write' && good.values.map((v) => [v.field, `${v.to.table}.${v.to.column}`, v.value]),
    ).toEqual([
      ['price_1_', 'price.p_res_cut', '75.00'],
      ['price_1_5', 'price.p_hosp_roll', '150.00'],
      ['cost', 'cost.cost_cut', '40.00'],
      ['custitem_f3_rollprice', 'cost.cost_roll', '50.00'],
    ]);
    expect(mapPriceSnapshot(snapshot({ price_1_: '-1' }, true), rules)).toMatchObject({ kind: 'skip' });
    const bad = mapPriceSnapshot(snapshot({ price_1_: 'abc', cost: -2 }), rules);
    expect(bad.kind).toBe('quarantine');
    expect(bad.kind === 'quarantine' && bad.reason).toMatch(
      /price_1_ is "abc", not a decimal number; cost is negative \(-2\)\. Correct the item in NetSuite/,
    );
  });

  it('quarantines an item whose code or values hold text PostgreSQL cannot store, skip flag or not', () => {
    const code = mapPriceSnapshot({ ...snapshot({ price_1_: '1' }, true), itemCode: '6148\u0000' }, rules);
    expect(code).toMatchObject({
      kind: 'quarantine',
      reason: expect.stringMatching(/^itemCode contains a NUL/),
    });
    const value = mapPriceSnapshot(snapshot({ price_1_: '1', custom: 'x\ud800' }), rules);
    expect(value).toMatchObject({
      kind: 'quarantine',
      reason: expect.stringMatching(/^custom contains an unpaired/),
    });
  });

  it('builds SuiteQL the simulator (and NetSuite) accepts for every filter', () => {
    const settings = {
      fields: defaultPriceFieldMappings,
      skipField: 'custitemf3_lisa_item',
      itemTypes: ['InvtPart'],
      timeZone: 'America/Los_Angeles',
    };
    const q = itemPriceQuery(settings, {
      afterId: 10,
      ids: [1, 2],
      codes: ["O'Brien"],
      modifiedFrom: new Date('2026-01-15T18:20:30Z'),
      modifiedBefore: new Date('2026-01-16T00:00:00Z'),
    });
    expect(q).toContain("TO_TIMESTAMP('2026-01-15 10:20:30', 'YYYY-MM-DD HH24:MI:SS')");
    expect(q).toContain("item.itemid IN ('O''Brien')");
    expect(parseItemQuery(q, 'America/Los_Angeles').columns.map((c) => c.name)).toEqual([
      'id',
      'itemid',
      'lastmodified',
      'custitemf3_lisa_item',
      'price_1_',
      'price_1_5',
      'cost',
      'custitem_f3_rollprice',
    ]);
  });

  it('gives the same delivery the same de-duplication key, and a changed one another', () => {
    const a = { ...snapshot({ price_1_: 75 }), modifiedAt: new Date('2026-10-25T10:30:00Z') };
    expect(webhookDedupKey(a)).toBe(webhookDedupKey({ ...a, values: { price_1_: 75 } }));
    expect(webhookDedupKey(a)).not.toBe(webhookDedupKey({ ...a, values: { price_1_: 76 } }));
    expect(webhookDedupKey(a)).not.toBe(
      webhookDedupKey({ ...a, modifiedAt: new Date('2026-10-25T10:31:00Z') }),
    );
  });
});
