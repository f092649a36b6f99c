/** The NetSuite and OPMS connectors' settings ("configured, or which variables are missing") and failure classes. */
import { describe, expect, it } from 'vitest';
import {
  NetSuiteAuthError,
  NetSuiteNetworkError,
  classify as classifyNetSuite,
  netSuiteErrorFrom,
} from '../../src/connectors/netsuite/errors.js';
import { netSuiteSettings } from '../../src/connectors/netsuite/settings.js';
import { classify as classifyOpms, opmsErrorFrom } from '../../src/connectors/opms/errors.js';
import { opmsSettings } from '../../src/connectors/opms/settings.js';
import { bothEnds } from '../../src/sync/netsuite-to-opms/settings.js';
import { testConfig } from './setup.js';

const envelope = (code: string, detail: string) => ({ 'o:errorDetails': [{ detail, 'o:errorCode': code }] });

describe('NetSuite and OPMS settings', () => {
  it('names the missing variables: the account, then the credentials of the mode that was begun', () => {
    const none = netSuiteSettings(testConfig({}));
    expect(none).toMatchObject({
      configured: false,
      missing: [
        'NETSUITE_ACCOUNT_ID',
        'NETSUITE_CLIENT_ID',
        'NETSUITE_CERTIFICATE_ID',
        'NETSUITE_PRIVATE_KEY',
      ],
    });
    const halfTba = netSuiteSettings(
      testConfig({
        NETSUITE_ACCOUNT_ID: '1234567_SB1',
        NETSUITE_CONSUMER_KEY: 'ck',
        NETSUITE_TOKEN_ID: 'tk',
      }),
    );
    expect(halfTba).toMatchObject({
      configured: false,
      missing: ['NETSUITE_CONSUMER_SECRET', 'NETSUITE_TOKEN_SECRET'],
    });
    if (!halfTba.configured)
      expect(halfTba.reason).toMatch(/account 1234567_SB1 has no complete credentials/);
  });

  it('builds token-based settings with the REST host derived from the account id', () => {
    const tba = netSuiteSettings(
      testConfig({
        NETSUITE_ACCOUNT_ID: '1234567_SB1',
        NETSUITE_CONSUMER_KEY: 'ck',
        NETSUITE_CONSUMER_SECRET: 'cs',
        NETSUITE_TOKEN_ID: 'tk',
        NETSUITE_TOKEN_SECRET: 'ts',
        NETSUITE_MAX_RETRIES: '2',
      }),
    );
    expect(tba).toMatchObject({
      configured: true,
      settings: {
        accountId: '1234567_SB1',
        baseUrl: 'https://1234567-sb1.suitetalk.api.netsuite.com',
        credentials: { mode: 'tba', accountId: '1234567_SB1', tokenSecret: 'ts' },
        retry: { maxRetries: 2 },
      },
    });
  });

  it('joins both ends: every missing variable and one sentence for the price sync', () => {
    const opms = opmsSettings(testConfig({}));
    expect(opms).toMatchObject({ configured: false, missing: ['OPMS_DATABASE_URL'] });
    const ends = bothEnds(netSuiteSettings(testConfig({})), opms);
    expect(ends).toMatchObject({
      configured: false,
      missing: expect.arrayContaining(['NETSUITE_ACCOUNT_ID', 'OPMS_DATABASE_URL']),
    });
    if (!ends.configured)
      expect(ends.reason).toMatch(
        /^The NetSuite → OPMS price sync is not configured\. NetSuite is not configured: .*\. OPMS is not configured: .*\.$/,
      );
    const url = 'mysql://sync:secret@127.0.0.1:3306/opms';
    expect(opmsSettings(testConfig({ OPMS_DATABASE_URL: url, OPMS_ITEM_TABLE: 'ITEMS' }))).toMatchObject({
      configured: true,
      settings: { url, tables: { item: { table: 'ITEMS', code: 'code' } }, writesPerSecond: 10 },
    });
  });
});

describe('failure classes for the resilience kit', () => {
  it('NetSuite: concurrency refusals wait, server errors retry, credentials are auth, other 4xx are final', () => {
    const refused = netSuiteErrorFrom(
      429,
      envelope('CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded.'),
      'q',
      '3',
    );
    expect(classifyNetSuite(refused)).toEqual({ class: 'rate-limited', retryAfterMs: 3000 });
    const restlet = netSuiteErrorFrom(400, envelope('SSS_REQUEST_LIMIT_EXCEEDED', 'Too many.'), 'q');
    expect(classifyNetSuite(restlet).class).toBe('rate-limited');
    expect(classifyNetSuite(netSuiteErrorFrom(503, '<html>down</html>', 'q')).class).toBe('retryable');
    expect(classifyNetSuite(netSuiteErrorFrom(408, undefined, 'q')).class).toBe('retryable');
    expect(classifyNetSuite(new NetSuiteNetworkError('q', new Error('ECONNRESET'))).class).toBe('retryable');
    const expired = netSuiteErrorFrom(401, envelope('INVALID_LOGIN', 'Invalid login attempt.'), 'q');
    expect(expired).toBeInstanceOf(NetSuiteAuthError);
    expect(classifyNetSuite(expired).class).toBe('auth');
    expect(
      classifyNetSuite(netSuiteErrorFrom(403, envelope('INSUFFICIENT_PERMISSION', 'No.'), 'q')).class,
    ).toBe('auth');
    expect(
      classifyNetSuite(netSuiteErrorFrom(400, envelope('INVALID_PARAMETER', 'Bad query.'), 'q')).class,
    ).toBe('permanent');
    expect(classifyNetSuite(new TypeError('not a NetSuite reply')).class).toBe('permanent');
  });

  it('OPMS: lost connections and lock conflicts retry, grants are auth, wrong names are final and say which setting', () => {
    const mysqlError = (code: string) => Object.assign(new Error(code), { code });
    for (const code of [
      'PROTOCOL_CONNECTION_LOST',
      'ECONNREFUSED',
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_WAIT_TIMEOUT',
    ])
      expect(classifyOpms(opmsErrorFrom(mysqlError(code), 'reading 3 items')).class).toBe('retryable');
    expect(classifyOpms(mysqlError('ER_CON_COUNT_ERROR')).class).toBe('rate-limited');
    const denied = opmsErrorFrom(mysqlError('ER_ACCESS_DENIED_ERROR'), 'connection check');
    expect(classifyOpms(denied).class).toBe('auth');
    expect(denied.message).toMatch(/check the user in OPMS_DATABASE_URL and its grants/);
    const wrongTable = opmsErrorFrom(mysqlError('ER_NO_SUCH_TABLE'), 'reading 3 items');
    expect(classifyOpms(wrongTable).class).toBe('permanent');
    expect(wrongTable.message).toMatch(/check the OPMS_\*_TABLE and OPMS_\*_COLUMN settings/);
  });
});
