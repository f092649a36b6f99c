/** How an alert reads in a message, and the redaction every message passes before it is stored or sent. */
import type { AlertLink } from '../models/alerts.js';

export interface Message {
  subject: string;
  body: string;
}

export type MessageKind = 'opened' | 'resolved';

interface AlertText {
  key: string;
  severity: string;
  title: string;
  detail: string;
  links: AlertLink[];
  openedAt: Date;
  resolvedAt?: Date | null;
}

export function alertMessage(alert: AlertText, kind: MessageKind): Message {
  if (kind === 'resolved') {
    return {
      subject: `[syncworker] Resolved: ${alert.title}`,
      body:
        `Resolved: ${alert.title}\n` +
        `Open from ${alert.openedAt.toISOString()} to ${(alert.resolvedAt ?? new Date()).toISOString()}.\n` +
        `Alert key: ${alert.key}`,
    };
  }
  const links = alert.links.map((l) => `  ${l.label}: ${l.href}`).join('\n');
  return {
    subject: `[syncworker] ${alert.severity === 'critical' ? 'CRITICAL' : 'Warning'}: ${alert.title}`,
    body:
      `${alert.title}\n\n${alert.detail}\n` +
      (links ? `\nLinks:\n${links}\n` : '') +
      `\nAlert key: ${alert.key} (one message until it is resolved).`,
  };
}

export function digestMessage(open: AlertText[], resolved: AlertText[], since: Date, now: Date): Message {
  const line = (a: AlertText) => `  - [${a.severity}] ${a.title} (since ${a.openedAt.toISOString()})`;
  return {
    subject: `[syncworker] Daily digest: ${open.length} open alert${open.length === 1 ? '' : 's'}`,
    body:
      `Alerts from ${since.toISOString()} to ${now.toISOString()}.\n\n` +
      `Open (${open.length}):\n${open.map(line).join('\n') || '  none'}\n\n` +
      `Resolved in this period (${resolved.length}):\n${resolved.map(line).join('\n') || '  none'}\n`,
  };
}

export function testMessage(now: Date): Message {
  return {
    subject: '[syncworker] Test alert',
    body: `This is a test alert sent by "syncworker alert test" at ${now.toISOString()}. Alerts reach this channel.`,
  };
}

/**
 * Every known secret, also its URL-encoded form (a password inside an SMTP URL), is replaced before a message is
 * stored or sent: a detail copied from an error can quote a URL or a header.
 */
export function redactor(secrets: string[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s)]))]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

export function redactMessage(message: Message, redact: (text: string) => string): Message {
  return { subject: redact(message.subject), body: redact(message.body) };
}
