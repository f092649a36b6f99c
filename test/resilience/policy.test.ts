/**
 * The resilience kit against a real HTTP server on loopback whose answers each test scripts: retries and their
 * Retry-After, which failures are never retried, re-authentication, the time limit, the circuit breaker, and the
 * attempt events a run receives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  CircuitOpenError,
  observeAttempts,
  parseRetryAfter,
  ResiliencePolicy,
  type AttemptEvent,
  type Classification,
  type PolicySettings,
} from '../../src/resilience/index.js';

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`answered ${status}`);
  }
}

const classify = (error: unknown): Classification => {
  if (!(error instanceof HttpFailure)) return { class: 'retryable' };
  const retryAfterMs = parseRetryAfter(error.retryAfter);
  if (error.status === 429) return { class: 'rate-limited', retryAfterMs };
  if (error.status === 401) return { class: 'auth' };
  if (error.status >= 500) return { class: 'retryable', retryAfterMs };
  return { class: 'permanent' };
};

describe('resilience policy', () => {
  let server: Server;
  let url: string;
  let script: Scripted[] = [];
  let requests: { at: number; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({ at: Date.now(), authorization: req.headers.authorization });
      const next = script.shift() ?? { status: 200 };
      setTimeout(() => {
        res.writeHead(next.status, next.headers);
        res.end(JSON.stringify({ ok: next.status < 400 }));
      }, next.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    requests = [];
  });

  const policy = (overrides: Partial<PolicySettings> = {}) =>
    new ResiliencePolicy({
      system: 'Scripted',
      concurrency: 2,
      retries: 3,
      retryBaseMs: 5,
      classify,
      ...overrides,
    });

  let token = 'first';
  const get = (p: ResiliencePolicy, options: { safe?: boolean } = {}) =>
    p.execute(
      async ({ signal }) => {
        const response = await fetch(url, { signal, headers: { authorization: token } });
        await response.text();
        if (!response.ok) throw new HttpFailure(response.status, response.headers.get('retry-after'));
        return response.status;
      },
      {
        what: 'GET /',
        safeToRepeat: options.safe === false ? () => false : undefined,
        reauthenticate: async () => {
          token = 'renewed';
        },
      },
    );

  it('retries server errors and succeeds, reporting each retry to the observing run', async () => {
    script = [{ status: 503 }, { status: 502 }];
    const events: AttemptEvent[] = [];
    const status = await observeAttempts(
      (e) => events.push(e),
      () => get(policy()),
    );
    expect(status).toBe(200);
    expect(requests).toHaveLength(3);
    expect(events.map((e) => [e.outcome, e.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
    ]);
    expect(events[0]).toMatchObject({ system: 'Scripted', what: 'GET /', error: 'answered 503' });
  });

  it('waits at least as long as Retry-After asks, in seconds or as an HTTP date', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' } }];
    await get(policy());
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('never retries a permanent failure, and gives up after the configured retries', async () => {
    script = [{ status: 422 }];
    await expect(get(policy())).rejects.toMatchObject({ status: 422 });
    expect(requests).toHaveLength(1);

    requests = [];
    script = Array.from({ length: 5 }, () => ({ status: 500 }));
    const events: AttemptEvent[] = [];
    await expect(
      observeAttempts(
        (e) => events.push(e),
        () => get(policy()),
      ),
    ).rejects.toMatchObject({ status: 500 });
    expect(requests).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ outcome: 'gave-up', attempt: 4 });
  });

  it('does not repeat a request the caller says is unsafe to send twice', async () => {
    script = [{ status: 503 }];
    await expect(get(policy(), { safe: false })).rejects.toMatchObject({ status: 503 });
    expect(requests).toHaveLength(1);
  });

  it('re-authenticates once on an auth failure, then tries again', async () => {
    token = 'first';
    script = [{ status: 401 }];
    expect(await get(policy())).toBe(200);
    expect(requests.map((r) => r.authorization)).toEqual(['first', 'renewed']);

    requests = [];
    script = [{ status: 401 }, { status: 401 }];
    await expect(get(policy())).rejects.toMatchObject({ status: 401 });
    expect(requests).toHaveLength(2);
  });

  it('ends an attempt at its time limit and retries it', async () => {
    script = [{ status: 200, delayMs: 500 }];
    const p = policy({ timeoutMs: 100 });
    expect(await get(p)).toBe(200);
    expect(requests).toHaveLength(2);
    const stubborn = p.execute(() => new Promise<never>(() => undefined), {
      what: 'a request that ignores its signal',
    });
    await expect(stubborn).rejects.toBeInstanceOf(AttemptTimeoutError);
  });

  it('opens the circuit after consecutive failures of the system, fails fast, and closes after a good try', async () => {
    const p = policy({ retries: 0, breakerThreshold: 3, breakerCooldownMs: 300 });
    const events: AttemptEvent[] = [];
    script = Array.from({ length: 3 }, () => ({ status: 503 }));
    await observeAttempts(
      (e) => events.push(e),
      async () => {
        for (let i = 0; i < 3; i++) await expect(get(p)).rejects.toMatchObject({ status: 503 });
        requests = [];
        const refused = get(p);
        await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
        await expect(refused).rejects.toThrow(/Scripted is failing.*last failure: answered 503/);
        expect(requests).toHaveLength(0);
        expect(p.circuit).toBe('open');
        await new Promise((r) => setTimeout(r, 350));
        expect(await get(p)).toBe(200);
      },
    );
    expect(p.circuit).toBe('closed');
    expect(events.map((e) => e.outcome)).toEqual(['circuit-opened', 'circuit-closed']);
  });

  it('does not count refusals of the request itself against the system', async () => {
    const p = policy({ retries: 0, breakerThreshold: 2 });
    script = Array.from({ length: 4 }, () => ({ status: 404 }));
    for (let i = 0; i < 4; i++) await expect(get(p)).rejects.toMatchObject({ status: 404 });
    expect(p.circuit).toBe('closed');
  });

  it('answers an aborted caller at once, even in the middle of a long backoff', async () => {
    script = [{ status: 503, headers: { 'retry-after': '30' } }];
    const controller = new AbortController();
    const call = policy().execute(
      async ({ signal }) => {
        const response = await fetch(url, { signal });
        await response.text();
        throw new HttpFailure(response.status, response.headers.get('retry-after'));
      },
      { what: 'GET /', signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    await expect(call).rejects.toThrow('shutting down');
    expect(requests).toHaveLength(1);
  });
});
