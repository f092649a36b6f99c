/**
 * `syncworker run <job> [--data JSON]`: runs a job in this process (no job runner polling, no HTTP) and prints its
 * events and counters, so an operator can run one sync by hand and see at once whether it worked.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { InvalidJobDataError, UnknownJobError } from '../jobs/runner.js';
import { runEvents } from '../jobs/runs.js';
import { startWorker } from '../worker.js';
import { showProgress } from './run-progress.js';
import { usage } from './usage.js';

const invalidJson = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return invalidJson;
  }
}

export async function runCommand(
  config: Config,
  log: Logger,
  name: string | undefined,
  dataText: string | undefined,
): Promise<number> {
  if (!name) {
    process.stderr.write(`run needs a job name\n\n${usage}`);
    return 2;
  }
  const data = parseJson(dataText ?? '{}');
  if (data === invalidJson) {
    process.stderr.write(`--data is not valid JSON: ${dataText}\n`);
    return 2;
  }
  const worker = await startWorker(config, { log, http: false, processJobs: false });
  try {
    let ticker: NodeJS.Timeout | undefined;
    const run = await worker.runner
      .runNow(name, data, 'cli', (runId) => {
        ticker = showProgress(worker.database.db, runId);
      })
      .finally(() => {
        clearInterval(ticker);
        if (ticker && process.stderr.isTTY) process.stderr.write('\n');
      });
    const events = await runEvents(worker.database.db, run.id);
    for (const e of events)
      process.stdout.write(`  [${e.level}] ${e.entity ? `${e.entity}: ` : ''}${e.message}\n`);
    process.stdout.write(
      `${run.job} ${run.status}: created ${run.created}, updated ${run.updated}, unchanged ${run.unchanged}, ` +
        `skipped ${run.skipped}, deleted ${run.deleted}, failed ${run.failed} (run ${run.id})\n`,
    );
    return run.status === 'failed' ? 1 : 0;
  } catch (error) {
    if (error instanceof UnknownJobError || error instanceof InvalidJobDataError) {
      process.stderr.write(`${error.message}\n`);
      if (error instanceof InvalidJobDataError)
        for (const issue of error.zodError.issues)
          process.stderr.write(`  - ${issue.path.join('.') || '(data)'}: ${issue.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    await worker.stop();
  }
}
