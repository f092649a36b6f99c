/**
 * While a run works, its recorded progress as a live bar on a terminal (a line every 10 s otherwise, so logs of
 * long runs stay readable).
 */
import type { Database } from '../db/database.js';
import { renderProgressBar } from '../jobs/progress-bar.js';
import { getRun } from '../jobs/runs.js';
import type { RunProgress } from '../jobs/types.js';

export function showProgress(db: Database, runId: string): NodeJS.Timeout {
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
