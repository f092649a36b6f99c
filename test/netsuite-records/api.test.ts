import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netsuiteRecordsFeature } from '../../src/sync/netsuite-records/feature.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { tba } from '../netsuite/setup.js';
import { recordsSim, timeZone } from './setup.js';

const sync = '/api/sync/netsuite-records';

/** A minimal RFC 4180 reader for the export (quoted fields may hold commas). */
function parseCsv(text: string): string[][] {
  return text
    .split('\r\n')
    .filter((line) => line.length > 0)
    .map((line) =>
      [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)]
        .slice(0, -1)
        .map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')),
    );
}

describe.each(databaseKinds)('NetSuite records API in a running worker on %s', (kind) => {
  let ns: NetSuiteSim;
  let tw: TestWorker;
  const json = async (path: string) => {
    const res = await tw.api(path);
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    ns = await recordsSim({ records: { invoiceLines: 400, creditMemoShare: 0.15 } });
    tw = await startTestWorker(kind, {
      features: [netsuiteRecordsFeature],
      env: {
        NETSUITE_ACCOUNT_ID: ns.accountId,
        NETSUITE_BASE_URL: ns.url,
        NETSUITE_TIMEZONE: timeZone,
        NETSUITE_CONSUMER_KEY: tba.consumerKey,
        NETSUITE_CONSUMER_SECRET: tba.consumerSecret,
        NETSUITE_TOKEN_ID: tba.tokenId,
        NETSUITE_TOKEN_SECRET: tba.tokenSecret,
        NETSUITE_REQUESTS_PER_SECOND: '50',
        NETSUITE_RETRY_BASE_MS: '10',
        NETSUITE_DATE_FORMAT: 'M/D/YYYY',
        NETSUITE_RECORDS_PAGE_SIZE: '60',
      },
    });
    const started = await tw.api(`${sync}/initial`, { method: 'POST', json: {} });
    expect(started.status).toBe(202);
    expect((await waitForRun(tw, (await started.json()).runId, 60_000)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await tw?.stop();
    await ns?.close();
  });

  it('reports the load, the cursors, what is held and the runs', async () => {
    expect(await json(`${sync}/initial/status`)).toMatchObject({ state: 'finished', percent: 100 });
    const status = await json(`${sync}/status`);
    const invoices = ns.records.transactions.filter((t) => t.type === 'CustInvc');
    expect(status).toMatchObject({
      configured: true,
      records: {
        customers: { kept: ns.records.customers.length, deleted: 0 },
        invoice: { kept: invoices.length, deleted: 0 },
      },
      quarantined: 0,
      jobs: ['netsuite.records.initial', 'netsuite.records.incremental'],
    });
    expect(Object.keys(status.cursors).sort()).toEqual(['creditNotes', 'customers', 'deletions', 'invoices']);
    const unmapped = [...new Set(invoices.map((t) => t.status).filter((c) => !['A', 'B', 'D'].includes(c)))];
    expect(unmapped.length).toBeGreaterThan(0);
    expect(
      status.unmappedStatuses
        .filter((s: { type: string }) => s.type === 'invoice')
        .map((s: { statusCode: string }) => s.statusCode),
    ).toEqual(unmapped.sort());
    expect(status.recentRuns[0]).toMatchObject({ job: 'netsuite.records.initial', status: 'succeeded' });
    expect((await tw.api(`${sync}/health`)).status).toBe(200);
  });

  it('pages customers by name with a cursor, searches, and refuses a made-up cursor', async () => {
    const first = await json('/api/netsuite/customers?limit=4');
    const second = await json(`/api/netsuite/customers?limit=4&cursor=${first.nextCursor}`);
    const names = [...first.items, ...second.items].map((c: { entityId: string }) => c.entityId);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(8);
    const one = ns.records.customers[2]!;
    expect((await json(`/api/netsuite/customers?search=${one.entityid}`)).items).toHaveLength(1);
    expect(await json(`/api/netsuite/customers/${one.id}`)).toMatchObject({ entityId: one.entityid });
    expect((await tw.api('/api/netsuite/customers/999999')).status).toBe(404);
    expect((await tw.api('/api/netsuite/customers?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('filters invoices by customer, status, date range and currency, newest first, paged', async () => {
    const invoices = ns.records.transactions.filter((t) => t.type === 'CustInvc');
    const customer = invoices[0]!.entity;
    const mine = await json(`/api/netsuite/invoices?customer=${customer}&limit=500`);
    expect(mine.items.map((i: { id: string }) => i.id).sort()).toEqual(
      invoices
        .filter((t) => t.entity === customer)
        .map((t) => String(t.id))
        .sort(),
    );
    const open = await json('/api/netsuite/invoices?status=open&limit=500');
    expect(open.items.length).toBe(invoices.filter((t) => t.status === 'A').length);
    const dates = invoices.map((t) => t.trandate).sort();
    const [from, to] = [dates[10]!, dates[30]!];
    const ranged: { tranDate: string; id: string }[] = [];
    let cursor = '';
    do {
      const page = await json(`/api/netsuite/invoices?from=${from}&to=${to}&limit=7${cursor}`);
      ranged.push(...page.items);
      cursor = page.nextCursor ? `&cursor=${page.nextCursor}` : '';
    } while (cursor);
    expect(ranged.length).toBe(invoices.filter((t) => t.trandate >= from && t.trandate <= to).length);
    expect(ranged.map((i) => i.tranDate)).toEqual(
      ranged
        .map((i) => i.tranDate)
        .sort()
        .reverse(),
    );
    const euro = await json('/api/netsuite/invoices?currency=eur&limit=500');
    expect(euro.items.every((i: { currency: string }) => i.currency === 'EUR')).toBe(true);
    const bad = await tw.api('/api/netsuite/invoices?from=2026-02-30&customer=abc');
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'customer',
      'from',
    ]);
    expect((await tw.api('/api/netsuite/invoices?from=2026-02-01&to=2026-01-01')).status).toBe(400);
  });

  it('gives one invoice with its lines and the credit notes applied to it', async () => {
    const credit = ns.records.transactions.find((t) => t.type === 'CustCred' && t.createdfrom !== undefined)!;
    const invoice = ns.records.transaction(credit.createdfrom!);
    const detail = await json(`/api/netsuite/invoices/${invoice.id}`);
    expect(detail).toMatchObject({ id: String(invoice.id), number: invoice.tranid, type: 'invoice' });
    expect(detail.lines.map((l: { lineId: number }) => l.lineId)).toEqual(
      invoice.lines.filter((l) => !l.mainline).map((l) => l.id),
    );
    expect(detail.creditNotes.map((c: { id: string }) => c.id)).toContain(String(credit.id));
    const note = detail.creditNotes.find((c: { id: string }) => c.id === String(credit.id));
    expect(Number(note.total)).toBeLessThan(0);
    expect(note.lines.length).toBe(credit.lines.length - 1);
    expect((await tw.api(`/api/netsuite/invoices/${credit.id}`)).status).toBe(404);
    expect(await json(`/api/netsuite/credit-notes/${credit.id}`)).toMatchObject({
      appliesToId: String(invoice.id),
    });
  });

  it('exports the invoice lines of a date range as CSV, every line once', async () => {
    const invoices = ns.records.transactions.filter((t) => t.type === 'CustInvc');
    const dates = invoices.map((t) => t.trandate).sort();
    const [from, to] = [dates[5]!, dates.at(-5)!];
    const res = await tw.api(`/api/netsuite/invoice-lines.csv?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(await res.text());
    expect(header!.slice(0, 3)).toEqual(['invoice_id', 'invoice_number', 'date']);
    const wanted = invoices.filter((t) => t.trandate >= from && t.trandate <= to);
    expect(rows.length).toBe(wanted.reduce((n, t) => n + t.lines.length - 1, 0));
    const keys = rows.map((r) => `${r[0]}:${r[6]}`);
    expect(new Set(keys).size).toBe(keys.length);
    const sample = wanted[3]!.lines.find((l) => !l.mainline && l.foreignCents !== undefined)!;
    const row = rows.find((r) => r[0] === String(wanted[3]!.id) && r[6] === String(sample.id))!;
    expect(Math.round(Number(row[9]) * 100)).toBe(-sample.foreignCents!);
    expect((await tw.api('/api/netsuite/invoice-lines.csv?to=2026-01-01')).status).toBe(400);
  });

  it('sums revenue by month and currency, subscription apart from one-off, credit notes deducted', async () => {
    const expected = new Map<string, { subscription: number; oneOff: number }>();
    for (const t of ns.records.transactions)
      for (const l of t.lines) {
        if (l.mainline || l.category === undefined || l.netCents === undefined) continue;
        const key = `${t.trandate.slice(0, 7)} ${ns.records.currencies.find((c) => c.id === t.currency)!.symbol}`;
        const entry = expected.get(key) ?? { subscription: 0, oneOff: 0 };
        const subscription = l.category === 'Subscription' && !!l.periodStart && l.periodEnd! > l.periodStart;
        entry[subscription ? 'subscription' : 'oneOff'] -= l.foreignCents!;
        expected.set(key, entry);
      }
    const { items } = await json('/api/netsuite/revenue');
    const got = new Map(
      items.map(
        (m: { month: string; currency: string; subscription: string; oneOff: string; total: string }) => {
          expect(Math.round(Number(m.total) * 100)).toBe(
            Math.round(Number(m.subscription) * 100) + Math.round(Number(m.oneOff) * 100),
          );
          return [
            `${m.month} ${m.currency}`,
            {
              subscription: Math.round(Number(m.subscription) * 100),
              oneOff: Math.round(Number(m.oneOff) * 100),
            },
          ];
        },
      ),
    );
    expect(got).toEqual(expected);
    const usd = await json('/api/netsuite/revenue?currency=USD&from=2000-01-01');
    expect(usd.items.every((m: { currency: string }) => m.currency === 'USD')).toBe(true);
  });

  it('runs the incremental pass on request and marks a deletion', async () => {
    const invoice = ns.records.transactions.find((t) => t.type === 'CustInvc')!;
    ns.records.deleteTransaction(invoice.id);
    const started = await tw.api(`${sync}/incremental`, { method: 'POST' });
    expect(started.status).toBe(202);
    const run = await waitForRun(tw, (await started.json()).runId);
    expect(run).toMatchObject({ status: 'succeeded', deleted: 1 });
    expect((await tw.api(`/api/netsuite/invoices/${invoice.id}`)).status).toBe(200);
    const detail = await json(`/api/netsuite/invoices/${invoice.id}`);
    expect(detail.deletedAt).not.toBeNull();
    const listed = await json(`/api/netsuite/invoices?customer=${invoice.entity}&limit=500`);
    expect(listed.items.map((i: { id: string }) => i.id)).not.toContain(String(invoice.id));
    const withDeleted = await json(
      `/api/netsuite/invoices?customer=${invoice.entity}&limit=500&includeDeleted=true`,
    );
    expect(withDeleted.items.map((i: { id: string }) => i.id)).toContain(String(invoice.id));
  });
});

describe('NetSuite records feature without settings', () => {
  let tw: TestWorker;
  beforeAll(async () => {
    tw = await startTestWorker(databaseKinds[0]!, { features: [netsuiteRecordsFeature] });
  });
  afterAll(() => tw?.stop());

  it('loads, schedules nothing, says what to set and still serves what is stored', async () => {
    const status = await (await tw.api(`${sync}/status`)).json();
    expect(status).toMatchObject({ configured: false, schedule: null, initial: { state: 'not-started' } });
    expect(status.detail).toMatch(/NETSUITE_ACCOUNT_ID/);
    expect((await tw.api(`${sync}/initial`, { method: 'POST', json: {} })).status).toBe(503);
    expect((await tw.api(`${sync}/health`)).status).toBe(503);
    expect(await (await tw.api('/api/netsuite/invoices')).json()).toEqual({ items: [], nextCursor: null });
  });
});
