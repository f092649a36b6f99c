/**
 * The rules checked soon after runs end, not only on ALERT_EVALUATE_SCHEDULE, so a failed run is announced within
 * seconds. A burst of runs ending gives one check: it waits until runs have stopped ending for `quietMs` (but no
 * longer than five times that after the first), and a check asked for while one is under way follows it once.
 * (Small enough to keep here: the debounce libraries have no single-flight follow-up.)
 */
import type { Logger } from 'pino';

export interface PromptEvaluation {
  /** A run ended: check the rules soon. */
  runEnded(): void;
  /** No more checks; waits for the one under way. */
  stop(): Promise<void>;
}

export function promptEvaluation(options: {
  quietMs: number;
  check: () => Promise<void>;
  log: Logger;
}): PromptEvaluation {
  const { quietMs, check, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let firstAskedAt = 0;
  let checking: Promise<void> | undefined;
  let askedWhileChecking = false;
  let stopped = false;

  const start = () => {
    timer = undefined;
    if (checking) {
      askedWhileChecking = true;
      return;
    }
    checking = check()
      .catch((error: unknown) =>
        log.warn({ err: error }, 'alert rules not checked after a run; the schedule will'),
      )
      .finally(() => {
        checking = undefined;
        if (askedWhileChecking && !stopped) {
          askedWhileChecking = false;
          ask();
        }
      });
  };

  const ask = () => {
    if (stopped) return;
    const now = Date.now();
    if (timer === undefined) firstAskedAt = now;
    else clearTimeout(timer);
    timer = setTimeout(start, Math.max(0, Math.min(quietMs, firstAskedAt + 5 * quietMs - now)));
    timer.unref();
  };

  return {
    runEnded: ask,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await checking;
    },
  };
}
