/**
 * Failures the simulators' knobs do not reach, through the real clients and their resilience policies: OPMS lock
 * conflicts in a real MariaDB, and NetSuite server errors and a refused role from a loopback server answering a
 * scripted sequence.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenBasedAuth } from '../../src/connectors/netsuite/auth.js';
import { NetSuiteClient } from '../../src/connectors/netsuite/client.js';
import { NetSuiteAuthError } from '../../src/connectors/netsuite/errors.js';
import { checkOpms } from '../../src/connectors/opms/check.js';
import { OpmsDatabase } from '../../src/connectors/opms/client.js';
import { defaultOpmsTables } from '../../src/connectors/opms/settings.js';
import { onAnyAttempt, type AttemptEvent } from '../../src/resilience/index.js';
import { startMariaDb, type MariaDbServer } from '../sim/opms/mariadb.js';
import { createOpmsSchema, opmsValuesOf, seedOpmsItems } from '../sim/opms/schema.js';
import { tba } from './setup.js';

const events: AttemptEvent[] = [];
const stopListening = onAnyAttempt((event) => events.push(event));
afterAll(() => stopListening());

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('OPMS client through its resilience policies', () => {
  let maria: MariaDbServer;
  let opms: OpmsDatabase;
  const price = { table: 'price', column: 'p_res_cut' } as const;

  beforeAll(async () => {
    maria = await startMariaDb();
    await createOpmsSchema(maria.url);
    await seedOpmsItems(maria.url, [{ code: 'A-1', productId: 1, p_res_cut: 1 }]);
    const admin = await mysql.createConnection({ uri: maria.url });
    // Sessions opened from now on give up on a held row lock after one second instead of fifty.
    await admin.query('SET GLOBAL innodb_lock_wait_timeout = 1');
    await admin.end();
    opms = new OpmsDatabase({
      url: maria.url,
      tables: defaultOpmsTables,
      writesPerSecond: 100,
      batchSize: 10,
      retries: 3,
      retryBaseMs: 10,
    });
  });
  afterAll(async () => {
    await opms?.close();
    await maria?.close();
  });

  it('writes again after a lock wait timeout, once the other writer lets go', async () => {
    const locker = await mysql.createConnection({ uri: maria.url });
    await locker.beginTransaction();
    await locker.query('SELECT * FROM T_ITEM WHERE code = ? FOR UPDATE', ['A-1']);
    const seen = events.length;
    const writing = opms.applyChanges([{ code: 'A-1', productId: 1, ...price, value: '7.50' }], [price]);
    await until('a retry of the OPMS write', () =>
      events.slice(seen).some((e) => e.system === 'OPMS' && e.outcome === 'retrying'),
    );
    await locker.commit();
    await locker.end();
    expect(await writing).toMatchObject([{ code: 'A-1', value: '7.50', oldValue: '1.00' }]);
    expect(opms.writesCommitted).toBe(1);
    expect(await opmsValuesOf(maria.url, 'A-1')).toMatchObject({ p_res_cut: '7.50' });
    expect(events.slice(seen).find((e) => e.outcome === 'retrying')?.error).toMatch(/Lock wait timeout/);
  });

  it('reports a wrong table name at once, without retrying, and says which setting to fix', async () => {
    const misnamed = new OpmsDatabase({
      ...opms.settings,
      tables: { ...defaultOpmsTables, price: { table: 'T_PRICE', product: 'product_id' } },
    });
    const seen = events.length;
    const result = await checkOpms(misnamed);
    await misnamed.close();
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/T_PRICE.*check the OPMS_\*_TABLE and OPMS_\*_COLUMN settings/);
    expect(events.slice(seen).filter((e) => e.system === 'OPMS')).toEqual([]);
    expect(await checkOpms(opms)).toEqual({ ok: true, detail: 'OPMS database reachable; 1 items in T_ITEM' });
  });
});

describe('NetSuite client through its resilience policy', () => {
  const accountId = '1234567_SB1';
  let server: Server;
  let url: string;
  let script: { status: number; body: unknown }[] = [];
  let requests = 0;
  const page = { links: [], count: 0, hasMore: false, offset: 0, totalResults: 0, items: [] };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      const next = script.shift() ?? { status: 200, body: page };
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(next.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    script = [];
  });

  const client = () =>
    new NetSuiteClient({
      accountId,
      baseUrl: url,
      auth: new TokenBasedAuth({ accountId, ...tba }),
      requestsPerSecond: 100,
      concurrency: 2,
      retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    });
  const failure = (status: number, code: string) => ({
    status,
    body: { status, 'o:errorDetails': [{ detail: `answered ${status}`, 'o:errorCode': code }] },
  });

  it('tries again after server errors and counts each retry', async () => {
    const netsuite = client();
    script = [failure(503, 'UNEXPECTED_ERROR'), failure(502, 'UNEXPECTED_ERROR')];
    const before = requests;
    expect(await netsuite.suiteql('SELECT id FROM item')).toMatchObject({ count: 0, hasMore: false });
    expect(requests - before).toBe(3);
    expect(netsuite).toMatchObject({ requestsSent: 3, retries: 2 });
    await netsuite.stop();
  });

  it('does not re-authenticate or retry a role NetSuite refuses (403)', async () => {
    const netsuite = client();
    script = [failure(403, 'INSUFFICIENT_PERMISSION')];
    const before = requests;
    const refused = netsuite.suiteql('SELECT id FROM item');
    await expect(refused).rejects.toBeInstanceOf(NetSuiteAuthError);
    await expect(refused).rejects.toMatchObject({ status: 403, code: 'INSUFFICIENT_PERMISSION' });
    expect(requests - before).toBe(1);
    expect(netsuite.retries).toBe(0);
    await netsuite.stop();
  });
});
