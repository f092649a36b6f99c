/**
 * "Do my credentials for this system work?", asked before any sync runs (`syncworker check <system>`,
 * `GET /api/connections/<system>`). Every connector answers it, so the contract sits below them all.
 */
import type { Configured } from './config/configured.js';

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

/**
 * The check of a system that may not be configured, the same for every connector: why not, when it is not; otherwise
 * what the connector's probe answers. A probe that throws is a failed check with the error's message, never a 500.
 */
export function connectionCheck<T>(
  system: string,
  target: Configured<T>,
  probe: (target: T) => Promise<ConnectionCheckResult>,
): ConnectionCheck {
  return {
    system,
    async check() {
      if (!target.configured) return { ok: false, detail: target.reason };
      try {
        return await probe(target.settings);
      } catch (error) {
        return {
          ok: false,
          detail: `${system} check failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    },
  };
}
