/** Client settings aimed at a Payamgostar simulator, fast enough for tests: no rate limit of our own, short backoffs. */
import type { PayamgostarClientSettings } from '../../src/connectors/payamgostar/client.js';
import type { PayamgostarSimulator } from '../sim/payamgostar/server.js';

export function settingsFor(
  sim: PayamgostarSimulator,
  overrides: Partial<PayamgostarClientSettings> = {},
): PayamgostarClientSettings {
  return {
    baseUrl: sim.url,
    username: sim.username,
    password: sim.password,
    deviceId: 'syncworker-test',
    pageSize: 150,
    requestsPerSecond: 1000,
    concurrency: 4,
    timeoutMs: 5000,
    retries: 3,
    retryBaseMs: 10,
    loginCooldownMs: 60_000,
    ...overrides,
  };
}

/** The simulator's requests to one path. */
export function requestsTo(sim: PayamgostarSimulator, path: string) {
  return sim.requests.filter((r) => r.path === path);
}
