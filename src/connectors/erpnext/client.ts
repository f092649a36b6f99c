/**
 * The HTTP client of the ERPNext (Frappe) REST API: token authentication, typed errors and zod parsing of replies.
 * Its rate limit, time limit, retries (honouring Retry-After) and circuit breaker are ERPNext's resilience policy;
 * each attempt is recorded in the caller's trace. It only moves bytes; what the documents mean is the flows' business.
 */
import { z } from 'zod';
import { ResiliencePolicy, type Attempt } from '../../resilience/index.js';
import { authorizationHeader } from './auth.js';
import { classify, ErpNextError, errorFromResponse, fromPolicyFailure } from './errors.js';
import { dataEnvelope } from './schemas.js';
import type { ErpNextSettings } from './settings.js';

/** One request and its reply as a person may read them later: never the Authorization header. */
export interface Exchange {
  method: string;
  path: string;
  body?: unknown;
  status?: number;
  response?: unknown;
  error?: string;
}

export interface CallOptions {
  /** Every attempt is appended here (the outbox keeps the last one with a failed entry). */
  trace?: Exchange[];
  signal?: AbortSignal;
}

export interface ListQuery {
  fields: string[];
  filters?: unknown[];
  orderBy?: string;
  limitStart?: number;
  /** Always sent: Frappe silently answers 20 rows when it is missing. */
  limitPageLength: number;
  /** For a child table doctype (e.g. Dynamic Link): the parent doctype, as Frappe requires. */
  parent?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Network errors that mean the request never reached ERPNext (a reset might have been after it acted). */
const notReachedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export class ErpNextClient {
  private readonly policy: ResiliencePolicy;
  private readonly base: string;

  constructor(private readonly settings: ErpNextSettings) {
    this.base = settings.url.replace(/\/+$/, '');
    this.policy = new ResiliencePolicy({
      system: 'ERPNext',
      requestsPerSecond: settings.requestsPerSecond,
      concurrency: 4,
      retries: settings.retries,
      retryBaseMs: settings.retryBaseMs,
      timeoutMs: settings.timeoutMs,
      classify,
    });
  }

  /** The site's URL as configured. */
  get url(): string {
    return this.settings.url;
  }

  /** Releases the rate limiter. */
  async stop(): Promise<void> {
    await this.policy.stop();
  }

  async list<T>(
    doctype: string,
    query: ListQuery,
    row: z.ZodType<T>,
    options: CallOptions = {},
  ): Promise<T[]> {
    const params = new URLSearchParams({ fields: JSON.stringify(query.fields) });
    if (query.filters) params.set('filters', JSON.stringify(query.filters));
    if (query.orderBy) params.set('order_by', query.orderBy);
    params.set('limit_start', String(query.limitStart ?? 0));
    params.set('limit_page_length', String(query.limitPageLength));
    if (query.parent) params.set('parent', query.parent);
    return this.call(
      'GET',
      `/api/resource/${encodeURIComponent(doctype)}?${params}`,
      undefined,
      row.array(),
      options,
    );
  }

  async get<T>(doctype: string, name: string, doc: z.ZodType<T>, options: CallOptions = {}): Promise<T> {
    return this.call('GET', resourcePath(doctype, name), undefined, doc, options);
  }

  async insert<T>(doctype: string, body: object, doc: z.ZodType<T>, options: CallOptions = {}): Promise<T> {
    return this.call('POST', `/api/resource/${encodeURIComponent(doctype)}`, body, doc, options);
  }

  /** A partial update: only the keys sent change; the full document comes back. */
  async update<T>(
    doctype: string,
    name: string,
    body: object,
    doc: z.ZodType<T>,
    options: CallOptions = {},
  ): Promise<T> {
    return this.call('PUT', resourcePath(doctype, name), body, doc, options);
  }

  /** ERPNext answers 202 {"data": "ok"}. */
  async delete(doctype: string, name: string, options: CallOptions = {}): Promise<void> {
    await this.call('DELETE', resourcePath(doctype, name), undefined, z.unknown(), options);
  }

  /** Who the credentials belong to: the cheapest authenticated call Frappe has. */
  async loggedUser(options: CallOptions = {}): Promise<string> {
    const body = await this.send('GET', '/api/method/frappe.auth.get_logged_user', undefined, options);
    const parsed = z.object({ message: z.string() }).safeParse(body);
    if (!parsed.success)
      throw new ErpNextError({
        kind: 'bad-response',
        request: 'GET /api/method/frappe.auth.get_logged_user',
        body,
      });
    return parsed.data.message;
  }

  private async call<T>(
    method: Method,
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    options: CallOptions,
  ) {
    const raw = await this.send(method, path, body, options);
    const parsed = dataEnvelope(schema).safeParse(raw);
    if (!parsed.success) {
      throw new ErpNextError({
        kind: 'bad-response',
        request: `${method} ${path}`,
        messages: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`),
        body: raw,
      });
    }
    return parsed.data.data;
  }

  private async send(method: Method, path: string, body: unknown, options: CallOptions): Promise<unknown> {
    const request = `${method} ${path.split('?')[0]}`;
    let current: Exchange | undefined;
    try {
      return await this.policy.execute(
        async (attempt) => {
          const exchange: Exchange = { method, path, ...(body === undefined ? {} : { body }) };
          current = exchange;
          options.trace?.push(exchange);
          try {
            return await this.once(method, path, body, request, exchange, attempt);
          } catch (error) {
            if (error instanceof ErpNextError) exchange.error = error.message;
            throw error;
          }
        },
        {
          what: request,
          signal: options.signal,
          // A POST is sent again only when ERPNext surely did not act on it: throttled, or never reached.
          safeToRepeat: (error) =>
            method !== 'POST' ||
            (error instanceof ErpNextError && (error.status === 429 || error.notReached)),
        },
      );
    } catch (error) {
      const failure = fromPolicyFailure(error, request);
      // The policy gave up on an attempt past its time limit before the attempt itself noticed.
      if (failure instanceof ErpNextError && current && current.error === undefined)
        current.error = failure.message;
      throw failure;
    }
  }

  private async once(
    method: Method,
    path: string,
    body: unknown,
    request: string,
    exchange: Exchange,
    attempt: Attempt,
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          authorization: authorizationHeader(this.settings),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: attempt.signal,
      });
    } catch (error) {
      if (attempt.timedOut()) throw new ErpNextError({ kind: 'timeout', request });
      if (attempt.signal.aborted) throw error;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new ErpNextError({
        kind: 'unavailable',
        request,
        messages: [code ? `${code} (could not connect to ${this.base})` : String(error)],
        notReached: code !== undefined && notReachedCodes.has(code),
      });
    }
    exchange.status = response.status;
    const textBody = await response.text();
    let parsed: unknown = textBody;
    try {
      parsed = textBody.length > 0 ? JSON.parse(textBody) : undefined;
    } catch {
      // An HTML error or login page: kept as text for the person reading the failure.
    }
    exchange.response = typeof parsed === 'string' ? parsed.slice(0, 2000) : parsed;
    if (response.ok) {
      if (typeof parsed === 'string')
        throw new ErpNextError({
          kind: 'bad-response',
          request,
          status: response.status,
          body: textBody.slice(0, 500),
        });
      return parsed;
    }
    throw errorFromResponse(request, response.status, parsed, response.headers.get('retry-after'));
  }
}

function resourcePath(doctype: string, name: string): string {
  return `/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`;
}
