import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('logging', () => {
  it('redacts credentials by key and secret values wherever they appear', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, secrets: ['s3cr3t-api-key'] });
    log.info(
      { password: 'pw-1', req: { headers: { authorization: 'Bearer abc' } }, auth: { token: 't-1' } },
      'hello',
    );
    log.warn('calling with key s3cr3t-api-key failed');
    const out = lines.join('');
    expect(out).not.toContain('pw-1');
    expect(out).not.toContain('Bearer abc');
    expect(out).not.toContain('t-1');
    expect(out).not.toContain('s3cr3t-api-key');
    expect(out).toContain('[Redacted]');
  });
});
