/**
 * NetSuite REST client shared by every NetSuite flow: one limiter per account (requests per second and requests in
 * flight), retries with exponential backoff and jitter on concurrency refusals and server errors, re-authentication
 * after a 401, SuiteQL paging (offset pages, and keyset paging past the 100,000-row cap) and record reads.
 */
import { readFileSync } from 'node:fs';
import Bottleneck from 'bottleneck';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { OAuth2ClientCredentialsAuth, TokenBasedAuth, type NetSuiteAuth } from './auth.js';
import { accountHostName } from './dates.js';
import { NetSuiteAuthError, NetSuiteError, NetSuiteNetworkError, netSuiteErrorFrom } from './errors.js';
import {
  itemRecordSchema,
  suiteQlPageSchema,
  type ItemRecord,
  type SuiteQlPage,
  type SuiteQlRow,
} from './schemas.js';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface NetSuiteClientOptions {
  accountId: string;
  baseUrl: string;
  auth: NetSuiteAuth;
  requestsPerSecond: number;
  concurrency: number;
  retry: RetryPolicy;
  /** Rows one SuiteQL query can reach (NetSuite: 100,000); lower only to test keyset paging on small data. */
  resultCap?: number;
  log?: Logger;
}

/** SuiteQL answers at most this many rows per query, whatever the paging. */
export const suiteQlResultCap = 100_000;
export const suiteQlMaxPageSize = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NetSuiteClient {
  private readonly limiter: Bottleneck;
  /** Requests sent, retries included: what the account's governance sees. */
  requestsSent = 0;
  retries = 0;

  constructor(readonly options: NetSuiteClientOptions) {
    this.limiter = new Bottleneck({
      maxConcurrent: options.concurrency,
      minTime: Math.ceil(1000 / options.requestsPerSecond),
    });
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
    const { maxRetries, baseDelayMs, maxDelayMs } = this.options.retry;
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        // Each attempt waits its turn: retries count against the account's limits like any request.
        return await this.limiter.schedule(() => this.send(method, url, json, what, headers));
      } catch (error) {
        if (error instanceof NetSuiteAuthError && error.status === 401 && !reauthenticated) {
          // A token past its 60 minutes (or revoked) is refused with 401: fetch a new one once, then give up.
          reauthenticated = true;
          this.options.auth.invalidate();
          this.retries++;
          continue;
        }
        const retryable =
          (error instanceof NetSuiteError && !(error instanceof NetSuiteAuthError) && error.retryable) ||
          error instanceof NetSuiteNetworkError;
        if (!retryable || attempt >= maxRetries) throw error;
        const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
        const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random());
        const delay = retryAfterMs !== undefined ? Math.max(retryAfterMs, backoff / 2) : backoff;
        this.retries++;
        this.options.log?.warn(
          { what, attempt: attempt + 1, delayMs: Math.round(delay), err: (error as Error).message },
          'NetSuite request will be retried',
        );
        await sleep(delay);
      }
    }
  }

  private async send(
    method: string,
    url: URL,
    json: unknown,
    what: string,
    headers: Record<string, string>,
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
    const error = netSuiteErrorFrom(response.status, body, what);
    const retryAfter = Number(response.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0)
      Object.assign(error, { retryAfterMs: retryAfter * 1000 });
    throw error;
  }

  async stop(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true });
  }
}

export type NetSuiteSettings =
  { configured: true; client: NetSuiteClient } | { configured: false; reason: string };

function readPrivateKey(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

/** Builds the client from the configuration, or says which variables a person must set. */
export function netSuiteFromConfig(config: Config, log?: Logger): NetSuiteSettings {
  const accountId = config.NETSUITE_ACCOUNT_ID;
  if (!accountId)
    return {
      configured: false,
      reason:
        'NetSuite is not configured: set NETSUITE_ACCOUNT_ID and either NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID, NETSUITE_PRIVATE_KEY (OAuth 2.0) or NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID, NETSUITE_TOKEN_SECRET (token-based authentication)',
    };
  const baseUrl =
    config.NETSUITE_BASE_URL ?? `https://${accountHostName(accountId)}.suitetalk.api.netsuite.com`;
  let auth: NetSuiteAuth;
  if (config.NETSUITE_CLIENT_ID && config.NETSUITE_CERTIFICATE_ID && config.NETSUITE_PRIVATE_KEY) {
    auth = new OAuth2ClientCredentialsAuth(
      {
        clientId: config.NETSUITE_CLIENT_ID,
        certificateId: config.NETSUITE_CERTIFICATE_ID,
        privateKey: readPrivateKey(config.NETSUITE_PRIVATE_KEY),
        algorithm: config.NETSUITE_JWT_ALGORITHM,
        scopes: config.NETSUITE_SCOPES,
      },
      new URL('/services/rest/auth/oauth2/v1/token', baseUrl).toString(),
    );
  } else if (
    config.NETSUITE_CONSUMER_KEY &&
    config.NETSUITE_CONSUMER_SECRET &&
    config.NETSUITE_TOKEN_ID &&
    config.NETSUITE_TOKEN_SECRET
  ) {
    auth = new TokenBasedAuth({
      accountId,
      consumerKey: config.NETSUITE_CONSUMER_KEY,
      consumerSecret: config.NETSUITE_CONSUMER_SECRET,
      tokenId: config.NETSUITE_TOKEN_ID,
      tokenSecret: config.NETSUITE_TOKEN_SECRET,
    });
  } else {
    return {
      configured: false,
      reason: `NetSuite account ${accountId} has no complete credentials: set NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID and NETSUITE_PRIVATE_KEY (OAuth 2.0), or NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID and NETSUITE_TOKEN_SECRET (token-based authentication)`,
    };
  }
  return {
    configured: true,
    client: new NetSuiteClient({
      accountId,
      baseUrl,
      auth,
      requestsPerSecond: config.NETSUITE_REQUESTS_PER_SECOND,
      concurrency: config.NETSUITE_CONCURRENCY,
      retry: {
        maxRetries: config.NETSUITE_MAX_RETRIES,
        baseDelayMs: config.NETSUITE_RETRY_BASE_MS,
        maxDelayMs: 60_000,
      },
      log,
    }),
  };
}

/** One cheap authenticated call: the connection check behind `syncworker check netsuite`. */
export async function checkNetSuite(client: NetSuiteClient): Promise<{ ok: boolean; detail: string }> {
  try {
    const page = await client.suiteql('SELECT item.id FROM item ORDER BY item.id', { limit: 1 });
    return {
      ok: true,
      detail: `authenticated to NetSuite account ${client.accountId} with ${client.authMode === 'oauth2' ? 'OAuth 2.0' : 'token-based authentication'}; ${page.totalResults} items visible`,
    };
  } catch (error) {
    const hint =
      error instanceof NetSuiteAuthError
        ? 'check the credentials and that the integration role has REST Web Services and SuiteAnalytics Workbook permissions'
        : 'check NETSUITE_ACCOUNT_ID / NETSUITE_BASE_URL and the network';
    return { ok: false, detail: `${(error as Error).message}; ${hint}` };
  }
}
