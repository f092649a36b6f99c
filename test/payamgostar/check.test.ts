import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { checkPayamgostar } from '../../src/connectors/payamgostar/check.js';
import { configured } from '../../src/config/configured.js';
import { connectionCheck } from '../../src/connection-check.js';
import { PayamgostarClient } from '../../src/connectors/payamgostar/client.js';
import { payamgostarSettings } from '../../src/connectors/payamgostar/settings.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';

describe('Payamgostar settings and connection check', () => {
  let sim: PayamgostarSimulator | undefined;
  let client: PayamgostarClient | undefined;
  afterEach(async () => {
    await client?.stop();
    await sim?.close();
    client = undefined;
    sim = undefined;
  });

  const env = (overrides: Record<string, string> = {}) => ({
    PAYAMGOSTAR_URL: sim?.url ?? 'http://127.0.0.1:9',
    PAYAMGOSTAR_USERNAME: 'webservice',
    PAYAMGOSTAR_PASSWORD: 'sim-password',
    PAYAMGOSTAR_RETRY_BASE_MS: '10',
    ...overrides,
  });

  const checkWith = (variables: Record<string, string | undefined>) => {
    const settings = payamgostarSettings(loadConfig(variables));
    if (!settings.configured) return connectionCheck('payamgostar', settings, checkPayamgostar).check();
    client = new PayamgostarClient(settings.settings);
    return connectionCheck('payamgostar', configured(client), checkPayamgostar).check();
  };

  it('is not configured until the URL, user name and password are set, and says which are missing', async () => {
    const settings = payamgostarSettings(loadConfig({ PAYAMGOSTAR_URL: 'https://crm.example.ir' }));
    expect(settings).toEqual({
      configured: false,
      missing: ['PAYAMGOSTAR_USERNAME', 'PAYAMGOSTAR_PASSWORD'],
      reason: 'Payamgostar is not configured: set PAYAMGOSTAR_USERNAME, PAYAMGOSTAR_PASSWORD',
    });
    await expect(checkWith({})).resolves.toEqual({
      ok: false,
      detail:
        'Payamgostar is not configured: set PAYAMGOSTAR_URL, PAYAMGOSTAR_USERNAME, PAYAMGOSTAR_PASSWORD',
    });
  });

  it('takes the defaults the research names, and refuses a bad value with an example', () => {
    const settings = payamgostarSettings(loadConfig(env({ PAYAMGOSTAR_URL: 'https://crm.example.ir/' })));
    expect(settings.configured && settings.settings).toMatchObject({
      baseUrl: 'https://crm.example.ir',
      deviceId: 'syncworker',
      pageSize: 150,
      retries: 3,
      timeZone: 'Asia/Tehran',
      customerNumbers: { prefix: '100-', offset: 1000 },
    });
    expect(() => loadConfig(env({ PAYAMGOSTAR_CUSTOMER_NUMBER_PREFIX: '100 -' }))).toThrow(
      'PAYAMGOSTAR_CUSTOMER_NUMBER_PREFIX',
    );
    expect(() => loadConfig(env({ PAYAMGOSTAR_TIME_ZONE: 'Tehran' }))).toThrow(
      '(for example PAYAMGOSTAR_TIME_ZONE=Asia/Tehran)',
    );
  });

  it('passes with one login and one list request, naming the user and the token’s end', async () => {
    sim = await startPayamgostarSimulator({ generate: { persons: 3 } });
    const result = await checkWith(env());
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(
      /^Logged in to http:\/\/127\.0\.0\.1:\d+ as webservice; the token is valid until .*\+03:30/,
    );
    expect(sim.requests.map((r) => [r.path, r.status])).toEqual([
      ['/api/v2/auth/login', 200],
      ['/api/v2/crmobject/identity/getIdentitiesSimple', 200],
    ]);
    expect(sim.requests[1]!.body).toMatchObject({ pageNumber: 0, pageSize: 1, identityType: 1 });
  });

  it('fails with what to do: wrong password, unreachable CRM', async () => {
    sim = await startPayamgostarSimulator();
    const wrong = await checkWith(env({ PAYAMGOSTAR_PASSWORD: 'nope' }));
    expect(wrong.ok).toBe(false);
    expect(wrong.detail).toContain('check PAYAMGOSTAR_USERNAME and PAYAMGOSTAR_PASSWORD');
    await client?.stop();

    const url = sim.url;
    await sim.close();
    sim = undefined;
    const down = await checkWith(env({ PAYAMGOSTAR_URL: url }));
    expect(down.ok).toBe(false);
    expect(down.detail).toContain('ECONNREFUSED');
  });
});
