/**
 * Objects several features must share rather than each build their own: above all one client per external account,
 * because the account's rate limit and concurrency are the account's, not a feature's. Two limiters for one NetSuite
 * account would together send twice what the account allows.
 */
export interface Stoppable {
  stop(): Promise<void>;
}

export class SharedResources {
  private readonly byKey = new Map<string, Stoppable>();

  /** The one instance for `key`, created by the first feature that asks for it. */
  get<T extends Stoppable>(key: string, create: () => T): T {
    let resource = this.byKey.get(key);
    if (!resource) {
      resource = create();
      this.byKey.set(key, resource);
    }
    return resource as T;
  }

  /** Stops every resource once, after the features that used them have stopped. */
  async stop(): Promise<void> {
    const resources = [...this.byKey.values()];
    this.byKey.clear();
    await Promise.all(resources.map((r) => r.stop()));
  }
}
