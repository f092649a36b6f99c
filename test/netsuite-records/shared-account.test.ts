/**
 * Two flows read the same NetSuite account: the account's concurrency limit is the account's, so both must go
 * through one client and one limiter. With one limiter each, two flows at once send twice what the account allows and
 * NetSuite refuses the excess.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netsuiteRecordsFeature } from '../../src/sync/netsuite-records/feature.js';
import { netsuiteToOpmsFeature } from '../../src/sync/netsuite-to-opms/feature.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import type { NetSuiteSim } from '../sim/netsuite/server.js';
import { recordsSim, timeZone } from './setup.js';
import { tba } from '../netsuite/setup.js';

describe('NetSuite flows of one account', () => {
  let ns: NetSuiteSim;
  let tw: TestWorker;

  beforeAll(async () => {
    ns = await recordsSim({ concurrencyLimit: 1, latencyMs: 150 });
    tw = await startTestWorker('pglite', {
      features: [netsuiteToOpmsFeature, netsuiteRecordsFeature],
      env: {
        NETSUITE_ACCOUNT_ID: ns.accountId,
        NETSUITE_BASE_URL: ns.url,
        NETSUITE_TIMEZONE: timeZone,
        NETSUITE_CONSUMER_KEY: tba.consumerKey,
        NETSUITE_CONSUMER_SECRET: tba.consumerSecret,
        NETSUITE_TOKEN_ID: tba.tokenId,
        NETSUITE_TOKEN_SECRET: tba.tokenSecret,
        NETSUITE_REQUESTS_PER_SECOND: '50',
        NETSUITE_CONCURRENCY: '1',
        NETSUITE_MAX_RETRIES: '0',
      },
    });
  });
  afterAll(async () => {
    await tw?.stop();
    await ns?.close();
  });

  it('share one limiter, so together they never exceed the account’s concurrency', async () => {
    const calls = Array.from({ length: 3 }, () => [
      tw.api('/api/connections/netsuite'),
      tw.api('/api/sync/netsuite-records/health'),
    ]).flat();
    const answers = await Promise.all(calls);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as {
      ok?: boolean;
      check?: { ok: boolean };
    }[];
    expect(bodies.map((b) => b.ok ?? b.check?.ok)).toEqual(Array(6).fill(true));
    expect(ns.stats.suiteqlRequests).toBe(6);
    expect(ns.stats.maxInFlight).toBe(1);
    expect(ns.stats.refusedForConcurrency).toBe(0);
  });
});
