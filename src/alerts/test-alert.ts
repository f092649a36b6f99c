/** `syncworker alert test`: one test message straight to every configured channel, and what each one answered. */
import type { Config } from '../config/index.js';
import { channelSettings, channelsFrom } from './channels.js';
import { redactMessage, redactor, testMessage } from './messages.js';
import { alertSecrets } from './secrets.js';

export interface TestAlertOutcome {
  channel: string;
  ok: boolean;
  detail: string;
}

export async function sendTestAlert(config: Config): Promise<TestAlertOutcome[]> {
  const settings = channelSettings(config);
  const redact = redactor(alertSecrets(config));
  const outcomes: TestAlertOutcome[] = [];
  const channels = channelsFrom(settings);
  const message = redactMessage(testMessage(new Date()), redact);
  for (const channel of channels) {
    try {
      await channel.send(message, config.ALERT_SEND_TIMEOUT_MS);
      outcomes.push({ channel: channel.name, ok: true, detail: 'the test alert was accepted' });
    } catch (error) {
      outcomes.push({
        channel: channel.name,
        ok: false,
        detail: redact(error instanceof Error ? error.message : String(error)),
      });
    } finally {
      channel.close?.();
    }
  }
  // A channel half set up (an SMTP server without recipients) is reported, not silently skipped.
  for (const [name, s] of [
    ['slack', settings.slack],
    ['email', settings.email],
  ] as const)
    if (!s.configured && s.missing.some((v) => v !== 'ALERT_SLACK_WEBHOOK_URL' && v !== 'ALERT_SMTP_URL'))
      outcomes.push({
        channel: name,
        ok: false,
        detail: `not configured: ${s.reason} (set ${s.missing.join(', ')})`,
      });
  return outcomes;
}
