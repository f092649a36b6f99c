/**
 * Variables of the alerts: where they go (a Slack incoming webhook, e-mail over SMTP, both optional), which rules
 * raise them, and how often the worker looks. Without any channel alerts are still kept and shown by the API.
 */
import { z } from 'zod';
import { booleanString, durationMs, listString, variable } from './env.js';

export const alertRuleNames = [
  'run-failed',
  'stale',
  'markup-changed',
  'quarantined',
  'oversold',
  'outbox-failed',
  'circuit-open',
] as const;
export type AlertRuleName = (typeof alertRuleNames)[number];

export const alertVariables = {
  ALERT_SLACK_WEBHOOK_URL: variable(
    z.url({ protocol: /^https?$/, message: 'expected an https:// incoming webhook URL' }).optional(),
    {
      example: 'https://hooks.slack.com/services/T000/B000/XXXXXXXX',
      secret: true,
      description: 'Slack incoming webhook the alerts are posted to. Unset: no Slack messages.',
    },
  ),
  ALERT_SMTP_URL: variable(
    z.url({ protocol: /^smtps?$/, message: 'expected an smtp:// or smtps:// URL' }).optional(),
    {
      example: 'smtps://alerts%40example.com:app-password@smtp.example.com:465',
      secret: true,
      description:
        'SMTP server for alert e-mail, with user and password in the URL (smtps:// for TLS on connect). Unset: no e-mail.',
    },
  ),
  ALERT_EMAIL_FROM: variable(z.string().min(3).default('syncworker <syncworker@localhost>'), {
    example: 'syncworker <alerts@example.com>',
    description: 'Sender of alert e-mail.',
  }),
  ALERT_EMAIL_TO: variable(listString.default([]), {
    example: 'ops@example.com,owner@example.com',
    description: 'Recipients of alert e-mail (comma-separated); required with ALERT_SMTP_URL.',
  }),
  ALERT_RULES: variable(listString.pipe(z.array(z.enum(alertRuleNames))).default([...alertRuleNames]), {
    example: alertRuleNames.join(','),
    description: `Rules that raise alerts (comma-separated, any of ${alertRuleNames.join(', ')}).`,
  }),
  ALERT_EVALUATE_SCHEDULE: variable(z.string().min(1).default('1 minute'), {
    example: '1 minute',
    description:
      'How often alerts.evaluate checks the rules and sends what is due (cron or Agenda interval).',
  }),
  ALERT_EVALUATE_AFTER_RUN_MS: variable(durationMs.default(1_000), {
    example: '1000',
    description:
      'The rules are also checked this long after runs stop ending (at most five times it after the first), so a failed run is announced within seconds; 0: only on ALERT_EVALUATE_SCHEDULE.',
  }),
  ALERT_STALE_FACTOR: variable(z.coerce.number().min(1).default(3), {
    example: '3',
    description:
      'A scheduled job is stale when its last successful run is older than this many times its usual interval.',
  }),
  ALERT_QUARANTINE_MIN: variable(z.coerce.number().int().min(1).default(1), {
    example: '1',
    description: "Quarantined records in a job's latest run that raise an alert.",
  }),
  ALERT_IMMEDIATE: variable(booleanString.default(true), {
    example: 'true',
    description: 'Send each alert and its resolution as it happens. false: only the daily digest is sent.',
  }),
  ALERT_DIGEST_SCHEDULE: variable(z.string().min(1).optional(), {
    example: '0 8 * * *',
    description: 'When alerts.digest sends a summary of open and recent alerts (cron). Unset: no digest.',
  }),
  ALERT_SEND_TIMEOUT_MS: variable(durationMs.default(10_000), {
    example: '10000',
    description: 'How long one message may take to reach a channel before it is retried later.',
  }),
  ALERT_SEND_ATTEMPTS: variable(z.coerce.number().int().min(1).max(100).default(12), {
    example: '12',
    description:
      'Attempts to deliver one message, with growing waits (30 s doubling up to 1 h), before it is failed.',
  }),
  ALERT_RETRY_BASE_MS: variable(durationMs.default(30_000), {
    example: '30000',
    description: 'Wait before the second attempt to deliver a message; doubles with each attempt, up to 1 h.',
  }),
};
