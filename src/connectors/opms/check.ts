/** The connection check behind `syncworker check opms`: one cheap query, read as a person would. */
import type { OpmsDatabase } from './client.js';
import { OpmsError, opmsErrorFrom } from './errors.js';

export async function checkOpms(opms: OpmsDatabase): Promise<{ ok: boolean; detail: string }> {
  try {
    const items = await opms.countItems();
    return {
      ok: true,
      detail: `OPMS database reachable; ${items} items in ${opms.settings.tables.item.table}`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: error instanceof OpmsError ? error.message : opmsErrorFrom(error, 'connection check').message,
    };
  }
}
