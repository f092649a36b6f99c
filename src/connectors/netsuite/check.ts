/** The connection check behind `syncworker check netsuite`: one cheap authenticated call, read as a person would. */
import type { NetSuiteClient } from './client.js';
import { NetSuiteAuthError } from './errors.js';

export async function checkNetSuite(client: NetSuiteClient): Promise<{ ok: boolean; detail: string }> {
  try {
    const page = await client.suiteql('SELECT item.id FROM item ORDER BY item.id', { limit: 1 });
    return {
      ok: true,
      detail: `authenticated to NetSuite account ${client.accountId} with ${client.authMode === 'oauth2' ? 'OAuth 2.0' : 'token-based authentication'}; ${page.totalResults} items visible`,
    };
  } catch (error) {
    const hint =
      error instanceof NetSuiteAuthError
        ? 'check the credentials and that the integration role has REST Web Services and SuiteAnalytics Workbook permissions'
        : 'check NETSUITE_ACCOUNT_ID / NETSUITE_BASE_URL and the network';
    return { ok: false, detail: `${(error as Error).message}; ${hint}` };
  }
}
