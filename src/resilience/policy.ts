/**
 * The resilience policy of one external system: every request to it waits for the system's rate limit (Bottleneck),
 * runs under a time limit, passes a circuit breaker that stops calls to a system failing again and again, and is
 * retried with exponential backoff and jitter (cockatiel) when its failure is worth another try, never sooner than
 * the system's Retry-After. Each client builds one policy from its settings and sends every request through it.
 */
import Bottleneck from 'bottleneck';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { AttemptTimeoutError, CircuitOpenError, type Classification, type Classifier } from './errors.js';
import { reportAttempt } from './observer.js';

export interface PolicySettings {
  /** The system's name as a person knows it: "NetSuite", "ERPNext", "RouteStar". */
  system: string;
  /** Requests started per second at most (sets the spacing between starts). */
  requestsPerSecond?: number;
  /** Least time between two request starts; the larger of this and 1/requestsPerSecond wins. */
  minSpacingMs?: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Tries after the first one. */
  retries: number;
  /** First backoff delay; doubled each retry, with jitter (between half and one and a half of it). */
  retryBaseMs: number;
  /** Longest backoff delay. Retry-After may ask for longer, and is honoured. */
  retryMaxMs?: number;
  /** Time limit of one attempt. */
  timeoutMs?: number;
  /** Consecutive failures of the system (not of the request: 4xx never count) that open its circuit; 0: none. */
  breakerThreshold?: number;
  /** How long an open circuit refuses calls before one is let through to test the system. */
  breakerCooldownMs?: number;
  classify: Classifier;
}

export interface Attempt {
  /** 1 for the first try. */
  number: number;
  /** Aborted when the caller gives up or the attempt's time limit passes: pass it to fetch or the browser. */
  signal: AbortSignal;
  /** Whether `signal` was aborted by the time limit rather than by the caller. */
  timedOut(): boolean;
}

export interface ExecuteOptions {
  /** What is being done, for messages and events: "a SuiteQL query", "GET /api/resource/Customer". */
  what: string;
  signal?: AbortSignal;
  /**
   * Whether repeating this request is safe after `error`: a POST that may have reached the system must not be sent
   * twice. Default: always safe.
   */
  safeToRepeat?: (error: unknown, classification: Classification) => boolean;
  /** Called once per call on an `auth` failure (token expired, session gone); the request is then tried again. */
  reauthenticate?: (error: unknown) => Promise<void>;
}

const defaultRetryMaxMs = 60_000;
const defaultBreakerThreshold = 10;
const defaultBreakerCooldownMs = 30_000;

