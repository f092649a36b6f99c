/**
 * Outgoing webhooks of the simulated site, as frappe/integrations/doctype/webhook/webhook.py sends them. The body is
 * only what the webhook is set up to send — the fields chosen under "Webhook Data" (`{key: doc.get(fieldname)}`),
 * or the JSON template rendered with `doc` and parsed — as Python's json.dumps writes it; it names no event unless
 * the template does. It is signed with base64 HMAC-SHA256 in X-Frappe-Webhook-Signature, sent with no Content-Type
 * but the headers configured on the webhook, with a 5 s timeout, and up to 3 attempts with sleeps of 3*i+1 seconds
 * (scalable for tests). Any non-2xx reply counts as a failure. Every attempt is kept, like Frappe's Webhook Request Log.
 */
import { createHmac } from 'node:crypto';
import { pythonJsonDumps } from './python-json.js';
import type { Doc, DocEvent } from './site.js';

/** A row of the webhook's "Webhook Data" table: the body's key and the document field it takes its value from. */
export interface WebhookDataRow {
  key: string;
  fieldname: string;
}

/** The webhook's Request Structure; none chosen ("") sends the Webhook Data rows when there are any. */
export type RequestStructure = '' | 'Form URL-Encoded' | 'JSON';

export interface WebhookConfig {
  url: string;
  /** Undefined: "Enable Security" off, no signature header. */
  secret?: string;
  doctype?: string;
  events?: DocEvent[];
  /** Headers configured on the webhook (Frappe adds none by itself; its form adds a Content-Type row). */
  headers?: Record<string, string>;
  /**
   * Default "JSON". Saving the webhook keeps only what the structure uses: "Form URL-Encoded" drops the template,
   * "JSON" drops the Webhook Data rows.
   */
  requestStructure?: RequestStructure;
  webhookData?: WebhookDataRow[];
  /** A Jinja template of JSON; only `{{ doc.<field> }}` is rendered here. */
  webhookJson?: string;
}

/** The template our connector documents, set up as one webhook per event with its event written in. */
const documentedTemplate = (event: DocEvent) =>
  `{"event": "${event}", "doctype": "{{ doc.doctype }}", "name": "{{ doc.name }}", "modified": "{{ doc.modified }}"}`;

export interface FrappeWebhookRequest {
  body: string;
  headers: Record<string, string>;
  signature?: string;
}

/**
 * The request Frappe sends for `doc` (as `doc.as_dict(convert_dates_to_str=True)` holds it). Throws where Frappe
 * fails before sending: a template that does not render to JSON.
 */
export function frappeWebhookRequest(hook: WebhookConfig, event: DocEvent, doc: Doc): FrappeWebhookRequest {
  const structure = hook.requestStructure ?? 'JSON';
  const rows = structure === 'JSON' ? [] : (hook.webhookData ?? []);
  const template =
    structure === 'Form URL-Encoded'
      ? undefined
      : (hook.webhookJson ?? (hook.webhookData ? undefined : documentedTemplate(event)));
  let data: unknown = {};
  if (rows.length > 0) data = Object.fromEntries(rows.map((r) => [r.key, doc[r.fieldname] ?? null]));
  else if (template) data = JSON.parse(renderTemplate(template, doc));
  const body = pythonJsonDumps(data);
  const signature = hook.secret
    ? createHmac('sha256', Buffer.from(hook.secret, 'utf8')).update(body, 'utf8').digest('base64')
    : undefined;
  return {
    body,
    signature,
    headers: { ...(signature ? { 'X-Frappe-Webhook-Signature': signature } : {}), ...(hook.headers ?? {}) },
  };
}

/** Jinja's `{{ doc.field }}`: the value as Python's str() writes it, inserted as is (Frappe does not escape it). */
function renderTemplate(template: string, doc: Doc): string {
  return template.replace(/\{\{\s*doc\.(\w+)\s*\}\}/g, (_, field: string) => pythonStr(doc[field]));
}

function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new Error(`the simulator renders only plain values in templates, not ${JSON.stringify(value)}`);
}

export interface WebhookAttempt {
  url: string;
  event: DocEvent;
  name: string;
  body: string;
  signature?: string;
  headers: Record<string, string>;
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

  /** Deletes every webhook, as a person would in the desk. */
  clear(): void {
    this.hooks.length = 0;
  }

  /** Queued like Frappe's background job: the write that caused it does not wait. Returns the deliveries started. */
  send(event: DocEvent, doc: Doc): Promise<void>[] {
    const started: Promise<void>[] = [];
    for (const hook of this.hooks) {
      if ((hook.doctype ?? 'Customer') !== doc.doctype) continue;
      if (hook.events && !hook.events.includes(event)) continue;
      let request: FrappeWebhookRequest;
      try {
        request = frappeWebhookRequest(hook, event, doc);
      } catch (error) {
        // Frappe logs the failure in the Webhook Request Log and sends nothing.
        this.log.push({
          url: hook.url,
          event,
          name: doc.name,
          body: '',
          headers: {},
          attempt: 0,
          error: String(error),
        });
        continue;
      }
      started.push(this.deliver(hook.url, event, doc.name, request));
    }
    return started;
  }

  /** Sends a logged request again, as Frappe does when a person re-runs a Webhook Request Log entry. */
  replay(index: number): void {
    const entry = this.log[index];
    if (!entry) throw new Error(`no webhook attempt #${index}`);
    void this.deliver(entry.url, entry.event, entry.name, entry);
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private deliver(url: string, event: DocEvent, name: string, request: FrappeWebhookRequest): Promise<void> {
    const job = this.attempts(url, event, name, request).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
    return job;
  }

  private async attempts(
    url: string,
    event: DocEvent,
    name: string,
    request: FrappeWebhookRequest,
  ): Promise<void> {
    const { body, signature, headers } = request;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const entry: WebhookAttempt = { url, event, name, body, signature, headers, attempt };
      this.log.push(entry);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          // Bytes, not a string: fetch would add "Content-Type: text/plain", and Frappe sends none of its own.
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
