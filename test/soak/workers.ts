/**
 * The soak test's worker processes: each slot keeps its port across restarts (so ERPNext's webhooks and the test
 * find it again), can be killed with SIGKILL at any moment and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export const soakApiKey = 'soak-key-0123456789';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class WorkerSlot {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private ready = false;
  /** The last lines the process wrote to stderr, for a failure message. */
  stderr = '';
  kills = 0;

  private constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  static async create(index: number, env: Record<string, string>): Promise<WorkerSlot> {
    return new WorkerSlot(index, await freePort(), env);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Started, answering, and not being stopped. */
  get alive(): boolean {
    return this.ready && !this.stopping && this.running;
  }

  /** Starts the process and resolves once its control API answers (or it was killed while starting). */
  async start(): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = proc;
    this.stopping = false;
    this.ready = false;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"ready"')) {
          this.ready = true;
          resolve();
        }
      });
      // Killed while starting (the test ending): it is down, as asked.
      proc.once('exit', (code, signal) =>
        this.stopping
          ? resolve()
          : reject(
              new Error(`worker ${this.index} ended before it was ready (${code ?? signal}): ${this.stderr}`),
            ),
      );
    });
  }

  /** A crash: no drain, no lease or lock given back. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.kills += 1;
    this.process!.kill('SIGKILL');
    await this.exited;
  }

  /** A graceful stop, as `docker compose stop` sends it. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.process!.kill('SIGTERM');
    await this.exited;
  }

  async api(path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${soakApiKey}`,
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      signal: AbortSignal.timeout(15_000),
    });
  }
}

/**
 * A request to any live worker, as a load balancer in front of them would send it: a worker that refuses the
 * connection (killed a moment ago) is skipped. Undefined when the outcome is unknown: no worker was up (nothing was
 * sent), or the worker died with the request in flight (it may have been applied), as a real client would see it.
 */
export async function requestAnyWorker(
  slots: WorkerSlot[],
  pick: (live: WorkerSlot[]) => WorkerSlot,
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<Response | undefined> {
  for (;;) {
    const live = slots.filter((s) => s.alive);
    if (live.length === 0) return undefined;
    try {
      return await pick(live).api(path, init);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNREFUSED') return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
