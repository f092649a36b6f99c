import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { simWithAuth, tbaClient } from '../netsuite/setup.js';

const lines = (where = '') =>
  `SELECT t.id, t.trandate, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS isodate, t.foreigntotal, tl.id AS lineid, tl.memo, tl.foreignamount, tl.custcol_rev_period_start FROM transaction t JOIN transactionline tl ON tl.transaction = t.id WHERE t.type = 'CustInvc' AND tl.mainline = 'F'${where} ORDER BY t.id, tl.id`;

describe('NetSuite simulator: customers, transactions and their lines', () => {
  let dmy: NetSuiteSim;
  let mdy: NetSuiteSim;
  beforeAll(async () => {
    [dmy, mdy] = await Promise.all([
      simWithAuth({ itemCount: 1, seed: 5, dateFormat: 'DD/MM/YYYY', records: { invoiceLines: 400 } }),
      simWithAuth({ itemCount: 1, seed: 5, dateFormat: 'M/D/YYYY', records: { invoiceLines: 400 } }),
    ]);
  });
  afterAll(() => Promise.all([dmy.close(), mdy.close()]));

  it('answers with lower-case keys, string values and NULL columns left out', async () => {
    const client = tbaClient(dmy);
    const page = await client.suiteql(
      'SELECT C.ID, C.EntityId, C.Email, Cur.Symbol AS Currency, C.IsInactive FROM Customer C LEFT JOIN Currency Cur ON Cur.id = C.currency ORDER BY C.id',
      { limit: 1000 },
    );
    expect(page.count).toBe(dmy.records.customers.length);
    for (const [n, row] of page.items.entries()) {
      const customer = dmy.records.customers[n]!;
      expect(Object.keys(row).every((k) => k === k.toLowerCase())).toBe(true);
      expect(row).toMatchObject({ id: String(customer.id), isinactive: customer.isinactive ? 'T' : 'F' });
      expect(Object.values(row).every((v) => typeof v === 'string' || Array.isArray(v))).toBe(true);
      expect('email' in row).toBe(customer.email !== undefined);
    }
    await client.stop();
  });

  it('shows bare dates in the account format and TO_CHAR dates as ISO', async () => {
    const [a, b] = [tbaClient(dmy), tbaClient(mdy)];
    const [day, month] = [await a.suiteql(lines()), await b.suiteql(lines())];
    const late = day.items.findIndex((r) => Number((r.isodate as string).slice(8)) > 12);
    const iso = day.items[late]!.isodate as string;
    const [y, m, d] = iso.split('-');
    expect(day.items[late]!.trandate).toBe(`${d}/${m}/${y}`);
    expect(month.items[late]!.trandate).toBe(`${Number(m)}/${Number(d)}/${y}`);
    expect(month.items[late]!.isodate).toBe(iso);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('keeps income lines as credits: an invoice total is minus the sum of its lines', async () => {
    const client = tbaClient(dmy);
    const byTransaction = new Map<string, { total: number; sum: number }>();
    for await (const page of client.suiteqlPages(lines(), 200))
      for (const row of page.items) {
        const entry = byTransaction.get(row.id as string) ?? { total: Number(row.foreigntotal), sum: 0 };
        entry.sum += Number(row.foreignamount ?? 0);
        byTransaction.set(row.id as string, entry);
      }
    expect(byTransaction.size).toBeGreaterThan(50);
    for (const { total, sum } of byTransaction.values()) {
      expect(total).toBeGreaterThan(0);
      expect(Math.abs(Math.round((total + sum) * 100))).toBe(0);
    }
    await client.stop();
  });

  it('stops a query at the result cap and refuses what it cannot run', async () => {
    const capped = await simWithAuth({
      itemCount: 1,
      seed: 5,
      resultCap: 150,
      records: { invoiceLines: 400 },
    });
    const client = tbaClient(capped);
    const page = await client.suiteql(lines(), { limit: 100, offset: 100 });
    expect(page).toMatchObject({ count: 50, hasMore: false, totalResults: 150 });
    await expect(
      client.suiteql('SELECT t.nosuchfield FROM transaction t ORDER BY t.id'),
    ).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_PARAMETER',
    });
    await Promise.all([client.stop(), capped.close()]);
  });

  it('logs deletions and moves the last-modified date of edits', async () => {
    const client = tbaClient(dmy);
    const invoice = dmy.records.transactions.find((t) => t.type === 'CustInvc')!;
    const before = invoice.lastModified;
    dmy.records.editTransaction(invoice.id, { removeLine: invoice.lines.at(-1)!.id });
    expect(invoice.lastModified).toBeGreaterThan(before);
    dmy.records.deleteTransaction(invoice.id);
    const log = await client.suiteql(
      "SELECT d.type, d.recordid, TO_CHAR(d.deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS deleteddate FROM deletedrecord d WHERE d.type IN ('invoice', 'creditmemo') ORDER BY d.deleteddate, d.recordid",
    );
    expect(log.items).toEqual([
      { links: [], type: 'invoice', recordid: String(invoice.id), deleteddate: expect.any(String) },
    ]);
    const gone = await client.suiteql(lines(` AND t.id = ${invoice.id}`));
    expect(gone.count).toBe(0);
    await client.stop();
  });
});
