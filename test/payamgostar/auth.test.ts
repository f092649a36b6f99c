import { afterEach, describe, expect, it } from 'vitest';
import { loginPath } from '../../src/connectors/payamgostar/auth.js';
import { PayamgostarClient } from '../../src/connectors/payamgostar/client.js';
import { parseOffsetTimestamp } from '../../src/connectors/payamgostar/dates.js';
import { PayamgostarError } from '../../src/connectors/payamgostar/errors.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';
import { requestsTo, settingsFor } from './harness.js';

const personGet = '/api/v2/crmobject/person/get';

describe('Payamgostar session', () => {
  let sim: PayamgostarSimulator;
  let client: PayamgostarClient | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await sim?.close();
  });

  it('logs in with the device fields and sends the token as a bearer; expiresAt is read with its offset', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 } });
    client = new PayamgostarClient(settingsFor(sim));
    const [person] = sim.crm.listIdentities();
    const before = Date.now();
    await client.getPerson(person!.crmId as string);

    const [login, get] = sim.requests;
    expect(login).toMatchObject({ path: loginPath, status: 200 });
    expect(login!.body).toEqual({
      username: 'webservice',
      password: '***',
      deviceId: 'syncworker-test',
      platformType: 1,
      os: 'Linux',
      osVersion: '1.0',
      token: '',
    });
    const token = client.session.token!;
    expect(get).toMatchObject({ path: personGet, status: 200, bearer: token.accessToken });
    expect(token.expiresAtText).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+03:30$/);
    expect(token.expiresAt).toBe(parseOffsetTimestamp(token.expiresAtText));
    // The simulator's tokens live an hour: read with the wrong offset it would be 3.5 hours off.
    expect(token.expiresAt - before).toBeGreaterThan(3_590_000);
    expect(token.expiresAt - before).toBeLessThanOrEqual(3_600_000 + (Date.now() - before));
    expect(token.refreshToken).toBeTruthy();
  });

  it.each([
    { utcOffset: '+03:30', expiresAtFractionDigits: 7 },
    { utcOffset: '-05:00', expiresAtFractionDigits: 0 },
    { utcOffset: '+00:00', expiresAtFractionDigits: 3 },
  ])(
    'keeps one token for its whole life whatever offset and precision the server writes ($utcOffset, $expiresAtFractionDigits digits)',
    async (knobs) => {
      sim = await startPayamgostarSimulator({ generate: { persons: 1 }, ...knobs });
      client = new PayamgostarClient(settingsFor(sim));
      const id = sim.crm.listIdentities()[0]!.crmId as string;
      for (let i = 0; i < 5; i++) await client.getPerson(id);
      expect(requestsTo(sim, loginPath)).toHaveLength(1);
      expect(sim.requests.filter((r) => r.status === 401)).toHaveLength(0);
    },
  );

  it('renews the token by logging in before expiresAt, so no request meets a 401', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 }, tokenLifetimeMs: 10 * 60_000 });
    let skewMs = 0;
    client = new PayamgostarClient(settingsFor(sim), () => Date.now() + skewMs);
    const id = sim.crm.listIdentities()[0]!.crmId as string;
    await client.getPerson(id);
    const first = client.session.token!.accessToken;
    // Nine and a half of the ten minutes later, by the client's clock: inside the last minute, time to renew.
    skewMs = 9.5 * 60_000;
    await client.getPerson(id);
    await client.getPerson(id);

    expect(requestsTo(sim, loginPath)).toHaveLength(2);
    expect(client.session.token!.accessToken).not.toBe(first);
    expect(sim.requests.filter((r) => r.status === 401)).toHaveLength(0);
    expect(requestsTo(sim, personGet).map((r) => r.bearer === first)).toEqual([true, false, false]);
  });

  it('is refused with 401 by the simulated CRM once its expiresAt has passed', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 }, tokenLifetimeMs: 300 });
    const post = (path: string, body: unknown, token?: string) =>
      fetch(sim.url + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const login = (await (
      await post(loginPath, {
        username: sim.username,
        password: sim.password,
        deviceId: 'raw',
        platformType: 1,
      })
    ).json()) as { accessToken: string; expiresAt: string };
    const id = sim.crm.listIdentities()[0]!.crmId;
    expect((await post(personGet, { id }, login.accessToken)).status).toBe(200);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, parseOffsetTimestamp(login.expiresAt)! - Date.now()) + 20),
    );
    const expired = await post(personGet, { id }, login.accessToken);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('logs in once again when the CRM stops accepting the token, and repeats the request', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 } });
    client = new PayamgostarClient(settingsFor(sim));
    const id = sim.crm.listIdentities()[0]!.crmId as string;
    await client.getPerson(id);
    sim.expireTokens();
    const from = sim.requests.length;
    // Three requests refused with the same token share one new login.
    await Promise.all([client.getPerson(id), client.getPerson(id), client.getPerson(id)]);

    const after = sim.requests.slice(from);
    expect(after.filter((r) => r.path === loginPath)).toHaveLength(1);
    expect(after.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(after.filter((r) => r.path === personGet && r.status === 200)).toHaveLength(3);
  });

  it('stops at 403 "too many login attempts" and asks the CRM nothing more until the cool-down ends', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 }, lockoutAfterBadLogins: 3 });
    // Someone (an old deployment with the old password) has tried three times: the CRM locks the user out.
    for (let i = 0; i < 3; i++)
      await fetch(sim.url + loginPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: sim.username, password: 'old', deviceId: 'x', platformType: 1 }),
      });
    client = new PayamgostarClient(settingsFor(sim, { retries: 3 }));
    const id = sim.crm.listIdentities()[0]!.crmId as string;
    const from = sim.requests.length;

    const first = await client.getPerson(id).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(PayamgostarError);
    expect(first).toMatchObject({ kind: 'locked-out', status: 403 });
    expect((first as Error).message).toContain('Too many login attempts');
    expect((first as PayamgostarError).loginAllowedAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);

    // A burst of webhooks: every sync fails at once with the same error, and not one more login reaches the CRM.
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => client!.getPerson(id).catch((e: unknown) => e)),
    );
    expect(burst.every((e) => e instanceof PayamgostarError && e.kind === 'locked-out')).toBe(true);
    expect(sim.requests.slice(from)).toHaveLength(1);
  });

  it('does not retry a wrong password (which would lock the user out), and tries again after the cool-down', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 1 }, lockoutAfterBadLogins: 3 });
    client = new PayamgostarClient(settingsFor(sim, { password: 'wrong', loginCooldownMs: 300 }));
    const id = sim.crm.listIdentities()[0]!.crmId as string;

    for (let i = 0; i < 5; i++)
      await expect(client.getPerson(id)).rejects.toMatchObject({ kind: 'credentials', status: 401 });
    expect(requestsTo(sim, loginPath)).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(client.getPerson(id)).rejects.toMatchObject({ kind: 'credentials' });
    expect(requestsTo(sim, loginPath)).toHaveLength(2);
    expect(sim.requests.filter((r) => r.status === 403)).toHaveLength(0);
  });

  it('says clearly when the CRM licence lacks the MobileApp module (402)', async () => {
    sim = await startPayamgostarSimulator({ mobileAppModule: false });
    client = new PayamgostarClient(settingsFor(sim));
    const error = await client.login().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'module-missing', status: 402 });
    expect((error as Error).message).toContain('MobileApp module');
    expect(sim.requests).toHaveLength(1);
  });
});
