/**
 * The Siagh (finance) web API client: login and the raw session header, the unpaged contact list read as a stream,
 * contact and pre-invoice forms through SaveFormData, and the pre-invoice lookup by `_In_Suid` that keeps a retried
 * pre-invoice from being created twice. Every request goes through one resilience policy (rate limit, time limit,
 * retries, circuit breaker, one re-login on 401); writes that may have reached Siagh are never resent blindly.
 */
import { ResiliencePolicy, type Attempt } from '../../resilience/index.js';
import { SiaghSession, sessionInfoOf, type SiaghSessionInfo } from './auth.js';
import { readContacts, type ContactItem } from './contact-stream.js';
import { SiaghError, classify, errorFromStatus, mayHaveBeenApplied, type SiaghMessage } from './errors.js';
import {
  contactCreateForm,
  contactUpdateForm,
  isSuid,
  preInvoiceForm,
  type SaveFormRequest,
  type SiaghContactInput,
  type SiaghPreInvoiceInput,
} from './forms.js';
import { preInvoiceNumberIn, readSaveReply, type SavedForm } from './save-reply.js';
import { loginReply, siaghPreInvoice, type SiaghPreInvoice } from './schemas.js';
import type { SiaghSettings } from './settings.js';

export interface SiaghCallOptions {
  /** The run's signal: the call stops when it is aborted. */
  signal?: AbortSignal;
}

export interface SavedContact {
  code: number;
  /** Siagh's own words (success texts, final messages). */
  messages: string[];
  warnings: SiaghMessage[];
}

export interface SavedPreInvoice {
  /** The pre-invoice number people see, read from Siagh's Persian success text. */
  number: number;
  /** Siagh's internal id (`ReturnCode`), when it gave one. */
  internalId?: string;
  suid: string;
  /** Found by its `_In_Suid` (an earlier attempt or run created it): nothing was created now. */
  alreadyExisted: boolean;
  messages: string[];
  warnings: SiaghMessage[];
}

/** A filter of the contact list: Siagh field names (as GetAll returns them) and the values to match. */
export type ContactFilter = Record<string, string | number | boolean>;

const contactsPath = '/api/Sgh/GEN/Gn_Web_Users/GetAll';
const savePath = '/BpmsApi/SaveFormData';
const loginPath = '/GeneralApi/LoginUser';
const notReachedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * The session each 401 was answered to, so re-login replaces only that one. Kept beside the error, not on it: an
 * error is logged and stored with its properties, a session id must not be.
 */
const refusedSessions = new WeakMap<object, string>();

type Method = 'GET' | 'POST';

export class SiaghClient {
  readonly policy: ResiliencePolicy;
  private readonly session: SiaghSession;

  constructor(readonly settings: SiaghSettings) {
    this.policy = new ResiliencePolicy({
      system: 'Siagh',
      requestsPerSecond: settings.requestsPerSecond,
      concurrency: settings.concurrency,
      retries: settings.retries,
      retryBaseMs: settings.retryBaseMs,
      timeoutMs: settings.timeoutMs,
      classify,
    });
    this.session = new SiaghSession((signal) => this.login(signal));
  }

  /** Logs in unless a session is open; what Siagh said about the session (user, fiscal year, its clock). */
  async connect(options: SiaghCallOptions = {}): Promise<SiaghSessionInfo> {
    return this.session.ensure(options.signal);
  }

  /** The fiscal year pre-invoices go into: SIAGH_FISCAL_YEAR, else the one Siagh opened the session in. */
  async fiscalYear(options: SiaghCallOptions = {}): Promise<number> {
    return this.settings.fiscalYear ?? (await this.connect(options)).fiscalYear;
  }

  /**
   * Every contact, in Siagh's order, one at a time as the reply arrives (bounded memory). Contacts that do not
   * validate come as `{ ok: false, reason }` items: report them, do not drop them. Stopping early cancels the reply.
   */
  async *contacts(options: SiaghCallOptions = {}): AsyncGenerator<ContactItem> {
    yield* this.streamContacts('GET', undefined, `GET ${contactsPath}`, options);
  }

