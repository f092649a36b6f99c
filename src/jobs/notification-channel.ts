/**
 * The LISTEN/NOTIFY channel that wakes the job runner on a real PostgreSQL server, made safe to stop during a
 * database outage.
 *
 * @agendajs/postgres-backend (0.x) reconnects its LISTEN connection every 100 ms after losing it. A disconnect that
 * came while such a reconnect waited for a pool client let the reconnect finish afterwards: it took a client from the
 * worker's pool and never gave it back, so closing the pool waited forever and the worker never exited (CI caught it:
 * the readiness test stops the worker just after its database came back). Here a disconnect first waits for the
 * reconnect in flight, and no reconnect is scheduled once stopping has begun.
 *
 * Its connect() also reset the count of failed attempts, so through an outage it tried every 100 ms (and logged each
 * failure); given a limit, it would stop listening for good after ten. Here the count is kept until a connect succeeds,
 * so the waits double up to 30 s, and it never gives up: jobs are still found by the runner's scan meanwhile.
 */
import { PostgresNotificationChannel } from '@agendajs/postgres-backend';
import type pg from 'pg';

export class StoppableNotificationChannel extends PostgresNotificationChannel {
  private connecting: Promise<unknown> | undefined;
  private stopping = false;

  constructor(pool: pg.Pool) {
    super({ pool, reconnect: { enabled: true, maxAttempts: Number.POSITIVE_INFINITY } });
  }

  override connect(): Promise<void> {
    const failedBefore = this.reconnectAttempts;
    // The base resets the count before its first await; what it schedules after a failure must see the real count.
    const attempt = super.connect();
    this.reconnectAttempts = failedBefore;
    const tracked = attempt.then(
      () => {
        this.reconnectAttempts = 0;
      },
      () => undefined,
    );
    this.connecting = tracked;
    void tracked.then(() => {
      if (this.connecting === tracked) this.connecting = undefined;
    });
    return attempt;
  }

  override async disconnect(): Promise<void> {
    this.stopping = true;
    try {
      while (this.connecting) await this.connecting;
      await super.disconnect();
    } finally {
      this.stopping = false;
    }
  }

  protected override scheduleReconnect(): void {
    if (!this.stopping) super.scheduleReconnect();
  }
}
