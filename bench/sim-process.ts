/**
 * A simulator in a process of its own, as the real system is: the worker's own work (parsing, the embedded database's
 * statements, which hold the event loop while they run) then never delays the simulator's answers, and the worker's
 * memory is measured without the simulated data beside it. The child script prints one JSON line describing what it
 * serves when it is ready, and ends when its parent closes its stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface SimProcess<T> {
  child: ChildProcess;
  /** What the child printed when it was ready. */
  info: T;
  close(): Promise<void>;
}

export async function startSimProcess<T>(script: URL, env: Record<string, string>): Promise<SimProcess<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const failed = exited.then(([code]) => {
    throw new Error(
      `the simulator process ${fileURLToPath(script)} ended (${String(code)}) before it was ready`,
    );
  });
  const ready = once(createInterface({ input: child.stdout }), 'line') as Promise<[string]>;
  const [line] = await Promise.race([ready, failed]);
  failed.catch(() => undefined);
  return {
    child,
    info: JSON.parse(line) as T,
    async close() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      await exited;
    },
  };
}
