/**
 * The Docker image cannot be built on our machines or in CI, so this builds what it holds instead: the files its
 * COPY lines name, installed with its `npm ci --omit=dev`, started with its command. A module the worker needs at run
 * time but that sits in devDependencies, or a folder the image leaves out, fails here rather than at a customer's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testApiKey } from '../helpers/worker.js';

const dockerfile = readFileSync('Dockerfile', 'utf8');

/** What every `COPY a b … dest` line puts where, relative to the WORKDIR (none of them uses flags). */
function copies(): { from: string; to: string }[] {
  return [...dockerfile.matchAll(/^COPY\s+(.+)$/gm)].flatMap((m) => {
    const words = m[1]!.trim().split(/\s+/);
    const dest = words.pop()!;
    const intoFolder = dest.endsWith('/') || words.length > 1;
    return words.map((from) => ({ from, to: intoFolder ? join(dest, basename(from)) : dest }));
  });
}

function startCommand(): string[] {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!cmd) throw new Error('the Dockerfile has no CMD in exec form');
  return JSON.parse(cmd[1]!) as string[];
}

describe('the production image contents', () => {
  const app = mkdtempSync(join(tmpdir(), 'sw-image-'));
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('install with production dependencies only, start, report ready and schedule the portal syncs', async () => {
    for (const { from, to } of copies()) cpSync(from, join(app, to), { recursive: true });
    // From the package cache when it has them: the test is about what gets installed, not about the registry.
    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    });
    expect(install.status, install.stderr).toBe(0);

    const [command, ...args] = startCommand();
    expect(command).toBe('node');
    // The image's default: the embedded database under DATA_DIR.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL'));
    const child = spawn(process.execPath, args, {
      cwd: app,
      env: {
        ...env,
        NODE_ENV: 'production',
        DATA_DIR: join(app, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        API_KEYS: testApiKey,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          output += String(d);
          const started = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"syncworker started"/.exec(output);
          if (started) resolve(started[1]!);
        });
        void exited.then((code) =>
          reject(new Error(`the worker exited (${code}) before it started:\n${output}`)),
        );
      });

      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(200);
      const jobs = (await (
        await fetch(`${url}/api/jobs`, { headers: { authorization: `Bearer ${testApiKey}` } })
      ).json()) as { items: { name: string }[] };
      expect(jobs.items.map((j) => j.name)).toEqual(
        expect.arrayContaining(['customerconnect.sync', 'routestar.sync', 'inventory.post-stock']),
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  }, 300_000);
});
