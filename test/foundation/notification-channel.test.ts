/**
 * The job runner's LISTEN channel on a real server: stopping it while it reconnects must give every pool client back,
 * or closing the pool waits forever and the worker never exits.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoppableNotificationChannel } from '../../src/jobs/notification-channel.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

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
  let refusing = false;
  let attempts = 0;
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  pool.connect = ((callback?: unknown) => {
    if (callback) return connect(callback);
    attempts++;
    if (refusing)
      return Promise.reject(new Error('connect ECONNREFUSED (the test is holding the server away)'));
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
    refuse: (on: boolean) => (refusing = on),
    attempts: () => attempts,
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

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  for (let i = 0; i < timeoutMs / 50; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe.skipIf(!serverUrl)('the job notification channel on postgres', () => {
  let gated: ReturnType<typeof gatedPool>;
  let channel: StoppableNotificationChannel;

  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase('postgres', { migrate: false });
    gated = gatedPool(database.url);
    channel = new StoppableNotificationChannel(gated.pool);
    channel.on('error', () => undefined);
  });
  afterEach(async () => {
    gated.open();
    if (!gated.pool.ended) await settlesWithin(gated.pool.end(), 1_000);
    await database?.close();
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

  async function dropListener(): Promise<void> {
    // Other suites' workers listen on the same server at the same time, each on its own database.
    const { rows } = await gated.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(rows).toHaveLength(1);
    await gated.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]).catch(() => undefined);
  }

  it('gives its client back when stopped while reconnecting after the server dropped it', async () => {
    await channel.connect();
    gated.shut();
    await dropListener();
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

  it('waits longer after each failed reconnect through an outage, and listens again once it is over', async () => {
    await channel.connect();
    gated.refuse(true);
    await dropListener();
    await until(() => gated.attempts() >= 2, 'the first reconnect fails');
    const failedAt = gated.attempts();
    // Waits of 100, 200, 400, 800 ms: about four more attempts in 1.6 s, where a fixed 100 ms gave sixteen.
    await new Promise((r) => setTimeout(r, 1_600));
    expect(gated.attempts() - failedAt).toBeLessThanOrEqual(5);
    gated.refuse(false);
    // The next wait is already a few seconds long.
    await until(() => channel.state === 'connected', 'it listens again', 15_000);
    await channel.disconnect();
    expect(await settlesWithin(gated.pool.end(), 5_000)).toBe(true);
  });
});
