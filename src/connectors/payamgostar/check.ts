/**
 * `syncworker check payamgostar` / GET /api/connections/payamgostar: does the CRM let us in, before any sync runs?
 * One login and the first row of the person list: the cheapest authenticated call the CRM has.
 */
import type { ConnectionCheckResult } from '../../connection-check.js';
import { identityListPath, type PayamgostarClient } from './client.js';
import { PayamgostarError } from './errors.js';

export async function checkPayamgostar(client: PayamgostarClient): Promise<ConnectionCheckResult> {
  const { baseUrl, username } = client.settings;
  try {
    const token = await client.login();
    const pages = client.identityPages({ kind: 'person', pageSize: 1 });
    const page = await pages.next();
    await pages.return(undefined);
    const listed = page.done ? 'the person list is empty' : `${identityListPath} answers`;
    return {
      ok: true,
      detail: `Logged in to ${baseUrl} as ${username}; the token is valid until ${token.expiresAtText}; ${listed}`,
    };
  } catch (error) {
    return {
      ok: false,
      detail:
        error instanceof PayamgostarError
          ? error.message
          : `Payamgostar check at ${baseUrl} failed: ${(error as Error).message ?? String(error)}`,
    };
  }
}
