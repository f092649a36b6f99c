/** Runs one job to its end in a test worker, timing it and measuring the CPU and memory it took, worker and Chromium. */
import type { SyncRun } from '../src/jobs/runs.js';
import type { TestWorker } from '../test/helpers/worker.js';
import { monitorProcessTree } from './process-tree.js';

export interface TimedRun {
  run: SyncRun;
  seconds: number;
  /** This process: the worker, and the simulators that run beside it. */
  workerCpuSeconds: number;
  /** Chromium and any other child process. */
  childCpuSeconds: number;
  peakRssBytes: number;
}

/** Fails when the run does not succeed, or does not end within `timeLimitMs`, so a broken run never looks fast. */
export async function timedRun(
  tw: TestWorker,
  job: string,
  data: unknown,
  timeLimitMs = 20 * 60 * 1000,
): Promise<TimedRun> {
  const monitor = monitorProcessTree(process.pid);
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const run = await Promise.race([
      tw.worker.runner.runNow(job, data, 'cli'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${job} did not finish within ${timeLimitMs / 60_000} minutes`)),
          timeLimitMs,
        );
      }),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const usage = monitor.stop();
    if (run.status !== 'succeeded') throw new Error(`${job} ended ${run.status}: ${run.error ?? ''}`);
    return {
      run,
      seconds,
      workerCpuSeconds: (cpu.user + cpu.system) / 1e6,
      childCpuSeconds: usage.descendantsCpuSeconds,
      peakRssBytes: usage.peakRssBytes,
    };
  } finally {
    clearTimeout(timer);
    monitor.stop();
  }
}
