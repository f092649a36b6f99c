/**
 * Footprint: idle resident memory of the worker's whole process tree and its time to ready, from a checkout (the
 * TypeScript source through tsx, as `npm start` runs it) and as the image runs it (`npm run build`, then the compiled
 * JavaScript with NODE_ENV=production), on PGlite and — when DATABASE_URL is set — on PostgreSQL. Each is started
 * once to warm its data folder (cluster created, migrations applied, tsx's cache filled), then again to measure:
 * time from spawn to `/ready` answering 200, then memory after the worker has idled a few seconds. The floor is a
 * bare `node` process idling in the same run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type DatabaseKind } from '../test/helpers/databases.js';
import { monitorProcessTree } from './process-tree.js';
import type { Benchmark, BenchRow } from './types.js';

const settleMs = 5_000;
const sampleMs = 3_000;
const goalsMb: Record<DatabaseKind, number> = { postgres: 250, pglite: 400 };
const readyGoalSeconds = 3;

const modes: { name: string; args: string[]; env: Record<string, string> }[] = [
  { name: 'checkout (tsx)', args: ['bin/syncworker.js', 'start'], env: {} },
  { name: 'image (compiled)', args: ['dist/cli.js', 'start'], env: { NODE_ENV: 'production' } },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

interface Measured {
  readySeconds: number;
  /** CPU time the process spent getting ready: on a busy machine the wall time says more about the neighbours. */
  readyCpuSeconds: number;
  idleRssBytes: number;
}

/** User + system CPU seconds of one process, from /proc (fields 14 and 15 of its stat line, in clock ticks). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts a process, waits for `ready()` to resolve, lets it idle, samples its tree and stops it with SIGTERM. */
async function measure(args: string[], env: Record<string, string>, ready: (url: string) => Promise<void>) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        output += String(d);
        const line = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"syncworker started"|^(FLOOR)$/m.exec(output);
        if (line) resolve(line[1] ?? '');
      });
      void exited.then(() => reject(new Error(`exited before it was ready:\n${output.slice(-2000)}`)));
    });
    await ready(url);
    const readySeconds = (performance.now() - started) / 1000;
    const readyCpuSeconds = cpuSeconds(child.pid!);
    await sleep(settleMs);
    const monitor = monitorProcessTree(child.pid!);
    await sleep(sampleMs);
    return { readySeconds, readyCpuSeconds, idleRssBytes: monitor.stop().peakRssBytes } satisfies Measured;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function untilReady(url: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/ready`).catch(() => undefined);
    if (response?.status === 200) return;
    await sleep(50);
  }
}

function baseEnv(): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && e[0] !== 'DATABASE_URL',
    ),
  );
  return { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_PRETTY: 'false' };
}

const bench: Benchmark = {
  name: 'footprint',
  async run(): Promise<BenchRow[]> {
    const build = spawnSync('npm', ['run', 'build'], { encoding: 'utf8', timeout: 600_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);

    const floor = await measure(
      ['-e', 'process.stdout.write("FLOOR\\n"); setInterval(() => {}, 1000)'],
      baseEnv(),
      async () => undefined,
    );
    const rows: BenchRow[] = [
      { benchmark: 'footprint', measure: 'floor: bare node idle RSS', value: `${mb(floor.idleRssBytes)} MB` },
      {
        benchmark: 'footprint',
        measure: 'floor: bare node start',
        value: `${floor.readySeconds.toFixed(2)} s`,
      },
    ];
    const kinds: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
    for (const kind of kinds) {
      for (const mode of modes) {
        const dataDir = mkdtempSync(join(tmpdir(), 'sw-footprint-'));
        const server = kind === 'postgres' ? await createTestDatabase(kind, { migrate: false }) : undefined;
        try {
          const env: Record<string, string> = {
            ...baseEnv(),
            ...mode.env,
            DATA_DIR: dataDir,
            ...(server ? { DATABASE_URL: server.url } : {}),
          };
          await measure(mode.args, env, untilReady);
          const warm = await measure(mode.args, env, untilReady);
          const rssMb = mb(warm.idleRssBytes);
          rows.push(
            {
              benchmark: 'footprint',
              database: kind,
              measure: `idle RSS, ${mode.name}`,
              value: `${rssMb} MB`,
              goal: `< ${goalsMb[kind]} MB`,
              note: `${(warm.idleRssBytes / floor.idleRssBytes).toFixed(1)}× floor; ${rssMb < goalsMb[kind] ? 'met' : 'NOT met'}`,
            },
            {
              benchmark: 'footprint',
              database: kind,
              measure: `time to ready (warm), ${mode.name}`,
              value: `${warm.readySeconds.toFixed(2)} s`,
              goal: `< ${readyGoalSeconds} s`,
              note: `${(warm.readySeconds / floor.readySeconds).toFixed(0)}× a bare node's start; ${warm.readySeconds < readyGoalSeconds ? 'met' : 'NOT met'}`,
            },
            {
              benchmark: 'footprint',
              database: kind,
              measure: `CPU time to ready (warm), ${mode.name}`,
              value: `${warm.readyCpuSeconds.toFixed(2)} s`,
              goal: `< ${readyGoalSeconds} s`,
              note: `what the start costs whatever the load; bare node: ${floor.readyCpuSeconds.toFixed(2)} s`,
            },
          );
        } finally {
          await server?.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }
    return rows;
  },
};

export default bench;
