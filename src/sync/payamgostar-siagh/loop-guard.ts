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
 * 3. A time gate. For ECHO_WINDOW after our write, a field we wrote that now reads as the same value rendered
 *    otherwise (Persian or Arabic digits, ي for ی, letter case, spacing, a phone number's punctuation) is the system's
 *    rendering of our write, not a person's change. Any other difference — another field, another value, or any
 *    difference after the window — is a change: the gate never swallows an edit.
 */
import { canonicalJson, changedFields } from './checksum.js';

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
  crmWrittenAt: Date | null;
  crmWrittenFields: unknown;
  siaghWrittenAt: Date | null;
  siaghWrittenFields: unknown;
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
  const write =
    system === 'crm'
      ? { at: mapping.crmWrittenAt, fields: mapping.crmWrittenFields }
      : { at: mapping.siaghWrittenAt, fields: mapping.siaghWrittenFields };
  const ourRecentWrite = write.at !== null && now.getTime() - write.at.getTime() <= windowMs;
  if (synced.checksum === current.checksum)
    return ourRecentWrite && mapping.lastSyncTransactionId
      ? { kind: 'unchanged', echoOf: mapping.lastSyncTransactionId }
      : { kind: 'unchanged' };
  const before = (synced.state ?? {}) as Record<string, unknown>;
  const after = current.state as Record<string, unknown>;
  const fields = changedFields(before, after);
  if (ourRecentWrite && synced.checksum !== null) {
    const written = Array.isArray(write.fields) ? (write.fields as string[]) : [];
    const rendered = fields.every(
      (f) => (written.includes('*') || written.includes(f)) && sameRendering(before[f], after[f]),
    );
    if (rendered) return { kind: 'echo-gated', transactionId: mapping.lastSyncTransactionId, fields };
  }
  return { kind: 'changed', fields };
}

const persianLetters: Record<string, string> = { '\u064a': '\u06cc', '\u0643': '\u06a9', '\u0649': '\u06cc' };

/** A value as a person reads it: digits as ASCII, Persian letter forms, no case, no spacing or phone punctuation. */
function rendering(value: unknown): unknown {
  if (typeof value === 'string')
    return value
      .normalize('NFKC')
      .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
      .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
      .replace(/[\u064a\u0643\u0649]/g, (c) => persianLetters[c]!)
      .replace(/[\s\u200c()+-]/g, '')
      .toLowerCase();
  if (Array.isArray(value)) return value.map(rendering);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rendering(v)]));
  return value ?? null;
}

/** Whether two values differ only in how they are written. */
export function sameRendering(a: unknown, b: unknown): boolean {
  return canonicalJson(rendering(a)) === canonicalJson(rendering(b));
}
