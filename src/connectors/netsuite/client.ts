/**
 * NetSuite REST client shared by every NetSuite flow: every request goes through the account's resilience policy
 * (requests per second, requests in flight, retries with backoff and jitter on concurrency refusals and server
 * errors, one re-authentication after a 401), SuiteQL paging (offset pages, and keyset paging past the 100,000-row
 * cap) and record reads.
 */
import { ResiliencePolicy } from '../../resilience/index.js';
import { OAuth2ClientCredentialsAuth, TokenBasedAuth, type NetSuiteAuth } from './auth.js';
import { NetSuiteAuthError, NetSuiteNetworkError, classify, netSuiteErrorFrom } from './errors.js';
import {
  itemRecordSchema,
  suiteQlPageSchema,
  type ItemRecord,
  type SuiteQlPage,
  type SuiteQlRow,
} from './schemas.js';
import type { NetSuiteCredentials, NetSuiteSettings, RetryPolicy } from './settings.js';

export type { RetryPolicy } from './settings.js';

export interface NetSuiteClientOptions {
  accountId: string;
  baseUrl: string;
  auth: NetSuiteAuth;
  requestsPerSecond: number;
  concurrency: number;
  retry: RetryPolicy;
  /** Rows one SuiteQL query can reach (NetSuite: 100,000); lower only to test keyset paging on small data. */
  resultCap?: number;
}

/** SuiteQL answers at most this many rows per query, whatever the paging. */
export const suiteQlResultCap = 100_000;
export const suiteQlMaxPageSize = 1000;

function authOf(credentials: NetSuiteCredentials): NetSuiteAuth {
  if (credentials.mode === 'tba') return new TokenBasedAuth(credentials);
  return new OAuth2ClientCredentialsAuth(credentials, credentials.tokenUrl);
}

export class NetSuiteClient {
  private readonly policy: ResiliencePolicy;
  /** Requests sent, retries included: what the account's governance sees. */
  requestsSent = 0;
  retries = 0;

  constructor(readonly options: NetSuiteClientOptions) {
    this.policy = new ResiliencePolicy({
      system: 'NetSuite',
      requestsPerSecond: options.requestsPerSecond,
      concurrency: options.concurrency,
      retries: options.retry.maxRetries,
      retryBaseMs: options.retry.baseDelayMs,
      retryMaxMs: options.retry.maxDelayMs,
      classify,
    });
  }

  /** Names the account a client talks to: features that talk to the same account must share one client. */
  static accountKey(settings: NetSuiteSettings): string {
    return `netsuite:${settings.accountId}@${settings.baseUrl}`;
  }

  static fromSettings(settings: NetSuiteSettings): NetSuiteClient {
    const { credentials, ...limits } = settings;
    return new NetSuiteClient({ ...limits, auth: authOf(credentials) });
  }

  get resultCap(): number {
    return this.options.resultCap ?? suiteQlResultCap;
  }

  get accountId(): string {
    return this.options.accountId;
  }

  get authMode(): 'oauth2' | 'tba' {
    return this.options.auth.mode;
  }

  /** One SuiteQL page. `offset` must be a multiple of `limit` (NetSuite refuses others). */
  async suiteql(query: string, page: { limit?: number; offset?: number } = {}): Promise<SuiteQlPage> {
    const limit = page.limit ?? suiteQlMaxPageSize;
    const offset = page.offset ?? 0;
    if (limit < 1 || limit > suiteQlMaxPageSize)
      throw new RangeError(`SuiteQL limit must be 1..1000, got ${limit}`);
    if (offset % limit !== 0)
      throw new RangeError(`SuiteQL offset ${offset} is not a multiple of limit ${limit}`);
    const url = new URL('/services/rest/query/v1/suiteql', this.options.baseUrl);
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('offset', String(offset));
    const body = await this.request('POST', url, { q: query }, 'a SuiteQL query', { prefer: 'transient' });
    return suiteQlPageSchema.parse(body);
  }

  /**
   * Every page of one query by offset, until `hasMore` is false or the 100,000-row cap is reached. The next page is
   * asked for before this one is handed over, so the account's request slots are used while the caller works.
   */
  async *suiteqlPages(query: string, limit = suiteQlMaxPageSize): AsyncGenerator<SuiteQlPage> {
    let next: Promise<SuiteQlPage> | undefined = this.suiteql(query, { limit, offset: 0 });
    for (let offset = 0; next; offset += limit) {
      const page: SuiteQlPage = await next;
      next = undefined;
      if (page.hasMore && offset + limit < this.resultCap) {
        next = this.suiteql(query, { limit, offset: offset + limit });
        // Its failure surfaces when awaited; a caller that stops early must not leave an unhandled rejection.
        next.catch(() => undefined);
      }
      yield page;
    }
  }

  /**
   * Every row of a query ordered by a numeric id, past the 100,000-row cap: offset pages within one query, and a
   * new query starting after the last id seen whenever the cap is reached. Each page says how many rows its query
   * matched, so callers can show a total.
   */
  async *suiteqlKeyset(
    queryAfter: (lastId: number) => string,
    limit = suiteQlMaxPageSize,
    startAfter = 0,
  ): AsyncGenerator<{ rows: SuiteQlRow[]; matchedByQuery: number; firstOfQuery: boolean }> {
    let lastId = startAfter;
    for (;;) {
      let rowsInQuery = 0;
      for await (const page of this.suiteqlPages(queryAfter(lastId), limit)) {
        const rows = page.items as SuiteQlRow[];
        const firstOfQuery = rowsInQuery === 0;
        rowsInQuery += rows.length;
        if (rows.length === 0) continue;
        lastId = Number(rows.at(-1)!.id);
        yield { rows, matchedByQuery: page.totalResults, firstOfQuery };
      }
      if (rowsInQuery < this.resultCap) return;
    }
  }

  /** A record by type and internal id; `expandSubResources` brings sublists such as the price matrix. */
  async getItemRecord(
    type: 'inventoryItem' | 'lotNumberedInventoryItem',
    id: string,
    expandSubResources = true,
  ): Promise<ItemRecord> {
    const url = new URL(`/services/rest/record/v1/${type}/${encodeURIComponent(id)}`, this.options.baseUrl);
    if (expandSubResources) url.searchParams.set('expandSubResources', 'true');
    return itemRecordSchema.parse(await this.request('GET', url, undefined, `GET ${type} ${id}`));
  }

  private async request(
    method: string,
    url: URL,
    json: unknown,
    what: string,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    return this.policy.execute(
      async (attempt) => {
        if (attempt.number > 1) this.retries++;
        return this.send(method, url, json, what, headers, attempt.signal);
      },
      {
        what,
        reauthenticate: async (error) => {
          // Only a token past its 60 minutes (or revoked) is cured by a new one, so only a 401 fetches one; a
          // refused role (403) or a refused client assertion fails at once, as before.
          if (!(error instanceof NetSuiteAuthError) || error.status !== 401) throw error;
          this.retries++;
          this.options.auth.invalidate();
        },
      },
    );
  }

  private async send(
    method: string,
    url: URL,
    json: unknown,
    what: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<unknown> {
    const authorization = await this.options.auth.authorize(method, url);
    this.requestsSent++;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization,
          accept: 'application/json',
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal,
      });
    } catch (error) {
      throw new NetSuiteNetworkError(what, error);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's HTML error page): kept as text for the error message.
    }
    if (response.ok) return body;
    throw netSuiteErrorFrom(response.status, body, what, response.headers.get('retry-after'));
  }

  async stop(): Promise<void> {
    await this.policy.stop();
  }
}
