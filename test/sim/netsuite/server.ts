/**
 * NetSuite simulator: a real HTTP server on 127.0.0.1 reproducing what the connector meets in a NetSuite account
 * (research apis.md §1 and §5): the OAuth 2.0 M2M token endpoint verifying PS256/ES256 client assertions, TBA
 * (OAuth 1.0a HMAC-SHA256) with nonce re-use refused, SuiteQL with its envelope, paging rules and 100,000-row cap,
 * the item record API, the per-account concurrency limit and NetSuite's error envelope; and, for the records flow,
 * the customer, transaction, transactionline, currency and deletedrecord tables in the account's date format.
 * Deterministic from its seed.
 */
import { createHmac, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseItemQuery, SuiteQlError } from './suiteql.js';
import { priceLevelNames, seedItems, type SimItem } from './items.js';
import type { AccountDateFormat } from './accountTime.js';
import { SimRecords, type RecordsSeedOptions } from './records.js';
import { parseRecordsQuery } from './records-suiteql.js';
import { seededRandom } from '../seeded-random.js';

export interface NetSuiteSimOptions {
  accountId?: string;
  seed?: number;
  itemCount?: number;
  /** Account/user time zone: SuiteQL dates come back in it. */
  timeZone?: string;
  /** The account's date preference: how SuiteQL shows a date column not wrapped in TO_CHAR. Default M/D/YYYY. */
  dateFormat?: AccountDateFormat;
  /** Customers, invoices and credit memos to seed (none by default). */
  records?: RecordsSeedOptions;
  /** The account's clock, for token lifetimes and TBA timestamps; tests move it to make 60 minutes pass. */
  clock?: () => number;
  oauth2?: {
    clientId: string;
    certificateId: string;
    publicKey: string | KeyObject;
    tokenLifetimeMs?: number;
  };
  tba?: { consumerKey: string; consumerSecret: string; tokenId: string; tokenSecret: string };
  /** In-flight requests allowed before 429 CONCURRENCY_LIMIT_EXCEEDED. */
  concurrencyLimit?: number;
  /** Time each request takes to answer. */
  latencyMs?: number;
  /** Rows a SuiteQL query can reach at most (NetSuite: 100,000). */
  resultCap?: number;
}

export interface NetSuiteSimStats {
  tokenRequests: number;
  tokensIssued: number;
  suiteqlRequests: number;
  recordRequests: number;
  refusedForConcurrency: number;
  refusedAuth: number;
  maxInFlight: number;
  requestTimes: number[];
}

export interface NetSuiteSim {
  url: string;
  accountId: string;
  items: SimItem[];
  /** Customers, transactions, their lines, currencies and the deleted-record log, with edits between runs. */
  records: SimRecords;
  stats: NetSuiteSimStats;
  /** Changes fields of an item as a user edit would, moving its last-modified date to now (or `at`). */
  editItem(
    id: number,
    change: { cost?: number; rollPrice?: number; prices?: Record<number, number>; skip?: boolean },
    at?: number,
  ): SimItem;
  /** Deterministic edits of `count` items, as a day of price changes would bring. */
  driftPrices(count: number): SimItem[];
  /**
   * The next `count` requests (after `afterRequests` more are answered) are refused as over the concurrency limit
   * (status 429, or 400 as some accounts answer).
   */
  refuseNext(count: number, status?: 429 | 400, afterRequests?: number): void;
  /** Every access token issued so far stops working, as 60 minutes passing would do. */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

const tokenPath = '/services/rest/auth/oauth2/v1/token';
const errorType = 'application/vnd.oracle.resource+json; type=error';

function errorBody(status: number, code: string, detail: string) {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
  };
  return {
    type: `https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.${status === 429 ? 'x' : status - 399}`,
    title: titles[status] ?? 'Error',
    status,
    'o:errorDetails': [{ detail, 'o:errorCode': code }],
  };
}

const invalidLogin =
  'Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function parseOAuthHeader(header: string): Record<string, string> | undefined {
  if (!header.startsWith('OAuth ')) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/(\w+)="([^"]*)"/g)) out[m[1]!] = decodeURIComponent(m[2]!);
  return out;
}

