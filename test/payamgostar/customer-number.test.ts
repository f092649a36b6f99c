import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CustomerNumberError,
  customerNumberOf,
  siaghCodeOf,
} from '../../src/connectors/payamgostar/customer-number.js';

describe('customer numbers (Siagh Code ↔ CRM customerNumber)', () => {
  it('is "100-" + (Code + 1000) by default, and back', () => {
    expect(customerNumberOf(1)).toBe('100-1001');
    expect(customerNumberOf(234)).toBe('100-1234');
    expect(customerNumberOf(8389)).toBe('100-9389');
    expect(siaghCodeOf('100-1001')).toBe(1);
    expect(siaghCodeOf('100-1234')).toBe(234);
    expect(siaghCodeOf('100-12345')).toBe(11345);
  });

  it('round-trips every Code under any prefix and offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.stringMatching(/^[A-Z0-9-]{1,8}$/),
        fc.integer({ min: 0, max: 1_000_000 }),
        (code, prefix, offset) => {
          const format = { prefix, offset };
          expect(siaghCodeOf(customerNumberOf(code, format), format)).toBe(code);
        },
      ),
    );
  });

  it('reads the Persian and Arabic-Indic digits a salesperson may type, and ignores surrounding spaces', () => {
    expect(siaghCodeOf('۱۰۰-۱۰۰۱')).toBe(1);
    expect(siaghCodeOf('١٠٠-١٢٣٤')).toBe(234);
    expect(siaghCodeOf(' 100-1002 ')).toBe(2);
    expect(siaghCodeOf('C-2005', { prefix: 'C-', offset: 2000 })).toBe(5);
  });

  it.each([
    ['', 'does not start with'],
    ['1001', 'does not start with'],
    ['200-1001', 'does not start with'],
    ['100-', 'not a whole number'],
    ['100-abc', 'not a whole number'],
    ['100-01001', 'not a whole number'],
    ['100-1001.5', 'not a whole number'],
    ['100--1', 'not a whole number'],
    ['100-1 001', 'not a whole number'],
    ['100-1000', 'a Siagh Code starts at 1'],
    ['100-999', 'a Siagh Code starts at 1'],
    ['100-99999999999999999999', 'too large'],
  ])('refuses %j instead of guessing a Code (%s)', (value, reason) => {
    expect(() => siaghCodeOf(value)).toThrow(CustomerNumberError);
    expect(() => siaghCodeOf(value)).toThrow(reason);
  });

  it('refuses a Code that is not a whole number from 1', () => {
    expect(() => customerNumberOf(0)).toThrow(RangeError);
    expect(() => customerNumberOf(-3)).toThrow(RangeError);
    expect(() => customerNumberOf(1.5)).toThrow(RangeError);
    expect(() => customerNumberOf(Number.MAX_SAFE_INTEGER)).toThrow('too large');
  });
});
