import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun } from '../../src/jobs/runs.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { testApiKey } from '../helpers/worker.js';

describe.each(databaseKinds)('graceful shutdown on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('on SIGTERM during a running job: exits 0, marks the run interrupted and releases the job lock', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/foundation/fixtures/worker-with-slow-job.ts'],
      {
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          DATA_DIR: mkdtempSync(join(tmpdir(), 'sw-shutdown-')),
          PORT: '0',
          API_KEYS: testApiKey,
          HOST: '127.0.0.1',
          JOB_PROCESS_EVERY: '200',
          SCHEDULES_ENABLED: 'false',
          SHUTDOWN_TIMEOUT_MS: '1500',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        const m = /READY (\S+)/.exec(String(d));
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`worker exited before it was ready:\n${stderr}`)));
    });

    const res = await fetch(`${url}/api/jobs/test.stubborn/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { runId } = (await res.json()) as { runId: string };
    for (let i = 0; i < 100; i++) {
      if ((await getRun(database.db, runId))?.status === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await getRun(database.db, runId))?.status).toBe('running');

    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);

    const run = await getRun(database.db, runId);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run!.error).toMatch(/Interrupted: the worker shut down/);
    expect(run!.finishedAt).not.toBeNull();
    const locks = await database.pool.query(`SELECT locked_at FROM agenda_jobs WHERE name = 'test.stubborn'`);
    expect(locks.rows.length).toBeGreaterThan(0);
    for (const row of locks.rows) expect(row.locked_at).toBeNull();
  });
});
