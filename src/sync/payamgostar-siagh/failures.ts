/** Which failures end a whole run (nothing else can succeed either) and which belong to one record. */
import { PayamgostarError } from '../../connectors/payamgostar/errors.js';
import { SiaghError } from '../../connectors/siagh/errors.js';
import { CircuitOpenError } from '../../resilience/index.js';

/**
 * A refused login (every later call would be refused too, and retrying locks the CRM user out), an open circuit, or
 * the run being stopped: the run ends with it. Anything else is recorded against the record and the run goes on.
 */
export function endsTheRun(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  if (error instanceof PayamgostarError) return error.loginRefused;
  if (error instanceof SiaghError) return error.kind === 'login-refused';
  return error instanceof CircuitOpenError;
}
