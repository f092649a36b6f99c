/**
 * The job runner's LISTEN channel on a real server: stopping it while it reconnects must give every pool client back,
 * or closing the pool waits forever and the worker never exits.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoppableNotificationChannel } from '../../src/jobs/notification-channel.js';

const serverUrl = process.env.DATABASE_URL;

/**
 * A pool whose promise-style connect() (the channel's) waits while the gate is shut: a reconnect caught in flight,
 * held there by the test. pool.query() connects with a callback and passes.
 */
function gatedPool(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  let open: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  let waiting = 0;
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  pool.connect = ((callback?: unknown) => {
    if (callback) return connect(callback);
    waiting++;
    return gate.then(() => {
      waiting--;
      return connect();
    });
  }) as typeof pool.connect;
  return {
    pool,
    shut() {
      gate = new Promise((resolve) => (open = resolve));
    },
    open: () => open(),
    waiting: () => waiting,
  };
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe.skipIf(!serverUrl)('the job notification channel on postgres', () => {
  let gated: ReturnType<typeof gatedPool>;
  let channel: StoppableNotificationChannel;

  beforeEach(() => {
    gated = gatedPool(serverUrl!);
    channel = new StoppableNotificationChannel(gated.pool);
    channel.on('error', () => undefined);
  });
  afterEach(async () => {
    gated.open();
    if (!gated.pool.ended) await settlesWithin(gated.pool.end(), 1_000);
  });

  it('gives its client back when stopped while its first connect waits for one', async () => {
    gated.shut();
    const connecting = channel.connect();
    await until(() => gated.waiting() === 1, 'the connect waits for a client');
    const stopping = channel.disconnect();
    gated.open();
    await connecting;
    await stopping;
    expect(channel.state).toBe('disconnected');
    expect(await settlesWithin(gated.pool.end(), 5_000)).toBe(true);
  });

  it('gives its client back when stopped while reconnecting after the server dropped it', async () => {
    await channel.connect();
    const listening = async () =>
      (
        await gated.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
        )
      ).rows;
    const [listener] = await listening();
    expect(listener).toBeDefined();
    gated.shut();
    await gated.pool.query('SELECT pg_terminate_backend($1)', [listener!.pid]).catch(() => undefined);
    await until(() => gated.waiting() > 0, 'a reconnect waits for a client');
    const stopping = channel.disconnect();
    gated.open();
    await stopping;
    expect(channel.state).toBe('disconnected');
    // Nothing is left to reconnect later either.
    await new Promise((r) => setTimeout(r, 500));
    expect(channel.state).toBe('disconnected');
    expect(await settlesWithin(gated.pool.end(), 5_000)).toBe(true);
  });
});
