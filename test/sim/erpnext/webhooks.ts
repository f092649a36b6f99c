/**
 * Outgoing webhooks of the simulated site, as frappe/integrations/doctype/webhook/webhook.py sends them: the body is
 * Python's json.dumps of the rendered template, signed with base64 HMAC-SHA256 in X-Frappe-Webhook-Signature, no
 * Content-Type added, a 5 s timeout, and up to 3 attempts with sleeps of 3*i+1 seconds (scalable for tests). Any
 * non-2xx reply counts as a failure. Every attempt is kept, like Frappe's Webhook Request Log.
 */
import { createHmac } from 'node:crypto';
import { pythonJsonDumps } from './python-json.js';
import type { Doc, DocEvent } from './site.js';

export interface WebhookConfig {
  url: string;
  /** Undefined: "Enable Security" off, no signature header. */
  secret?: string;
  doctype?: string;
  events?: DocEvent[];
  /** Extra headers configured on the webhook (Frappe adds none by itself). */
  headers?: Record<string, string>;
}

export interface WebhookAttempt {
  url: string;
  event: DocEvent;
  name: string;
  body: string;
  signature?: string;
  attempt: number;
  status?: number;
  error?: string;
}

export class WebhookSender {
  readonly log: WebhookAttempt[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly hooks: WebhookConfig[],
    private readonly options: { retryDelaysMs: number[]; timeoutMs: number },
  ) {}

  /** Configures one more webhook (a receiver that only gets its URL after the site is up). */
  add(hook: WebhookConfig): void {
    this.hooks.push(hook);
  }

  /** Queued like Frappe's background job: the write that caused it does not wait. */
  send(event: DocEvent, doc: Doc): void {
    for (const hook of this.hooks) {
      if ((hook.doctype ?? 'Customer') !== doc.doctype) continue;
      if (hook.events && !hook.events.includes(event)) continue;
      // The template our connector documents: {"event": "…", "doctype": "{{doc.doctype}}", "name": "{{doc.name}}", "modified": "{{doc.modified}}"}
      const body = pythonJsonDumps({ event, doctype: doc.doctype, name: doc.name, modified: doc.modified });
      this.deliver(hook, event, doc.name, body);
    }
  }

  /** Sends a logged body again, as Frappe does when a person re-runs a Webhook Request Log entry. */
  replay(index: number): void {
    const entry = this.log[index];
    if (!entry) throw new Error(`no webhook attempt #${index}`);
    const hook = this.hooks.find((h) => h.url === entry.url)!;
    this.deliver(hook, entry.event, entry.name, entry.body);
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private deliver(hook: WebhookConfig, event: DocEvent, name: string, body: string): void {
    const job = this.attempts(hook, event, name, body).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  private async attempts(hook: WebhookConfig, event: DocEvent, name: string, body: string): Promise<void> {
    const signature = hook.secret
      ? createHmac('sha256', Buffer.from(hook.secret, 'utf8')).update(body, 'utf8').digest('base64')
      : undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const entry: WebhookAttempt = { url: hook.url, event, name, body, signature, attempt };
      this.log.push(entry);
      try {
        const response = await fetch(hook.url, {
          method: 'POST',
          headers: {
            ...(hook.headers ?? {}),
            ...(signature ? { 'X-Frappe-Webhook-Signature': signature } : {}),
          },
          // Bytes, not a string: fetch would add "Content-Type: text/plain", and Frappe sends none.
          body: Buffer.from(body, 'utf8'),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        entry.status = response.status;
        await response.arrayBuffer();
        if (response.ok) return;
      } catch (error) {
        entry.error = String((error as Error).message ?? error);
      }
      const wait = this.options.retryDelaysMs[attempt - 1];
      if (attempt < 3 && wait !== undefined) await new Promise((r) => setTimeout(r, wait));
    }
  }
}
