/** `syncworker alert test` as a person runs it: one test message per configured channel, and what each answered. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackWebhook, startSmtpServer } from './receivers.js';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const smtpPassword = 'cli-smtp-secret';
const slackToken = 'T9/B9/cliSlackToken';

function alertTest(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, 'alert', 'test'],
      // Only what the command needs: the developer's own ALERT_* or DATABASE_URL must not leak in.
      { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('syncworker alert test', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let slack: Awaited<ReturnType<typeof startSlackWebhook>>;
  beforeEach(async () => {
    smtp = await startSmtpServer({ user: 'alerts', pass: smtpPassword });
    slack = await startSlackWebhook(slackToken);
  });
  afterEach(async () => {
    await smtp.stop();
    await slack.stop();
  });

  it('sends one test alert through every configured channel and says each arrived', async () => {
    const result = await alertTest({
      ALERT_SLACK_WEBHOOK_URL: slack.url,
      ALERT_SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: 'ops@example.com',
    });
    expect(result.stdout).toBe(
      'slack: OK — the test alert was accepted\nemail: OK — the test alert was accepted\n',
    );
    expect(result.code).toBe(0);
    expect(smtp.mails.map((m) => [m.subject, m.to])).toEqual([
      ['[syncworker] Test alert', ['ops@example.com']],
    ]);
    expect(slack.messages[0]!.text).toContain('This is a test alert sent by "syncworker alert test"');
  });

  it('says which channel failed and why, without its secret, and exits 1', async () => {
    slack.state.mode = 'down';
    const result = await alertTest({
      ALERT_SLACK_WEBHOOK_URL: slack.url,
      ALERT_SMTP_URL: smtp.url.replace(smtpPassword, 'wrong-password'),
      ALERT_EMAIL_TO: 'ops@example.com',
    });
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('slack: FAILED — Slack: the webhook answered 500 internal_error');
    expect(lines[1]).toMatch(/^email: FAILED — E-mail: .*Invalid username or password/);
    expect(result.stdout).not.toContain('wrong-password');
    expect(result.stdout).not.toContain(slackToken);
    expect(smtp.mails).toEqual([]);
  });

  it('names the missing variables when nothing or half of a channel is configured', async () => {
    const none = await alertTest({});
    expect(none).toMatchObject({ code: 1 });
    expect(none.stdout).toContain(
      'No alert channel is configured: set ALERT_SLACK_WEBHOOK_URL, or ALERT_SMTP_URL',
    );
    const half = await alertTest({ ALERT_SMTP_URL: smtp.url });
    expect(half.code).toBe(1);
    expect(half.stdout).toBe(
      'email: FAILED — not configured: e-mail alerts need at least one recipient (set ALERT_EMAIL_TO)\n',
    );
  }, 240_000);
});
