import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, secretValues } from '../../src/config/index.js';
import { portalConfigured, portalSettings } from '../../src/config/portals.js';

describe('configuration', () => {
  it('starts with defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.DATA_DIR).toBe('./data');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.API_KEYS).toEqual([]);
  });

  it('says of each portal which variables are still to set, in the shape every connector uses', () => {
    const given = { ROUTESTAR_BASE_URL: 'https://rs.example', ROUTESTAR_USERNAME: 'dispatch' };
    const config = loadConfig(given);
    expect(portalConfigured(portalSettings(config, 'routestar'))).toEqual({
      configured: false,
      missing: ['ROUTESTAR_PASSWORD'],
      reason: 'RouteStar is not configured: set ROUTESTAR_PASSWORD to scrape it.',
    });
    const customerConnect = portalConfigured(portalSettings(config, 'customerconnect'));
    expect(customerConnect.configured ? [] : customerConnect.missing).toEqual([
      'CUSTOMERCONNECT_BASE_URL',
      'CUSTOMERCONNECT_EMAIL',
      'CUSTOMERCONNECT_PASSWORD',
    ]);
    const ready = portalConfigured(
      portalSettings(loadConfig({ ...given, ROUTESTAR_PASSWORD: 'secret' }), 'routestar'),
    );
    expect(ready).toMatchObject({ configured: true, settings: { baseUrl: 'https://rs.example' } });
  });

  it('names every bad variable, says what is wrong and gives an example', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', RETENTION_DAYS: '0', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'RETENTION_DAYS',
    ]);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT: expected a port number');
    expect(message).toContain('(for example PORT=8080)');
    expect(message).toContain('DATABASE_URL: expected a postgres:// URL');
  });

  it('never repeats a secret value in its error message', () => {
    try {
      loadConfig({ DATABASE_URL: 'not a url with hunter2' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('treats blank values as unset and splits lists', () => {
    const config = loadConfig({ PORT: '  ', API_KEYS: 'one-key, two-key ,' });
    expect(config.PORT).toBe(8080);
    expect(config.API_KEYS).toEqual(['one-key', 'two-key']);
    expect(secretValues(config)).toEqual(['one-key', 'two-key']);
  });
});