  /** The contacts matching a filter, e.g. `{ Code: 234 }` or `{ NationalCode: '0012345678' }`. */
  async findContacts(filter: ContactFilter, options: SiaghCallOptions = {}): Promise<ContactItem[]> {
    if (Object.keys(filter).length === 0)
      throw new RangeError('findContacts needs a filter: an empty one returns every contact, use contacts()');
    const found: ContactItem[] = [];
    for await (const item of this.streamContacts('POST', filter, `POST ${contactsPath}`, options))
      found.push(item);
    return found;
  }

  /**
   * Creates a contact; its new code is Siagh's `ReturnCode`. Not resent after a failure that may have reached Siagh
   * (timeout, lost reply, 5xx): such an error satisfies `mayHaveBeenApplied`, and the caller must look the contact
   * up (e.g. by national code) before trying again.
   */
  async createContact(input: SiaghContactInput, options: SiaghCallOptions = {}): Promise<SavedContact> {
    const form = contactCreateForm(input);
    const what = `POST ${savePath} (create contact "${input.fullName}")`;
    const saved = await this.save(form, what, options, false);
    const code = Number(saved.returnCode);
    if (!Number.isSafeInteger(code) || code <= 0)
      throw new SiaghError({
        kind: 'bad-response',
        request: what,
        status: 200,
        messages: [`Siagh saved the contact but gave no code (ReturnCode ${saved.returnCode ?? 'missing'})`],
      });
    return { code, messages: saved.successes, warnings: saved.warnings };
  }

  /** Updates contact `code` with the fields given (undefined fields are left as Siagh has them). Safe to resend. */
  async updateContact(
    code: number,
    input: SiaghContactInput,
    options: SiaghCallOptions = {},
  ): Promise<SavedContact> {
    const form = contactUpdateForm(code, input);
    const saved = await this.save(form, `POST ${savePath} (update contact ${code})`, options, true);
    return { code, messages: saved.successes, warnings: saved.warnings };
  }

  /**
   * The pre-invoice saved with this `_In_Suid`, if any. The research shows no read of pre-invoices: this reads the
   * INFERRED list SIAGH_PREINVOICE_LOOKUP_PATH (a GetAll over sl_sanad filtered by `Suid`, shaped like the contact
   * list); check it on a real Siagh before relying on it.
   */
  async findPreInvoiceBySuid(
    suid: string,
    options: SiaghCallOptions = {},
  ): Promise<SiaghPreInvoice | undefined> {
    await this.session.ensure(options.signal);
    return this.policy.execute((attempt) => this.lookupPreInvoice(suid, attempt), {
      what: `POST ${this.settings.preInvoiceLookupPath}`,
      signal: options.signal,
      reauthenticate: (error) => this.renew(error, options.signal),
    });
  }

  /**
   * Creates a pre-invoice exactly once per `suid`. Before sending (unless `lookFirst` is false, for a suid made just
   * now) and before every resend, the pre-invoice is looked up by its suid, so a retry after a timeout, or a later
   * run after a crash, returns the one already created instead of creating a second.
   */
  async createPreInvoice(
    input: SiaghPreInvoiceInput,
    options: SiaghCallOptions & { lookFirst?: boolean } = {},
  ): Promise<SavedPreInvoice> {
    const form = preInvoiceForm(input);
    const what = `POST ${savePath} (pre-invoice ${input.suid})`;
    await this.session.ensure(options.signal);
    let mayExist = options.lookFirst ?? true;
    return this.policy.execute(
      async (attempt) => {
        if (mayExist) {
          const found = await this.lookupPreInvoice(input.suid, attempt);
          if (found) return existing(found, input.suid);
        }
        // From here a lost reply does not mean nothing was created: every later attempt looks first.
        mayExist = true;
        const saved = readSaveReply(what, await this.sendJson('POST', savePath, form, what, attempt));
        const number =
          preInvoiceNumberIn(saved) ?? (await this.lookupPreInvoice(input.suid, attempt))?.ShomareSanad;
        if (number === undefined)
          throw new SiaghError({
            kind: 'bad-response',
            request: what,
            status: 200,
            messages: [
              `Siagh saved the pre-invoice but its reply has no number ("${saved.successes.join(' / ')}") and the lookup by suid found none`,
            ],
          });
        return {
          number,
          ...(saved.returnCode ? { internalId: saved.returnCode } : {}),
          suid: input.suid,
          alreadyExisted: false,
          messages: saved.successes,
          warnings: saved.warnings,
        };
      },
      { what, signal: options.signal, reauthenticate: (error) => this.renew(error, options.signal) },
    );
  }

