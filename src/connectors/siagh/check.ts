/** `syncworker check siagh` / GET /api/connections/siagh: do the Siagh settings work, before any sync runs? */
import type { ConnectionCheckResult } from '../../connection-check.js';
import { SiaghClient } from './client.js';
import { SiaghError } from './errors.js';
import type { SiaghSettings } from './settings.js';

/** Siagh's clock and ours further apart than this mean SIAGH_TIME_ZONE (or a clock) is wrong. */
const clockSkewWarningMs = 10 * 60 * 1000;

/**
 * Logs in, then reads the logged-in user's own contact through the session header (one small authenticated call,
 * never the whole contact list).
 */
export async function checkSiagh(settings: SiaghSettings, now = new Date()): Promise<ConnectionCheckResult> {
  const client = new SiaghClient({ ...settings, retries: 0 });
  try {
    const session = await client.connect();
    const own =
      session.contactCode === undefined ? [] : await client.findContacts({ Code: session.contactCode });
    const notes: string[] = [];
    if (settings.fiscalYear !== undefined && settings.fiscalYear !== session.fiscalYear)
      notes.push(`SIAGH_FISCAL_YEAR=${settings.fiscalYear} overrides it`);
    const skewMs = Math.abs(session.systemInstant.getTime() - now.getTime());
    if (skewMs > clockSkewWarningMs)
      notes.push(
        `Siagh's clock reads ${Math.round(skewMs / 60_000)} minutes away from ours: check SIAGH_TIME_ZONE (${settings.timeZone})`,
      );
    return {
      ok: true,
      detail:
        `Logged in to Siagh at ${settings.baseUrl} as ${session.userName ?? settings.userName}` +
        `${session.branchName ? ` (${session.branchName})` : ''}; fiscal year ${session.fiscalYear}; ` +
        `Siagh date ${session.systemDate} ${session.systemTime}` +
        `${own[0]?.ok ? `; own contact ${own[0].contact.Code} ${own[0].contact.Name ?? ''}`.trimEnd() : ''}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: error instanceof SiaghError ? error.message : `Siagh check failed: ${String(error)}`,
    };
  } finally {
    await client.stop();
  }
}
