/**
 * Boots a whole worker — migrations, features, job runner, control API on a random port — on a test database, the
 * way `syncworker start` does, and gives tests a fetch bound to its URL with a valid API key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import type { FeatureFactory } from '../../src/feature.js';
import { createLogger } from '../../src/log.js';
import { startWorker, type Worker } from '../../src/worker.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export const testApiKey = 'test-key-0123456789';

export interface TestWorker {
  worker: Worker;
  database: TestDatabase;
  url: string;
  dataDir: string;
  /** fetch against the worker with the API key; pass `auth: false` to send none. */
  api(path: string, init?: RequestInit & { auth?: boolean | string; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestWorker(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; features?: FeatureFactory[]; database?: TestDatabase } = {},
): Promise<TestWorker> {
  const database = options.database ?? (await createTestDatabase(kind));
  const dataDir = mkdtempSync(join(tmpdir(), 'syncworker-test-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    API_KEYS: testApiKey,
    HOST: '127.0.0.1',
    JOB_PROCESS_EVERY: '250',
    SCHEDULES_ENABLED: 'false',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', destination: process.stderr });
  const worker = await startWorker(config, { log, database, features: options.features });
  return {
    worker,
    database,
    url: worker.url,
    dataDir,
    async api(path, init = {}) {
      const headers = new Headers(init.headers);
      const auth = init.auth ?? true;
      if (auth !== false) headers.set('authorization', `Bearer ${auth === true ? testApiKey : auth}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(`${worker.url}${path}`, { ...init, headers, body });
    },
    async stop() {
      await worker.stop();
      if (!options.database) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls a run until it has finished (or the timeout passes) and returns it with its events. */
export async function waitForRun(
  tw: TestWorker,
  runId: string,
  timeoutMs = 30_000,
): Promise<
  {
    status: string;
    events: { level: string; message: string; entity: string | null; details: unknown }[];
  } & Record<string, unknown>
> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await tw.api(`/api/runs/${runId}`);
    const run = (await res.json()) as { status: string } & Record<string, unknown>;
    if (!['queued', 'running'].includes(run.status)) return run as never;
    if (Date.now() > deadline) throw new Error(`Run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
