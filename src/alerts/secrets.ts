/**
 * The values a message must never show: every secret variable, and the parts of secret URLs that are secret on their
 * own (the SMTP password, the token path of a Slack webhook), which an error message can quote without the rest.
 */
import { secretValues, type Config } from '../config/index.js';

function urlParts(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    // A Slack webhook's path is its token (/services/T…/B…/<secret>); an error may quote any tail of it.
    const segments = parsed.pathname.split('/').filter((s) => s.length > 0);
    const tails = segments.map((_, i) => segments.slice(i).join('/')).filter((t) => t !== 'services');
    return [parsed.password, decodeURIComponent(parsed.password), ...tails];
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
