/**
 * `syncworker` command line: start, migrate, jobs, run <job> [--data JSON], runs, check <system>, alert test,
 * siagh-hash, payamgostar-siagh-import.
 * Exit codes: 0 success, 1 a run or check failed, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config/index.js';
import { applyMigrations } from './db/migrations.js';
import { InvalidJobDataError, UnknownJobError } from './jobs/runner.js';
import { siaghHashCommand } from './connectors/siagh/hash-command.js';
import { sendTestAlert } from './alerts/test-alert.js';
import type { Database } from './db/database.js';
import { renderProgressBar } from './jobs/progress-bar.js';
import { getRun, listRuns, runEvents } from './jobs/runs.js';
import type { RunProgress } from './jobs/types.js';
import { createLogger } from './log.js';
import { secretValues } from './config/index.js';
import { openConfiguredDatabase, startWorker, stopOnSignals } from './worker.js';

const usage = `Usage: syncworker <command>

Commands:
  start                      Start the worker: job runner, schedules, control API and dashboard
  migrate                    Apply database migrations and exit
  jobs                       List the jobs, their schedules and last runs
  run <job> [--data JSON]    Run a job now in this process and print its outcome (exit 1 when it failed)
  runs [--job J] [--status S] [--limit N]
                             List recent runs
  check <system>             Test the credentials of an external system (e.g. netsuite, erpnext)
  alert test                 Send one test alert through every configured alert channel (exit 1 when one failed)
  siagh-hash                 Print SIAGH_PASSWORD_MD5 for a password typed without echo (or one line on stdin)
  payamgostar-siagh-import [--restart]
                             Import the Siagh contacts into the CRM once, with progress; run again to resume
`;

/**
 * While a run works, its recorded progress as a live bar on a terminal (a line every 10 s otherwise, so logs of
 * long runs stay readable).
 */
function showProgress(db: Database, runId: string): NodeJS.Timeout {
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  return setInterval(
    () => {
      void getRun(db, runId).then((run) => {
        const progress = run?.progress as RunProgress | null | undefined;
        if (!run?.startedAt || !progress) return;
        const seconds = (Date.now() - run.startedAt.getTime()) / 1000;
        const perSecond = seconds > 0 ? Math.round((progress.processed / seconds) * 10) / 10 : undefined;
        const line = renderProgressBar({
          processed: progress.processed,
          total: progress.total,
          perSecond,
          etaSeconds:
            progress.total !== undefined && perSecond
              ? (progress.total - progress.processed) / perSecond
              : undefined,
          unit: 'records',
          state: progress.note ? `${run.status}: ${progress.note}` : run.status,
        });
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        else if (Date.now() - lastLine >= 10_000) {
          lastLine = Date.now();
          process.stderr.write(`${line}\n`);
        }
      });
    },
    tty ? 500 : 1000,
  );
}

const invalidJson = Symbol('invalid JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return invalidJson;
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      job: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      restart: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    process.stdout.write(usage);
    return command || values.help ? 0 : 2;
  }
  if (command === 'siagh-hash') return siaghHashCommand(process);
  // The initial import is its job run here, with the run's progress bar.
  if (command === 'payamgostar-siagh-import')
    return main([
      'run',
      'payamgostar-siagh.initial-import',
      '--data',
      JSON.stringify({ restart: values.restart ?? false }),
    ]);

  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const oneShot = command !== 'start';
  const log = createLogger({
    level: oneShot && config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    pretty: config.LOG_PRETTY,
    secrets: secretValues(config),
  });

  switch (command) {
    case 'start':
      return stopOnSignals(await startWorker(config, { log }), log);
    case 'migrate': {
      const database = await openConfiguredDatabase(config);
      await applyMigrations(database.db);
      await database.close();
      process.stdout.write('Migrations applied.\n');
      return 0;
    }
    case 'jobs': {
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
    case 'run': {
      const name = rest[0];
      if (!name) {
        process.stderr.write(`run needs a job name\n\n${usage}`);
        return 2;
      }
      const data = parseJson(values.data ?? '{}');
      if (data === invalidJson) {
        process.stderr.write(`--data is not valid JSON: ${values.data}\n`);
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
    case 'runs': {
      const database = await openConfiguredDatabase(config);
      const runs = await listRuns(database.db, {
        job: values.job,
        status: values.status as never,
        limit: Number(values.limit ?? 20),
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
    case 'check': {
      const system = rest[0];
      const worker = await startWorker(config, { log, http: false, processJobs: false });
      try {
        const checks = worker.features.flatMap((f) => f.connections ?? []);
        const check = checks.find((c) => c.system === system);
        if (!check) {
          process.stderr.write(
            `Unknown system "${system ?? ''}". Known: ${checks.map((c) => c.system).join(', ') || 'none'}\n`,
          );
          return 2;
        }
        const result = await check.check().catch((error: Error) => ({ ok: false, detail: error.message }));
        process.stdout.write(`${system}: ${result.ok ? 'OK' : 'FAILED'} — ${result.detail}\n`);
        return result.ok ? 0 : 1;
      } finally {
        await worker.stop();
      }
    }
    case 'alert': {
      if (rest[0] !== 'test') {
        process.stderr.write(`alert needs a subcommand: alert test\n\n${usage}`);
        return 2;
      }
      const outcomes = await sendTestAlert(config);
      if (outcomes.length === 0) {
        process.stdout.write(
          'No alert channel is configured: set ALERT_SLACK_WEBHOOK_URL, or ALERT_SMTP_URL with ALERT_EMAIL_TO.\n',
        );
        return 1;
      }
      for (const o of outcomes)
        process.stdout.write(`${o.channel}: ${o.ok ? 'OK' : 'FAILED'} — ${o.detail}\n`);
      return outcomes.every((o) => o.ok) ? 0 : 1;
    }
    default:
      process.stderr.write(`Unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`syncworker: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
