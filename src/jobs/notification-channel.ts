/**
 * The LISTEN/NOTIFY channel that wakes the job runner on a real PostgreSQL server, made safe to stop during a
 * database outage.
 *
 * @agendajs/postgres-backend (0.x) reconnects its LISTEN connection every 100 ms after losing it. A disconnect that
 * came while such a reconnect waited for a pool client let the reconnect finish afterwards: it took a client from the
 * worker's pool and never gave it back, so closing the pool waited forever and the worker never exited (CI caught it:
 * the readiness test stops the worker just after its database came back). Here a disconnect first waits for the
 * reconnect in flight, and no reconnect is scheduled once stopping has begun.
 */
import { PostgresNotificationChannel } from '@agendajs/postgres-backend';
import type pg from 'pg';

export class StoppableNotificationChannel extends PostgresNotificationChannel {
  private connecting: Promise<unknown> | undefined;
  private stopping = false;

  constructor(pool: pg.Pool) {
    super({ pool, reconnect: { enabled: true } });
  }

  override connect(): Promise<void> {
    const attempt = super.connect();
    const tracked = attempt.catch(() => undefined);
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
