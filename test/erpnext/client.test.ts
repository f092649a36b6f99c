import { afterEach, describe, expect, it } from 'vitest';
import { ErpNextClient, type Exchange } from '../../src/connectors/erpnext/client.js';
import { ErpNextError } from '../../src/connectors/erpnext/errors.js';
import { customerDoc } from '../../src/connectors/erpnext/schemas.js';
import { startErpNextSimulator, type ErpNextSimulator } from '../sim/erpnext/server.js';

const settings = (url: string, overrides: Partial<ConstructorParameters<typeof ErpNextClient>[0]> = {}) => ({
  url,
  apiKey: 'sim-api-key',
  apiSecret: 'sim-api-secret',
  requestsPerSecond: 1000,
  timeoutMs: 3000,
  retries: 3,
  retryBaseMs: 10,
  ...overrides,
});

describe('ERPNext client', () => {
  let sim: ErpNextSimulator;
  afterEach(async () => sim?.close());

  it('waits out a 429 as Retry-After says and then succeeds', async () => {
    sim = await startErpNextSimulator({ rateLimitPerSecond: 2 });
    const client = new ErpNextClient(settings(sim.url));
    const trace: Exchange[] = [];
    // ERPNext counts per calendar second: five requests sent together fall into at most two seconds, so one of them
    // holds more than two and at least one request is refused, however the requests straddle a second boundary.
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        client.list('Customer', { fields: ['name'], limitPageLength: 5 }, customerDoc.pick({ name: true }), {
          trace,
        }),
      ),
    );
    expect(results).toHaveLength(5);
    expect(trace.some((t) => t.status === 429)).toBe(true);
    expect(trace.filter((t) => t.status === 200)).toHaveLength(5);
  });

  it('types refusals, keeps the credentials out of the trace, and resends a POST only when ERPNext was never reached', async () => {
    sim = await startErpNextSimulator();
    const client = new ErpNextClient(settings(sim.url));
    const trace: Exchange[] = [];
    const refused = await client
      .insert('Customer', { customer_name: 'X', territory: 'Atlantis' }, customerDoc, { trace })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ErpNextError);
    expect((refused as ErpNextError).kind).toBe('validation');
    expect((refused as ErpNextError).message).toContain('Could not find Territory: Atlantis');
    expect(trace).toHaveLength(1);
    expect(JSON.stringify(trace)).not.toContain('sim-api-secret');

    const wrong = new ErpNextClient(settings(sim.url, { apiSecret: 'nope' }));
    await expect(wrong.loggedUser()).rejects.toMatchObject({ kind: 'auth', status: 401 });
    await expect(client.get('Customer', 'CUST-0000-00000', customerDoc)).rejects.toMatchObject({
      kind: 'not-found',
    });

    await sim.goDown();
    const downTrace: Exchange[] = [];
    const down = await client
      .insert('Customer', { customer_name: 'Y' }, customerDoc, { trace: downTrace })
      .catch((e: unknown) => e);
    // A refused connection never reached ERPNext, so it is retried even for a POST.
    expect(down).toMatchObject({ kind: 'unavailable', notReached: true });
    expect(downTrace).toHaveLength(4);
  });
});
