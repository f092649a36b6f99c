/**
 * The simulated CRM's outgoing webhooks, as the real one sends them: a GET to the configured URL with the query
 * parameters event, id, type and subtype (Persian, percent-encoded UTF-8) added to whatever query the URL already has
 * (the receiver's secret token), no signature, no body. Deliveries leave one after another, in the order of the
 * writes, each after the write that caused it is answered, and each is tried once [I: the CRM's queue and retry
 * behaviour are not documented]. A test may drop deliveries to play a lost one.
 */
import type { CrmChange } from './crm.js';

export interface WebhookSettings {
  enabled: boolean;
  url?: string;
}

export interface WebhookDelivery extends CrmChange {
  url: string;
  /** A delivery the test asked to lose: never sent. */
  dropped: boolean;
  status?: number;
  error?: string;
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private queue: Promise<void> = Promise.resolve();
  private toDrop = 0;

  constructor(
    readonly settings: WebhookSettings,
    private readonly timeoutMs = 5000,
  ) {}

  /** The next `count` deliveries are lost on the way (logged as dropped, never sent). */
  dropNext(count = 1): void {
    this.toDrop += count;
  }

  send(change: CrmChange): void {
    if (!this.settings.enabled || !this.settings.url) return;
    const url = new URL(this.settings.url);
    url.searchParams.append('event', change.event);
    url.searchParams.append('id', change.id);
    url.searchParams.append('type', change.type);
    url.searchParams.append('subtype', change.subtype);
    const delivery: WebhookDelivery = { ...change, url: url.toString(), dropped: this.toDrop > 0 };
    this.deliveries.push(delivery);
    if (delivery.dropped) {
      this.toDrop -= 1;
      return;
    }
    this.queue = this.queue.then(() => this.deliver(delivery));
  }

  /** Resolves when every delivery queued so far has been answered or has failed. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    // The write's reply goes out first, as from the CRM's background queue.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const response = await fetch(delivery.url, {
        method: 'GET',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      delivery.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      delivery.error = String((error as Error).message ?? error);
    }
  }
}
