/**
 * One worker process of the soak test: a whole worker (migrations, job runner, control API) with the customers and
 * ledger features, configured from the environment the test passes, on the shared PostgreSQL. The test kills it with
 * SIGKILL (a real crash: no drain, no lease given back) or stops it with SIGTERM, and starts it again on the same port.
 */
import { loadConfig } from '../../src/config/index.js';
import { ledgerFeature } from '../../src/ledger/feature.js';
import { createLogger } from '../../src/log.js';
import { customersFeature } from '../../src/sync/erpnext-customers/feature.js';
import { startWorker, stopOnSignals } from '../../src/worker.js';

const log = createLogger({ level: process.env.SOAK_LOG_LEVEL ?? 'warn', destination: process.stderr });
const worker = await startWorker(loadConfig(process.env), {
  log,
  features: [customersFeature, ledgerFeature],
});
process.stdout.write(`${JSON.stringify({ ready: worker.url })}\n`);
process.exit(await stopOnSignals(worker, log));
