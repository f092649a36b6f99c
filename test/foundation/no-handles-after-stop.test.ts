/**
 * A process that runs a job and stops its worker must end by itself (benches, scripts, embedding): nothing the worker
 * started may keep the event loop alive, Agenda's per-job lock watch included (it waits half the lock lifetime).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';

describe.each(databaseKinds)('a stopped worker on %s', (kind) => {
  let database: TestDatabase | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-handles-'));
  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no timer or handle behind after running a job: the process exits by itself', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/foundation/fixtures/worker-runs-one-job.ts'],
      {
        env: {
          ...env,
          ...(database ? { DATABASE_URL: database.url } : {}),
          DATA_DIR: dataDir,
          PORT: '0',
          HOST: '127.0.0.1',
          JOB_PROCESS_EVERY: '200',
          SCHEDULES_ENABLED: 'false',
          // The default: Agenda's lock watch would hold the process for an hour.
          JOB_LOCK_LIFETIME_MS: String(2 * 60 * 60 * 1000),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const stopped = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => {
        if (output.includes('STOPPED')) resolve();
      });
      void exited.then((code) => reject(new Error(`exited (${code}) before stopping:\n${output}`)));
    });
    try {
      await stopped;
      expect(output).toContain('RAN succeeded');
      const deadline = new Promise<'still running'>((resolve) =>
        setTimeout(() => resolve('still running'), 10_000).unref(),
      );
      expect(await Promise.race([exited, deadline]), output).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
