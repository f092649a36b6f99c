/** `syncworker check erpnext` / GET /api/connections/erpnext: do the ERPNext settings work, before any sync runs? */
import type { Configured } from '../../config/configured.js';
import type { ConnectionCheck } from '../../feature.js';
import type { ErpNextClient } from './client.js';
import { ErpNextError } from './errors.js';

/** Takes the client the flows use, so the check shares its rate limit. */
export function erpnextCheck(connection: Configured<ErpNextClient>): ConnectionCheck {
  return {
    system: 'erpnext',
    async check() {
      if (!connection.configured) return { ok: false, detail: connection.reason };
      const client = connection.settings;
      try {
        const user = await client.loggedUser();
        return { ok: true, detail: `Authenticated at ${client.url} as ${user}` };
      } catch (error) {
        return {
          ok: false,
          detail: error instanceof ErpNextError ? error.message : `ERPNext check failed: ${String(error)}`,
        };
      }
    },
  };
}
