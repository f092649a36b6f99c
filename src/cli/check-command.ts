/**
 * `syncworker check <system>`: one system's connection check from the command line, so credentials can be tried
 * before any sync runs; the exit code says whether they work.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { startWorker } from '../worker.js';

export async function checkCommand(config: Config, log: Logger, system: string | undefined): Promise<number> {
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