function b64urlJson(part: string | undefined): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function startNetSuiteSim(options: NetSuiteSimOptions = {}): Promise<NetSuiteSim> {
  const accountId = options.accountId ?? '1234567_SB1';
  const timeZone = options.timeZone ?? 'America/Los_Angeles';
  const seed = options.seed ?? 42;
  const limit = options.concurrencyLimit ?? 5;
  const cap = options.resultCap ?? 100_000;
  const tokenLifetimeMs = options.oauth2?.tokenLifetimeMs ?? 3_600_000;
  const publicKey = options.oauth2
    ? typeof options.oauth2.publicKey === 'string'
      ? createPublicKey(options.oauth2.publicKey)
      : options.oauth2.publicKey
    : undefined;
  const now = options.clock ?? Date.now;
  const dateFormat = options.dateFormat ?? 'M/D/YYYY';
  const items = seedItems(options.itemCount ?? 8000, seed, Date.now() - 3600_000);
  const records = new SimRecords(options.records ?? {}, seed, Date.now() - 3600_000);
  let cachedQuery: { q: string; version: number; rows: unknown[] } | undefined;
  const byId = new Map(items.map((i) => [i.id, i]));
  const drift = seededRandom(seed ^ 0x5eed);
  const accessTokens = new Map<string, number>();
  const seenNonces = new Set<string>();
  const stats: NetSuiteSimStats = {
    tokenRequests: 0,
    tokensIssued: 0,
    suiteqlRequests: 0,
    recordRequests: 0,
    refusedForConcurrency: 0,
    refusedAuth: 0,
    maxInFlight: 0,
    requestTimes: [],
  };
  let inFlight = 0;
  let refuse: { count: number; status: 429 | 400; after: number } = { count: 0, status: 429, after: 0 };
  let baseUrl = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': status >= 400 ? errorType : 'application/json', ...headers });
    res.end(json);
  };
  const fail = (
    res: ServerResponse,
    status: number,
    code: string,
    detail: string,
    headers: Record<string, string> = {},
  ) => send(res, status, errorBody(status, code, detail), headers);

  function tokenEndpoint(body: string, res: ServerResponse) {
    stats.tokenRequests++;
    const form = new URLSearchParams(body);
    if (!options.oauth2 || !publicKey) return send(res, 400, { error: 'unauthorized_client' });
    if (form.get('grant_type') !== 'client_credentials')
      return send(res, 400, { error: 'unsupported_grant_type' });
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return send(res, 400, { error: 'invalid_request' });
    const jwt = form.get('client_assertion') ?? '';
    const [h, p, s] = jwt.split('.');
    const header = b64urlJson(h);
    const claims = b64urlJson(p);
    if (!header || !claims || !s) return send(res, 400, { error: 'invalid_request' });
    if (header.typ !== 'JWT' || (header.alg !== 'PS256' && header.alg !== 'ES256'))
      return send(res, 400, { error: 'invalid_grant' });
    if (header.kid !== options.oauth2.certificateId) return send(res, 400, { error: 'invalid_grant' });
    const signed = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const good =
      header.alg === 'PS256'
        ? publicKey.asymmetricKeyType === 'rsa' &&
          verify(
            'sha256',
            signed,
            { key: publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 },
            signature,
          )
        : publicKey.asymmetricKeyType === 'ec' &&
          verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    if (!good) return send(res, 400, { error: 'invalid_grant' });
    const nowSeconds = Math.floor(now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (claims.iss !== options.oauth2.clientId) return send(res, 400, { error: 'invalid_client' });
    if (claims.aud !== `${baseUrl}${tokenPath}`) return send(res, 400, { error: 'invalid_grant' });
    if (
      !Number.isFinite(iat) ||
      !Number.isFinite(exp) ||
      exp - iat > 3600 ||
      exp <= nowSeconds ||
      iat > nowSeconds + 60
    )
      return send(res, 400, { error: 'invalid_grant' });
    const token = `${Buffer.from(JSON.stringify({ kid: 'sim', typ: 'JWT', alg: 'HS256' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({
        sub: '3;1042',
        aud: options.oauth2.clientId,
        scope: claims.scope,
        iss: 'https://system.netsuite.com',
        iat: nowSeconds,
        exp: nowSeconds + Math.ceil(tokenLifetimeMs / 1000),
      }),
    ).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(token, now() + tokenLifetimeMs);
    stats.tokensIssued++;
    send(res, 200, {
      access_token: token,
      expires_in: String(Math.ceil(tokenLifetimeMs / 1000)),
      token_type: 'bearer',
    });
  }

  function authenticate(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) {
      const expires = accessTokens.get(header.slice(7));
      return expires !== undefined && expires > now();
    }
    const oauth = parseOAuthHeader(header);
    const tba = options.tba;
    if (!oauth || !tba) return false;
    if (
      oauth.realm !== accountId ||
      oauth.oauth_signature_method !== 'HMAC-SHA256' ||
      oauth.oauth_version !== '1.0'
    )
      return false;
    if (oauth.oauth_consumer_key !== tba.consumerKey || oauth.oauth_token !== tba.tokenId) return false;
    const timestamp = Number(oauth.oauth_timestamp);
    if (!Number.isFinite(timestamp) || Math.abs(now() / 1000 - timestamp) > 300) return false;
    const nonceKey = `${oauth.oauth_consumer_key}:${oauth.oauth_nonce}`;
    if (!oauth.oauth_nonce || seenNonces.has(nonceKey)) return false;
    const params: [string, string][] = [];
    for (const [k, v] of Object.entries(oauth))
      if (k !== 'realm' && k !== 'oauth_signature') params.push([k, v]);
    for (const [k, v] of url.searchParams) params.push([k, v]);
    const normalized = params
      .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
      .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const base = [req.method!.toUpperCase(), rfc3986(`${baseUrl}${url.pathname}`), rfc3986(normalized)].join(
      '&',
    );
    const expected = createHmac('sha256', `${rfc3986(tba.consumerSecret)}&${rfc3986(tba.tokenSecret)}`)
      .update(base)
      .digest('base64');
    if (expected !== oauth.oauth_signature) return false;
    seenNonces.add(nonceKey);
    return true;
  }

  function suiteql(url: URL, body: string, req: IncomingMessage, res: ServerResponse) {
    stats.suiteqlRequests++;
    if (req.headers.prefer !== 'transient')
      return fail(
        res,
        400,
        'INVALID_PARAMETER',
        'The request header Prefer: transient is required for SuiteQL queries.',
      );
    let q: unknown;
    try {
      q = (JSON.parse(body) as { q?: unknown }).q;
    } catch {
      return fail(res, 400, 'INVALID_PARAMETER', 'The request body is not valid JSON.');
    }
    if (typeof q !== 'string')
      return fail(res, 400, 'INVALID_PARAMETER', 'The request body must contain the query in "q".');
    const pageSize = Number(url.searchParams.get('limit') ?? '1000');
    const offset = Number(url.searchParams.get('offset') ?? '0');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      return fail(
        res,
        400,
        'INVALID_PARAMETER',
        `Invalid value for query parameter limit: ${url.searchParams.get('limit')}. The value must be between 1 and 1000.`,
      );
    if (!Number.isInteger(offset) || offset < 0 || offset % pageSize !== 0)
      return fail(res, 400, 'INVALID_PARAMETER', 'The offset must be a multiple of the limit.');
    let result;
    try {
      result = runQuery(q);
    } catch (error) {
      if (error instanceof SuiteQlError) return fail(res, 400, error.code, error.message);
      throw error;
    }
    const matching = result.rows.slice(0, cap);
    const page = matching.slice(offset, offset + pageSize);
    const hasMore = offset + page.length < matching.length;
    const link = (o: number) => `${baseUrl}/services/rest/query/v1/suiteql?limit=${pageSize}&offset=${o}`;
    const links = [
      ...(offset > 0
        ? [
            { rel: 'first', href: link(0) },
            { rel: 'prev', href: link(Math.max(0, offset - pageSize)) },
          ]
        : []),
      ...(hasMore ? [{ rel: 'next', href: link(offset + pageSize) }] : []),
      ...(matching.length > 0
        ? [{ rel: 'last', href: link(Math.floor((matching.length - 1) / pageSize) * pageSize) }]
        : []),
      { rel: 'self', href: link(offset) },
    ];
    send(res, 200, {
      links,
      count: page.length,
      hasMore,
      offset,
      totalResults: matching.length,
      items: page.map((match) => {
        const row: Record<string, unknown> = { links: [] };
        for (const column of result.columns) {
          const value = column.value(match as never);
          if (value !== undefined) row[column.name] = value;
        }
        return row;
      }),
    });
  }

  /**
   * The rows a query matches, in its order. NetSuite runs a transient query again for every page; the last result is
   * kept while the data is unchanged, only so that paging through 200,000 lines stays fast.
   */
  function runQuery(q: string): {
    rows: unknown[];
    columns: { name: string; value: (row: never) => string | undefined }[];
  } {
    if (/ FROM item\b/i.test(q.replace(/\s+/g, ' '))) {
      const query = parseItemQuery(q, timeZone, dateFormat);
      return {
        columns: query.columns,
        rows: items.filter((item) => query.where.every((w) => w(item))).sort((a, b) => a.id - b.id),
      };
    }
    const query = parseRecordsQuery(q, { timeZone, dateFormat });
    if (cachedQuery?.q !== q || cachedQuery.version !== records.version)
      cachedQuery = { q, version: records.version, rows: query.run(records) };
    return { columns: query.columns, rows: cachedQuery.rows };
  }

  function itemRecord(type: string, id: string, url: URL, res: ServerResponse) {
    stats.recordRequests++;
    const item = byId.get(Number(id));
    const recordType = item?.lotNumbered ? 'lotnumberedinventoryitem' : 'inventoryitem';
    if (!item || type.toLowerCase() !== recordType)
      return fail(
        res,
        404,
        'NONEXISTENT_ID',
        `The record instance does not exist. Provide a valid record instance ID.`,
      );
    const self = `${baseUrl}/services/rest/record/v1/${type}/${id}`;
    const expand = url.searchParams.get('expandSubResources') === 'true';
    send(res, 200, {
      links: [{ rel: 'self', href: self }],
      id: String(item.id),
      itemId: item.itemid,
      displayName: item.displayname,
      ...(item.cost === undefined ? {} : { cost: item.cost }),
      ...(item.custitem_f3_rollprice === undefined
        ? {}
        : { custitem_f3_rollprice: item.custitem_f3_rollprice }),
      custitemf3_lisa_item: item.custitemf3_lisa_item,
      isInactive: item.isinactive,
      lastModifiedDate: new Date(Math.floor(item.lastModified / 1000) * 1000)
        .toISOString()
        .replace('.000Z', 'Z'),
      price: expand
        ? {
            links: [{ rel: 'self', href: `${self}/price` }],
            items: [...item.prices].map(([level, price]) => ({
              currencyPage: { id: '1', refName: 'USA' },
              priceLevel: { id: String(level), refName: priceLevelNames[level] ?? `Level ${level}` },
              quantity: { value: 0 },
              price,
            })),
          }
        : { links: [{ rel: 'self', href: `${self}/price` }] },
    });
  }

  // The handler answers every failure itself (the catch below), so nothing is left for the server to handle.
  const server = createServer(
    (req, res) =>
      void (async () => {
        inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
        stats.requestTimes.push(Date.now());
        try {
          const body = await readBody(req);
          const url = new URL(req.url ?? '/', baseUrl);
          if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
          if (req.method === 'POST' && url.pathname === tokenPath) return tokenEndpoint(body, res);
          const refusing = refuse.count > 0 && refuse.after-- <= 0;
          if (refusing || inFlight > limit) {
            if (refusing) refuse.count--;
            stats.refusedForConcurrency++;
            return fail(
              res,
              refuse.status,
              'CONCURRENCY_LIMIT_EXCEEDED',
              'Concurrent request limit exceeded. Request blocked.',
            );
          }
          if (!authenticate(req, url)) {
            stats.refusedAuth++;
            return fail(res, 401, 'INVALID_LOGIN', invalidLogin, {
              'www-authenticate': `Bearer realm="${accountId}", error="invalid_token", error_description="Invalid login attempt."`,
            });
          }
          if (url.pathname === '/services/rest/query/v1/suiteql') {
            if (req.method !== 'POST')
              return fail(res, 405, 'INVALID_METHOD', 'SuiteQL queries are sent with POST.');
            return suiteql(url, body, req, res);
          }
          const record =
            /^\/services\/rest\/record\/v1\/(inventoryItem|lotNumberedInventoryItem|inventoryitem|lotnumberedinventoryitem)\/(\d+)$/.exec(
              url.pathname,
            );
          if (record && req.method === 'GET') return itemRecord(record[1]!, record[2]!, url, res);
          fail(res, 404, 'INVALID_URL', `Invalid URL: ${url.pathname} is not a known REST resource.`);
        } catch (error) {
          fail(res, 500, 'UNEXPECTED_ERROR', `An unexpected error occurred: ${(error as Error).message}`);
        } finally {
          inFlight--;
        }
      })(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const editItem: NetSuiteSim['editItem'] = (id, change, at) => {
    const item = byId.get(id);
    if (!item) throw new Error(`simulated item ${id} does not exist`);
    if (change.cost !== undefined) item.cost = change.cost;
    if (change.rollPrice !== undefined) item.custitem_f3_rollprice = change.rollPrice;
    if (change.skip !== undefined) item.custitemf3_lisa_item = change.skip;
    for (const [level, price] of Object.entries(change.prices ?? {})) item.prices.set(Number(level), price);
    item.lastModified = at ?? Date.now();
    return item;
  };

  return {
    url: baseUrl,
    accountId,
    items,
    records,
    stats,
    editItem,
    driftPrices(count) {
      const changed: SimItem[] = [];
      for (let n = 0; n < count; n++) {
        const item = items[Math.floor(drift() * items.length)]!;
        const base = Math.round((5 + drift() * 295) * 100) / 100;
        changed.push(editItem(item.id, { prices: { 1: base, 5: Math.round(base * 1.8 * 100) / 100 } }));
      }
      return changed;
    },
    refuseNext(count, status = 429, afterRequests = 0) {
      refuse = { count, status, after: afterRequests };
    },
    expireAccessTokens() {
      for (const token of accessTokens.keys()) accessTokens.set(token, 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
