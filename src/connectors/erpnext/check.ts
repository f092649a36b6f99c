/** `syncworker check erpnext` / GET /api/connections/erpnext: do the ERPNext settings work, before any sync runs? */
import type { ConnectionCheckResult } from '../../connection-check.js';
import type { ErpNextClient } from './client.js';
import { ErpNextError } from './errors.js';

/** Takes the client the flows use, so the check shares its rate limit. */
export async function checkErpNext(client: ErpNextClient): Promise<ConnectionCheckResult> {
  try {
    const user = await client.loggedUser();
    return { ok: true, detail: `Authenticated at ${client.url} as ${user}` };
  } catch (error) {
    return {
      ok: false,
      detail: error instanceof ErpNextError ? error.message : `ERPNext check failed: ${String(error)}`,
    };
  }
}
