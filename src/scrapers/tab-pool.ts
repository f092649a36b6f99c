/**
 * Work spread over a fixed number of browser tabs. The list reader adds documents as it reads them and each tab takes
 * the next one as soon as it is free, so no tab waits for the others or for the list's next page. The queue is
 * bounded, so the list never runs far ahead of the details. After a failure nothing new starts, and the failure is
 * rethrown by the next `add` or `idle`.
 */
export class TabPool<T> {
  private readonly queue: T[] = [];
  private readonly freeSlots: number[];
  private running = 0;
  private failure: { error: unknown } | null = null;
  private wake: (() => void) | null = null;
  private changed: Promise<void> | null = null;

  constructor(
    width: number,
    private readonly work: (item: T, slot: number) => Promise<void>,
    private readonly capacity = Math.max(width, 1) * 2,
  ) {
    this.freeSlots = Array.from({ length: Math.max(width, 1) }, (_, slot) => slot);
  }

  /**
   * Queues an item, waiting while the queue is full. A `first` item goes ahead of the queue without waiting: the next
   * page of a list, which the items already queued come from, must not wait behind them.
   */
  async add(item: T, options: { first?: boolean } = {}): Promise<void> {
    this.throwIfFailed();
    if (options.first) {
      this.queue.unshift(item);
      this.start();
      return;
    }
    while (this.queue.length >= this.capacity) {
      await this.nextChange();
      this.throwIfFailed();
    }
    this.queue.push(item);
    this.start();
  }

  /** Resolves once every queued item is done; rejects with the first failure once the running items have ended. */
  async idle(): Promise<void> {
    while (this.running > 0 || (this.queue.length > 0 && this.failure === null)) await this.nextChange();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private start(): void {
    while (this.failure === null && this.queue.length > 0 && this.freeSlots.length > 0) {
      const slot = this.freeSlots.shift()!;
      const item = this.queue.shift()!;
      this.running += 1;
      this.work(item, slot)
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.running -= 1;
          this.freeSlots.push(slot);
          this.notify();
          this.start();
        });
    }
  }

  private nextChange(): Promise<void> {
    this.changed ??= new Promise<void>((resolve) => (this.wake = resolve));
    return this.changed;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    this.changed = null;
    wake?.();
  }
}
