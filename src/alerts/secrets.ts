/**
 * The values a message must never show: every secret variable, and the parts of secret URLs that are secret on their
 * own (the SMTP password, the token path of a Slack webhook), which an error message can quote without the rest.
 */
import { secretValues, type Config } from '../config/index.js';

function urlParts(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    return [
      parsed.password,
      decodeURIComponent(parsed.password),
      parsed.pathname.length > 1 ? parsed.pathname : '',
    ];
  } catch {
    return [];
  }
}

export function alertSecrets(config: Config): string[] {
  return [
    ...secretValues(config),
    ...urlParts(config.ALERT_SMTP_URL),
    ...urlParts(config.ALERT_SLACK_WEBHOOK_URL),
  ].filter((s) => s.length >= 4);
}
