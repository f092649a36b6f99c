import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAuth2ClientCredentialsAuth, TokenBasedAuth } from '../../src/connectors/netsuite/auth.js';
import type { RunContext } from '../../src/jobs/types.js';
import { runInitialLoad } from '../../src/sync/netsuite-records/passes.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { oauth2, oauth2Client, rsaKeys, tba, tbaClient } from '../netsuite/setup.js';
import { expectTransactionsMatch, recordsDeps, recordsSim, run } from './setup.js';

const minutes = (n: number) => n * 60_000;

/** Calls `onPage` after each committed page, as the run reports its progress. */
function onEachPage(ctx: RunContext, onPage: (page: number) => void): RunContext {
  const progress = ctx.progress.bind(ctx);
  let pages = 0;
  ctx.progress = async (p) => {
    await progress(p);
    onPage(++pages);
  };
  return ctx;
}

describe('NetSuite access token', () => {
  it('is renewed before it ends, and a token renewed since a refused request is kept', async () => {
    let now = Date.now();
    const clock = () => now;
    const ns = await recordsSim({ clock });
    const tokenUrl = `${ns.url}/services/rest/auth/oauth2/v1/token`;
    const credentials = {
      ...oauth2,
      privateKey: rsaKeys.privateKey,
      algorithm: 'PS256' as const,
      scopes: 'x',
    };
    const auth = new OAuth2ClientCredentialsAuth(credentials, tokenUrl, clock);
    const first = await auth.authorize();
    now += minutes(54);
    expect(await auth.authorize()).toBe(first);
    now += minutes(2);
    const second = await auth.authorize();
    expect(second).not.toBe(first);
    expect(ns.stats.tokensIssued).toBe(2);
    auth.invalidate(first);
    expect(await auth.authorize()).toBe(second);
    auth.invalidate(second);
    expect(await auth.authorize()).not.toBe(second);
    await ns.close();
  });
});

describe.each(databaseKinds)('NetSuite records sync through token expiry and 429s on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.db.execute(
      sql`TRUNCATE netsuite_customers, netsuite_transactions, netsuite_transaction_lines, netsuite_records_quarantine, netsuite_records_checkpoints`,
    );
  });

  it('renews the access token while a load runs for hours, and recovers once from a token refused mid-run', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const ns = await recordsSim({ clock, records: { invoiceLines: 400 } });
    const auth = new OAuth2ClientCredentialsAuth(
      { ...oauth2, privateKey: rsaKeys.privateKey, algorithm: 'PS256', scopes: 'rest_webservices' },
      `${ns.url}/services/rest/auth/oauth2/v1/token`,
      clock,
    );
    const netsuite = oauth2Client(ns, { auth });
    const deps = recordsDeps(db.db, netsuite, { pageSize: 20 });
    // Four minutes pass with each page: less than the renewal margin, so no request can outlive its token.
    const long = await run(db.db, 'netsuite.records.initial', (ctx) =>
      runInitialLoad(
        deps,
        onEachPage(ctx, () => (offset += minutes(4))),
      ),
    );
    expect(long.status).toBe('succeeded');
    expect(offset).toBeGreaterThan(minutes(60));
    expect(ns.stats.tokensIssued).toBeGreaterThanOrEqual(2);
    expect(ns.stats.refusedAuth).toBe(0);

    // Revoked (or ended early) in the middle of the next load: one 401, one new token, and the load goes on.
    const issued = ns.stats.tokensIssued;
    const revoked = await run(db.db, 'netsuite.records.initial', (ctx) =>
      runInitialLoad(
        deps,
        onEachPage(ctx, (page) => page === 3 && ns.expireAccessTokens()),
        { restart: true },
      ),
    );
    expect(revoked.status).toBe('succeeded');
    expect(ns.stats.refusedAuth).toBe(1);
    expect(ns.stats.tokensIssued).toBe(issued + 1);
    await expectTransactionsMatch(db.db, ns);
    await Promise.all([netsuite.stop(), ns.close()]);
  });

  it('signs every TBA request afresh while hours pass', async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const ns = await recordsSim({ clock });
    const netsuite = tbaClient(ns, { auth: new TokenBasedAuth({ accountId: ns.accountId, ...tba }, clock) });
    const result = await run(db.db, 'netsuite.records.initial', (ctx) =>
      runInitialLoad(
        recordsDeps(db.db, netsuite, { pageSize: 20 }),
        onEachPage(ctx, () => (offset += minutes(4))),
      ),
    );
    expect(result.status).toBe('succeeded');
    expect(offset).toBeGreaterThan(minutes(60));
    expect(ns.stats.refusedAuth).toBe(0);
    await Promise.all([netsuite.stop(), ns.close()]);
  });

  it('loads completely while another integration holds the account concurrency limit (429s retried)', async () => {
    const ns = await recordsSim({ concurrencyLimit: 1, latencyMs: 15 });
    const netsuite = tbaClient(ns, { retry: { maxRetries: 10, baseDelayMs: 10, maxDelayMs: 100 } });
    const other = tbaClient(ns, { retry: { maxRetries: 10, baseDelayMs: 10, maxDelayMs: 100 } });
    let loading = true;
    const competitor = (async () => {
      while (loading)
        await other
          .suiteql('SELECT c.id FROM customer c WHERE c.id > 0 ORDER BY c.id', { limit: 5 })
          .catch(() => undefined);
    })();
    const result = await run(db.db, 'netsuite.records.initial', (ctx) =>
      runInitialLoad(recordsDeps(db.db, netsuite, { pageSize: 20 }), ctx),
    );
    loading = false;
    await competitor;
    expect(result.status).toBe('succeeded');
    expect(ns.stats.refusedForConcurrency).toBeGreaterThan(0);
    await expectTransactionsMatch(db.db, ns);
    await Promise.all([netsuite.stop(), other.stop(), ns.close()]);
  });
});
