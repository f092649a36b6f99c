/**
 * Change notifications of the simulated Siagh. Siagh has no webhook of its own (research §3); a site that wants one
 * makes a BPMS flow or a database trigger call a URL after a contact is saved. This plays that part: after each
 * contact saved — through SaveFormData or by a person in Siagh — a GET to the configured URL with `code=<Code>`
 * added to its query, one after another in the order of the saves, each after the save's reply [I].
 */

export interface NotificationSettings {
  /** undefined: no notifications. */
  url?: string;
}

export interface NotificationDelivery {
  code: number;
  url: string;
  status?: number;
  error?: string;
}

export class ContactNotifier {
  readonly deliveries: NotificationDelivery[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly settings: NotificationSettings,
    private readonly timeoutMs = 5000,
  ) {}

  contactSaved(code: number): void {
    if (!this.settings.url) return;
    const url = new URL(this.settings.url);
    url.searchParams.append('code', String(code));
    const delivery: NotificationDelivery = { code, url: url.toString() };
    this.deliveries.push(delivery);
    this.queue = this.queue.then(() => this.deliver(delivery));
  }

  /** Resolves when every notification queued so far has been answered or has failed. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  private async deliver(delivery: NotificationDelivery): Promise<void> {
    // The save's reply goes out first, as from a trigger that runs after the commit.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const response = await fetch(delivery.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      delivery.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      delivery.error = String((error as Error).message ?? error);
    }
  }
}
