import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetSuiteAuthError, NetSuiteError } from '../../src/connectors/netsuite/errors.js';
import { TokenBasedAuth } from '../../src/connectors/netsuite/auth.js';
import {
  accountHostName,
  formatAccountTimestamp,
  parseAccountTimestamp,
} from '../../src/connectors/netsuite/dates.js';
import { itemPriceQuery } from '../../src/sync/netsuite-to-opms/query.js';
import { defaultPriceFieldMappings } from '../../src/config/netsuite.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { ecKeys, oauth2Client, rsaKeys, simWithAuth, tba, tbaClient } from './setup.js';

const settings = {
  fields: defaultPriceFieldMappings,
  skipField: 'custitemf3_lisa_item',
  itemTypes: ['InvtPart'],
  timeZone: 'America/Los_Angeles',
};
const allItems = itemPriceQuery(settings, {});

describe('NetSuite client against the simulator', () => {
  let sim: NetSuiteSim;
  beforeAll(async () => {
    sim = await simWithAuth({ itemCount: 120 });
  });
  afterAll(() => sim.close());

  it('authenticates with OAuth 2.0 PS256, reuses the token, and reads the SuiteQL envelope', async () => {
    const client = oauth2Client(sim);
    const before = sim.stats.tokensIssued;
    const page = await client.suiteql(allItems, { limit: 10 });
    await client.suiteql(allItems, { limit: 10, offset: 10 });
    expect(sim.stats.tokensIssued - before).toBe(1);
    expect(page).toMatchObject({ count: 10, hasMore: true, offset: 0, totalResults: 120 });
    expect(page.links.map((l) => l.rel)).toContain('next');
    const row = page.items[0]!;
    expect(row.links).toEqual([]);
    expect(typeof row.id).toBe('string');
    expect(row.lastmodified).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await client.stop();
  });

  it('authenticates with OAuth 2.0 ES256 when the certificate is an EC key', async () => {
    const ecSim = await simWithAuth({
      itemCount: 5,
      oauth2: { ...{ clientId: 'client-abc', certificateId: 'cert-kid-1' }, publicKey: ecKeys.publicKey },
    });
    const client = oauth2Client(ecSim, {}, ecKeys, 'ES256');
    expect((await client.suiteql(allItems)).count).toBe(5);
    // The RSA key does not match the EC certificate: refused, and not retried as if it were transient.
    const wrong = oauth2Client(ecSim, {}, rsaKeys, 'PS256');
    await expect(wrong.suiteql(allItems)).rejects.toBeInstanceOf(NetSuiteAuthError);
    await Promise.all([client.stop(), wrong.stop(), ecSim.close()]);
  });

  it('fetches a new token when the old one expires in the middle of a paged read', async () => {
    const client = oauth2Client(sim);
    const before = sim.stats.tokensIssued;
    let pages = 0;
    let rows = 0;
    for await (const page of client.suiteqlPages(allItems, 25)) {
      pages++;
      rows += page.count;
      if (pages === 2) sim.expireAccessTokens();
    }
    expect(rows).toBe(120);
    expect(pages).toBe(5);
    expect(sim.stats.tokensIssued - before).toBe(2);
    await client.stop();
  });

  it('signs with TBA (realm keeps the account id form) and NetSuite refuses a re-used nonce', async () => {
    expect(accountHostName('1234567_SB1')).toBe('1234567-sb1');
    const client = tbaClient(sim);
    expect((await client.suiteql(allItems, { limit: 5 })).count).toBe(5);
    const url = new URL('/services/rest/query/v1/suiteql?limit=1&offset=0', sim.url);
    const header = await new TokenBasedAuth({ accountId: sim.accountId, ...tba }).authorize('POST', url);
    expect(header).toContain('realm="1234567_SB1"');
    const send = () =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: header, prefer: 'transient', 'content-type': 'application/json' },
        body: JSON.stringify({ q: allItems }),
      });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(401);
    expect((await replay.json())['o:errorDetails'][0]['o:errorCode']).toBe('INVALID_LOGIN');
    await client.stop();
  });

  it('reports wrong TBA secrets as an authentication error after one fresh-nonce retry', async () => {
    const client = tbaClient(sim, {
      auth: new TokenBasedAuth({ accountId: sim.accountId, ...tba, tokenSecret: 'wrong' }),
    });
    const before = sim.stats.refusedAuth;
    await expect(client.suiteql(allItems)).rejects.toMatchObject({ status: 401, code: 'INVALID_LOGIN' });
    expect(sim.stats.refusedAuth - before).toBe(2);
    await client.stop();
  });

  it('pages: empty result, exactly one page, and a short last page', async () => {
    const client = tbaClient(sim);
    const empty = [];
    for await (const page of client.suiteqlPages(itemPriceQuery(settings, { ids: [1] }), 10))
      empty.push(page);
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatchObject({ count: 0, hasMore: false, totalResults: 0, items: [] });
    expect(empty[0]!.links.map((l) => l.rel)).toEqual(['self']);

    const exact = [];
    for await (const page of client.suiteqlPages(allItems, 120)) exact.push(page);
    expect(exact.map((p) => [p.count, p.hasMore])).toEqual([[120, false]]);

    const counts = [];
    for await (const page of client.suiteqlPages(allItems, 50))
      counts.push([page.offset, page.count, page.hasMore]);
    expect(counts).toEqual([
      [0, 50, true],
      [50, 50, true],
      [100, 20, false],
    ]);
    await expect(client.suiteql(allItems, { limit: 50, offset: 25 })).rejects.toThrow(/multiple/);
    await client.stop();
  });

  it('keyset paging reads past the result cap without losing or repeating rows', async () => {
    const capped = await simWithAuth({ itemCount: 120, resultCap: 50 });
    const client = tbaClient(capped, { resultCap: 50 });
    const ids: number[] = [];
    for await (const page of client.suiteqlKeyset(
      (after) => itemPriceQuery(settings, { afterId: after }),
      20,
    ))
      ids.push(...page.rows.map((r) => Number(r.id)));
    expect(ids).toEqual(capped.items.map((i) => i.id));
    await Promise.all([client.stop(), capped.close()]);
  });

  it('survives a storm of 429 and 400 CONCURRENCY_LIMIT_EXCEEDED with backoff, and does not retry other 4xx', async () => {
    const client = oauth2Client(sim);
    await client.suiteql(allItems, { limit: 1 });
    const before = sim.stats.suiteqlRequests;
    const refusedBefore = sim.stats.refusedForConcurrency;
    sim.refuseNext(4, 429);
    expect((await client.suiteql(allItems, { limit: 5 })).count).toBe(5);
    sim.refuseNext(3, 400);
    expect((await client.suiteql(allItems, { limit: 5 })).count).toBe(5);
    expect(client.retries).toBeGreaterThanOrEqual(7);

    const sent = client.requestsSent;
    const bad = client.suiteql('SELECT * FROM customer', { limit: 5 });
    await expect(bad).rejects.toBeInstanceOf(NetSuiteError);
    await expect(bad).rejects.toMatchObject({ status: 400, code: 'INVALID_PARAMETER' });
    expect(client.requestsSent - sent).toBe(1);
    expect(sim.stats.refusedForConcurrency - refusedBefore).toBe(7);
    expect(sim.stats.suiteqlRequests - before).toBe(3);
    await client.stop();
  });

  it('gives up after the retry budget and says what NetSuite answered', async () => {
    const client = oauth2Client(sim, { retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20 } });
    sim.refuseNext(10, 429);
    await expect(client.suiteql(allItems)).rejects.toThrow(
      /429 CONCURRENCY_LIMIT_EXCEEDED.*Concurrent request limit exceeded/,
    );
    sim.refuseNext(0);
    await client.stop();
  });

  it('keeps to the request rate and the concurrency limit', async () => {
    const slow = await simWithAuth({ itemCount: 10, latencyMs: 60, concurrencyLimit: 2 });
    const client = tbaClient(slow, { requestsPerSecond: 20, concurrency: 2 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, () => client.suiteql(allItems, { limit: 1 })));
    expect(slow.stats.refusedForConcurrency).toBe(0);
    expect(slow.stats.maxInFlight).toBeLessThanOrEqual(2);
    // 20 per second: the eighth request cannot start before 7 × 50 ms (a lower bound load cannot break).
    expect(Date.now() - started).toBeGreaterThanOrEqual(7 * 50 - 5);
    await Promise.all([client.stop(), slow.close()]);
  });

  it('reads an item record with its price matrix expanded', async () => {
    const client = oauth2Client(sim);
    const item = sim.items.find((i) => !i.lotNumbered)!;
    const record = await client.getItemRecord('inventoryItem', String(item.id));
    expect(record.itemId).toBe(item.itemid);
    expect(record.lastModifiedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(record.price?.items?.find((p) => p.priceLevel.id === '1')?.price).toBe(item.prices.get(1));
    await expect(client.getItemRecord('inventoryItem', '999999')).rejects.toMatchObject({
      status: 404,
      code: 'NONEXISTENT_ID',
    });
    await client.stop();
  });
});

describe('account time zone conversion', () => {
  it('turns TO_CHAR wall-clock times into UTC and back, across daylight saving', () => {
    for (const iso of [
      '2026-01-15T18:20:30.000Z',
      '2026-07-04T06:59:59.000Z',
      '2026-03-08T10:30:00.000Z',
      '2026-11-01T10:30:00.000Z',
    ]) {
      const wall = formatAccountTimestamp(new Date(iso), 'America/Los_Angeles');
      expect(parseAccountTimestamp(wall, 'America/Los_Angeles')?.toISOString()).toBe(iso);
    }
    expect(formatAccountTimestamp(new Date('2026-01-15T18:20:30Z'), 'America/Los_Angeles')).toBe(
      '2026-01-15 10:20:30',
    );
    expect(parseAccountTimestamp('1/15/2026', 'UTC')).toBeUndefined();
    // 01:30 happens twice when clocks fall back; the earlier instant is taken, so a cursor never skips an edit.
    expect(parseAccountTimestamp('2026-11-01 01:30:00', 'America/Los_Angeles')?.toISOString()).toBe(
      '2026-11-01T08:30:00.000Z',
    );
  });
});
