import { describe, expect, it } from 'vitest';
import { parseCrmTimestamp, parseOffsetTimestamp } from '../../src/connectors/payamgostar/dates.js';

describe('CRM times', () => {
  it('reads the login expiresAt with its +03:30 offset and seven fraction digits to the exact millisecond', () => {
    expect(parseOffsetTimestamp('2025-12-16T11:43:53.1385332+03:30')).toBe(
      Date.UTC(2025, 11, 16, 8, 13, 53, 138),
    );
    // The digits below the millisecond never carry it forward: .9999999 stays in the same millisecond.
    expect(parseOffsetTimestamp('2025-12-16T11:43:53.9999999+03:30')).toBe(
      Date.UTC(2025, 11, 16, 8, 13, 53, 999),
    );
    expect(parseOffsetTimestamp('2025-12-16T08:13:53Z')).toBe(Date.UTC(2025, 11, 16, 8, 13, 53));
    expect(parseOffsetTimestamp('2025-12-16T03:13:53.5-05:00')).toBe(Date.UTC(2025, 11, 16, 8, 13, 53, 500));
    expect(parseOffsetTimestamp('2025-12-31T23:30:00+03:30')).toBe(Date.UTC(2025, 11, 31, 20, 0, 0));
  });

  it.each([
    '2025-12-16T11:43:53.1385332',
    '2025-12-16 11:43:53+03:30',
    '2025-02-30T11:43:53+03:30',
    '2025-12-16T24:00:00+03:30',
    '2025-12-16T11:43:53.12345678+03:30',
    '2025-12-16T11:43:53+3:30',
    'tomorrow',
  ])('refuses %j as an expiresAt', (text) => {
    expect(parseOffsetTimestamp(text)).toBeUndefined();
  });

  it("reads a record's naive creatDate/modifyDate as the CRM server's wall clock", () => {
    expect(parseCrmTimestamp('2025-12-21T14:06:17.173', 'Asia/Tehran')?.toISOString()).toBe(
      '2025-12-21T10:36:17.173Z',
    );
    // Iran kept daylight saving (+04:30 in summer) until 2022: the zone's rules, not a fixed offset, apply.
    expect(parseCrmTimestamp('2021-07-01T12:00:00', 'Asia/Tehran')?.toISOString()).toBe(
      '2021-07-01T07:30:00.000Z',
    );
    expect(parseCrmTimestamp('2025-12-21T14:06:17.173+03:30', 'UTC')?.toISOString()).toBe(
      '2025-12-21T10:36:17.173Z',
    );
    expect(parseCrmTimestamp('21/12/2025', 'Asia/Tehran')).toBeUndefined();
  });
});
