import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';

describe.each(databaseKinds)('readiness on %s', (kind) => {
  let backing: TestDatabase;
  let proxy: TcpProxy;
  let tw: TestWorker;

  beforeAll(async () => {
    backing = await createTestDatabase(kind);
    const url = new URL(backing.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const proxied = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
    tw = await startTestWorker(kind, { database: { ...proxied, kind } });
  });
  afterAll(async () => {
    proxy?.restore();
    await tw?.stop();
    await tw?.database.close();
    await proxy?.close();
    await backing?.close();
  });

  it('goes 503 while the database is unreachable and back to 200 when it returns', async () => {
    expect((await tw.api('/ready', { auth: false })).status).toBe(200);
    proxy.cut();
    const down = await tw.api('/ready', { auth: false });
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'not ready', checks: { database: false } });
    expect((await tw.api('/health', { auth: false })).status).toBe(200);
    proxy.restore();
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await tw.api('/ready', { auth: false })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
