import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayIn, instantOfWallClock, wallClockAt } from '../../src/time-zone.js';

const zones = ['America/New_York', 'Asia/Tehran', 'Australia/Lord_Howe', 'Europe/London', 'UTC'];

describe('time zones', () => {
  it('reads the wall clock on both sides of a daylight-saving change', () => {
    // New York springs forward at 2026-03-08 07:00 UTC (02:00 EST → 03:00 EDT).
    expect(new Date(wallClockAt(Date.UTC(2026, 2, 8, 6, 59, 59), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T01:59:59.000Z',
    );
    expect(new Date(wallClockAt(Date.UTC(2026, 2, 8, 7, 0, 0), 'America/New_York')).toISOString()).toBe(
      '2026-03-08T03:00:00.000Z',
    );
  });

  it('finds the instant of a wall-clock time in summer and in winter', () => {
    expect(new Date(instantOfWallClock(Date.UTC(2026, 6, 4, 13, 21), 'America/New_York')).toISOString()).toBe(
      '2026-07-04T17:21:00.000Z',
    );
    expect(new Date(instantOfWallClock(Date.UTC(2026, 11, 4, 0, 5), 'America/New_York')).toISOString()).toBe(
      '2026-12-04T05:05:00.000Z',
    );
    // Lord Howe Island moves by half an hour: +11:00 in January, +10:30 in July.
    expect(
      new Date(instantOfWallClock(Date.UTC(2026, 0, 10, 12, 0), 'Australia/Lord_Howe')).toISOString(),
    ).toBe('2026-01-10T01:00:00.000Z');
    expect(
      new Date(instantOfWallClock(Date.UTC(2026, 6, 10, 12, 0), 'Australia/Lord_Howe')).toISOString(),
    ).toBe('2026-07-10T01:30:00.000Z');
  });

  it('gives back the wall clock it was given, in every zone, the repeated autumn hour included', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }),
        (zone, seconds) => {
          const wall = wallClockAt(seconds * 1000, zone);
          expect(wallClockAt(instantOfWallClock(wall, zone), zone)).toBe(wall);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('names the calendar day of an instant in the zone, not in UTC', () => {
    const eveningInVirginia = new Date('2026-08-10T02:30:00Z');
    expect(dayIn('America/New_York', eveningInVirginia)).toBe('2026-08-09');
    expect(dayIn('UTC', eveningInVirginia)).toBe('2026-08-10');
  });
});
