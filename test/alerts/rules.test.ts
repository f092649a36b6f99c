/**
 * The alert rules on the data the rest of the worker records: run events as the portal scrapers and the price sync
 * write them, the ledger's balances, the customer outbox and the run history of scheduled jobs.
 */
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../src/alerts/evaluate.js';
import { alertRuleNames } from '../../src/config/alerts.js';
import { beginRun } from '../../src/jobs/runs.js';
import type { RunEventInput } from '../../src/jobs/types.js';
import { adjustStock, upsertItem } from '../../src/ledger/index.js';
import { alertDeliveries, alerts, customerOutbox, customers, syncRuns } from '../../src/models/index.js';
import {
  createTestDatabase,
  databaseKinds,
  type DatabaseKind,
  type TestDatabase,
} from '../helpers/databases.js';

const settings = { maxAttempts: 4, staleFactor: 3, quarantineMin: 1 };
const announce = { channels: ['email'], redact: (t: string) => t };

describe.each(databaseKinds)('alert rules (%s)', (kind: DatabaseKind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db.close();
  });

  const evaluate = (now = new Date()) =>
    evaluateAlerts(db.db, { rules: alertRuleNames, settings, announce, now });

  async function recordRun(job: string, events: RunEventInput[], error?: Error): Promise<string> {
    const run = await beginRun(db.db, pino({ level: 'silent' }), {
      job,
      trigger: 'cli',
      signal: new AbortController().signal,
    });
    for (const event of events) await run.event(event);
    await run.finish(error);
    return run.runId;
  }

  it('alerts on a changed portal layout with links to its artefacts, until a run reads the page again', async () => {
    const runId = await recordRun(
      'customerconnect.sync',
      [
        {
          level: 'error',
          message:
            'CustomerConnect sync stopped: The CustomerConnect order list page no longer has the expected layout',
          details: {
            error: 'MarkupChangedError',
            artefacts: {
              signature: 'order list|markupchangederror|…',
              firstOccurrence: true,
              dir: '/data/artefacts/customerconnect/order-list-1a2b',
              screenshot: '/data/artefacts/customerconnect/order-list-1a2b/page.png',
              html: '/data/artefacts/customerconnect/order-list-1a2b/page.html',
              trace: '/data/artefacts/customerconnect/order-list-1a2b/trace.zip',
            },
          },
        },
      ],
      new Error('The CustomerConnect order list page no longer has the expected layout'),
    );
    expect((await evaluate()).opened.sort()).toEqual([
      'markup-changed:customerconnect.sync',
      'run-failed:customerconnect.sync',
    ]);
    const [alert] = await db.db
      .select()
      .from(alerts)
      .where(eq(alerts.key, 'markup-changed:customerconnect.sync'));
    expect(alert).toMatchObject({
      severity: 'critical',
      title: "customerconnect.sync: the portal's page layout changed",
    });
    expect(alert!.links).toEqual([
      { label: 'run', href: `/api/runs/${runId}` },
      { label: 'screenshot', href: '/data/artefacts/customerconnect/order-list-1a2b/page.png' },
      { label: 'html', href: '/data/artefacts/customerconnect/order-list-1a2b/page.html' },
      { label: 'trace', href: '/data/artefacts/customerconnect/order-list-1a2b/trace.zip' },
    ]);
    const messages = await db.db.select().from(alertDeliveries);
    expect(messages.find((m) => m.alertId === alert!.id)!.body).toContain(
      'screenshot: /data/artefacts/customerconnect/order-list-1a2b/page.png',
    );

    await recordRun('customerconnect.sync', [{ level: 'info', message: 'Read 3 pages' }]);
    expect((await evaluate()).resolved.sort()).toEqual([
      'markup-changed:customerconnect.sync',
      'run-failed:customerconnect.sync',
    ]);
  });

  it('alerts on quarantined records, portal rows and quarantined prices alike, at the configured minimum', async () => {
    await recordRun('routestar.sync', [
      {
        level: 'warn',
        message:
          'A row of the closed invoices list (INV-77) could not be read: the date is not a date. It was not stored.',
        details: { reason: 'the date is not a date', html: '<tr>…</tr>', page: 1 },
      },
      { level: 'warn', message: 'Stock moved on unmapped item X-1 (first seen on INV-70).' },
    ]);
    await recordRun('netsuite-opms.sync', [
      { level: 'warn', message: 'Item A-1 (NetSuite id 7) quarantined: price 0 is below the floor' },
      { level: 'warn', message: 'Item A-2 (NetSuite id 8) quarantined: price 0 is below the floor' },
    ]);
    expect((await evaluate()).opened.sort()).toEqual([
      'quarantined:netsuite-opms.sync',
      'quarantined:routestar.sync',
    ]);
    const titles = (await db.db.select().from(alerts)).map((a) => a.title).sort();
    expect(titles).toEqual([
      'netsuite-opms.sync: 2 records quarantined',
      'routestar.sync: 1 record quarantined',
    ]);

    const strict = await evaluateAlerts(db.db, {
      rules: alertRuleNames,
      settings: { ...settings, quarantineMin: 2 },
      announce,
    });
    expect(strict.resolved).toEqual(['quarantined:routestar.sync']);
  });

  it('alerts once per newly oversold item and resolves it when stock covers it', async () => {
    await upsertItem(db.db, { sku: 'ABC-1', name: 'Widget' });
    await upsertItem(db.db, { sku: 'ABC-2', name: 'Gadget' });
    await adjustStock(db.db, { sku: 'ABC-1', qty: -3, reason: 'sold before the purchase order arrived' });
    await adjustStock(db.db, { sku: 'ABC-2', qty: 5, reason: 'count' });
    expect((await evaluate()).opened).toEqual(['oversold:ABC-1']);
    const [alert] = await db.db.select().from(alerts);
    expect(alert!.detail).toContain('On hand for ABC-1 (Widget) is -3');
    expect((await evaluate()).opened).toEqual([]);
    await adjustStock(db.db, { sku: 'ABC-1', qty: 3, reason: 'purchase order found' });
    expect((await evaluate()).resolved).toEqual(['oversold:ABC-1']);
    // Oversold again later: a new problem, a new alert.
    await adjustStock(db.db, { sku: 'ABC-1', qty: -1, reason: 'sale' });
    expect((await evaluate()).opened).toEqual(['oversold:ABC-1']);
    expect(await db.db.select().from(alerts)).toHaveLength(2);
  });

  it('alerts on an outbox entry that gave up until it is retried', async () => {
    const [customer] = await db.db
      .insert(customers)
      .values({
        name: 'Acme',
        customerGroup: 'All',
        customerType: 'Company',
        territory: 'All',
        language: 'en',
      })
      .returning();
    const [entry] = await db.db
      .insert(customerOutbox)
      .values({
        customerId: customer!.id,
        reason: 'update',
        status: 'failed',
        attempts: 8,
        lastError: 'ERPNext 417',
      })
      .returning();
    expect((await evaluate()).opened).toEqual([`outbox-failed:${entry!.id}`]);
    const [alert] = await db.db.select().from(alerts);
    expect(alert!.detail).toContain('given up after 8 attempts: ERPNext 417');
    await db.db.update(customerOutbox).set({ status: 'pending' });
    expect((await evaluate()).resolved).toEqual([`outbox-failed:${entry!.id}`]);
  });

  it('alerts on a scheduled job once its retries are used up: each retry is a run of its own', async () => {
    const scheduledRun = (status: string, minutesAgo: number, attempt = 1) =>
      db.db.insert(syncRuns).values({
        job: 'netsuite-opms.sync',
        trigger: 'schedule',
        status,
        attempt,
        error: status === 'failed' ? 'NetSuite answered 503' : null,
        queuedAt: new Date(Date.now() - minutesAgo * 60_000),
        finishedAt: new Date(Date.now() - minutesAgo * 60_000 + 1000),
      });
    // Only this rule: four failures ten minutes apart also make the job stale.
    const evaluate = () => evaluateAlerts(db.db, { rules: ['run-failed'], settings, announce });
    await scheduledRun('succeeded', 60);
    for (const ago of [40, 30, 20]) await scheduledRun('failed', ago);
    expect((await evaluate()).opened).toEqual([]);
    await scheduledRun('failed', 10);
    expect((await evaluate()).opened).toEqual(['run-failed:netsuite-opms.sync']);
    const [alert] = await db.db.select().from(alerts);
    expect(alert!.detail).toBe(
      'The last 4 runs of netsuite-opms.sync failed; the last one: NetSuite answered 503.',
    );
    await scheduledRun('succeeded', 1);
    expect((await evaluate()).resolved).toEqual(['run-failed:netsuite-opms.sync']);
  });

  it('calls a scheduled job stale when it has not succeeded for N times its usual interval', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const minutes = (n: number) => new Date(now.getTime() - n * 60_000);
    // Every 10 minutes; the last success 25 minutes ago, then failures.
    for (const [ago, status] of [
      [55, 'succeeded'],
      [45, 'succeeded'],
      [35, 'succeeded'],
      [25, 'succeeded'],
      [15, 'partial'],
      [5, 'failed'],
    ] as const)
      await db.db.insert(syncRuns).values({
        job: 'routestar.sync',
        trigger: 'schedule',
        status,
        queuedAt: minutes(ago),
        finishedAt: minutes(ago - 1),
        attempt: 1,
      });
    expect((await evaluate(now)).opened).toEqual([]);
    const later = new Date(now.getTime() + 20 * 60_000);
    expect((await evaluate(later)).opened).toEqual(['stale:routestar.sync']);
    const [alert] = await db.db.select().from(alerts);
    expect(alert!.detail).toBe(
      `routestar.sync runs about every 10 min but has not succeeded since ${minutes(14).toISOString()} (34 min).`,
    );
  });
});
