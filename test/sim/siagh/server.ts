/**
 * Siagh (finance) simulator: a real HTTP server on 127.0.0.1 behaving as research apis.md §3.1 and §5 describe:
 * login with the MD5 upper-case hex password, the SessionId carried raw in `Authorization`, sessions that expire
 * (401, a knob), Jalali SystemDate and fiscal year, the unpaged `Gn_Web_Users/GetAll` bare array streamed from a
 * seeded generator, and `SaveFormData` for the contact (2BFDA) and pre-invoice (43D81) forms, answering HTTP 200
 * with `ErrError` entries for business errors and the Persian success text carrying the pre-invoice number.
 *
 * Marked [I] where the research shows nothing and the behaviour is inferred: the texts of most refusals, the
 * 401 body of an expired session, 429 with Retry-After, and the pre-invoice lookup by `_In_Suid`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jalaliNow } from './clock.js';
import { writeContactList, type ContactListControl } from './contact-list.js';
import { ContactBook, generateContact, type SimContact } from './contacts.js';
import {
  FormDesk,
  defaultItems,
  preInvoiceFilterFields,
  type SimItem,
  type SimPreInvoice,
} from './form-desk.js';
import { ContactNotifier } from './notifications.js';
import { SessionDesk, type SimUser } from './sessions.js';
import { Throttle } from './throttle.js';

export type { SimItem, SimPreInvoice, SimPreInvoiceLine } from './form-desk.js';

export interface SiaghSimOptions {
  seed?: number;
  /** Contacts generated on demand (50 by default; tens of thousands are cheap). */
  contactCount?: number;
  adminCount?: number;
  tmpidMissingRate?: number;
  malformedEvery?: number;
  users?: SimUser[];
  /** Fiscal year Siagh has open; default the Jalali year of today in Tehran. */
  fiscalYear?: number;
  timeZone?: string;
  /** A session unused this long is gone (sliding, like an ASP.NET session) [I]. */
  sessionLifetimeMs?: number;
  /** Requests answered per second before 429 with Retry-After [I]. */
  rateLimitPerSecond?: number;
  latencyMs?: number;
  /** Item codes pre-invoice lines may use. */
  items?: SimItem[];
  firstPreInvoiceNumber?: number;
  /** Contact saves answer an ErrSuccs entry too (the research's example has `Errors: []`). */
  contactSuccessEntry?: boolean;
  /** Refuse a contact whose mobile number another contact has (as the research's error example shows). */
  rejectDuplicateMobile?: boolean;
  /** Where the [I] pre-invoice lookup answers; null: this Siagh has none (404). */
  preInvoiceLookupPath?: string | null;
  /** Called with `code=<Code>` after each contact saved, as a site's BPMS flow or trigger would [I]. */
  notifyUrl?: string;
}

export interface SimRequest {
  at: number;
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
  status?: number;
}

export interface SaveDelay {
  ms: number;
  /** before-delay: the form is saved at once and the reply is late; after-delay: Siagh is slow to save. */
  commit: 'before-delay' | 'after-delay';
  /** How many saves are delayed (all when omitted). */
  count?: number;
}

export interface SiaghSim {
  url: string;
  users: SimUser[];
  contacts: ContactBook;
  preInvoices: SimPreInvoice[];
  items: Map<string, SimItem>;
  requests: SimRequest[];
  stats: { logins: number; refusedLogins: number; refusedSessions: number; throttled: number; saves: number };
  /** Knobs that tests may change while the server runs. */
  knobs: {
    fiscalYear: number;
    sessionLifetimeMs: number;
    rateLimitPerSecond?: number;
    latencyMs: number;
    contactSuccessEntry: boolean;
    rejectDuplicateMobile: boolean;
  };
  /** Every open session ends now: the next request with one gets 401. */
  expireSessions(): void;
  /** The next `count` requests are refused with `status` (429 with Retry-After, or 503). */
  refuseNext(count: number, status?: 429 | 503, retryAfterSeconds?: number): void;
  delaySaves(delay: SaveDelay): void;
  /** GetAll stops after `after` contacts until the returned function is called (the reply stays open). */
  holdContactsAfter(after: number): () => void;
  /** GetAll replies break off (socket destroyed) after `after` contacts. */
  breakContactsAfter(after: number | undefined): void;
  /** A change made in Siagh by a person (not through the API). */
  editContact(code: number, change: Record<string, unknown>): SimContact;
  /** Contact-saved notifications; set `notifications.settings.url` to switch them on while the server runs. */
  notifications: ContactNotifier;
  close(): Promise<void>;
}