  /** Releases the rate limiter. */
  async stop(): Promise<void> {
    await this.policy.stop();
  }

  private async login(signal?: AbortSignal): Promise<{ id: string; info: SiaghSessionInfo }> {
    const what = `POST ${loginPath}`;
    return this.policy.execute(
      async (attempt) => {
        const body = { UserName: this.settings.userName, Password: this.settings.passwordHash };
        const response = await this.exchange('POST', loginPath, body, what, attempt.signal, attempt, false);
        const raw = await readJsonBody(response, what);
        const parsed = loginReply.safeParse(raw);
        if (!parsed.success) {
          const said = raw && typeof raw === 'object' && 'Message' in raw ? String(raw.Message) : undefined;
          const noSession = !(raw && typeof raw === 'object' && 'SessionId' in raw && raw.SessionId);
          throw new SiaghError({
            // A 200 without a session is how some servers say "wrong password"; a person needs that, not a schema.
            kind: noSession ? 'login-refused' : 'bad-response',
            request: what,
            status: response.status,
            messages: said
              ? [said]
              : parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
          });
        }
        return { id: parsed.data.SessionId, info: sessionInfoOf(parsed.data, this.settings.timeZone) };
      },
      { what, signal },
    );
  }

  private async renew(error: unknown, signal?: AbortSignal): Promise<void> {
    await this.session.renew(error instanceof SiaghError ? refusedSessions.get(error) : undefined, signal);
  }

  private async save(
    form: SaveFormRequest,
    what: string,
    options: SiaghCallOptions,
    idempotent: boolean,
  ): Promise<SavedForm> {
    await this.session.ensure(options.signal);
    return this.policy.execute(
      async (attempt) => readSaveReply(what, await this.sendJson('POST', savePath, form, what, attempt)),
      {
        what,
        signal: options.signal,
        safeToRepeat: idempotent ? undefined : (error) => !mayHaveBeenApplied(error),
        reauthenticate: (error) => this.renew(error, options.signal),
      },
    );
  }

  private async lookupPreInvoice(suid: string, attempt: Attempt): Promise<SiaghPreInvoice | undefined> {
    if (!isSuid(suid)) throw new RangeError(`"${suid}" is not a pre-invoice suid (32 upper-case hex digits)`);
    const path = this.settings.preInvoiceLookupPath;
    const what = `POST ${path} (pre-invoice ${suid})`;
    let raw: unknown;
    try {
      raw = await this.sendJson('POST', path, { Suid: suid }, what, attempt);
    } catch (error) {
      if (error instanceof SiaghError && error.status === 404)
        throw new SiaghError({
          kind: 'bad-request',
          request: what,
          status: 404,
          messages: [
            'Siagh has no pre-invoice list at this path, so it cannot be checked whether the pre-invoice was already created; set SIAGH_PREINVOICE_LOOKUP_PATH',
          ],
        });
      throw error;
    }
    const rows = Array.isArray(raw) ? raw : undefined;
    const matches = (rows ?? []).map((row) => siaghPreInvoice.safeParse(row));
    const bad = matches.find((m) => !m.success);
    if (!rows || bad)
      throw new SiaghError({
        kind: 'bad-response',
        request: what,
        status: 200,
        messages: [
          rows
            ? `a pre-invoice row does not validate: ${bad?.error?.issues[0]?.message}`
            : 'expected a JSON array',
        ],
        reply: raw,
      });
    return matches
      .flatMap((m) => (m.success ? [m.data] : []))
      .filter((p) => p.Suid.replaceAll('-', '').toUpperCase() === suid)
      .sort((a, b) => a.ShomareSanad - b.ShomareSanad)[0];
  }

