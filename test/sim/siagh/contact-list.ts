/**
 * The Siagh simulator's `Gn_Web_Users/GetAll` reply: one bare JSON array of every contact, written as it is
 * generated in pieces of about 64 KB that wait for the client to read (so tens of thousands of contacts cost the
 * simulator neither memory nor time up front), with two test controls: hold the reply open after n contacts, or
 * break the connection after n contacts.
 */
import type { ServerResponse } from 'node:http';
import type { SimContact } from './contacts.js';

export interface ContactListControl {
  /** After this many contacts the reply waits for `released`. */
  hold?: { after: number; released: Promise<void> };
  /** After this many contacts the connection is destroyed. */
  breakAfter?: number;
}

export async function writeContactList(
  res: ServerResponse,
  contacts: Iterable<SimContact>,
  control: ContactListControl,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  let batch = '';
  let sent = 0;
  const flush = async () => {
    if (batch === '') return;
    const full = !res.write(batch);
    batch = '';
    if (full) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
  };
  for (const contact of contacts) {
    if (res.destroyed) return;
    batch += (sent === 0 ? '[' : ',') + JSON.stringify(contact);
    sent++;
    if (sent === control.breakAfter) {
      await flush();
      res.destroy();
      return;
    }
    if (control.hold && sent === control.hold.after) {
      await flush();
      await Promise.race([control.hold.released, closed]);
    }
    if (batch.length >= 64 * 1024) await flush();
  }
  res.end(`${sent === 0 ? '[' : batch}]`);
}
