/**
 * The contacts of `Gn_Web_Users/GetAll`, read from the reply as it arrives: Siagh sends every contact in one unpaged
 * bare array (tens of thousands of rows), so the array is parsed as a stream (stream-json) and each contact is
 * validated and handed over on its own, keeping memory bounded by one contact, not by the company's size. A contact
 * that fails validation is handed over too, with its reason, so the caller can report it instead of losing it.
 */
import { Readable, pipeline } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { SiaghError } from './errors.js';
import { siaghContact, type SiaghContact } from './schemas.js';

export type ContactItem =
  | { ok: true; index: number; contact: SiaghContact }
  | {
      ok: false;
      /** Position in Siagh's array (0-based). */
      index: number;
      /** Code and name when they could be read, for the person looking at the report. */
      code?: unknown;
      name?: unknown;
      reason: string;
      raw: unknown;
    };

/** Raised when the reply is not a JSON array, or breaks off in the middle. */
export class ContactStreamError extends Error {
  constructor(
    message: string,
    readonly contactsRead: number,
    cause?: unknown,
  ) {
    super(`Siagh's contact list could not be read after ${contactsRead} contacts: ${message}`, { cause });
    this.name = 'ContactStreamError';
  }
}

export function checkContact(index: number, raw: unknown): ContactItem {
  const parsed = siaghContact.safeParse(raw);
  if (parsed.success) return { ok: true, index, contact: parsed.data };
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return {
    ok: false,
    index,
    code: record.Code,
    name: record.Name,
    reason: parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(contact)'}: ${issue.message}`)
      .join('; '),
    raw,
  };
}

/** Each contact of a GetAll reply body, in order, as soon as its bytes have arrived. */
export async function* readContacts(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<ContactItem> {
  // Whole values only (no partial-string tokens): a contact's strings are short, and this halves the parsing time.
  const items = streamArray.withParserAsStream({ streamValues: false });
  // pipeline ends the source when the reader stops early (the HTTP body is cancelled) and forwards its failures.
  pipeline(Readable.from(chunks, { objectMode: false }), items, () => undefined);
  let read = 0;
  try {
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      read += 1;
      yield checkContact(key, value);
    }
  } catch (error) {
    // The transport's own failures (a stalled or aborted body) keep their type; the rest are the parser's.
    if (error instanceof SiaghError || (error instanceof Error && error.name === 'AbortError')) throw error;
    throw new ContactStreamError(error instanceof Error ? error.message : String(error), read, error);
  } finally {
    items.destroy();
  }
}
