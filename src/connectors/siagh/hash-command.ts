/**
 * `syncworker siagh-hash`: prints the value for SIAGH_PASSWORD_MD5 (what Siagh's login takes) for a password typed
 * without echo, so the password itself never has to be stored or appear in a shell history. When stdin is not a
 * terminal one line is read from it, so scripts and tests can pipe the password in.
 */
import { siaghPasswordHash } from './auth.js';

export interface HashCommandIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const enter = new Set(['\r', '\n']);
const backspace = new Set(['\u007f', '\b']);

/** Reads keys in raw mode (nothing is echoed) until Enter; undefined when Ctrl-C or Ctrl-D cancels. */
function readHidden(io: HashCommandIo): Promise<string | undefined> {
  const { stdin, stderr } = io;
  return new Promise((resolve) => {
    let typed: string[] = [];
    const finish = (value: string | undefined) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      const text = String(chunk);
      // Arrow and function keys arrive as one escape sequence: not part of a password.
      if (text.startsWith('\u001b')) return;
      for (const key of text) {
        if (enter.has(key)) return finish(typed.join(''));
        if (key === '\u0003' || (key === '\u0004' && typed.length === 0)) return finish(undefined);
        if (backspace.has(key)) typed = typed.slice(0, -1);
        else if (key >= ' ') typed.push(key);
      }
    };
    stdin.setRawMode?.(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** The first line of piped input, without its line ending; undefined when there is none. */
async function readLine(stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text === '' ? undefined : text.replace(/\r$/, '');
}

/** Exit code: 0 printed, 2 no password given, 130 cancelled at the prompt. */
export async function siaghHashCommand(io: HashCommandIo): Promise<number> {
  const terminal = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  if (terminal) io.stderr.write('Siagh password (not shown): ');
  const password = terminal ? await readHidden(io) : await readLine(io.stdin);
  if (password === undefined && terminal) return 130;
  if (!password) {
    io.stderr.write('No password given: type it at the prompt, or pipe it as one line on stdin.\n');
    return 2;
  }
  io.stdout.write(`${siaghPasswordHash(password)}\n`);
  if (terminal) io.stderr.write('Set it as SIAGH_PASSWORD_MD5.\n');
  return 0;
}
