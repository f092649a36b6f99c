/**
 * "Do my credentials for this system work?", asked before any sync runs (`syncworker check <system>`,
 * `GET /api/connections/<system>`). Every connector answers it, so the contract sits below them all.
 */
export interface ConnectionCheckResult {
  ok: boolean;
  /** What a person should know: "authenticated as …", or what failed and what to do. */
  detail: string;
}

export interface ConnectionCheck {
  /** Short system name used in `syncworker check <system>` and `GET /api/connections/<system>`. */
  system: string;
  check(): Promise<ConnectionCheckResult>;
}
