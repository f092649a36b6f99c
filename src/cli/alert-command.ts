/**
 * `syncworker alert test`: proves the alert channels reach someone before a real failure has to; exit 1 when none is
 * configured or one of them failed.
 */
import { sendTestAlert } from '../alerts/test-alert.js';
import type { Config } from '../config/index.js';
import { usage } from './usage.js';

export async function alertCommand(config: Config, subcommand: string | undefined): Promise<number> {
  if (subcommand !== 'test') {
    process.stderr.write(`alert needs a subcommand: alert test\n\n${usage}`);
    return 2;
  }
  const outcomes = await sendTestAlert(config);
  if (outcomes.length === 0) {
    process.stdout.write(
      'No alert channel is configured: set ALERT_SLACK_WEBHOOK_URL, or ALERT_SMTP_URL with ALERT_EMAIL_TO.\n',
    );
    return 1;
  }
  for (const o of outcomes) process.stdout.write(`${o.channel}: ${o.ok ? 'OK' : 'FAILED'} — ${o.detail}\n`);
  return outcomes.every((o) => o.ok) ? 0 : 1;
}
