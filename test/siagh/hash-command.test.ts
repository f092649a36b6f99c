import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { siaghHashCommand, type HashCommandIo } from '../../src/connectors/siagh/hash-command.js';

function cli(input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/syncworker.js', 'siagh-hash'],
      { timeout: 60_000, env: { ...process.env, SIAGH_URL: 'not a url' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/** A terminal as the command sees one: raw mode switchable, keys arriving as data. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    modes: [] as boolean[],
    setRawMode(raw: boolean) {
      stdin.modes.push(raw);
      return stdin;
    },
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const shown = { out: '', err: '' };
  stdout.on('data', (c) => (shown.out += String(c)));
  stderr.on('data', (c) => (shown.err += String(c)));
  return { io: { stdin, stdout, stderr } as HashCommandIo, stdin, shown };
}

describe('syncworker siagh-hash', () => {
  it('prints the hash of one line piped on stdin, needing no configuration', async () => {
    const { code, stdout } = await cli('secret\nignored second line\n');
    expect(code).toBe(0);
    expect(stdout).toBe('5EBE2294ECD0E0F08EAB7690D2A6EE69\n');
  });

  it('reads a piped line in process too, keeping inner spaces and dropping a Windows line ending', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (c) => (printed += String(c)));
    const done = siaghHashCommand({ stdin, stdout, stderr: new PassThrough() });
    stdin.end('رمز عبور \r\n');
    expect(await done).toBe(0);
    expect(printed).toBe(`${siaghPasswordHash('رمز عبور ')}\n`);
  });

  it('refuses an empty password', async () => {
    const { code, stdout, stderr } = await cli('');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('No password given');
  });

  it('reads a typed password in raw mode, echoing nothing of it, with backspace', async () => {
    const { io, stdin, shown } = terminal();
    const done = siaghHashCommand(io);
    stdin.write('sx\u007fec');
    stdin.write('\u001b[D');
    stdin.write('ret\r');
    expect(await done).toBe(0);
    expect(shown.out).toBe(`${siaghPasswordHash('secret')}\n`);
    expect(shown.err).toBe('Siagh password (not shown): \nSet it as SIAGH_PASSWORD_MD5.\n');
    expect(stdin.modes).toEqual([true, false]);
  });

  it('stops on Ctrl-C without printing anything, leaving the terminal as it was', async () => {
    const { io, stdin, shown } = terminal();
    const done = siaghHashCommand(io);
    stdin.write('abc\u0003');
    expect(await done).toBe(130);
    expect(shown.out).toBe('');
    expect(stdin.modes).toEqual([true, false]);
  });
});
