/** `syncworker check erpnext` / GET /api/connections/erpnext: do the ERPNext settings work, before any sync runs? */
import type { ConnectionCheck } from '../../feature.js';
import type { ErpNextClient } from './client.js';
import { ErpNextError } from './errors.js';

export function erpnextConnectionCheck(
  client: ErpNextClient | null,
  missing: string[],
  url?: string,
): ConnectionCheck {
  return {
    system: 'erpnext',
    async check() {
      if (!client)
        return {
          ok: false,
          detail: `Not configured: set ${missing.join(', ')} (local customers work meanwhile; changes wait in the outbox)`,
        };
      try {
        const user = await client.loggedUser();
        return { ok: true, detail: `Authenticated at ${url} as ${user}` };
      } catch (error) {
        return {
          ok: false,
          detail: error instanceof ErpNextError ? error.message : `ERPNext check failed: ${String(error)}`,
        };
      }
    },
  };
}