/** Exponential backoff with jitter that never waits less than the remote's Retry-After. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly classify: Classifier,
  ) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const exponential = Math.min(this.maxMs, this.baseMs * 2 ** (context.attempt - 1));
    const jittered = exponential * (0.5 + Math.random());
    const asked = 'error' in context.result ? this.classify(context.result.error).retryAfterMs : undefined;
    return { duration: Math.max(jittered, asked ?? 0), next: (c) => this.next(c) };
  }
}

export class ResiliencePolicy {
  private readonly limiter: Bottleneck;
  private readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly cooldownMs: number;
  private lastSystemFailure: unknown;

  constructor(readonly settings: PolicySettings) {
    const spacing = Math.max(
      settings.minSpacingMs ?? 0,
      settings.requestsPerSecond ? Math.ceil(1000 / settings.requestsPerSecond) : 0,
    );
    this.limiter = new Bottleneck({ maxConcurrent: settings.concurrency, minTime: spacing });
    this.cooldownMs = settings.breakerCooldownMs ?? defaultBreakerCooldownMs;
    const threshold = settings.breakerThreshold ?? defaultBreakerThreshold;
    if (threshold > 0) {
      this.breaker = circuitBreaker(
        handleWhen((error) => this.countsAgainstSystem(error)),
        { halfOpenAfter: this.cooldownMs, breaker: new ConsecutiveBreaker(threshold) },
      );
      this.breaker.onBreak(() =>
        reportAttempt({
          system: settings.system,
          what: 'every request',
          outcome: 'circuit-opened',
          attempt: threshold,
          delayMs: this.cooldownMs,
          error: describe(this.lastSystemFailure),
        }),
      );
      this.breaker.onReset(() =>
        reportAttempt({
          system: settings.system,
          what: 'every request',
          outcome: 'circuit-closed',
          attempt: 0,
        }),
      );
    }
  }

  /** closed, open or half-open: for status pages and metrics. */
  get circuit(): 'closed' | 'open' | 'half-open' {
    const state = this.breaker?.state ?? CircuitState.Closed;
    if (state === CircuitState.Open || state === CircuitState.Isolated) return 'open';
    return state === CircuitState.HalfOpen ? 'half-open' : 'closed';
  }

  /** Classifies with the system's classifier, after the kit's own errors. */
  classify(error: unknown): Classification {
    if (error instanceof AttemptTimeoutError) return { class: 'retryable' };
    if (error instanceof CircuitOpenError) return { class: 'permanent' };
    return this.settings.classify(error);
  }

  /** Runs `request` under the policy: limit, time limit, circuit breaker, retries. */
  async execute<T>(request: (attempt: Attempt) => Promise<T>, options: ExecuteOptions): Promise<T> {
    const { system } = this.settings;
    const caller = options.signal;
    caller?.throwIfAborted();
    const retrying = retry(
      handleWhen((error) => this.worthRetrying(error, options)),
      {
        maxAttempts: this.settings.retries,
        backoff: new RetryAfterBackoff(
          this.settings.retryBaseMs,
          this.settings.retryMaxMs ?? defaultRetryMaxMs,
          (error) => this.classify(error),
        ),
      },
    );
    let retried = 0;
    retrying.onRetry((event) => {
      retried += 1;
      reportAttempt({
        system,
        what: options.what,
        outcome: 'retrying',
        attempt: event.attempt,
        delayMs: Math.round(event.delay),
        error: 'error' in event ? describe(event.error) : undefined,
      });
    });
    retrying.onGiveUp((event) => {
      if (retried === 0 || !('error' in event) || !this.worthRetrying(event.error, options)) return;
      reportAttempt({
        system,
        what: options.what,
        outcome: 'gave-up',
        attempt: retried + 1,
        error: describe(event.error),
      });
    });
    let reauthenticated = false;
    const attempt = async (number: number): Promise<T> => {
      try {
        return await this.once(request, number, options);
      } catch (error) {
        if (!options.reauthenticate || reauthenticated || this.classify(error).class !== 'auth') throw error;
        reauthenticated = true;
        reportAttempt({
          system,
          what: options.what,
          outcome: 'reauthenticating',
          attempt: number,
          error: describe(error),
        });
        await options.reauthenticate(error);
        return this.once(request, number, options);
      }
    };
    const result = retrying.execute(({ attempt: retriesSoFar }) => attempt(retriesSoFar + 1), caller);
    if (!caller) return result;
    // cockatiel's backoff sleep does not listen to the signal: the caller is answered at once, and the abandoned
    // loop ends at its next attempt, which sees the aborted signal.
    result.catch(() => undefined);
    let onAbort = () => undefined as void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(asError(caller.reason));
      caller.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([result, aborted]);
    } finally {
      caller.removeEventListener('abort', onAbort);
    }
  }

  /** Releases the limiter's timers; queued requests are dropped. */
  async stop(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true });
  }

  private worthRetrying(error: unknown, options: ExecuteOptions): boolean {
    if (options.signal?.aborted) return false;
    const classification = this.classify(error);
    if (classification.class !== 'retryable' && classification.class !== 'rate-limited') return false;
    return options.safeToRepeat?.(error, classification) ?? true;
  }

  private countsAgainstSystem(error: unknown): boolean {
    const counts = this.classify(error).class === 'retryable';
    if (counts) this.lastSystemFailure = error;
    return counts;
  }

  private async once<T>(
    request: (attempt: Attempt) => Promise<T>,
    number: number,
    options: ExecuteOptions,
  ): Promise<T> {
    options.signal?.throwIfAborted();
    const limited = () => this.limiter.schedule(() => this.timed(request, number, options));
    if (!this.breaker) return limited();
    try {
      return await this.breaker.execute(limited);
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new CircuitOpenError(
          this.settings.system,
          options.what,
          new Date(Date.now() + this.cooldownMs),
          this.lastSystemFailure,
        );
      throw error;
    }
  }

  private async timed<T>(
    request: (attempt: Attempt) => Promise<T>,
    number: number,
    options: ExecuteOptions,
  ): Promise<T> {
    const { timeoutMs } = this.settings;
    if (!timeoutMs) return request({ number, signal: options.signal ?? neverAborted, timedOut: () => false });
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    const timedOut = () => deadline.signal.aborted && !options.signal?.aborted;
    const overdue = new Promise<never>((_, reject) =>
      deadline.signal.addEventListener('abort', () =>
        reject(new AttemptTimeoutError(this.settings.system, options.what, timeoutMs)),
      ),
    );
    overdue.catch(() => undefined);
    try {
      return await Promise.race([request({ number, signal, timedOut }), overdue]);
    } catch (error) {
      if (timedOut() && isAbortError(error))
        throw new AttemptTimeoutError(this.settings.system, options.what, timeoutMs);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

const neverAborted = new AbortController().signal;

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : String(error);
}
