/**
 * The Docker image cannot be built on our machines or in CI, so this builds what it holds instead, stage by stage:
 * the build stage's files (its COPY lines) compiled with its `npm run build`, then the final stage's files, its
 * `npm ci --omit=dev` and what it copies from the build stage, started with its command. A module the worker needs at
 * run time but that sits in devDependencies, a folder the image leaves out, or a path that only resolves from src/
 * fails here rather than at a customer's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testApiKey } from '../helpers/worker.js';

interface Stage {
  name: string | undefined;
  workdir: string;
  copies: { fromStage: string | undefined; from: string; to: string }[];
  runs: string[];
  cmd: string[] | undefined;
}

/** The stages of the Dockerfile with what each COPYs (relative to its WORKDIR), RUNs and starts. */
function stages(): Stage[] {
  const text = readFileSync('Dockerfile', 'utf8').replace(/\\\n/g, ' ');
  const result: Stage[] = [];
  for (const line of text.split('\n')) {
    const [instruction, ...rest] = line.trim().split(/\s+/);
    const stage = result.at(-1);
    if (instruction === 'FROM') {
      const as = rest.findIndex((w) => w.toUpperCase() === 'AS');
      result.push({
        name: as >= 0 ? rest[as + 1] : undefined,
        workdir: '/',
        copies: [],
        runs: [],
        cmd: undefined,
      });
    } else if (!stage) continue;
    else if (instruction === 'WORKDIR') stage.workdir = rest[0]!;
    else if (instruction === 'RUN') stage.runs.push(rest.join(' '));
    else if (instruction === 'CMD') stage.cmd = JSON.parse(rest.join(' ')) as string[];
    else if (instruction === 'COPY') {
      const fromStage = /^--from=(.+)$/.exec(rest[0]!)?.[1];
      const words = fromStage ? rest.slice(1) : rest;
      const dest = words.pop()!;
      const intoFolder = dest.endsWith('/') || words.length > 1;
      for (const from of words)
        stage.copies.push({ fromStage, from, to: intoFolder ? join(dest, basename(from)) : dest });
    }
  }
  return result;
}

function copyInto(stage: Stage, dir: string, sourceOf: (fromStage: string | undefined) => string): void {
  for (const { fromStage, from, to } of stage.copies) {
    const source = fromStage ? join(sourceOf(fromStage), from) : from;
    cpSync(source, resolve(dir, to), { recursive: true });
  }
}

describe('the production image contents', () => {
  const root = mkdtempSync(join(tmpdir(), 'sw-image-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('compile, install with production dependencies only, start, report ready and schedule the portal syncs', async () => {
    const all = stages();
    const final = all.at(-1)!;
    const builders = all.slice(0, -1);
    // Each stage's filesystem root; COPY --from=<stage> /app/dist reads <its root>/app/dist.
    const rootOf = (name: string | undefined) => join(root, name ?? 'final');
    for (const stage of builders) {
      const dir = join(rootOf(stage.name), stage.workdir);
      mkdirSync(dir, { recursive: true });
      copyInto(stage, dir, rootOf);
      // Its `npm ci` installs exactly what this checkout has installed (the test is about what gets compiled).
      expect(stage.runs.some((r) => r.startsWith('npm ci'))).toBe(true);
      symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
      for (const run of stage.runs.filter((r) => r.startsWith('npm run '))) {
        const build = spawnSync('sh', ['-c', run], { cwd: dir, encoding: 'utf8', timeout: 400_000 });
        expect(build.status, `${run}\n${build.stdout}\n${build.stderr}`).toBe(0);
      }
    }

    const app = join(rootOf(undefined), final.workdir);
    mkdirSync(app, { recursive: true });
    copyInto(final, app, (name) => rootOf(name));
    expect(final.runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    // From the package cache when it has them: the test is about what gets installed, not about the registry.
    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
    });
    expect(install.status, install.stderr).toBe(0);

    if (!final.cmd) throw new Error('the Dockerfile has no CMD in exec form');
    const [command, ...args] = final.cmd;
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
      const headers = { authorization: `Bearer ${testApiKey}` };
      // The version is read from package.json by a path relative to the compiled module.
      const openapi = (await (await fetch(`${url}/api/openapi.json`, { headers })).json()) as {
        info: { version: string };
      };
      expect(openapi.info.version).toBe(
        (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
      );
      const jobs = (await (await fetch(`${url}/api/jobs`, { headers })).json()) as {
        items: { name: string }[];
      };
      expect(jobs.items.map((j) => j.name)).toEqual(
        expect.arrayContaining(['customerconnect.sync', 'routestar.sync', 'inventory.post-stock']),
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  }, 900_000);
});
