/**
 * Alerts end to end in a whole worker: a real SMTP server and a loopback Slack webhook receive them, once per problem
 * and once when it is resolved; a channel that is down is retried without holding the worker; the state survives a
 * restart; secrets never reach a message.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertsFeature } from '../../src/alerts/feature.js';
import type { FeatureFactory } from '../../src/feature.js';
import { alertDeliveries } from '../../src/models/index.js';
import { ResiliencePolicy } from '../../src/resilience/index.js';
import {
  createTestDatabase,
  databaseKinds,
  type DatabaseKind,
  type TestDatabase,
} from '../helpers/databases.js';
import { startTestWorker, testApiKey, type TestWorker } from '../helpers/worker.js';
import { startSlackWebhook, startSmtpServer } from './receivers.js';

const smtpPassword = 'smtp-pa55-word';
const slackToken = 'T0001/B0002/slackSecretToken';

/** A job that fails or succeeds as the test says, and quotes secrets in its error as a careless client might. */
function importFeature(state: { failing: boolean }): FeatureFactory {
  return () => ({
    name: 'test-import',
    jobs: [
      {
        name: 'test.import',
        description: 'Stands for a sync',
        data: z.object({}),
        async run() {
          if (state.failing)
            throw new Error(
              `login refused with key ${testApiKey} and password ${smtpPassword} at ${slackToken}`,
            );
        },
      },
    ],
  });
}

interface AlertPage {
  items: { key: string; status: string; title: string; detail: string }[];
  nextCursor: string | null;
}

