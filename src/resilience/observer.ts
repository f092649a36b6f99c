/**
 * Where a policy reports its retries, gave-ups and circuit changes. The job runner installs an observer around each
 * run, so every attempt a client makes on the run's behalf lands in that run's events without any client knowing
 * about runs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type AttemptOutcome =
  'retrying' | 'gave-up' | 'reauthenticating' | 'circuit-opened' | 'circuit-closed';

export interface AttemptEvent {
  system: string;
  /** What was being done, e.g. "a SuiteQL query" or "GET /api/resource/Customer". */
  what: string;
  outcome: AttemptOutcome;
  /** 1 for the first try. */
  attempt: number;
  /** Wait before the next attempt. */
  delayMs?: number;
  error?: string;
}

export type AttemptObserver = (event: AttemptEvent) => void;

const current = new AsyncLocalStorage<AttemptObserver>();
const global = new Set<AttemptObserver>();

/** Runs `work` with `observer` receiving the attempt events of every policy call made inside it. */
export function observeAttempts<T>(observer: AttemptObserver, work: () => T): T {
  return current.run(observer, work);
}

/** Receives every attempt event of the process (metrics, alerts); returns the function that stops it. */
export function onAnyAttempt(observer: AttemptObserver): () => void {
  global.add(observer);
  return () => global.delete(observer);
}

export function reportAttempt(event: AttemptEvent): void {
  const observers = [current.getStore(), ...global];
  for (const observer of observers) {
    try {
      observer?.(event);
    } catch {
      // An observer is a bystander: its failure must never change the outcome of the call it watches.
    }
  }
}

/** How one attempt of a request ended: for request counts and latencies (metrics). */
export interface RequestOutcome {
  system: string;
  /** 'ok', or the failure's class ('retryable', 'rate-limited', 'auth', 'permanent'). */
  outcome: 'ok' | 'retryable' | 'rate-limited' | 'auth' | 'permanent';
  /** Time the attempt ran, after its wait for the rate limiter. */
  durationMs: number;
  /** Time the attempt waited for the rate limiter and the concurrency limit. */
  waitedMs: number;
}

export type RequestObserver = (outcome: RequestOutcome) => void;

const requestObservers = new Set<RequestObserver>();

/** Receives the outcome of every attempt of every policy in the process; returns the function that stops it. */
export function onAnyRequest(observer: RequestObserver): () => void {
  requestObservers.add(observer);
  return () => requestObservers.delete(observer);
}

export function reportRequest(outcome: RequestOutcome): void {
  for (const observer of requestObservers) {
    try {
      observer(outcome);
    } catch {
      // As with attempt observers: watching a request never changes it.
    }
  }
}

/** The circuits of the policies alive in this process, by system: read by metrics when scraped. */
const circuits = new Set<{ system: string; state: () => 'closed' | 'open' | 'half-open' }>();

export function trackCircuit(entry: {
  system: string;
  state: () => 'closed' | 'open' | 'half-open';
}): () => void {
  circuits.add(entry);
  return () => circuits.delete(entry);
}

export function circuitStates(): { system: string; state: 'closed' | 'open' | 'half-open' }[] {
  return [...circuits].map((c) => ({ system: c.system, state: c.state() }));
}
