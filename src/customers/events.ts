/**
 * Live customer events for Server-Sent Events subscribers: created, updated, deactivated. Published after the change
 * is committed, whether it came from the API, a pull or a webhook; subscribers that fall behind are never waited for.
 */
import { EventEmitter } from 'node:events';

export const customerEventTypes = ['customer.created', 'customer.updated', 'customer.deactivated'] as const;
export type CustomerEventType = (typeof customerEventTypes)[number];

export interface CustomerEvent {
  /** Increasing per process: the SSE event id. */
  id: number;
  type: CustomerEventType;
  customerId: string;
  name: string;
  /** Where the change came from. */
  source: 'api' | 'erpnext';
  at: string;
}

export class CustomerEvents {
  private readonly emitter = new EventEmitter();
  private nextId = 1;

  constructor() {
    // Each open SSE connection is one listener; the default warning at 10 would be noise, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(event: Omit<CustomerEvent, 'id' | 'at'>): void {
    this.emitter.emit('event', {
      ...event,
      id: this.nextId++,
      at: new Date().toISOString(),
    } satisfies CustomerEvent);
  }

  subscribe(listener: (event: CustomerEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