describe.each(databaseKinds)('alert delivery (%s)', (kind: DatabaseKind) => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let slack: Awaited<ReturnType<typeof startSlackWebhook>>;
  let database: TestDatabase;
  let tw: TestWorker | undefined;
  const state = { failing: true };

  beforeEach(async () => {
    state.failing = true;
    smtp = await startSmtpServer({ user: 'alerts@example.com', pass: smtpPassword });
    slack = await startSlackWebhook(slackToken);
    database = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await tw?.stop();
    tw = undefined;
    await database.close();
    await smtp.stop();
    await slack.stop();
  });

  const start = async (env: Record<string, string> = {}) =>
    startTestWorker(kind, {
      database,
      features: [alertsFeature, importFeature(state)],
      env: {
        ALERT_SLACK_WEBHOOK_URL: slack.url,
        ALERT_SMTP_URL: smtp.url,
        ALERT_EMAIL_TO: 'ops@example.com,owner@example.com',
        ALERT_EMAIL_FROM: 'syncworker <syncworker@example.com>',
        // Generous: a send cut off after the server took it would be sent again, and this machine is shared.
        ALERT_SEND_TIMEOUT_MS: '20000',
        ALERT_RETRY_BASE_MS: '0',
        // These tests check the rules when they choose to; the check after each run is tested in after-runs.test.ts.
        ALERT_EVALUATE_AFTER_RUN_MS: '0',
        ...env,
      },
    });
  const run = async (job: string) => tw!.worker.runner.runNow(job, {});
  const alertsWith = async (status: string) =>
    (await (await tw!.api(`/api/alerts?status=${status}`)).json()) as AlertPage;

  it('announces a given-up run once on each channel, keeps it across a restart, then announces its resolution', async () => {
    tw = await start();
    const failed = await run('test.import');
    expect(failed.status).toBe('failed');
    expect((await run('alerts.evaluate')).status).toBe('succeeded');

    expect(slack.messages).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.user).toBe('alerts@example.com');
    expect(mail.to).toEqual(['ops@example.com', 'owner@example.com']);
    expect(mail.subject).toBe('[syncworker] CRITICAL: test.import failed');
    expect(mail.body).toContain('The last run of test.import failed after 1 attempt: login refused');
    expect(mail.body).toContain(`run: /api/runs/${failed.id}`);
    expect(slack.messages[0]!.text).toContain('*[syncworker] CRITICAL: test.import failed*');
    expect(slack.messages[0]!.text).toContain(`/api/runs/${failed.id}`);
    for (const text of [mail.raw, mail.body, slack.messages[0]!.text]) {
      expect(text).toContain('[redacted]');
      expect(text).not.toContain(testApiKey);
      expect(text).not.toContain(smtpPassword);
      expect(text).not.toContain(slackToken);
    }

    // Seen again, and again after a restart: still one open alert, no new message.
    await run('test.import');
    expect((await run('alerts.evaluate')).created).toBe(0);
    await tw.stop();
    tw = await start();
    expect((await run('alerts.evaluate')).unchanged).toBe(1);
    expect(slack.messages).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    const open = await alertsWith('open');
    expect(open.items).toMatchObject([
      { key: 'run-failed:test.import', status: 'open', title: 'test.import failed' },
    ]);
    expect(open.items[0]!.detail).not.toContain(smtpPassword);

    state.failing = false;
    expect((await run('test.import')).status).toBe('succeeded');
    expect((await run('alerts.evaluate')).updated).toBe(1);
    await run('alerts.evaluate');
    expect(slack.messages.map((m) => m.text.split('\n')[0])).toEqual([
      '*[syncworker] CRITICAL: test.import failed*',
      '*[syncworker] Resolved: test.import failed*',
    ]);
    expect(smtp.mails.map((m) => m.subject)).toEqual([
      '[syncworker] CRITICAL: test.import failed',
      '[syncworker] Resolved: test.import failed',
    ]);
    expect((await alertsWith('open')).items).toEqual([]);
    expect((await alertsWith('resolved')).items).toMatchObject([{ key: 'run-failed:test.import' }]);
  });

  it('retries a channel that does not answer without holding the worker, and still delivers the others', async () => {
    tw = await start({ ALERT_SEND_TIMEOUT_MS: '5000' });
    slack.state.mode = 'hang';
    await run('test.import');
    const evaluating = run('alerts.evaluate');
    // While the Slack send hangs, other jobs run to the end.
    await expect.poll(() => slack.state.requests, { timeout: 10_000 }).toBe(1);
    state.failing = false;
    expect((await run('test.import')).status).toBe('succeeded');
    const evaluation = await evaluating;
    expect(evaluation.status).toBe('succeeded');
    expect(smtp.mails.map((m) => m.subject)).toEqual(['[syncworker] CRITICAL: test.import failed']);

    const slackDelivery = () =>
      database.db.select().from(alertDeliveries).where(eq(alertDeliveries.channel, 'slack'));
    const [waiting] = await slackDelivery();
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, kind: 'opened' });
    expect(waiting!.lastError).toContain('Slack: the webhook could not be reached');
    expect(waiting!.lastError).not.toContain(slackToken);

    // Failing loudly now (500): counted as an attempt, still kept.
    slack.state.mode = 'down';
    state.failing = true;
    await run('test.import');
    await run('alerts.evaluate');
    expect((await slackDelivery())[0]).toMatchObject({ status: 'pending', attempts: 2 });
    expect((await slackDelivery())[0]!.lastError).toContain('answered 500');

    slack.state.mode = 'ok';
    await run('alerts.evaluate');
    expect(slack.messages.map((m) => m.text.split('\n')[0])).toEqual([
      '*[syncworker] CRITICAL: test.import failed*',
    ]);
    expect((await slackDelivery())[0]).toMatchObject({ status: 'sent', attempts: 3 });
    expect(smtp.mails).toHaveLength(1);
  });

  it('gives a message up after its last attempt and says so in the run', async () => {
    tw = await start({ ALERT_SEND_ATTEMPTS: '2' });
    slack.state.mode = 'down';
    await run('test.import');
    await run('alerts.evaluate');
    const second = await run('alerts.evaluate');
    expect(second.status).toBe('succeeded');
    const [delivery] = await database.db
      .select()
      .from(alertDeliveries)
      .where(eq(alertDeliveries.channel, 'slack'));
    expect(delivery).toMatchObject({ status: 'failed', attempts: 2 });
    const events = (await (await tw.api(`/api/runs/${second.id}`)).json()) as {
      events: { message: string }[];
    };
    expect(events.events.map((e) => e.message)).toContain(
      'Alert messages: 0 sent, 0 to be tried again, 1 given up after their last attempt',
    );
  });

  it('sends only a daily digest when immediate messages are off', async () => {
    tw = await start({ ALERT_IMMEDIATE: 'false', ALERT_DIGEST_SCHEDULE: '0 8 * * *' });
    await run('test.import');
    await run('alerts.evaluate');
    expect(slack.messages).toEqual([]);
    expect(smtp.mails).toEqual([]);
    expect((await run('alerts.digest')).status).toBe('succeeded');
    expect(smtp.mails.map((m) => m.subject)).toEqual(['[syncworker] Daily digest: 1 open alert']);
    expect(smtp.mails[0]!.body).toContain('[critical] test.import failed');
    expect(slack.messages[0]!.text).toContain('Open (1):');
  });

  it('opens an alert when a circuit opens and resolves it when the system answers again', async () => {
    tw = await start();
    const remote = { up: false };
    const policy = new ResiliencePolicy({
      system: 'Acme ERP',
      concurrency: 1,
      retries: 0,
      retryBaseMs: 10,
      breakerThreshold: 2,
      breakerCooldownMs: 200,
      classify: () => ({ class: 'retryable' }),
    });
    const call = () =>
      policy
        .execute(
          async () => {
            if (!remote.up) throw new Error('503 Service Unavailable');
            return 'ok';
          },
          { what: 'GET /api/ping' },
        )
        .catch(() => 'failed');
    await call();
    await call();
    expect(policy.circuit).toBe('open');
    await expect
      .poll(async () => (await alertsWith('open')).items.map((a) => a.key), { timeout: 10_000 })
      .toEqual(['circuit:Acme ERP']);
    await run('alerts.evaluate');
    expect(smtp.mails.map((m) => m.subject)).toEqual([
      '[syncworker] CRITICAL: Acme ERP is not answering: its circuit is open',
    ]);
    // The evaluator does not resolve what it did not open: the circuit is still open.
    expect((await alertsWith('open')).items).toHaveLength(1);

    remote.up = true;
    await new Promise((r) => setTimeout(r, 250));
    expect(await call()).toBe('ok');
    await expect.poll(async () => (await alertsWith('open')).items, { timeout: 10_000 }).toEqual([]);
    await run('alerts.evaluate');
    expect(smtp.mails.map((m) => m.subject)).toContain(
      '[syncworker] Resolved: Acme ERP is not answering: its circuit is open',
    );
    await policy.stop();
  });
});
