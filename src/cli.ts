/**
 * `syncworker` command line: start, migrate, jobs, run <job> [--data JSON], runs, check <system>, alert test,
 * siagh-hash, payamgostar-siagh-import. Each command lives in src/cli/; this file reads the arguments and the
 * configuration and hands over.
 * Exit codes: 0 success, 1 a run or check failed, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { alertCommand } from './cli/alert-command.js';
import { checkCommand } from './cli/check-command.js';
import { jobsCommand, runsCommand } from './cli/listing-commands.js';
import { runCommand } from './cli/run-command.js';
import { usage } from './cli/usage.js';
import { ConfigError, loadConfig, loadDotEnv, secretValues, type Config } from './config/index.js';
import { siaghHashCommand } from './connectors/siagh/hash-command.js';
import { applyMigrations } from './db/migrations.js';
import { createLogger } from './log.js';
import { openConfiguredDatabase, startWorker, stopOnSignals } from './worker.js';

/** The configuration from the environment (and .env), or null once a person has been told what is wrong with it. */
function configOrNull(): Config | null {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return null;
    }
    throw error;
  }
}

async function migrateCommand(config: Config): Promise<number> {
  const database = await openConfiguredDatabase(config);
  await applyMigrations(database.db);
  await database.close();
  process.stdout.write('Migrations applied.\n');
  return 0;
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

  const config = configOrNull();
  if (!config) return 2;
  const oneShot = command !== 'start';
  const log = createLogger({
    level: oneShot && config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    pretty: config.LOG_PRETTY,
    secrets: secretValues(config),
  });

  switch (command) {
    case 'start':
      return stopOnSignals(await startWorker(config, { log }), log);
    case 'migrate':
      return migrateCommand(config);
    case 'jobs':
      return jobsCommand(config, log);
    case 'run':
      return runCommand(config, log, rest[0], values.data);
    case 'runs':
      return runsCommand(config, values);
    case 'check':
      return checkCommand(config, log, rest[0]);
    case 'alert':
      return alertCommand(config, rest[0]);
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
