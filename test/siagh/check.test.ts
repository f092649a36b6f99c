import { afterEach, describe, expect, it } from 'vitest';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { checkSiagh } from '../../src/connectors/siagh/check.js';
import { connectionCheck } from '../../src/connection-check.js';
import { siaghSettings } from '../../src/connectors/siagh/settings.js';
import { loadConfig } from '../../src/config/index.js';
import { startSiaghSim, type SiaghSim } from '../sim/siagh/server.js';

describe('Siagh settings and connection check', () => {
  let sim: SiaghSim | undefined;
  afterEach(async () => sim?.close());

  it('names the variables still to set, and refuses a password and an MD5 that disagree', () => {
    const none = siaghSettings(loadConfig({}));
    expect(none).toMatchObject({
      configured: false,
      missing: ['SIAGH_URL', 'SIAGH_USERNAME', 'SIAGH_PASSWORD or SIAGH_PASSWORD_MD5'],
    });
    const base = { SIAGH_URL: 'http://siagh.local:8045/', SIAGH_USERNAME: 'مدیر سیستم' };
    const both = siaghSettings(
      loadConfig({ ...base, SIAGH_PASSWORD: 'a', SIAGH_PASSWORD_MD5: siaghPasswordHash('b') }),
    );
    expect(both).toMatchObject({ configured: false, reason: expect.stringContaining('disagree') });
    const fromHash = siaghSettings(
      loadConfig({ ...base, SIAGH_PASSWORD_MD5: siaghPasswordHash('pw').toLowerCase() }),
    );
    expect(fromHash).toMatchObject({
      configured: true,
      settings: {
        baseUrl: 'http://siagh.local:8045',
        passwordHash: siaghPasswordHash('pw'),
        timeZone: 'Asia/Tehran',
        retries: 3,
        preInvoiceLookupPath: '/api/Sgh/SL/Sl_Sanad/GetAll',
      },
    });
    expect(fromHash.configured && fromHash.settings.fiscalYear).toBeUndefined();
    expect(() => loadConfig({ SIAGH_PASSWORD_MD5: 'not-a-hash' })).toThrow(/SIAGH_PASSWORD_MD5.*siagh-hash/);
  });

  it('says who it logged in as, the fiscal year and Siagh date, and reads the own contact', async () => {
    sim = await startSiaghSim({ fiscalYear: 1404 });
    const config = loadConfig({
      SIAGH_URL: sim.url,
      SIAGH_USERNAME: sim.users[0]!.userName,
      SIAGH_PASSWORD: sim.users[0]!.password,
    });
    const result = await connectionCheck('siagh', siaghSettings(config), checkSiagh).check();
    expect(result.ok).toBe(true);
    expect(result.detail).toMatch(
      /^Logged in to Siagh at http:\/\/127\.0\.0\.1:\d+ as مدیر سیستم \(دفتر مرکزی\)/,
    );
    expect(result.detail).toContain('fiscal year 1404');
    expect(result.detail).toMatch(/Siagh date 1[34]\d\d\/\d\d\/\d\d \d\d:\d\d/);
    expect(result.detail).toContain('own contact 2');
    expect(sim.requests.map((r) => r.path)).toEqual([
      '/GeneralApi/LoginUser',
      '/api/Sgh/GEN/Gn_Web_Users/GetAll',
    ]);
  });

  it('reports a wrong password, an unreachable Siagh, a wrong time zone and an unconfigured connector', async () => {
    sim = await startSiaghSim({ fiscalYear: 1404 });
    const settings = {
      baseUrl: sim.url,
      userName: sim.users[0]!.userName,
      passwordHash: siaghPasswordHash('wrong'),
      timeZone: 'Asia/Tehran',
      requestsPerSecond: 100,
      concurrency: 2,
      timeoutMs: 2000,
      retries: 3,
      retryBaseMs: 10,
      preInvoiceLookupPath: '/api/Sgh/SL/Sl_Sanad/GetAll',
    };
    const refused = await checkSiagh(settings);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain('Invalid username or password');
    expect(refused.detail).toContain('SIAGH_USERNAME');

    const right = { ...settings, passwordHash: siaghPasswordHash(sim.users[0]!.password) };
    const skewed = await checkSiagh({ ...right, timeZone: 'UTC', fiscalYear: 1403 });
    expect(skewed.ok).toBe(true);
    expect(skewed.detail).toContain('check SIAGH_TIME_ZONE (UTC)');
    expect(skewed.detail).toContain('SIAGH_FISCAL_YEAR=1403 overrides it');

    await sim.close();
    const down = await checkSiagh(right);
    sim = undefined;
    expect(down.ok).toBe(false);
    expect(down.detail).toContain('ECONNREFUSED');

    const unconfigured = await connectionCheck('siagh', siaghSettings(loadConfig({})), checkSiagh).check();
    expect(unconfigured).toEqual({
      ok: false,
      detail: 'Siagh is not configured: set SIAGH_URL, SIAGH_USERNAME, SIAGH_PASSWORD or SIAGH_PASSWORD_MD5',
    });
  });
});
