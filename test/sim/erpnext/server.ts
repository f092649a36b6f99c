/**
 * The ERPNext simulator: a real HTTP server on 127.0.0.1 serving Frappe's v1 REST API (/api/resource, /api/method)
 * for Customer, Address and Contact, with `token key:secret` and Basic authentication, the v1 error envelope (exc_type,
 * doubly encoded _server_messages, 417 for validation), 202 on DELETE, an optional rate limit answering 429 with
 * Retry-After, and signed outgoing webhooks. Controls let a test act as a person in ERPNext's desk, take the site down
 * and bring it back on the same port, and wait for webhooks to be delivered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { seededRandom } from '../seeded-random.js';
import { SiteClock } from './clock.js';
import { parseListParams, runList } from './list-query.js';
import { childDoctypes, FrappeException, FrappeSite, validationError, type Doc } from './site.js';
import { WebhookSender, type WebhookConfig } from './webhooks.js';

export interface ErpNextSimulatorOptions {
  seed?: number;
  apiKey?: string;
  apiSecret?: string;
  /** Site wall clock at start, naive local time (UTC site). */
  startTime?: string;
  /** Keep the site clock at or after the real time, so its `modified` compares with our own timestamps. */
  followRealTime?: boolean;
  customFields?: string[];
  customerNaming?: 'series' | 'customer_name';
  webhooks?: WebhookConfig[];
  /** Sleeps between webhook attempts; Frappe's are 1 s and 4 s. */
  webhookRetryDelaysMs?: number[];
  /**
   * Hold the reply to a REST write until the webhooks it fired have been answered. Frappe queues them to a background
   * worker that may deliver before the reply reaches the client (a busy client, a buffering proxy), so a receiver can
   * hear of a new Customer before the client that created it knows its name. Default off: both race, as they do.
   */
  webhooksBeforeReply?: boolean;
  /** Requests per second per key before 429; undefined: no limit. */
  rateLimitPerSecond?: number;
  /** System Settings → allow_error_traceback: adds `exception` and `exc` to error bodies. */
  allowErrorTraceback?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface ErpNextSimulator {
  url: string;
  port: number;
  site: FrappeSite;
  clock: SiteClock;
  requests: RequestRecord[];
  webhooks: WebhookSender;
  /** A person working in ERPNext's desk (fires webhooks like any write). */
  desk: {
    insert(doctype: string, data: Record<string, unknown>): Doc;
    update(doctype: string, name: string, data: Record<string, unknown>): Doc;
    delete(doctype: string, name: string): void;
  };
  /** Stops listening and drops open connections: clients get "connection refused". */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function errorBody(error: FrappeException, traceback: boolean): Record<string, unknown> {
  const message = JSON.stringify({
    message: error.message,
    title: 'Message',
    indicator: 'red',
    raise_exception: 1,
  });
  return {
    exc_type: error.excType,
    ...(traceback
      ? {
          exception: `frappe.exceptions.${error.excType}: ${error.message}`,
          exc: JSON.stringify([
            `Traceback (most recent call last):\n  ...\nfrappe.exceptions.${error.excType}: ${error.message}\n`,
          ]),
        }
      : {}),
    _server_messages: JSON.stringify([message]),
  };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    parsed = JSON.parse(new URLSearchParams(text).get('data') ?? '{}');
  } else {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw validationError('ValidationError', 'Request body is not valid JSON');
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw validationError('ValidationError', 'Request body must be a JSON object');
  // frappe/api/v1.py drops the `doctype` key of the body.
  const rest = { ...(parsed as Record<string, unknown>) };
  delete rest.doctype;
  return rest;
}

export async function startErpNextSimulator(
  options: ErpNextSimulatorOptions = {},
): Promise<ErpNextSimulator> {
  const apiKey = options.apiKey ?? 'sim-api-key';
  const apiSecret = options.apiSecret ?? 'sim-api-secret';
  const random = seededRandom(options.seed ?? 1);
  const clock = new SiteClock(options.startTime ?? '2026-03-02 09:00:00', random, options.followRealTime);
  const site = new FrappeSite({
    random,
    clock,
    customFields: options.customFields,
    customerNaming: options.customerNaming,
    user: 'integration@example.com',
  });
  const webhooks = new WebhookSender(options.webhooks ?? [], {
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1000, 4000],
    timeoutMs: 5000,
  });
  /** The deliveries fired by the write being answered, when its reply waits for them. */
  let firedByWrite: Promise<void>[] | undefined;
  site.onEvent((event, doc) => {
    const started = webhooks.send(event, doc);
    firedByWrite?.push(...started);
  });
  /** Site writes are synchronous, so the deliveries started during one are that write's. */
  async function write(apply: () => unknown): Promise<unknown> {
    if (!options.webhooksBeforeReply) return apply();
    const fired: Promise<void>[] = [];
    firedByWrite = fired;
    let result: unknown;
    try {
      result = apply();
    } finally {
      firedByWrite = undefined;
    }
    await Promise.all(fired);
    return result;
  }
  const requests: RequestRecord[] = [];
  const window = { second: 0, count: 0 };

  function authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    let credentials: string | undefined;
    if (header.startsWith('token ')) credentials = header.slice(6).trim();
    else if (header.startsWith('Basic ')) {
      credentials = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      if (!credentials.includes(':'))
        throw new FrappeException('InvalidAuthorizationToken', 401, 'Invalid authorization token');
    }
    if (credentials !== `${apiKey}:${apiSecret}`)
      throw new FrappeException('AuthenticationError', 401, 'Invalid login credentials');
  }

  function throttle(): void {
    if (!options.rateLimitPerSecond) return;
    const second = Math.floor(Date.now() / 1000);
    if (window.second !== second) Object.assign(window, { second, count: 0 });
    window.count += 1;
    if (window.count > options.rateLimitPerSecond)
      throw new FrappeException(
        'TooManyRequestsError',
        429,
        'You hit the rate limit because of too many requests. Please try after sometime.',
      );
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    throttle();
    authenticate(req);
    const path = url.pathname.replace(/^\/api\/v1\//, '/api/');
    if (path === '/api/method/frappe.auth.get_logged_user' && req.method === 'GET')
      return send(res, 200, { message: 'integration@example.com' });
    const m = /^\/api\/resource\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (!m) throw new FrappeException('DoesNotExistError', 404, `Page ${path} not found`);
    const doctype = decodeURIComponent(m[1]!);
    const name = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (name === undefined && req.method === 'GET') {
      if (childDoctypes.has(doctype)) {
        const parent = url.searchParams.get('parent');
        if (!parent || !site.isDoctype(parent))
          throw new FrappeException(
            'PermissionError',
            403,
            `Please specify a valid parent DocType for ${doctype}`,
          );
        const params = parseListParams(url.searchParams, 'idx asc');
        return send(res, 200, { data: runList(site.childRows(doctype, parent), params) });
      }
      if (!site.isDoctype(doctype))
        throw new FrappeException('DoesNotExistError', 404, `DocType ${doctype} not found`);
      const params = parseListParams(
        url.searchParams,
        doctype === 'Customer' ? 'creation desc' : 'modified desc',
      );
      return send(res, 200, { data: runList(site.all(doctype), params) });
    }
    if (!site.isDoctype(doctype))
      throw new FrappeException('DoesNotExistError', 404, `DocType ${doctype} not found`);
    if (name === undefined && req.method === 'POST') {
      const body = await readBody(req);
      return send(res, 200, { data: await write(() => site.insert(doctype, body)) });
    }
    if (name !== undefined && req.method === 'GET') return send(res, 200, { data: site.get(doctype, name) });
    if (name !== undefined && req.method === 'PUT') {
      const body = await readBody(req);
      return send(res, 200, { data: await write(() => site.update(doctype, name, body)) });
    }
    if (name !== undefined && req.method === 'DELETE') {
      await write(() => site.delete(doctype, name));
      return send(res, 202, { data: 'ok' });
    }
    throw new FrappeException('PermissionError', 403, `Not permitted: ${req.method} ${path}`);
  }

  const sockets = new Set<Socket>();
  let server: Server = makeServer();

  function makeServer(): Server {
    const s = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      route(req, res, url)
        .catch((error: unknown) => {
          const frappe =
            error instanceof FrappeException
              ? error
              : new FrappeException('Exception', 500, String((error as Error).message ?? error));
          send(
            res,
            frappe.status,
            errorBody(frappe, options.allowErrorTraceback ?? false),
            frappe.status === 429 ? { 'retry-after': '1' } : {},
          );
        })
        .finally(() => {
          requests.push({
            method: req.method ?? 'GET',
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            status: res.statusCode,
          });
        });
    });
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return s;
  }

  function listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async function stopListening(): Promise<void> {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  const port = await listen(0);
  let up = true;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    site,
    clock,
    requests,
    webhooks,
    desk: {
      insert: (doctype, data) => site.insert(doctype, data),
      update: (doctype, name, data) => site.update(doctype, name, data),
      delete: (doctype, name) => site.delete(doctype, name),
    },
    async goDown() {
      if (!up) return;
      up = false;
      await stopListening();
    },
    async comeBack() {
      if (up) return;
      server = makeServer();
      await listen(port);
      up = true;
    },
    async close() {
      await webhooks.idle();
      if (up) await stopListening();
      up = false;
    },
  };
}
