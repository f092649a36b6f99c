import { describe, expect, it } from 'vitest';
import { firstUnstorable, storableCopy, unstorableReason } from '../../src/storable-text.js';

describe('text PostgreSQL cannot store', () => {
  it('names NUL characters and unpaired surrogates, and accepts paired ones', () => {
    expect(unstorableReason('a\u0000b')).toMatch(/NUL/);
    expect(unstorableReason('x\ud83d')).toMatch(/unpaired/);
    expect(unstorableReason('\udc00x')).toMatch(/unpaired/);
    expect(unstorableReason('ok 😀 سلام')).toBeUndefined();
  });

  it('finds the first unstorable value in a record, keys included, and says where', () => {
    expect(firstUnstorable({ a: 'fine', lines: [{ memo: 'ok' }, { memo: 'bad\u0000' }] })).toEqual({
      path: 'lines[1].memo',
      reason: expect.stringMatching(/NUL/),
    });
    expect(firstUnstorable({ ['k\u0000']: 1 })).toMatchObject({ reason: expect.stringMatching(/^its name/) });
    expect(firstUnstorable({ n: 1, d: null, s: 'ok', t: true })).toBeUndefined();
  });

  it('copies a record with those characters written as escapes, the rest untouched', () => {
    const at = new Date(0);
    const copy = storableCopy({ memo: 'a\u0000b', ['k\ud800']: ['x\udc00'], n: 5, at });
    expect(copy).toEqual({ memo: 'a\\u0000b', 'k\\ud800': ['x\\udc00'], n: 5, at });
    expect(firstUnstorable(copy)).toBeUndefined();
    expect(storableCopy('😀')).toBe('😀');
    const clean = { at: new URL('https://example.com/a') };
    expect(storableCopy(clean)).toBe(clean);
  });
});
