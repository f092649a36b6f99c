/**
 * The HTTP client of the Payamgostar CRM's v2 API: every call is a JSON POST with the session's bearer token, sent
 * through the shared resilience policy (rate limit, time limit, retries that honour Retry-After, circuit breaker), with
 * one re-login on a 401 and typed errors. It only moves bytes; what the records mean is the flow's business.
 *
 * Finding what changed: the CRM has no "modified since" filter on its identity lists, and their rows carry only
 * identityId, nickName and customerNo — no date. A full record (person/get, organization/get) carries modifyDate, but
 * only one record per request. So `identities()` pages through every identity (a few requests for thousands of them),
 * and the flow compares what it sees with what it last synced (new ids, changed names or customer numbers), reading
 * full records only where that or a bounded re-check calls for it. The webhook remains the fast path.
 */
import { z } from 'zod';
import { ResiliencePolicy, parseRetryAfter } from '../../resilience/index.js';
import { CrmSession, loginPath, type CrmToken, type LoginRequest } from './auth.js';
import { PayamgostarError, classify, errorFrom, loginErrorFrom } from './errors.js';
import {
  createReplySchema,
  identityPageSchema,
  organizationSchema,
  personSchema,
  quoteSchema,
  type CrmOrganization,
  type CrmPerson,
  type CrmQuote,
  type IdentityListRow,
} from './schemas.js';
import type { PayamgostarSettings } from './settings.js';
import type { IdentityKind } from './webhook-notification.js';

export type PayamgostarClientSettings = Omit<PayamgostarSettings, 'timeZone' | 'customerNumbers'>;

/** One request and its reply as a person may read them later: never the Authorization header or a password. */
export interface Exchange {
  method: 'POST';
  path: string;
  body?: unknown;
  status?: number;
  response?: unknown;
  error?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Every attempt is appended here, for a failed record's history. */
  trace?: Exchange[];
}

export interface PhoneContactInput {
  /** "Mobile" or "Office" (what the CRM's own examples use). */
  phoneType: string;
  phoneNumber: string;
  default?: boolean;
}

export interface AddressContactInput {
  country?: string;
  state?: string;
  city?: string;
  address?: string;
  zipCode?: string;
  default?: boolean;
}

interface IdentityInput {
  /** The tenant's type code; default "person" / "organization". */
  crmObjectTypeCode?: string;
  /** Siagh's tmpid, when there is one. */
  refId?: string;
  nickName: string;
  nationalCode?: string;
  economicCode?: string;
  email?: string;
  alternativeEmail?: string;
  website?: string;
  description?: string;
  customerNumber?: string;
  phoneContacts?: PhoneContactInput[];
  addressContacts?: AddressContactInput[];
  categories?: { key: string }[];
}

export interface PersonInput extends IdentityInput {
  firstName?: string;
  lastName?: string;
}

export interface OrganizationInput extends IdentityInput {
  registerNumber?: string;
  businessType?: string;
}

/** A row of an identity list, with the kind of identity the page was asked for. */
export interface IdentityListItem extends IdentityListRow {
  kind: IdentityKind;
}

export interface IdentityPage {
  kind: IdentityKind;
  /** 0-based, as the CRM counts. */
  pageNumber: number;
  rows: IdentityListRow[];
}

export interface IdentityListOptions extends CallOptions {
  /** Only persons or only organizations; default both, persons first. */
  kind?: IdentityKind;
  searchTerm?: string;
  pageSize?: number;
}

export type CrmIdentity =
  { kind: 'person'; record: CrmPerson } | { kind: 'organization'; record: CrmOrganization };

export const identityListPath = '/api/v2/crmobject/identity/getIdentitiesSimple';
export const quoteGetPath = '/api/v2/crmobject/quote/sales/get';
const identityType: Record<IdentityKind, number> = { person: 1, organization: 2 };

