/** Times work and measures the CPU and memory it took, this process and its children (Chromium). */
import type { SyncRun } from '../src/jobs/runs.js';
import type { TestWorker } from '../test/helpers/worker.js';
import { monitorProcessTree } from './process-tree.js';

export interface Timed {
  seconds: number;
  /** This process: the worker, and the simulators that run beside it. */
  workerCpuSeconds: number;
  /** Chromium and any other child process. */
  childCpuSeconds: number;
  peakRssBytes: number;
}

export interface TimedRun extends Timed {
  run: SyncRun;
}

/** Fails when `work` does not end within `timeLimitMs`, so a stuck measurement never looks like a number. */
export async function timed<T>(
  what: string,
  work: () => Promise<T>,
  timeLimitMs = 20 * 60 * 1000,
): Promise<Timed & { result: T }> {
  const monitor = monitorProcessTree(process.pid);
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} did not finish within ${timeLimitMs / 60_000} minutes`)),
          timeLimitMs,
        );
      }),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const usage = monitor.stop();
    return {
      result,
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

/** Runs one job to its end in a test worker; fails when the run does not succeed, so a broken run never looks fast. */
export async function timedRun(
  tw: TestWorker,
  job: string,
  data: unknown,
  timeLimitMs?: number,
): Promise<TimedRun> {
  const { result: run, ...usage } = await timed(
    job,
    () => tw.worker.runner.runNow(job, data, 'cli'),
    timeLimitMs,
  );
  if (run.status !== 'succeeded') throw new Error(`${job} ended ${run.status}: ${run.error ?? ''}`);
  return { run, ...usage };
}
