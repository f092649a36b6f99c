/**
 * "Is this system set up?" in one shape for every connector and portal: either its settings, ready to build a client
 * from, or the variables a person still has to set and a sentence saying so.
 */
export type Configured<T> =
  { configured: true; settings: T } | { configured: false; missing: string[]; reason: string };

export function configured<T>(settings: T): Configured<T> {
  return { configured: true, settings };
}

/** Not configured: `reason` is what `syncworker check` and `GET /api/connections/<system>` show. */
export function notConfigured<T>(missing: string[], reason: string): Configured<T> {
  return { configured: false, missing, reason };
}
