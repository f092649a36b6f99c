/**
 * Where alerts go: a Slack incoming webhook (a POST of `{"text": …}`, as Slack documents it) and e-mail over SMTP.
 * Each send has its own time limit, so a channel that hangs fails the attempt instead of holding the worker.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.js';
import { configured, notConfigured, type Configured } from '../config/configured.js';
import type { Message } from './messages.js';

export interface AlertChannel {
  /** Stored with each delivery: 'slack' or 'email'. */
  name: string;
  send(message: Message, timeoutMs: number): Promise<void>;
  close?(): void;
}

export class ChannelError extends Error {
  constructor(channel: string, detail: string) {
    super(`${channel}: ${detail}`);
    this.name = 'ChannelError';
  }
}

export function slackChannel(webhookUrl: string): AlertChannel {
  return {
    name: 'slack',
    async send(message, timeoutMs) {
      let response: Response;
      try {
        response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `*${message.subject}*\n${message.body}` }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new ChannelError('Slack', `the webhook could not be reached (${describe(error)})`);
      }
      const reply = (await response.text().catch(() => '')).slice(0, 200);
      // Slack answers 200 "ok"; anything else (404 no_service, 403 invalid_token, 5xx) is a failed attempt.
      if (!response.ok)
        throw new ChannelError('Slack', `the webhook answered ${response.status} ${reply}`.trim());
    },
  };
}

export function emailChannel(settings: EmailSettings): AlertChannel {
  const transport = nodemailer.createTransport(settings.smtpUrl);
  return {
    name: 'email',
    async send(message, timeoutMs) {
      // nodemailer's own timeouts cover each phase; the race bounds the whole send, however slow each phase is.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ChannelError('E-mail', `the SMTP server did not accept the message within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      });
      try {
        await Promise.race([
          transport.sendMail({
            from: settings.from,
            to: settings.to,
            subject: message.subject,
            text: message.body,
          }),
          timeout,
        ]);
      } catch (error) {
        throw error instanceof ChannelError ? error : new ChannelError('E-mail', describe(error));
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => transport.close(),
  };
}

export interface EmailSettings {
  smtpUrl: string;
  from: string;
  to: string[];
}

export interface ChannelSettings {
  slack: Configured<{ webhookUrl: string }>;
  email: Configured<EmailSettings>;
}

export function channelSettings(config: Config): ChannelSettings {
  return {
    slack: config.ALERT_SLACK_WEBHOOK_URL
      ? configured({ webhookUrl: config.ALERT_SLACK_WEBHOOK_URL })
      : notConfigured(['ALERT_SLACK_WEBHOOK_URL'], 'Slack alerts need an incoming webhook URL'),
    email: !config.ALERT_SMTP_URL
      ? notConfigured(['ALERT_SMTP_URL'], 'e-mail alerts need an SMTP server')
      : config.ALERT_EMAIL_TO.length === 0
        ? notConfigured(['ALERT_EMAIL_TO'], 'e-mail alerts need at least one recipient')
        : configured({
            smtpUrl: config.ALERT_SMTP_URL,
            from: config.ALERT_EMAIL_FROM,
            to: config.ALERT_EMAIL_TO,
          }),
  };
}

export function channelsFrom(settings: ChannelSettings): AlertChannel[] {
  return [
    ...(settings.slack.configured ? [slackChannel(settings.slack.settings.webhookUrl)] : []),
    ...(settings.email.configured ? [emailChannel(settings.email.settings)] : []),
  ];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
