/**
 * Alert rules checked right after runs end: a queued run that fails for the last time is announced on Slack and by
 * e-mail within seconds, with no alerts.evaluate schedule at all; a burst of runs ending gives one check.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertsFeature } from '../../src/alerts/feature.js';
import { promptEvaluation } from '../../src/alerts/prompt-evaluation.js';
import type { FeatureFactory } from '../../src/feature.js';
import { databaseKinds, type DatabaseKind } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';
import { until } from '../payamgostar-siagh/harness.js';
import { startSlackWebhook, startSmtpServer } from './receivers.js';

const failingFeature: FeatureFactory = () => ({
  name: 'test-failing',
  jobs: [
    {
      name: 'test.failing',
      description: 'Stands for a sync whose remote refuses it',
      data: z.object({}),
      run() {
        return Promise.reject(new Error('the remote answered 503'));
      },
    },
  ],
});

describe.each(databaseKinds)('alerts right after a run ends (%s)', (kind: DatabaseKind) => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let slack: Awaited<ReturnType<typeof startSlackWebhook>>;
  let tw: TestWorker | undefined;

  beforeEach(async () => {
    smtp = await startSmtpServer({ user: 'alerts@example.com', pass: 'smtp-pa55-word' });
    slack = await startSlackWebhook('T0001/B0002/afterRunsToken');
  });
  afterEach(async () => {
    await tw?.stop();
    tw = undefined;
    await smtp.stop();
    await slack.stop();
  });

  it('announces a run that failed for the last time within seconds of its end, with no evaluation scheduled', async () => {
    tw = await startTestWorker(kind, {
      features: [alertsFeature, failingFeature],
      env: {
        // The test worker runs no schedules: only the check after the run can announce it.
        SCHEDULES_ENABLED: 'false',
        JOB_MAX_ATTEMPTS: '1',
        ALERT_SLACK_WEBHOOK_URL: slack.url,
        ALERT_SMTP_URL: smtp.url,
        ALERT_EMAIL_TO: 'ops@example.com',
        ALERT_SEND_TIMEOUT_MS: '20000',
      },
    });
    const res = await tw.api('/api/jobs/test.failing/run', { method: 'POST', json: {} });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(await waitForRun(tw, runId)).toMatchObject({ status: 'failed' });
    const ended = Date.now();
    await until('the Slack message', () => (slack.messages.length > 0 ? true : undefined), 30_000);
    await until('the e-mail', () => (smtp.mails.length > 0 ? true : undefined), 30_000);
    // Seconds, where the schedule would have taken up to a minute (and here never comes).
    expect(Date.now() - ended).toBeLessThan(15_000);
    expect(slack.messages[0]!.text).toContain('*[syncworker] CRITICAL: test.failing failed*');
    expect(smtp.mails[0]!.body).toContain('the remote answered 503');
    expect(smtp.mails[0]!.body).toContain(`/api/runs/${runId}`);
  });
});

describe('the check after runs', () => {
  const log = pino({ level: 'silent' });

  it('checks once for a burst of runs ending, and once more for runs that end while it checks', async () => {
    let checks = 0;
    let release: () => void = () => undefined;
    const evaluation = promptEvaluation({
      quietMs: 50,
      log,
      check: async () => {
        checks += 1;
        await new Promise<void>((resolve) => (release = resolve));
      },
    });
    for (let i = 0; i < 20; i++) evaluation.runEnded();
    await until('the first check', () => (checks === 1 ? true : undefined));
    for (let i = 0; i < 20; i++) evaluation.runEnded();
    release();
    await until('the follow-up check', () => (checks === 2 ? true : undefined));
    release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(checks).toBe(2);
    await evaluation.stop();
  });

  it('checks within five quiet periods of the first run ending, however long runs keep ending', async () => {
    let checkedAt = 0;
    const evaluation = promptEvaluation({
      quietMs: 100,
      log,
      check: () => {
        checkedAt = Date.now();
        return Promise.resolve();
      },
    });
    const first = Date.now();
    while (checkedAt === 0 && Date.now() - first < 5_000) {
      evaluation.runEnded();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(checkedAt - first).toBeGreaterThanOrEqual(450);
    expect(checkedAt - first).toBeLessThan(2_000);
    await evaluation.stop();
  });

  it('checks nothing after it is stopped', async () => {
    let checks = 0;
    const evaluation = promptEvaluation({
      quietMs: 20,
      log,
      check: () => {
        checks += 1;
        return Promise.resolve();
      },
    });
    evaluation.runEnded();
    await evaluation.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(checks).toBe(0);
  });
});