  private async *streamContacts(
    method: Method,
    filter: ContactFilter | undefined,
    what: string,
    options: SiaghCallOptions,
  ): AsyncGenerator<ContactItem> {
    await this.session.ensure(options.signal);
    // The policy (limit, time limit, retries) covers the request up to its status line; the body is then read
    // outside the limiter, under its own stall limit, at the pace of the caller.
    const body = new AbortController();
    const response = await this.policy.execute(
      (attempt) =>
        this.exchange(
          method,
          contactsPath,
          filter,
          what,
          AbortSignal.any([attempt.signal, body.signal]),
          attempt,
        ),
      { what, signal: options.signal, reauthenticate: (error) => this.renew(error, options.signal) },
    );
    if (!response.body)
      throw new SiaghError({ kind: 'bad-response', request: what, messages: ['empty reply'] });
    yield* readContacts(this.chunks(response.body, body, what, options.signal));
  }

  /**
   * The reply body's chunks; the time limit now applies between two chunks (a list of 50,000 contacts may take long
   * in total, but never stalls for long).
   */
  private async *chunks(
    stream: ReadableStream<Uint8Array>,
    body: AbortController,
    what: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    const reader = stream.getReader();
    const idleMs = this.settings.timeoutMs;
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const stalled = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new SiaghError({
                  kind: 'timeout',
                  request: what,
                  messages: [`the reply stalled: nothing arrived for ${idleMs} ms`],
                }),
              ),
            idleMs,
          );
        });
        try {
          const { done, value } = await Promise.race([reader.read(), stalled]);
          if (done) return;
          yield value;
        } finally {
          clearTimeout(timer);
        }
      }
    } catch (error) {
      if (signal?.aborted || error instanceof SiaghError) throw error;
      throw new SiaghError({
        kind: 'unavailable',
        request: what,
        messages: [`the reply broke off: ${error instanceof Error ? error.message : String(error)}`],
        cause: error,
      });
    } finally {
      body.abort();
      await reader.cancel().catch(() => undefined);
    }
  }

  private async sendJson(
    method: Method,
    path: string,
    body: unknown,
    what: string,
    attempt: Attempt,
  ): Promise<unknown> {
    return readJsonBody(await this.exchange(method, path, body, what, attempt.signal, attempt), what);
  }

  /** One HTTP exchange up to the status line; anything but 200 becomes a typed error. */
  private async exchange(
    method: Method,
    path: string,
    body: unknown,
    what: string,
    signal: AbortSignal,
    attempt: Attempt,
    authenticated = true,
  ): Promise<Response> {
    const sessionId = authenticated ? this.session.id : undefined;
    if (authenticated && sessionId === undefined)
      // Another request is logging in again: this one waits for it through re-authentication, outside the limiter.
      throw new SiaghError({ kind: 'session-expired', request: what, messages: ['no open session'] });
    let response: Response;
    try {
      response = await fetch(this.settings.baseUrl + path, {
        method,
        headers: {
          accept: 'application/json',
          ...(sessionId === undefined ? {} : { authorization: sessionId }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal.aborted || attempt.timedOut()) throw error;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new SiaghError({
        kind: 'unavailable',
        request: what,
        messages: [code ? `${code} (could not connect to ${this.settings.baseUrl})` : String(error)],
        notReached: code !== undefined && notReachedCodes.has(code),
        cause: error,
      });
    }
    if (response.status === 200) return response;
    const text = await response.text().catch(() => '');
    const error = errorFromStatus(
      what,
      response.status,
      parseJson(text),
      response.headers.get('retry-after'),
      !authenticated,
    );
    if (sessionId !== undefined) refusedSessions.set(error, sessionId);
    throw error;
  }
}

function existing(found: SiaghPreInvoice, suid: string): SavedPreInvoice {
  return {
    number: found.ShomareSanad,
    internalId: found.Code,
    suid,
    alreadyExisted: true,
    messages: [],
    warnings: [],
  };
}

function parseJson(text: string): unknown {
  try {
    return text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return text;
  }
}

async function readJsonBody(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  const parsed = parseJson(text);
  if (typeof parsed === 'string' || parsed === undefined)
    throw new SiaghError({
      kind: 'bad-response',
      request: what,
      status: response.status,
      messages: [`the reply is not JSON: ${text.slice(0, 200)}`],
    });
  return parsed;
}
