/**
 * Process managers often signal the process they started, which for `npm start` is npm, not the worker. The signal
 * must still reach the worker and stop it gracefully, leaving no orphan behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const shutdownTimeoutMs = 3_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-npm-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('passes a SIGTERM sent to npm on to the worker, which drains and exits', async () => {
    // The embedded database, as on a bare checkout.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL'));
    const npm = spawn('npm', ['start'], {
      env: {
        ...env,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        SCHEDULES_ENABLED: 'false',
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
        LOG_LEVEL: 'info',
        LOG_PRETTY: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stderr.on('data', (d) => (output += String(d)));
    const npmExited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
    let workerPid: number | undefined;
    try {
      workerPid = await new Promise<number>((resolve, reject) => {
        npm.stdout.on('data', (d) => {
          output += String(d);
          const started = /"pid":(\d+)[^\n]*"msg":"syncworker started"/.exec(output);
          if (started) resolve(Number(started[1]));
        });
        void npmExited.then(() => reject(new Error(`npm exited before the worker started:\n${output}`)));
      });
      expect(workerPid).not.toBe(npm.pid);

      npm.kill('SIGTERM');
      // The drain's own limit, plus closing the embedded database and the API on a loaded machine.
      const deadline = Date.now() + shutdownTimeoutMs + 15_000;
      while (alive(workerPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(workerPid), output).toBe(false);
      await npmExited;
      expect(output).toMatch(/"signal":"SIGTERM"[^\n]*"msg":"signal received"/);
      expect(output).toMatch(/"msg":"stopped"/);
    } finally {
      if (workerPid !== undefined && alive(workerPid)) process.kill(workerPid, 'SIGKILL');
      npm.kill('SIGKILL');
    }
  }, 240_000);
});