/** Network errors that mean the request never reached the CRM, so even a create may be sent again. */
const notReachedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export class PayamgostarClient {
  readonly session: CrmSession;
  private readonly policy: ResiliencePolicy;
  private readonly base: string;

  constructor(
    readonly settings: PayamgostarClientSettings,
    now: () => number = Date.now,
  ) {
    this.base = settings.baseUrl.replace(/\/+$/, '');
    this.policy = new ResiliencePolicy({
      system: 'Payamgostar',
      requestsPerSecond: settings.requestsPerSecond,
      concurrency: settings.concurrency,
      retries: settings.retries,
      retryBaseMs: settings.retryBaseMs,
      timeoutMs: settings.timeoutMs,
      classify,
    });
    this.session = new CrmSession(settings, (request, signal) => this.sendLogin(request, signal), now);
  }

  /** closed, open or half-open: for status pages. */
  get circuit(): 'closed' | 'open' | 'half-open' {
    return this.policy.circuit;
  }

  /** Logs in now: the connection check's first step. Any other call logs in by itself when it needs to. */
  login(signal?: AbortSignal): Promise<CrmToken> {
    return this.session.login(signal);
  }

  /** Every page of identities, 0-based, until a page has fewer rows than asked for (an empty one included). */
  async *identityPages(options: IdentityListOptions = {}): AsyncGenerator<IdentityPage> {
    const pageSize = options.pageSize ?? this.settings.pageSize;
    const kinds: IdentityKind[] = options.kind ? [options.kind] : ['person', 'organization'];
    for (const kind of kinds) {
      let previousFirst: string | undefined;
      for (let pageNumber = 0; ; pageNumber++) {
        const body = {
          pageNumber,
          pageSize,
          searchTerm: options.searchTerm ?? '',
          identityType: identityType[kind],
        };
        const rows = await this.call(identityListPath, body, identityPageSchema, options);
        const request = `POST ${identityListPath} (${kind}s, page ${pageNumber})`;
        if (rows.length > pageSize)
          throw new PayamgostarError({
            kind: 'bad-response',
            request,
            remoteMessage: `${rows.length} rows came back for a page of ${pageSize}`,
          });
        // A server that ignored pageNumber would hand out its first page for ever: stop instead of looping.
        if (rows.length > 0 && rows[0]!.identityId === previousFirst)
          throw new PayamgostarError({
            kind: 'bad-response',
            request,
            remoteMessage: `page ${pageNumber} starts with the same identity as page ${pageNumber - 1}`,
          });
        previousFirst = rows[0]?.identityId;
        if (rows.length > 0) yield { kind, pageNumber, rows };
        if (rows.length < pageSize) break;
      }
    }
  }

  /** Every identity, row by row (see identityPages). */
  async *identities(options: IdentityListOptions = {}): AsyncGenerator<IdentityListItem> {
    for await (const page of this.identityPages(options))
      for (const row of page.rows) yield { ...row, kind: page.kind };
  }

  getPerson(id: string, options: CallOptions = {}): Promise<CrmPerson> {
    return this.call('/api/v2/crmobject/person/get', { id }, personSchema, options);
  }

  getOrganization(id: string, options: CallOptions = {}): Promise<CrmOrganization> {
    return this.call('/api/v2/crmobject/organization/get', { id }, organizationSchema, options);
  }

  /**
   * A person or organization by id. Without `kind` (a webhook whose type name said neither) the person is asked for
   * first and the organization when the CRM does not know it as a person.
   */
  async getIdentity(id: string, kind?: IdentityKind, options: CallOptions = {}): Promise<CrmIdentity> {
    if (kind === 'organization') return { kind, record: await this.getOrganization(id, options) };
    try {
      return { kind: 'person', record: await this.getPerson(id, options) };
    } catch (error) {
      if (kind === 'person' || !(error instanceof PayamgostarError) || error.kind !== 'not-found')
        throw error;
      return { kind: 'organization', record: await this.getOrganization(id, options) };
    }
  }

  /** Creates a person; returns its id (the reply's crmId, or its id). Never resent once it may have reached the CRM. */
  createPerson(person: PersonInput, options: CallOptions = {}): Promise<string> {
    const body = { crmObjectTypeCode: 'person', ...person };
    return this.call('/api/v2/crmobject/person/create', body, createReplySchema, {
      ...options,
      creates: true,
    });
  }

  createOrganization(organization: OrganizationInput, options: CallOptions = {}): Promise<string> {
    const body = { crmObjectTypeCode: 'organization', ...organization };
    return this.call('/api/v2/crmobject/organization/create', body, createReplySchema, {
      ...options,
      creates: true,
    });
  }

  /** Same fields as the create, with the id; sending the same update twice leaves the same record. */
  async updatePerson(id: string, person: PersonInput, options: CallOptions = {}): Promise<void> {
    const body = { id, crmObjectTypeCode: 'person', ...person };
    await this.call('/api/v2/crmobject/person/update', body, z.unknown(), options);
  }

  async updateOrganization(
    id: string,
    organization: OrganizationInput,
    options: CallOptions = {},
  ): Promise<void> {
    const body = { id, crmObjectTypeCode: 'organization', ...organization };
    await this.call('/api/v2/crmobject/organization/update', body, z.unknown(), options);
  }

  /** A sales quote (the CRM's pre-invoice) with its lines. */
  getQuote(id: string, options: CallOptions = {}): Promise<CrmQuote> {
    return this.call(quoteGetPath, { id }, quoteSchema, options);
  }

  /** Releases the rate limiter; queued requests are dropped. */
  async stop(): Promise<void> {
    await this.policy.stop();
  }

  private async call<T>(
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    options: CallOptions & { creates?: boolean },
  ): Promise<T> {
    const what = `POST ${path}`;
    // Logged in before the request takes a place in the rate limiter, so no login ever waits behind requests
    // that are themselves waiting for it.
    await this.session.accessToken(options.signal);
    let sentWith: string | undefined;
    const raw = await this.policy.execute(
      async (attempt) => {
        sentWith = this.session.usableAccessToken();
        if (sentWith === undefined)
          throw new PayamgostarError({ kind: 'token', request: what, remoteMessage: 'the token ran out' });
        return this.post(path, body, { authorization: `Bearer ${sentWith}` }, attempt, options.trace);
      },
      {
        what,
        signal: options.signal,
        // A create that may have reached the CRM is not sent again: the CRM would make a second record.
        safeToRepeat: options.creates
          ? (error) => error instanceof PayamgostarError && (error.kind === 'rate-limit' || error.notReached)
          : undefined,
        reauthenticate: () => this.session.renewAfterRejection(sentWith, options.signal),
      },
    );
    if (raw === null || raw === undefined)
      throw new PayamgostarError({ kind: 'not-found', request: what, remoteMessage: 'the reply was empty' });
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      throw new PayamgostarError({
        kind: 'bad-response',
        request: what,
        remoteMessage: parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'reply'}: ${i.message}`)
          .join('; '),
      });
    return parsed.data;
  }

  private sendLogin(request: LoginRequest, signal?: AbortSignal): Promise<unknown> {
    return this.policy.execute((attempt) => this.post(loginPath, request, {}, attempt, undefined, true), {
      what: `POST ${loginPath}`,
      signal,
    });
  }

  /** One attempt: the bytes out and in, and the reply's status turned into a typed error. */
  private async post(
    path: string,
    body: unknown,
    headers: Record<string, string>,
    attempt: { signal: AbortSignal; timedOut(): boolean },
    trace: Exchange[] | undefined,
    isLogin = false,
  ): Promise<unknown> {
    const what = `POST ${path}`;
    const exchange: Exchange = { method: 'POST', path, body };
    trace?.push(exchange);
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: attempt.signal,
      });
    } catch (error) {
      exchange.error = String((error as Error).message ?? error);
      // The kit turns its own time limit into AttemptTimeoutError, and a caller's abort ends the call.
      if (attempt.signal.aborted) throw error;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new PayamgostarError({
        kind: 'unavailable',
        request: what,
        remoteMessage: code ? `${code} (could not connect to ${this.base})` : exchange.error,
        notReached: code !== undefined && notReachedCodes.has(code),
        cause: error,
      });
    }
    exchange.status = response.status;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's HTML page): kept as text for the person reading the failure.
    }
    exchange.response = typeof parsed === 'string' ? parsed.slice(0, 2000) : parsed;
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const error = isLogin
        ? loginErrorFrom(response.status, parsed, what, retryAfterMs)
        : errorFrom(response.status, parsed, what, retryAfterMs);
      exchange.error = error.message;
      throw error;
    }
    if (typeof parsed === 'string')
      throw new PayamgostarError({
        kind: 'bad-response',
        request: what,
        status: response.status,
        remoteMessage: `not JSON: ${parsed.slice(0, 200)}`,
      });
    return parsed;
  }
}
