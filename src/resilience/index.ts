/** The shared resilience kit: one policy per external system, one failure classification, one attempt observer. */
export { ResiliencePolicy, type Attempt, type ExecuteOptions, type PolicySettings } from './policy.js';
export {
  AttemptTimeoutError,
  CircuitOpenError,
  parseRetryAfter,
  type Classification,
  type Classifier,
  type FailureClass,
} from './errors.js';
export {
  circuitStates,
  observeAttempts,
  onAnyAttempt,
  onAnyRequest,
  type AttemptEvent,
  type AttemptObserver,
  type AttemptOutcome,
  type RequestObserver,
  type RequestOutcome,
} from './observer.js';
