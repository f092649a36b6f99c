/**
 * `syncworker jobs` and `syncworker runs`: what the worker would run and what it has run, as plain lines an
 * operator can read over SSH or grep, without starting the control API.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { listRuns } from '../jobs/runs.js';
import { openConfiguredDatabase, startWorker } from '../worker.js';

export async function jobsCommand(config: Config, log: Logger): Promise<number> {
  const worker = await startWorker(config, { log, http: false, processJobs: false });
  const overview = await worker.runner.overview();
  for (const job of overview) {
    process.stdout.write(
      `${job.name.padEnd(36)} ${(job.schedule ?? 'on demand').padEnd(16)} ${job.description}\n`,
    );
  }
  await worker.stop();
  return 0;
}

export async function runsCommand(
  config: Config,
  filter: { job?: string; status?: string; limit?: string },
): Promise<number> {
  const database = await openConfiguredDatabase(config);
  const runs = await listRuns(database.db, {
    job: filter.job,
    status: filter.status as never,
    limit: Number(filter.limit ?? 20),
  });
  for (const r of runs) {
    process.stdout.write(
      `${r.queuedAt.toISOString()} ${r.job.padEnd(32)} ${r.status.padEnd(9)} ${r.trigger.padEnd(8)} ` +
        `+${r.created} ~${r.updated} =${r.unchanged} !${r.failed} ${r.id}\n`,
    );
  }
  await database.close();
  return 0;
}
