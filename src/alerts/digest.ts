/** The daily digest: what is open and what was resolved since the last day, in one message per channel. */
import type { Database } from '../db/database.js';
import { digestMessage } from './messages.js';
import { alertsResolvedSince, openAlerts, queueMessage, type Announce } from './store.js';

const day = 24 * 60 * 60 * 1000;

export async function queueDigest(db: Database, announce: Announce, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - day);
  const open = await openAlerts(db);
  const resolved = await alertsResolvedSince(db, since);
  await queueMessage(
    db,
    { alertId: null, kind: 'digest', message: digestMessage(open, resolved, since, now) },
    announce,
  );
  return open.length;
}