const contactsPath = '/api/Sgh/GEN/Gn_Web_Users/GetAll';
const defaultLookupPath = '/api/Sgh/SL/Sl_Sanad/GetAll';
/** Form field (gn_web_users.*) → GetAll field. */
function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('invalid json');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function filterOf(body: unknown, allowed: Set<string>): Record<string, unknown> | string {
  if (body === undefined) return {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'The filter must be a JSON object.';
  for (const key of Object.keys(body))
    if (!allowed.has(key)) return `The filter field '${key}' does not exist.`;
  return body as Record<string, unknown>;
}

export async function startSiaghSim(options: SiaghSimOptions = {}): Promise<SiaghSim> {
  const timeZone = options.timeZone ?? 'Asia/Tehran';
  const generation = {
    count: options.contactCount ?? 50,
    seed: options.seed ?? 7,
    adminCount: options.adminCount ?? 3,
    tmpidMissingRate: options.tmpidMissingRate ?? 0.3,
    malformedEvery: options.malformedEvery,
  };
  const contacts = new ContactBook(generation);
  const contactFields = new Set([...Object.keys(generateContact(1, { ...generation, tmpidMissingRate: 0 }))]);
  const users = options.users ?? [{ userName: 'مدیر سیستم', password: 'siagh-sim-password' }];
  const items = new Map((options.items ?? defaultItems()).map((item) => [item.code, item]));
  const knobs: SiaghSim['knobs'] = {
    fiscalYear: options.fiscalYear ?? jalaliNow(timeZone).year,
    sessionLifetimeMs: options.sessionLifetimeMs ?? 20 * 60 * 1000,
    rateLimitPerSecond: options.rateLimitPerSecond,
    latencyMs: options.latencyMs ?? 0,
    contactSuccessEntry: options.contactSuccessEntry ?? false,
    rejectDuplicateMobile: options.rejectDuplicateMobile ?? true,
  };
  const lookupPath =
    options.preInvoiceLookupPath === undefined ? defaultLookupPath : options.preInvoiceLookupPath;
  const sessions = new SessionDesk(users, knobs, timeZone);
  const requests: SimRequest[] = [];
  let saves = 0;
  const throttle = new Throttle(knobs);
  let saveDelay: SaveDelay | undefined;
  const listControl: ContactListControl = {};
  const notifications = new ContactNotifier({ url: options.notifyUrl });
  const desk = new FormDesk(
    { contacts, contactFields, items, knobs, timeZone },
    options.firstPreInvoiceNumber,
  );

  async function save(body: unknown, res: ServerResponse): Promise<void> {
    saves++;
    const delay = saveDelay;
    if (delay?.count !== undefined && --delay.count <= 0) saveDelay = undefined;
    if (delay?.commit === 'after-delay') await sleep(delay.ms);
    const reply = desk.save(body);
    if ((body as { formId?: unknown } | undefined)?.formId === '2BFDA' && reply.ReturnValue === true)
      notifications.contactSaved(Number(reply.ReturnCode));
    if (delay?.commit === 'before-delay') await sleep(delay.ms);
    send(res, 200, reply);
  }

  async function route(req: IncomingMessage, res: ServerResponse, record: SimRequest): Promise<void> {
    const path = record.path;
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (typeof body === 'symbol') return send(res, 400, { Message: 'The request is invalid.' });
    if (path !== contactsPath) record.body = body;
    const refusal = throttle.check();
    if (refusal)
      return send(
        res,
        refusal.status,
        { Message: refusal.message },
        { 'retry-after': String(refusal.retryAfterSeconds) },
      );
    if (knobs.latencyMs > 0) await sleep(knobs.latencyMs);
    if (path === '/GeneralApi/LoginUser' && req.method === 'POST') {
      const reply = sessions.login(body);
      return send(res, reply.status, reply.body);
    }
    const known =
      path === contactsPath ||
      path === '/BpmsApi/SaveFormData' ||
      (lookupPath !== null && path === lookupPath);
    if (!known)
      return send(res, 404, {
        Message: `No HTTP resource was found that matches the request URI '${path}'.`,
      });
    if (!sessions.admits(req.headers.authorization))
      return send(res, 401, { Message: 'Authorization has been denied for this request.' }); // [I]
    if (path === '/BpmsApi/SaveFormData' && req.method === 'POST') return save(body, res);
    if (path === contactsPath) {
      const filter = filterOf(body, contactFields);
      if (typeof filter === 'string') return send(res, 400, { Message: filter }); // [I]
      return writeContactList(res, contacts.matching(filter), listControl);
    }
    const filter = filterOf(body, preInvoiceFilterFields);
    if (typeof filter === 'string') return send(res, 400, { Message: filter });
    return send(res, 200, desk.lookup(filter));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://siagh.sim');
    const record: SimRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    };
    requests.push(record);
    res.once('finish', () => (record.status = res.statusCode));
    route(req, res, record).catch((error: Error) => {
      send(res, 500, { Message: 'An error has occurred.', ExceptionMessage: error.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    users,
    contacts,
    preInvoices: desk.preInvoices,
    items,
    requests,
    get stats() {
      return { ...sessions.stats, throttled: throttle.refused, saves };
    },
    knobs,
    expireSessions: () => sessions.expireAll(),
    refuseNext(count, status = 429, retryAfterSeconds = 1) {
      throttle.refuseNext(count, status, retryAfterSeconds);
    },
    delaySaves(delay) {
      saveDelay = { ...delay };
    },
    holdContactsAfter(after) {
      let release = () => undefined as void;
      const released = new Promise<void>((resolve) => (release = resolve));
      listControl.hold = { after, released };
      return () => {
        listControl.hold = undefined;
        release();
      };
    },
    breakContactsAfter(after) {
      listControl.breakAfter = after;
    },
    editContact(code, change) {
      const contact = contacts.get(code);
      if (!contact) throw new Error(`no contact ${code} in the Siagh simulator`);
      const edited = { ...contact, ...change, Code: code, RecordId: contact.RecordId };
      contacts.put(edited);
      notifications.contactSaved(code);
      return edited;
    },
    notifications,
    close: async () => {
      await notifications.idle();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
