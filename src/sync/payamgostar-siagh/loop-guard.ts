/**
 * Loop prevention: is what a system now shows about a record a change to act on, or the echo of our own write? Both
 * systems tell of every write, ours included (the CRM's webhook fires for the records the import creates, Siagh's
 * notification for the contacts the sync updates), so without this each write would come back as a change. Three
 * layers, each catching what the one before cannot:
 *
 * 1. Our transaction id. Before the flow writes a record it stamps the mapping with the transaction, the system
 *    written to and the checksum the write will leave there. A notification handled while the write is still in
 *    flight — before its bookkeeping commits — is recognised as that transaction's echo.
 * 2. Checksum equality. Each side's last synced state is kept with its checksum (SHA-256 of key-sorted JSON); a
 *    record whose state has that checksum has not changed, however often it is announced.
 * 3. A time gate. For ECHO_WINDOW after our write, a difference confined to the fields we wrote is the system's own
 *    rendering of that write (a normalised phone number, a trimmed name), not a person's change. A difference in any
 *    other field, or one after the window, is a change: the gate never swallows an edit of a field we did not write.
 */
import { changedFields } from './checksum.js';

export type SystemName = 'crm' | 'siagh';

/** What the mapping remembers of one side and of our writes to it. */
export interface GuardedMapping {
  crmChecksum: string | null;
  crmState: unknown;
  siaghChecksum: string | null;
  siaghState: unknown;
  lastSyncTransactionId: string | null;
  pendingTransactionId: string | null;
  pendingTarget: string | null;
  pendingChecksum: string | null;
  lastWriteTarget: string | null;
  lastWriteAt: Date | null;
  lastWriteFields: unknown;
}

export type ChangeVerdict =
  /** Layer 1: the state our write in flight leaves there. */
  | { kind: 'echo-in-flight'; transactionId: string }
  /** Layer 2: the last synced state; `echoOf` when our own write made it within the window. */
  | { kind: 'unchanged'; echoOf?: string }
  /** Layer 3: within the window, only fields our write set differ. */
  | { kind: 'echo-gated'; transactionId: string | null; fields: string[] }
  | { kind: 'changed'; fields: string[] };

export function classifyChange(
  system: SystemName,
  current: { state: object; checksum: string },
  mapping: GuardedMapping,
  now: Date,
  windowMs: number,
): ChangeVerdict {
  if (
    mapping.pendingTransactionId &&
    mapping.pendingTarget === system &&
    mapping.pendingChecksum === current.checksum
  )
    return { kind: 'echo-in-flight', transactionId: mapping.pendingTransactionId };
  const synced =
    system === 'crm'
      ? { checksum: mapping.crmChecksum, state: mapping.crmState }
      : { checksum: mapping.siaghChecksum, state: mapping.siaghState };
  const ourRecentWrite =
    mapping.lastWriteTarget === system &&
    mapping.lastWriteAt !== null &&
    now.getTime() - mapping.lastWriteAt.getTime() <= windowMs;
  if (synced.checksum === current.checksum)
    return ourRecentWrite && mapping.lastSyncTransactionId
      ? { kind: 'unchanged', echoOf: mapping.lastSyncTransactionId }
      : { kind: 'unchanged' };
  const fields = changedFields(synced.state as object | null, current.state);
  if (ourRecentWrite && synced.checksum !== null) {
    const written = Array.isArray(mapping.lastWriteFields) ? (mapping.lastWriteFields as string[]) : [];
    if (written.includes('*') || fields.every((f) => written.includes(f)))
      return { kind: 'echo-gated', transactionId: mapping.lastSyncTransactionId, fields };
  }
  return { kind: 'changed', fields };
}
